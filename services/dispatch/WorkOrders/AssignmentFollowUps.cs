using Dapper;
using GovPlatform.Dispatch.Consumers;
using GovPlatform.Dispatch.Property;
using Npgsql;

namespace GovPlatform.Dispatch.WorkOrders;

/// <summary>
/// What follows a new order, done in the transaction that created it (by <see cref="RequestSubmittedConsumer"/> and
/// <c>ProactiveOrderConsumer</c>): intake's outcomes that overtook the order are applied, and the building's household
/// heads are reached. Both used to wait for dispatch to hear its own <c>WorkOrderAssigned</c> on two queues of its own,
/// which cost every request two deliveries and two transactions; here they cost one round trip, and the order is never
/// seen without them.
/// </summary>
/// <remarks>
/// Exactly once, because the transaction inserted the order (<c>ON CONFLICT (request_id) DO NOTHING</c> decides that
/// before this runs) and because each effect is keyed besides: parked outcomes are taken with <c>DELETE … RETURNING</c>
/// under the request's lock, the reach row is keyed by the order. <see cref="RetiredFollowUpQueues"/> runs the same
/// code for orders whose <c>WorkOrderAssigned</c> still waits on one of the old queues.
/// </remarks>
public static class AssignmentFollowUps
{
    /// <summary>The building an order is located at or under, with its path (the reach's scope).</summary>
    public sealed record Building(string Code, string[] Path);

    /// <summary>The building on a location's path (which ends at the location), if the path passes one.</summary>
    public static Building? BuildingOn(IReadOnlyList<string> path, Func<string, bool> isBuilding)
    {
        for (var i = path.Count - 1; i >= 0; i--)
            if (isBuilding(path[i])) return new Building(path[i], path.Take(i + 1).ToArray());
        return null;
    }

    public static async Task ApplyAsync(NpgsqlTransaction tx, WorkOrderLifecycle lifecycle, Guid workOrderId, Guid requestId,
        Building? building, DateTimeOffset now, CancellationToken ct)
    {
        // One round trip: the request's lock, then (a statement of its own, so it sees an outcome committed while we
        // waited) the parked outcomes taken, then the reach recorded when the building has heads.
        var sql = $"{RequestOutcomes.TakeParkedSql};\n{(building is null ? "" : HouseholdReach.RecordSql)}";
        List<RequestOutcomes.Parked> parked;
        HouseholdReach.Reached? reached = null;
        // Read to the end and closed before the next command: a connection runs one reader at a time.
        await using (var results = await tx.Connection!.QueryMultipleAsync(new CommandDefinition(sql,
            new { requestId, workOrderId, building = building?.Code, now }, tx, cancellationToken: ct)))
        {
            await results.ReadAsync<int>();
            parked = (await results.ReadAsync<RequestOutcomes.Parked>()).AsList();
            if (building is not null) reached = await results.ReadSingleOrDefaultAsync<HouseholdReach.Reached>();
        }

        if (reached is not null) await HouseholdReach.InformAsync(tx, workOrderId, requestId, building!, reached, now, ct);
        if (parked.Count > 0) await RequestOutcomes.ApplyParkedAsync(tx, lifecycle, requestId, parked, now, ct);
    }
}
