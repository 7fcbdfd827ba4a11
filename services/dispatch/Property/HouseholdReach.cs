using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Dispatch.WorkOrders;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Npgsql;

namespace GovPlatform.Dispatch.Property;

/// <summary>
/// A work order on a building reaches the building's party-member households (党员中心户) and household-group heads
/// (联户长): they are told there is work on their building (a blocked drain, a leak) and are the handler's way to the
/// neighbours they lead, as the ten-household links (十联户) are meant to be used. Dispatch hears its own
/// <see cref="WorkOrderAssigned"/>, so routing itself is untouched and a slow lookup here never delays an assignment.
/// </summary>
/// <remarks>
/// Once per order (the row's key), whatever is redelivered or reassigned later: the heads were told when the work began.
/// An order on a place above a building (a grid, a compound) reaches nobody: ten households belong to one building.
/// </remarks>
public sealed class HouseholdReachConsumer(NpgsqlDataSource db, TimeProvider clock) : InboxConsumer<WorkOrderAssigned>(db)
{
    private sealed class OrderRow
    {
        public Guid Id { get; init; }
        public Guid RequestId { get; init; }
        public string? BuildingCode { get; init; }
        public string[]? BuildingPath { get; init; }
    }

    private sealed class HeadRow
    {
        public Guid Id { get; init; }
        public bool PartyHousehold { get; init; }
    }

    /// <summary>The reach row is keyed by the order and the rest is written only when this delivery inserted it.</summary>
    protected override bool IdempotentByItself => true;

    protected override async Task HandleAsync(ConsumeContext<WorkOrderAssigned> context, NpgsqlTransaction tx)
    {
        var m = context.Message;
        var ct = context.CancellationToken;
        var conn = tx.Connection!;
        var order = await conn.QuerySingleOrDefaultAsync<OrderRow>(new CommandDefinition("""
            SELECT o.id, o.request_id AS RequestId, b.code AS BuildingCode, b.path AS BuildingPath
            FROM work_orders o
            JOIN grid_nodes l ON l.code = o.location_code
            LEFT JOIN grid_nodes b ON b.code = ANY(l.path) AND b.level = 'building'
            WHERE o.id = @WorkOrderId
            """, new { m.WorkOrderId }, tx, cancellationToken: ct));
        if (order?.BuildingCode is null) return;
        var heads = (await conn.QueryAsync<HeadRow>(new CommandDefinition("""
            SELECT id, party_household AS PartyHousehold FROM households
            WHERE (party_household OR link_head) AND @building = ANY(scope_path)
            ORDER BY address
            """, new { building = order.BuildingCode }, tx, cancellationToken: ct))).AsList();
        if (heads.Count == 0) return;

        var now = clock.GetUtcNow();
        var ids = heads.Select(h => h.Id).ToArray();
        var inserted = await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO work_order_household_reach (work_order_id, building_code, household_ids, reached_at)
            VALUES (@Id, @building, @ids, @now) ON CONFLICT (work_order_id) DO NOTHING
            """, new { order.Id, building = order.BuildingCode, ids, now }, tx, cancellationToken: ct));
        if (inserted == 0) return;
        var party = heads.Count(h => h.PartyHousehold);
        await WorkOrderHistory.AddAsync(tx, order.Id, now, "household_heads_informed", Actor.System,
            new { building = order.BuildingCode, households = ids, partyHouseholds = party, linkHeads = heads.Count - party }, ct);
        await Outbox.EnqueueAsync(tx, new HouseholdHeadsInformed(order.Id, order.RequestId, order.BuildingCode, order.BuildingPath!, ids,
            party, heads.Count - party, now), ct);
    }
}
