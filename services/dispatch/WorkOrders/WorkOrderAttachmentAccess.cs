using System.Security.Claims;
using Dapper;
using GovPlatform.ServiceDefaults.Attachments;
using Npgsql;

namespace GovPlatform.Dispatch.WorkOrders;

/// <summary>A work order's photos are for whoever may see the order itself (<see cref="Actor.VisibleSql"/>): the same scope, the same 404.</summary>
public sealed class WorkOrderAttachmentAccess(NpgsqlDataSource db) : IAttachmentAccess
{
    public const string WorkOrderOwner = "work_order";

    public async Task<bool> MayReadAsync(ClaimsPrincipal user, string ownerKind, Guid ownerId, CancellationToken ct)
    {
        if (ownerKind != WorkOrderOwner) return false;
        var param = new DynamicParameters(Actor.From(user).Parameters);
        param.Add("id", ownerId);
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            $"SELECT EXISTS (SELECT 1 FROM work_orders o WHERE o.id = @id AND {Actor.VisibleSql})", param, cancellationToken: ct));
    }
}
