using GovPlatform.Contracts;
using GovPlatform.Dispatch.WorkOrders;
using GovPlatform.ServiceDefaults.Messaging;
using Npgsql;

namespace GovPlatform.Dispatch.Property;

/// <summary>
/// A work order on a building reaches the building's party-member households (党员中心户) and household-group heads
/// (联户长): they are told there is work on their building (a blocked drain, a leak) and are the handler's way to the
/// neighbours they lead, as the ten-household links (十联户) are meant to be used. Recorded in the transaction that
/// creates the order (<see cref="AssignmentFollowUps"/>), after its routing, so routing itself is untouched.
/// </summary>
/// <remarks>
/// Once per order (the row's key), whatever is redelivered or reassigned later: the heads were told when the work began.
/// An order on a place above a building (a grid, a compound) reaches nobody: ten households belong to one building.
/// </remarks>
public static class HouseholdReach
{
    /// <summary>The heads an order reached, in address order, and how many of them are party-member households.</summary>
    public sealed class Reached
    {
        public required Guid[] HouseholdIds { get; init; }
        public int PartyHouseholds { get; init; }
    }

    /// <summary>
    /// One statement: the building's heads, and the reach row when there is at least one (a row only then, as before)
    /// and the order <c>@workOrderId</c> exists; no row back when there are none or the order reached them already. <c>scope_path @&gt; ARRAY[…]</c> is what
    /// the households' GIN index answers (<c>= ANY(scope_path)</c> would read every household of the county).
    /// </summary>
    public const string RecordSql = """
        WITH heads AS (
            SELECT id, party_household, address FROM households
            WHERE (party_household OR link_head) AND scope_path @> ARRAY[@building]::text[]
        ), reach AS (
            INSERT INTO work_order_household_reach (work_order_id, building_code, household_ids, reached_at)
            SELECT @workOrderId, @building, array_agg(id ORDER BY address), @now FROM heads
            WHERE EXISTS (SELECT 1 FROM work_orders WHERE id = @workOrderId) HAVING count(*) > 0
            ON CONFLICT (work_order_id) DO NOTHING
            RETURNING household_ids
        )
        SELECT household_ids AS HouseholdIds, (SELECT count(*)::int FROM heads WHERE party_household) AS PartyHouseholds FROM reach
        """;

    /// <summary>The history row and the event for a reach <see cref="RecordSql"/> just recorded.</summary>
    public static async Task InformAsync(NpgsqlTransaction tx, Guid workOrderId, Guid requestId, AssignmentFollowUps.Building building,
        Reached reached, DateTimeOffset now, CancellationToken ct)
    {
        var ids = reached.HouseholdIds;
        var party = reached.PartyHouseholds;
        await WorkOrderHistory.AddAsync(tx, workOrderId, now, "household_heads_informed", Actor.System,
            new { building = building.Code, households = ids, partyHouseholds = party, linkHeads = ids.Length - party }, ct);
        await Outbox.EnqueueAsync(tx, new HouseholdHeadsInformed(workOrderId, requestId, building.Code, building.Path, ids,
            party, ids.Length - party, now), ct);
    }
}
