using Dapper;
using GovPlatform.Contracts;
using MassTransit;
using Npgsql;

namespace GovPlatform.Dispatch.Duty;

/// <summary>
/// Keeps the open-load counters in Redis right after an order leaves someone's hands (resolved, closed,
/// returned, escalated, transferred, reopened): it recounts from Postgres the workers of the order's grid
/// and its current assignee. Routing increments a counter itself while it holds the grid's worker locks;
/// this recount takes the same locks, so it never overwrites an increment it has not counted. A recount
/// is idempotent, so redelivered events need no inbox.
/// </summary>
public sealed class LoadRecountConsumer(NpgsqlDataSource db, DutyBoard board) :
    IConsumer<WorkOrderResolved>, IConsumer<WorkOrderClosed>, IConsumer<WorkOrderReturned>,
    IConsumer<WorkOrderEscalated>, IConsumer<WorkOrderTransferred>, IConsumer<WorkOrderReopened>
{
    public Task Consume(ConsumeContext<WorkOrderResolved> context) => RecountAsync(context.Message.WorkOrderId, context.CancellationToken);
    public Task Consume(ConsumeContext<WorkOrderClosed> context) => RecountAsync(context.Message.WorkOrderId, context.CancellationToken);
    public Task Consume(ConsumeContext<WorkOrderReturned> context) => RecountAsync(context.Message.WorkOrderId, context.CancellationToken);
    public Task Consume(ConsumeContext<WorkOrderEscalated> context) => RecountAsync(context.Message.WorkOrderId, context.CancellationToken);
    public Task Consume(ConsumeContext<WorkOrderTransferred> context) => RecountAsync(context.Message.WorkOrderId, context.CancellationToken);
    public Task Consume(ConsumeContext<WorkOrderReopened> context) => RecountAsync(context.Message.WorkOrderId, context.CancellationToken);

    public async Task RecountAsync(Guid workOrderId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // Locked in id order, as routing locks, so the two never deadlock.
        const string lockSql = """
            SELECT w.id FROM workers w
            WHERE w.id IN (SELECT x.id FROM work_orders o JOIN workers x
                             ON x.node_code = o.grid_code OR x.id = o.assignee_id
                           WHERE o.id = @workOrderId)
            ORDER BY w.id
            FOR UPDATE OF w
            """;
        var ids = (await conn.QueryAsync<Guid>(new CommandDefinition(lockSql, new { workOrderId }, tx, cancellationToken: ct))).ToArray();
        if (ids.Length == 0) return;
        var counts = (await conn.QueryAsync<(Guid Id, long Load)>(new CommandDefinition("""
                SELECT assignee_id, count(*) FROM work_orders
                WHERE assignee_id = ANY(@ids) AND status NOT IN ('resolved', 'closed') GROUP BY assignee_id
                """, new { ids }, tx, cancellationToken: ct)))
            .ToDictionary(c => c.Id, c => c.Load);
        if (await board.EnsureBuiltAsync(ct))
            await board.SetLoadsAsync(ids.Select(id => (id, counts.GetValueOrDefault(id))));
        await tx.CommitAsync(ct);
    }
}
