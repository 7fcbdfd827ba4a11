using System.Security.Claims;
using Dapper;
using GovPlatform.Intake.Access;
using GovPlatform.ServiceDefaults;
using Npgsql;

namespace GovPlatform.Intake.Cases;

/// <summary>
/// The resident's whole phone number, for those who must call back: the callback desk (desk operators) and admins,
/// and the grid workers and grid leaders whose grid the request lies in (to arrange the visit they are sent on).
/// Every other answer shows it masked; each read here leaves a row in <c>contact_access_log</c>, written in the
/// same transaction as the read, so no number leaves without its record.
/// </summary>
public static class ContactAccess
{
    /// <summary>Why the number is needed: the log keeps one of these, and an optional note.</summary>
    public static readonly string[] Reasons = ["callback", "verify_details", "arrange_visit"];

    public sealed record ContactDto(Guid RequestId, string TicketNo, string? ReporterName, string? ReporterPhone, string Reason, DateTimeOffset LoggedAt);

    // Property-style because Dapper matches constructors by exact column type (text[] is System.Array).
    public sealed record LogEntryDto
    {
        public long Id { get; init; }
        public Guid RequestId { get; init; }
        public required string ViewedBy { get; init; }
        public string? ViewerName { get; init; }
        public required string[] Roles { get; init; }
        public required string Reason { get; init; }
        public string? Note { get; init; }
        public DateTime At { get; init; }
    }

    private sealed record Reporter(string TicketNo, string? ReporterName, string? ReporterPhone);

    public static Dictionary<string, string[]> Validate(string? reason, string? note)
    {
        var errors = new Dictionary<string, string[]>();
        if (reason is null || !Reasons.Contains(reason))
            errors["reason"] = [$"Say why you need the number: one of {string.Join(", ", Reasons)}."];
        if (note is { Length: 0 or > 200 }) errors["note"] = ["1 to 200 characters."];
        return errors;
    }

    /// <summary>The reporter, unmasked, with the read logged; null when there is no such request.</summary>
    public static async Task<ContactDto?> ReadAsync(NpgsqlDataSource db, Guid requestId, ClaimsPrincipal user, string reason, string? note,
        DateTimeOffset now, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // Someone in the grid reads only the requests of their grid; anything else answers as if it did not exist.
        var desk = user.IsInRole(Roles.DeskOperator) || user.IsInRole(Roles.Admin);
        var reporter = await conn.QuerySingleOrDefaultAsync<Reporter>(new CommandDefinition("""
            SELECT ticket_no AS TicketNo, reporter_name AS ReporterName, reporter_phone AS ReporterPhone FROM requests
            WHERE id = @requestId AND (@desk OR (@scopeNode::text IS NOT NULL AND @scopeNode = ANY(location_path)))
            """, new { requestId, desk, scopeNode = user.ScopeNodeOf() }, tx, cancellationToken: ct));
        if (reporter is null) return null;
        const string log = """
            INSERT INTO contact_access_log (request_id, viewed_by, viewer_name, roles, reason, note, at)
            VALUES (@requestId, @viewedBy, @viewerName, @roles, @reason, @note, @now)
            """;
        await conn.ExecuteAsync(new CommandDefinition(log, new
        {
            requestId, viewedBy = user.Actor(), viewerName = user.FindFirst("name")?.Value,
            roles = user.FindAll("role").Select(c => c.Value).ToArray(), reason, note, now,
        }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return new ContactDto(requestId, reporter.TicketNo, reporter.ReporterName, reporter.ReporterPhone, reason, now);
    }

    public static async Task<List<LogEntryDto>> LogAsync(NpgsqlDataSource db, Guid? requestId, string? viewedBy, int limit, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<LogEntryDto>(new CommandDefinition("""
            SELECT id, request_id AS RequestId, viewed_by AS ViewedBy, viewer_name AS ViewerName, roles, reason, note, at
            FROM contact_access_log
            WHERE (@requestId::uuid IS NULL OR request_id = @requestId)
              AND (@viewedBy::text IS NULL OR viewed_by = @viewedBy)
            ORDER BY at DESC, id DESC
            LIMIT @limit
            """, new { requestId, viewedBy, limit }, cancellationToken: ct));
        return rows.AsList();
    }
}
