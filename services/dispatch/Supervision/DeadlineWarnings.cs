using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Dispatch.WorkOrders;
using GovPlatform.ServiceDefaults.Messaging;
using Npgsql;

namespace GovPlatform.Dispatch.Supervision;

/// <summary>
/// Warnings before a deadline passes (12345's 预警): a pending deadline whose warning time has come is claimed
/// with <c>FOR UPDATE SKIP LOCKED</c>, stamped warned and its event enqueued in one transaction, so each deadline
/// warns exactly once however many dispatch instances look.
/// </summary>
public static class DeadlineWarnings
{
    private sealed record Due(long Id, Guid WorkOrderId, Guid RequestId, string Clock, string Tier, DateTime DueAt,
        Guid? AssigneeId, string AssigneeName, string? GridCode, string? CommunityCode);

    public static async Task<int> FireDueAsync(NpgsqlTransaction tx, DateTimeOffset now, int batch, CancellationToken ct)
    {
        var conn = tx.Connection!;
        // A deadline already past is the miss's business, not a warning's. The order is locked with the deadline, as the
        // misses do: a staff action locks the order first and then its clocks, and the history row below needs the
        // order's key lock, so locking only the deadline could deadlock with an accept arriving at the same moment.
        var due = (await conn.QueryAsync<Due>(new CommandDefinition("""
            SELECT d.id, d.work_order_id AS WorkOrderId, o.request_id AS RequestId, d.clock, d.tier, d.due_at AS DueAt,
                   o.assignee_id AS AssigneeId, o.assignee_name AS AssigneeName, o.grid_code AS GridCode, o.community_code AS CommunityCode
            FROM work_order_deadlines d JOIN work_orders o ON o.id = d.work_order_id
            WHERE d.state = 'pending' AND d.warned_at IS NULL AND d.warn_at <= @now AND d.due_at > @now
            ORDER BY d.warn_at
            LIMIT @batch
            FOR UPDATE OF d, o SKIP LOCKED
            """, new { now, batch }, tx, cancellationToken: ct))).AsList();
        foreach (var d in due)
        {
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE work_order_deadlines SET warned_at = @now WHERE id = @Id", new { now, d.Id }, tx, cancellationToken: ct));
            // Who answers for the handler: the grid's leaders while the compound holds the order, the community's cadres after.
            var leaders = (await conn.QueryAsync<Guid>(new CommandDefinition("""
                SELECT id FROM workers
                WHERE ((@Tier = 'compound' AND role = 'grid_leader' AND node_code = @GridCode)
                    OR (@Tier = 'community' AND role = 'community_cadre' AND node_code = @CommunityCode))
                  AND id IS DISTINCT FROM @AssigneeId
                ORDER BY id
                """, new { d.Tier, d.GridCode, d.CommunityCode, d.AssigneeId }, tx, cancellationToken: ct))).AsList();
            var dueAt = new DateTimeOffset(DateTime.SpecifyKind(d.DueAt, DateTimeKind.Utc));
            await WorkOrderHistory.AddAsync(tx, d.WorkOrderId, now, "deadline_warned", Actor.System,
                new { clock = d.Clock, tier = d.Tier, dueAt, handler = d.AssigneeName, handlerId = d.AssigneeId, leaderIds = leaders }, ct);
            await Outbox.EnqueueAsync(tx, new DeadlineWarned(d.WorkOrderId, d.RequestId, d.Id, d.Clock, d.Tier, dueAt,
                d.AssigneeId, d.AssigneeName, leaders, now), ct);
        }
        return due.Count;
    }
}
