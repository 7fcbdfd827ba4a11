using System.Security.Claims;
using Dapper;
using GovPlatform.ServiceDefaults;
using GovPlatform.Volunteer.Points;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Volunteer.Apis;

public static class PointsApi
{
    public sealed record AwardBody(Guid VolunteerId, long Points, string Reason, string SourceKey, DateTimeOffset? ExpiresAt = null);
    public sealed record AwardResult(Guid EntryId, Guid VolunteerId, long Points, long Balance, bool Duplicate);
    public sealed record CorrectionBody(Guid VolunteerId, long Points, string Reason);
    public sealed record CorrectionResult(Guid EntryId, Guid VolunteerId, long Points, long Balance);
    public sealed record EntryDto(Guid Id, string Kind, long Amount, string Reason, string CreatedBy, DateTime CreatedAt, DateTime? ExpiresAt);
    public sealed record AccountDto(Guid VolunteerId, long Balance, IReadOnlyList<EntryDto> Entries);
    public sealed record ExpiryRunResult(int Entries, long Points, DateTimeOffset At);
    public sealed record AccountLine(string Account, long Balance);
    public sealed record TrialBalance(IReadOnlyList<AccountLine> SystemAccounts, long VolunteerAccounts, long Total,
        long UnbalancedEntries, long CachedBalanceMismatches, long NegativeVolunteerAccounts);

    /// <summary>Manual awards get a prefix so they can never take the key of a check-out, a case or a redemption.</summary>
    public const string BonusKeyPrefix = "bonus:";

    public static void MapPointsApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/points").WithTags("Points ledger");

        api.MapGet("/accounts/{volunteerId:guid}", async Task<Results<Ok<AccountDto>, NotFound, ProblemHttpResult>> (
                Guid volunteerId, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct) =>
            {
                await using var conn = await db.OpenConnectionAsync(ct);
                if (!await MaySeeAsync(conn, user, volunteerId, ct))
                    return Forbidden("Volunteers see only their own points; organisers those of people signed up to their activities.");
                if (!await VolunteerExistsAsync(conn, volunteerId, ct)) return TypedResults.NotFound();
                const string entries = """
                    SELECT e.id, e.kind, p.amount, e.reason, e.created_by AS CreatedBy, e.created_at AS CreatedAt, e.expires_at AS ExpiresAt
                    FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id
                    WHERE p.account = @account
                    ORDER BY p.id DESC
                    LIMIT 200
                    """;
                var rows = await conn.QueryAsync<EntryDto>(new CommandDefinition(entries, new { account = Accounts.Of(volunteerId) }, cancellationToken: ct));
                return TypedResults.Ok(new AccountDto(volunteerId, await Ledger.BalanceAsync(conn, null, volunteerId, ct), rows.AsList()));
            })
            .RequireRoles(Roles.Volunteer, Roles.Organiser, Roles.Admin)
            .WithName("GetPointsAccount")
            .WithSummary("A volunteer's balance and latest entries (volunteers: their own only)");

