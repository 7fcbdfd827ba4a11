using System.Text.Json;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Dispatch.Community;
using GovPlatform.Dispatch.WorkOrders;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Npgsql;

namespace GovPlatform.Dispatch.ServiceOrders;

public static class ServiceOrderStates
{
    public const string Placed = "placed";
    public const string Dispatched = "dispatched";
    public const string Taken = "taken";
    public const string Completed = "completed";
    public static readonly string[] All = [Placed, Dispatched, Taken, Completed];
}

public static class OrdererKinds
{
    public const string Resident = "resident";
    public const string MemberUnit = "member_unit";
    public static readonly string[] All = [Resident, MemberUnit];
}

public sealed record MenuItem(string Title, string Description, int? Points, string Kind = ServiceItemKinds.Service);
public sealed record Orderer(string Kind, string Name, string Contact);
public sealed record Taker(string Kind, string Name, Guid? Id);

/// <summary>
/// Order, dispatch, take, show (点单-派单-接单-晒单). Every step locks the order, checks its state,
/// writes a history row with who and when, and puts its event in the outbox, in one transaction.
/// </summary>
public sealed class ServiceOrderDesk(NpgsqlDataSource db, TimeProvider clock)
{
    /// <summary>The people who record an order for a resident or unit: the desk (county-wide) and the community's staff.</summary>
    private static readonly string[] Placers = [Roles.DeskOperator, .. CommunityAccess.Roles];

    /// <summary>
    /// An order is seen by the community's staff and above, and by its taker, whose token subject is the
    /// taker id the community dispatched it to (a party member's volunteer id, a member unit's id).
    /// </summary>
    public const string VisibleSql = $"({CommunityAccess.VisibleSql} OR (@subject::text IS NOT NULL AND c.taker_id::text = @subject))";

    public static DynamicParameters Parameters(Actor actor, object? more = null)
    {
        var p = CommunityAccess.Parameters(actor, more);
        p.Add("subject", actor.Subject);
        return p;
    }

