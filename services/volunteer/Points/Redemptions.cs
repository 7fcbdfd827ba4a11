using Dapper;
using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Npgsql;

namespace GovPlatform.Volunteer.Points;

/// <summary>
/// Reserving goods in the points supermarket: stock and points in one transaction, never
/// overselling and never overdrawing, however many people redeem at once.
/// </summary>
/// <remarks>
/// Locks are always taken in the order volunteer account → redemption → goods, so reservations,
/// pick-ups and cancellations never deadlock. The goods row, the one everybody contends for, is
/// locked last, by the guarded stock update just before commit, so it is held as briefly as possible.
/// </remarks>
public static class Redemptions
{
    public sealed record Goods(string Code, string Name, long PricePoints, int? PerPersonLimit);

    public abstract record Outcome;
    public sealed record Reserved(Guid Id, long Points) : Outcome;
    public sealed record OverLimit(int Limit, int Held) : Outcome;
    public sealed record NotEnoughPoints(long Balance, long Needed) : Outcome;
    public sealed record OutOfStock(int Stock) : Outcome;

    public const string HeldByPerson = """
        SELECT coalesce(sum(quantity), 0)::int FROM redemptions
        WHERE volunteer_id = @volunteerId AND item_code = @Code AND status <> 'cancelled'
        """;

    public const string Insert = """
        INSERT INTO redemptions (id, volunteer_id, item_code, quantity, points, status, created_at, updated_at)
        VALUES (@id, @volunteerId, @Code, @quantity, @points, 'reserved', @now, @now)
        """;

    // The guard on price keeps a concurrent price change from selling at the old price.
    public const string TakeStock = """
        UPDATE goods SET stock = stock - @quantity
        WHERE code = @Code AND active AND stock >= @quantity AND price_points = @PricePoints
        RETURNING stock
        """;

    public static async Task<Outcome> ReserveAsync(NpgsqlConnection conn, Goods goods, Guid volunteerId, int quantity, string by,
        DateTimeOffset now, CancellationToken ct)
    {
        var points = goods.PricePoints * quantity;
        await using var tx = await conn.BeginTransactionAsync(ct);
        // The account lock makes one person's redemptions take turns, so the limit and balance checks hold.
        var balance = await Ledger.LockAccountAsync(conn, tx, volunteerId, ct);
        if (goods.PerPersonLimit is int limit)
        {
            var held = await conn.ExecuteScalarAsync<int>(new CommandDefinition(HeldByPerson, new { volunteerId, goods.Code }, tx, cancellationToken: ct));
            if (held + quantity > limit) return new OverLimit(limit, held);
        }
        if (balance < points) return new NotEnoughPoints(balance, points);

        var id = NewId.NextGuid();
        await Ledger.PostAsync(tx, new LedgerEntry(id, EntryKinds.Redemption, $"redemption:{id}", volunteerId, points,
                $"兑换 {goods.Name} ×{quantity}", by, now),
            [new(Accounts.Of(volunteerId), -points), new(Accounts.Held, points)], ct);
        await conn.ExecuteAsync(new CommandDefinition(Insert, new { id, volunteerId, goods.Code, quantity, points, now }, tx, cancellationToken: ct));
        await Outbox.EnqueueAsync(tx, new PointsRedeemed(id, volunteerId, points, goods.Code, quantity, now), ct);

        // Last, so the contended row is locked only until commit.
        var left = await conn.ExecuteScalarAsync<int?>(new CommandDefinition(TakeStock, new { quantity, goods.Code, goods.PricePoints }, tx, cancellationToken: ct));
        if (left is null)
        {
            await tx.RollbackAsync(ct);
            return new OutOfStock(await conn.ExecuteScalarAsync<int>(new CommandDefinition("SELECT stock FROM goods WHERE code = @Code", goods, cancellationToken: ct)));
        }
        await tx.CommitAsync(ct);
        return new Reserved(id, points);
    }
}