        api.MapPost("/awards", async Task<Results<Created<AwardResult>, Ok<AwardResult>, ValidationProblem, ProblemHttpResult>> (
                AwardBody body, ClaimsPrincipal user, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct) =>
            {
                var now = clock.GetUtcNow();
                var errors = new Dictionary<string, string[]>();
                if (body.Points is < 1 or > 10_000) errors["points"] = ["An award is 1-10000 points."];
                if (BadText(body.Reason, 200)) errors["reason"] = ["A reason of 1-200 characters without control characters is required."];
                if (BadText(body.SourceKey, 100)) errors["sourceKey"] = ["A source key of 1-100 characters without control characters is required; it makes the award happen once."];
                if (body.ExpiresAt is { } expires && expires <= now) errors["expiresAt"] = ["Must be in the future."];
                await using var conn = await db.OpenConnectionAsync(ct);
                if (!await VolunteerExistsAsync(conn, body.VolunteerId, ct)) errors["volunteerId"] = ["No such volunteer."];
                if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The points were not awarded.");
                // Points are money: an organiser may reward the people of their own activities, not mint points for anyone.
                if (!user.IsInRole(Roles.Admin) && !await DealsWithAsync(conn, user, body.VolunteerId, ct))
                    return Forbidden("Organisers award bonus points only to people signed up to their activities, never to themselves.");

                var sourceKey = BonusKeyPrefix + body.SourceKey;
                await using var tx = await conn.BeginTransactionAsync(ct);
                var entryId = await PointsBook.AwardAsync(tx, new PointsBook.Award(body.VolunteerId, body.Points, body.Reason, sourceKey,
                    user.SubjectOf() ?? "unknown", now, body.ExpiresAt), ct);
                await tx.CommitAsync(ct);

                var balance = await Ledger.BalanceAsync(conn, null, body.VolunteerId, ct);
                if (entryId is { } id)
                    return TypedResults.Created($"/api/v1/points/accounts/{body.VolunteerId}", new AwardResult(id, body.VolunteerId, body.Points, balance, false));
                // Asked again with the same key: report the award that stands, credit nothing.
                var original = await conn.QuerySingleAsync<(Guid Id, long Points)>(new CommandDefinition(
                    "SELECT id, points FROM ledger_entries WHERE source_key = @sourceKey", new { sourceKey }, cancellationToken: ct));
                return TypedResults.Ok(new AwardResult(original.Id, body.VolunteerId, original.Points, balance, true));
            })
            .RequireRoles(Roles.Organiser, Roles.Admin)
            .WithName("AwardPoints")
            .WithSummary("Award bonus points once per source key (a repeat returns the original award)");

        api.MapPost("/corrections", async Task<Results<Created<CorrectionResult>, ValidationProblem, ProblemHttpResult>> (
                CorrectionBody body, ClaimsPrincipal user, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct) =>
            {
                var errors = new Dictionary<string, string[]>();
                if (body.Points is 0 or < -100_000 or > 100_000) errors["points"] = ["A correction is a non-zero number of points, at most 100000 either way."];
                if (BadText(body.Reason, 500) || body.Reason.Trim().Length < 2) errors["reason"] = ["A correction needs a reason of 2-500 characters."];
                await using var conn = await db.OpenConnectionAsync(ct);
                if (!await VolunteerExistsAsync(conn, body.VolunteerId, ct)) errors["volunteerId"] = ["No such volunteer."];
                if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The correction was not recorded.");

                await using var tx = await conn.BeginTransactionAsync(ct);
                try
                {
                    var id = await PointsBook.CorrectAsync(tx, body.VolunteerId, body.Points, body.Reason.Trim(), user.SubjectOf() ?? "unknown", clock.GetUtcNow(), ct);
                    await tx.CommitAsync(ct);
                    var balance = await Ledger.BalanceAsync(conn, null, body.VolunteerId, ct);
                    return TypedResults.Created($"/api/v1/points/accounts/{body.VolunteerId}", new CorrectionResult(id, body.VolunteerId, body.Points, balance));
                }
                catch (InsufficientPointsException e)
                {
                    await tx.RollbackAsync(ct);
                    return Insufficient(e);
                }
            })
            .RequireRoles(Roles.Admin)
            .WithName("CorrectPoints")
            .WithSummary("An admin's correction of a balance, with a reason; it cannot take a balance below zero");

        api.MapPost("/expiry-runs", async (NpgsqlDataSource db, TimeProvider clock, CancellationToken ct) =>
            {
                var now = clock.GetUtcNow();
                var (entries, points) = await PointsBook.ExpireDueAsync(db, now, ct);
                return TypedResults.Ok(new ExpiryRunResult(entries, points, now));
            })
            .RequireRoles(Roles.Admin)
            .WithName("RunPointsExpiry")
            .WithSummary("Lapse the unspent points of awards whose expiry has passed (safe to repeat)");