    public async Task<StepResult> PublishItemAsync(string communityCode, Actor actor, MenuItem item, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var path = await CommunityAccess.PathAsync(conn, null, communityCode, ct);
        if (path is null) return new StepResult.NotFound();
        if (!CommunityAccess.Answers(actor, path)) return new StepResult.Forbidden($"You do not answer for community {communityCode}.");
        var id = NewId.NextGuid();
        await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO service_menu_items (id, community_code, title, description, points, kind, published_by, published_at)
            VALUES (@id, @communityCode, @Title, @Description, @Points, @Kind, @by, @now)
            """, new { id, communityCode, item.Title, item.Description, item.Points, item.Kind, by = actor.Subject, now = clock.GetUtcNow() },
            cancellationToken: ct));
        return new StepResult.Done(id);
    }

    public async Task<StepResult> PlaceAsync(Guid menuItemId, Actor actor, Orderer orderer, string? note, CancellationToken ct)
    {
        if (!actor.Roles.Any(Placers.Contains)) return new StepResult.Forbidden($"Orders are recorded by {string.Join(", ", Placers)}.");
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var community = await conn.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT community_code FROM service_menu_items WHERE id = @menuItemId", new { menuItemId }, tx, cancellationToken: ct));
        if (community is null) return StepResult.Field("menuItemId", "No such item on any community's service menu.");
        var path = (await CommunityAccess.PathAsync(conn, tx, community, ct))!;
        if (!actor.Roles.Contains(Roles.DeskOperator) && !CommunityAccess.Answers(actor, path))
            return new StepResult.Forbidden($"You do not answer for community {community}.");

        var now = clock.GetUtcNow();
        var id = NewId.NextGuid();
        await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO service_orders (id, menu_item_id, community_code, scope_path, state, orderer_kind, orderer_name, orderer_contact, note, placed_at)
            VALUES (@id, @menuItemId, @community, @path, 'placed', @Kind, @Name, @Contact, @note, @now)
            """, new { id, menuItemId, community, path, orderer.Kind, orderer.Name, orderer.Contact, note, now }, tx, cancellationToken: ct));
        await HistoryAsync(tx, id, now, "placed", actor, new { menuItemId, ordererKind = orderer.Kind }, ct);
        await Outbox.EnqueueAsync(tx, new ServiceOrderPlaced(id, menuItemId, community, orderer.Kind, now), ct);
        await tx.CommitAsync(ct);
        return new StepResult.Done(id);
    }

    public Task<StepResult> DispatchAsync(Guid id, Actor actor, Taker taker, CancellationToken ct) =>
        StepAsync(id, actor, ServiceOrderStates.Placed, ServiceOrderStates.Dispatched, ct, async (tx, row, now) =>
        {
            if (!CommunityAccess.Answers(actor, row.ScopePath)) return new StepResult.Forbidden("The community dispatches its orders.");
            await tx.Connection!.ExecuteAsync(new CommandDefinition("""
                UPDATE service_orders SET state = 'dispatched', taker_kind = @Kind, taker_name = @Name, taker_id = @Id, dispatched_at = @now
                WHERE id = @orderId
                """, new { taker.Kind, taker.Name, taker.Id, now, orderId = id }, tx, cancellationToken: ct));
            await HistoryAsync(tx, id, now, "dispatched", actor, new { takerKind = taker.Kind, takerId = taker.Id, takerName = taker.Name }, ct);
            await Outbox.EnqueueAsync(tx, new ServiceOrderDispatched(id, row.CommunityCode, taker.Kind, taker.Id, now), ct);
            return null;
        });

    public Task<StepResult> TakeAsync(Guid id, Actor actor, CancellationToken ct) =>
        StepAsync(id, actor, ServiceOrderStates.Dispatched, ServiceOrderStates.Taken, ct, async (tx, row, now) =>
        {
            await tx.Connection!.ExecuteAsync(new CommandDefinition(
                "UPDATE service_orders SET state = 'taken', taken_at = @now WHERE id = @orderId", new { now, orderId = id }, tx, cancellationToken: ct));
            await HistoryAsync(tx, id, now, "taken", actor, new { onBehalf = actor.Subject != row.TakerId?.ToString() }, ct);
            await Outbox.EnqueueAsync(tx, new ServiceOrderTaken(id, row.CommunityCode, row.TakerKind!, row.TakerId, now), ct);
            return null;
        });

    public Task<StepResult> CompleteAsync(Guid id, Actor actor, string result, CancellationToken ct) =>
        StepAsync(id, actor, ServiceOrderStates.Taken, ServiceOrderStates.Completed, ct, async (tx, row, now) =>
        {
            await tx.Connection!.ExecuteAsync(new CommandDefinition(
                "UPDATE service_orders SET state = 'completed', result = @result, completed_at = @now WHERE id = @orderId",
                new { result, now, orderId = id }, tx, cancellationToken: ct));
            await HistoryAsync(tx, id, now, "completed", actor, new { result }, ct);
            await Outbox.EnqueueAsync(tx, new ServiceOrderCompleted(id, row.MenuItemId, row.CommunityCode, row.TakerKind!, row.TakerId, row.Points, now, row.ItemKind), ct);
            return null;
        });

    private sealed record OrderRow
    {
        public required string State { get; init; }
        public Guid MenuItemId { get; init; }
        public required string CommunityCode { get; init; }
        public required string[] ScopePath { get; init; }
        public string? TakerKind { get; init; }
        public Guid? TakerId { get; init; }
        public int? Points { get; init; }
        public required string ItemKind { get; init; }
    }

    /// <param name="apply">Makes the change; returns a refusal, or null when done.</param>
    private async Task<StepResult> StepAsync(Guid id, Actor actor, string from, string to, CancellationToken ct,
        Func<NpgsqlTransaction, OrderRow, DateTimeOffset, Task<StepResult?>> apply)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<OrderRow>(new CommandDefinition($"""
            SELECT c.state, c.menu_item_id AS MenuItemId, c.community_code AS CommunityCode, c.scope_path AS ScopePath,
                   c.taker_kind AS TakerKind, c.taker_id AS TakerId, m.points, m.kind AS ItemKind
            FROM service_orders c JOIN service_menu_items m ON m.id = c.menu_item_id
            WHERE c.id = @id AND {VisibleSql}
            FOR UPDATE OF c
            """, Parameters(actor, new { id }), tx, cancellationToken: ct));
        if (row is null) return new StepResult.NotFound();
        if (row.State != from) return new StepResult.Conflict(row.State, $"Only a '{from}' order can become '{to}'.");
        if (await apply(tx, row, clock.GetUtcNow()) is { } refused) return refused;
        await tx.CommitAsync(ct);
        return new StepResult.Done(id);
    }

    private static Task HistoryAsync(NpgsqlTransaction tx, Guid orderId, DateTimeOffset at, string action, Actor actor, object detail, CancellationToken ct) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition("""
            INSERT INTO service_order_history (order_id, at, action, actor, actor_name, detail)
            VALUES (@orderId, @at, @action, @subject, @name, @detail::jsonb)
            """, new { orderId, at, action, subject = actor.Subject, name = actor.Name, detail = JsonSerializer.Serialize(detail, Outbox.Json) },
            tx, cancellationToken: ct));
}
