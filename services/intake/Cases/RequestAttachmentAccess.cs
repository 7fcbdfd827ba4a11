using System.Security.Claims;
using Dapper;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Attachments;
using Npgsql;

namespace GovPlatform.Intake.Cases;

/// <summary>
/// A resident's photo is for the staff handling the case, not for everyone with a staff token: the desk; grid
/// workers, grid leaders, community cadres and subdistrict officers whose node is on the request's location path
/// (the same scope dispatch shows them the work order in); and departments once the case was whistled to them.
/// The uploader and admins may always read (AttachmentUploads checks those).
/// </summary>
public sealed class RequestAttachmentAccess(NpgsqlDataSource db) : IAttachmentAccess
{
    public const string RequestOwner = "request";

    private const string Visible = """
        SELECT EXISTS (
            SELECT 1 FROM requests r
            WHERE r.id = @ownerId
              AND (@desk
                   OR (@scopeNode::text IS NOT NULL AND @scopeNode = ANY(r.location_path))
                   OR (@department::text IS NOT NULL AND EXISTS (
                          SELECT 1 FROM request_timeline t
                          WHERE t.request_id = r.id AND t.event = 'whistled' AND t.detail->'departments' ? @department))))
        """;

    public async Task<bool> MayReadAsync(ClaimsPrincipal user, string ownerKind, Guid ownerId, CancellationToken ct)
    {
        if (ownerKind != RequestOwner) return false;
        var nodeRole = user.IsInRole(Roles.GridWorker) || user.IsInRole(Roles.GridLeader)
            || user.IsInRole(Roles.CommunityCadre) || user.IsInRole(Roles.SubdistrictOfficer);
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.ExecuteScalarAsync<bool>(new CommandDefinition(Visible, new
        {
            ownerId,
            desk = user.IsInRole(Roles.DeskOperator),
            scopeNode = nodeRole ? user.ScopeNodeOf() : null,
            department = user.IsInRole(Roles.Department) ? user.DepartmentOf() : null,
        }, cancellationToken: ct));
    }
}
