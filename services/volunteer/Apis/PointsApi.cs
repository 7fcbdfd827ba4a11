using System.Security.Claims;
using Dapper;
using GovPlatform.ServiceDefaults;
using GovPlatform.Volunteer.Points;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using static GovPlatform.Volunteer.Volunteers.VolunteerAccess;

namespace GovPlatform.Volunteer.Apis;

public static class PointsApi
{
    public sealed record EntryDto(Guid Id, string Kind, long Amount, string Reason, string CreatedBy, DateTime CreatedAt, DateTime? ExpiresAt);
    public sealed record AccountDto(Guid VolunteerId, long Balance, IReadOnlyList<EntryDto> Entries);
    public sealed record ExpiryRunResult(int Entries, long Points, DateTimeOffset At);
    public sealed record AccountLine(string Account, long Balance);
    public sealed record TrialBalance(IReadOnlyList<AccountLine> SystemAccounts, long VolunteerAccounts, long Total,
        long UnbalancedEntries, long CachedBalanceMismatches, long NegativeVolunteerAccounts);

    public static void MapPointsApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/points").WithTags("Points ledger");

        api.MapGet("/accounts/{volunteerId:guid}", GetPointsAccount)
            .RequireRoles(Roles.Volunteer, Roles.Organiser, Roles.Admin)
            .WithName("GetPointsAccount")
            .WithSummary("A volunteer's balance and latest entries (volunteers: their own only)");

        api.MapPost("/awards", Award)
            .RequireRoles(Roles.Organiser, Roles.Admin)
            .WithName("AwardPoints")
            .WithSummary("Award bonus points once per source key (a repeat returns the original award)");

        api.MapPost("/corrections", Correct)
            .RequireRoles(Roles.Admin)
            .WithName("CorrectPoints")
            .WithSummary("An admin's correction of a balance, with a reason; it cannot take a balance below zero");

        api.MapPost("/expiry-runs", RunPointsExpiry)
            .RequireRoles(Roles.Admin)
            .WithName("RunPointsExpiry")
            .WithSummary("Lapse the unspent points of awards whose expiry has passed (safe to repeat)");

        api.MapGet("/trial-balance", GetTrialBalance)
            .RequireRoles(Roles.Admin)
            .WithName("GetTrialBalance")
            .WithSummary("The ledger's trial balance: system accounts, the volunteers' total, and any broken invariant (all zero when sound)");
    }

    private static async Task<Results<Ok<AccountDto>, NotFound, ProblemHttpResult>> GetPointsAccount(
        Guid volunteerId, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
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
    }

    private static async Task<Ok<ExpiryRunResult>> RunPointsExpiry(NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var (entries, points) = await PointsBook.ExpireDueAsync(db, now, ct);
        return TypedResults.Ok(new ExpiryRunResult(entries, points, now));
    }

    private static async Task<Ok<TrialBalance>> GetTrialBalance(NpgsqlDataSource db, CancellationToken ct)
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

    private static Task<Results<Created<AwardResult>, Ok<AwardResult>, ValidationProblem, ProblemHttpResult>> Award(
        AwardBody body, ClaimsPrincipal user, PointsDesk desk, CancellationToken ct) =>
        desk.AwardAsync(body, user, ct);

    private static Task<Results<Created<CorrectionResult>, ValidationProblem, ProblemHttpResult>> Correct(
        CorrectionBody body, ClaimsPrincipal user, PointsDesk desk, CancellationToken ct) =>
        desk.CorrectAsync(body, user, ct);
}
