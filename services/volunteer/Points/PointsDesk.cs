using System.Security.Claims;
using Dapper;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using static GovPlatform.Volunteer.Volunteers.VolunteerAccess;

namespace GovPlatform.Volunteer.Points;

public sealed record AwardBody(Guid VolunteerId, long Points, string Reason, string SourceKey, DateTimeOffset? ExpiresAt = null);
public sealed record AwardResult(Guid EntryId, Guid VolunteerId, long Points, long Balance, bool Duplicate);
public sealed record CorrectionBody(Guid VolunteerId, long Points, string Reason);
public sealed record CorrectionResult(Guid EntryId, Guid VolunteerId, long Points, long Balance);

/// <summary>Staff's hand on the ledger, one transaction each: a bonus award made once per source key, and an admin's correction.</summary>
public sealed class PointsDesk(NpgsqlDataSource db, TimeProvider clock)
{
    /// <summary>Manual awards get a prefix so they can never take the key of a check-out, a case or a redemption.</summary>
    public const string BonusKeyPrefix = "bonus:";

    public async Task<Results<Created<AwardResult>, Ok<AwardResult>, ValidationProblem, ProblemHttpResult>> AwardAsync(
        AwardBody body, ClaimsPrincipal user, CancellationToken ct)
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
    }

    public async Task<Results<Created<CorrectionResult>, ValidationProblem, ProblemHttpResult>> CorrectAsync(
        CorrectionBody body, ClaimsPrincipal user, CancellationToken ct)
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
    }
}
