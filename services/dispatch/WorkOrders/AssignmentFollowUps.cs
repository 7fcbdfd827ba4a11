using Dapper;
using GovPlatform.Dispatch.Consumers;
using GovPlatform.Dispatch.Property;
using Npgsql;

namespace GovPlatform.Dispatch.WorkOrders;

/// <summary>
/// What follows a new order, done in the transaction that created it (by <see cref="RequestSubmittedConsumer"/> and
/// <c>ProactiveOrderConsumer</c>): intake's outcomes that overtook the order are applied, and the building's household
/// heads are reached. Both used to wait for dispatch to hear its own <c>WorkOrderAssigned</c> on two queues of its own,
/// which cost every request two deliveries and two transactions; here they cost no round trip of their own when sent
/// with the order's insert, and the order is never seen without them.
/// </summary>
/// <remarks>
/// Exactly once, because the transaction inserted the order (<c>ON CONFLICT (request_id) DO NOTHING</c> decides that,
/// and the statements do nothing unless the order is there) and because each effect is keyed besides: parked outcomes
/// are taken with <c>DELETE … RETURNING</c> under the request's lock, the reach row is keyed by the order.
/// <see cref="RetiredFollowUpQueues"/> runs the same code for orders whose <c>WorkOrderAssigned</c> still waits on one
/// of the old queues.
/// </remarks>
public static class AssignmentFollowUps
{
    /// <summary>The building an order is located at or under, with its path (the reach's scope).</summary>
    public sealed record Building(string Code, string[] Path);

    /// <summary>What the statements took and recorded, for <see cref="ApplyAsync(NpgsqlTransaction, WorkOrderLifecycle, Guid, Guid, Building?, Taken, DateTimeOffset, CancellationToken)"/>.</summary>
    public sealed record Taken(IReadOnlyList<RequestOutcomes.Parked> Parked, HouseholdReach.Reached? Reached);

    /// <summary>The building on a location's path (which ends at the location), if the path passes one.</summary>
    public static Building? BuildingOn(IReadOnlyList<string> path, Func<string, bool> isBuilding)
    {
        for (var i = path.Count - 1; i >= 0; i--)
            if (isBuilding(path[i])) return new Building(path[i], path.Take(i + 1).ToArray());
        return null;
    }

    /// <summary>
    /// The statements (parameters <c>@requestId</c>, <c>@workOrderId</c>, <c>@building</c>, <c>@now</c>): the request's
    /// lock, then (a statement of its own, so it sees an outcome committed while it waited) the parked outcomes taken,
    /// then the reach recorded when the building has heads. They change nothing unless the order exists.
    /// </summary>
    public static string Sql(Building? building) =>
        $"{RequestOutcomes.TakeParkedSql};\n{(building is null ? "" : HouseholdReach.RecordSql + ";")}";

    /// <summary>Reads the result sets of <see cref="Sql"/>, in its order.</summary>
    public static async Task<Taken> ReadAsync(SqlMapper.GridReader results, Building? building)
    {
        await results.ReadAsync<int>();
        var parked = (await results.ReadAsync<RequestOutcomes.Parked>()).AsList();
        var reached = building is null ? null : await results.ReadSingleOrDefaultAsync<HouseholdReach.Reached>();
        return new Taken(parked, reached);
    }

    /// <summary>The rest, once the statements ran: the heads' history row and event, the outcomes applied to the order.</summary>
    public static async Task ApplyAsync(NpgsqlTransaction tx, WorkOrderLifecycle lifecycle, Guid workOrderId, Guid requestId,
        Building? building, Taken taken, DateTimeOffset now, CancellationToken ct)
    {
        if (taken.Reached is not null) await HouseholdReach.InformAsync(tx, workOrderId, requestId, building!, taken.Reached, now, ct);
        if (taken.Parked.Count > 0) await RequestOutcomes.ApplyParkedAsync(tx, lifecycle, requestId, taken.Parked, now, ct);
    }

    /// <summary>All of it in a round trip of its own, for an order the transaction has already written.</summary>
    public static async Task ApplyAsync(NpgsqlTransaction tx, WorkOrderLifecycle lifecycle, Guid workOrderId, Guid requestId,
        Building? building, DateTimeOffset now, CancellationToken ct)
    {
        Taken taken;
        // Read to the end and closed before the next command: a connection runs one reader at a time.
        await using (var results = await tx.Connection!.QueryMultipleAsync(new CommandDefinition(Sql(building),
            new { requestId, workOrderId, building = building?.Code, now }, tx, cancellationToken: ct)))
            taken = await ReadAsync(results, building);
        await ApplyAsync(tx, lifecycle, workOrderId, requestId, building, taken, now, ct);
    }
}
