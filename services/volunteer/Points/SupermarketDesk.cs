using System.Security.Claims;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using static GovPlatform.Volunteer.Volunteers.VolunteerAccess;

namespace GovPlatform.Volunteer.Points;

public sealed record RedemptionDto(Guid Id, Guid VolunteerId, string ItemCode, int Quantity, long Points, string Status,
    DateTime CreatedAt, DateTime UpdatedAt);

/// <summary>
/// The end of a points-supermarket reservation, one transaction each: picked up (the held points are spent) or
/// cancelled (points refunded, stock returned). Reserving is <see cref="Redemptions"/>'.
/// </summary>
public sealed class SupermarketDesk(NpgsqlDataSource db, TimeProvider clock)
{
    public const string SelectRedemption = """
        SELECT id, volunteer_id AS VolunteerId, item_code AS ItemCode, quantity, points, status,
               created_at AS CreatedAt, updated_at AS UpdatedAt
        FROM redemptions
        """;

    private sealed record Claimed(Guid VolunteerId, string ItemCode, int Quantity, long Points);

    public async Task<Results<Ok<RedemptionDto>, NotFound, ProblemHttpResult>> PickUpAsync(Guid id, ClaimsPrincipal user, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var by = user.SubjectOf() ?? "unknown";
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var r = await conn.QuerySingleOrDefaultAsync<Claimed>(new CommandDefinition(Settle, new { id, to = "picked_up", now, by }, tx, cancellationToken: ct));
        if (r is null) return await NotReservedAsync(conn, id, ct);

        await Ledger.PostAsync(tx, new LedgerEntry(NewId.NextGuid(), EntryKinds.Pickup, $"redemption:{id}:pickup", r.VolunteerId, r.Points,
                "领取兑换物品 goods picked up", by, now),
            [new(Accounts.Held, -r.Points), new(Accounts.Spent, r.Points)], ct);
        await Outbox.EnqueueAsync(tx, new RedemptionPickedUp(id, r.VolunteerId, r.Points, r.ItemCode, r.Quantity, by, now), ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(await GetAsync(conn, id, ct));
    }

    public async Task<Results<Ok<RedemptionDto>, NotFound, ProblemHttpResult>> CancelAsync(Guid id, ClaimsPrincipal user, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var by = user.SubjectOf() ?? "unknown";
        await using var conn = await db.OpenConnectionAsync(ct);
        var owner = await conn.ExecuteScalarAsync<Guid?>(new CommandDefinition("SELECT volunteer_id FROM redemptions WHERE id = @id", new { id }, cancellationToken: ct));
        if (owner is not { } volunteerId) return TypedResults.NotFound();
        if (!await MaySeeAsync(conn, user, volunteerId, ct))
            return Forbidden("Volunteers cancel only their own redemptions; organisers those of people signed up to their activities.");

        await using var tx = await conn.BeginTransactionAsync(ct);
        await Ledger.LockAccountAsync(conn, tx, volunteerId, ct);
        var r = await conn.QuerySingleOrDefaultAsync<Claimed>(new CommandDefinition(Settle, new { id, to = "cancelled", now, by }, tx, cancellationToken: ct));
        if (r is null) return await NotReservedAsync(conn, id, ct);

        await Ledger.PostAsync(tx, new LedgerEntry(NewId.NextGuid(), EntryKinds.Refund, $"redemption:{id}:refund", volunteerId, r.Points,
                "取消兑换退还积分 redemption cancelled", by, now),
            [new(Accounts.Held, -r.Points), new(Accounts.Of(volunteerId), r.Points)], ct);
        await conn.ExecuteAsync(new CommandDefinition("UPDATE goods SET stock = stock + @Quantity WHERE code = @ItemCode", r, tx, cancellationToken: ct));
        await Outbox.EnqueueAsync(tx, new PointsRefunded(id, volunteerId, r.Points, now), ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(await GetAsync(conn, id, ct));
    }

    /// <summary>Moves a reservation to its end state; no row when it is not reserved (any more).</summary>
    private const string Settle = """
        UPDATE redemptions SET status = @to, updated_at = @now, handled_by = @by
        WHERE id = @id AND status = 'reserved'
        RETURNING volunteer_id AS VolunteerId, item_code AS ItemCode, quantity, points
        """;

    private static async Task<Results<Ok<RedemptionDto>, NotFound, ProblemHttpResult>> NotReservedAsync(NpgsqlConnection conn, Guid id, CancellationToken ct)
    {
        var status = await conn.ExecuteScalarAsync<string?>(new CommandDefinition("SELECT status FROM redemptions WHERE id = @id", new { id }, cancellationToken: ct));
        if (status is null) return TypedResults.NotFound();
        return TypedResults.Problem(statusCode: 409, title: "The redemption is no longer reserved.",
            detail: $"Redemption {id} is {status}.", extensions: new Dictionary<string, object?> { ["status"] = status });
    }

    private static Task<RedemptionDto> GetAsync(NpgsqlConnection conn, Guid id, CancellationToken ct) =>
        conn.QuerySingleAsync<RedemptionDto>(new CommandDefinition($"{SelectRedemption} WHERE id = @id", new { id }, cancellationToken: ct));
}