        api.MapGet("/trial-balance", async (NpgsqlDataSource db, CancellationToken ct) =>
            {
                await using var conn = await db.OpenConnectionAsync(ct);
                var system = await conn.QueryAsync<AccountLine>(new CommandDefinition("""
                    SELECT a.id AS Account, coalesce(sum(p.amount), 0)::bigint AS Balance
                    FROM point_accounts a LEFT JOIN ledger_postings p ON p.account = a.id
                    WHERE a.kind = 'system' GROUP BY a.id ORDER BY a.id
                    """, cancellationToken: ct));
                var check = await conn.QuerySingleAsync<(long Volunteers, long Total, long Unbalanced, long Mismatched, long Negative)>(
                    new CommandDefinition(InvariantSql, cancellationToken: ct));
                return TypedResults.Ok(new TrialBalance(system.AsList(), check.Volunteers, check.Total, check.Unbalanced, check.Mismatched, check.Negative));
            })
            .RequireRoles(Roles.Admin)
            .WithName("GetTrialBalance")
            .WithSummary("The ledger's trial balance: system accounts, the volunteers' total, and any broken invariant (all zero when sound)");
    }

    /// <summary>Every way the books could be wrong, counted; all zero (and Total zero) when they are right.</summary>
    public const string InvariantSql = """
        SELECT
          (SELECT coalesce(sum(amount), 0) FROM ledger_postings WHERE account LIKE 'volunteer:%')::bigint,
          (SELECT coalesce(sum(amount), 0) FROM ledger_postings)::bigint,
          (SELECT count(*) FROM (SELECT e.id FROM ledger_entries e LEFT JOIN ledger_postings p ON p.entry_id = e.id
                                 GROUP BY e.id HAVING coalesce(sum(p.amount), 0) <> 0 OR count(p.id) < 2) u),
          (SELECT count(*) FROM point_accounts a
           WHERE a.kind = 'volunteer' AND a.balance <> (SELECT coalesce(sum(amount), 0) FROM ledger_postings p WHERE p.account = a.id)),
          (SELECT count(*) FROM point_accounts WHERE kind = 'volunteer' AND balance < 0)
        """;

    /// <summary>
    /// Who may see or act on a volunteer's records: admins all; a volunteer themselves; an
    /// organiser only the people holding a sign-up (confirmed or waiting) for one of the
    /// organiser's own activities, since that is the only business an organiser has with them.
    /// </summary>
    internal static async Task<bool> MaySeeAsync(NpgsqlConnection conn, ClaimsPrincipal user, Guid volunteerId, CancellationToken ct)
    {
        if (user.IsInRole(Roles.Admin) || user.SubjectOf() == volunteerId.ToString()) return true;
        return await DealsWithAsync(conn, user, volunteerId, ct);
    }

    /// <summary>The caller is an organiser, not the volunteer themselves, and the volunteer is signed up to one of their activities.</summary>
    internal static async Task<bool> DealsWithAsync(NpgsqlConnection conn, ClaimsPrincipal user, Guid volunteerId, CancellationToken ct)
    {
        if (!user.IsInRole(Roles.Organiser) || user.SubjectOf() is not { } organiser || organiser == volunteerId.ToString()) return false;
        return await conn.ExecuteScalarAsync<bool>(new CommandDefinition($"SELECT EXISTS ({SignedUpWithOrganiser} AND s.volunteer_id = @volunteerId)",
            new { organiser, volunteerId }, cancellationToken: ct));
    }

    /// <summary>The volunteers an organiser deals with: sign-ups (not cancelled) to the organiser's activities.</summary>
    internal const string SignedUpWithOrganiser = """
        SELECT s.volunteer_id FROM signups s JOIN activities a ON a.id = s.activity_id
        WHERE a.organiser = @organiser AND s.status <> 'cancelled'
        """;

    internal static bool BadText(string? s, int max) => string.IsNullOrWhiteSpace(s) || s.Length > max || s.Any(char.IsControl);

    internal static async Task<bool> VolunteerExistsAsync(NpgsqlConnection conn, Guid id, CancellationToken ct) =>
        await conn.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT EXISTS (SELECT 1 FROM volunteers WHERE id = @id)", new { id }, cancellationToken: ct));

    internal static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not yours to see or change.", detail: detail);

    internal static ProblemHttpResult Insufficient(InsufficientPointsException e) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not enough points.", detail: e.Message,
            extensions: new Dictionary<string, object?> { ["balance"] = e.Balance, ["needed"] = e.Needed });
}
