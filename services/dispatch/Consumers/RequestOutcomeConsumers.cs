using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Dispatch.ServiceLevels;
using GovPlatform.Dispatch.WorkOrders;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Npgsql;

namespace GovPlatform.Dispatch.Consumers;

/// <summary>Intake closed the request after the resident's callback (or an operator closed it): the order is done.</summary>
public sealed class RequestClosedConsumer(NpgsqlDataSource db) : InboxConsumer<RequestClosed>(db)
{
    protected override async Task HandleAsync(ConsumeContext<RequestClosed> context, NpgsqlTransaction tx)
    {
        var m = context.Message;
        var ct = context.CancellationToken;
        var order = await OrderRow.LockAsync(tx, "o.request_id = @RequestId", new { m.RequestId }, ct);
        // No order: the request never reached dispatch as work (a linked duplicate). Closed already: nothing to do.
        if (order is null || order.Status == WorkOrderStatus.Closed) return;

        await ServiceLevelClocks.CancelAsync(tx, order.Id, m.At, ct);
        await tx.Connection!.ExecuteAsync(new CommandDefinition(
            "UPDATE work_orders SET status = 'closed', suspended_from = NULL, suspended_until = NULL, updated_at = @At WHERE id = @Id",
            new { m.At, order.Id }, tx, cancellationToken: ct));
        await WorkOrderHistory.AddAsync(tx, order.Id, m.At, "closed", Actor.System,
            new { satisfaction = m.Satisfaction, from = order.Status }, ct);
        await Outbox.EnqueueAsync(tx, new WorkOrderClosed(order.Id, order.RequestId, m.At), ct);
    }
}

/// <summary>A dissatisfied resident reopened the request: the same assignee gets the order back with fresh clocks.</summary>
public sealed class RequestReopenedConsumer(NpgsqlDataSource db, TimeProvider clock) : InboxConsumer<RequestReopened>(db)
{
    private static readonly string[] Reopenable = [WorkOrderStatus.Resolved, WorkOrderStatus.PlanFormed, WorkOrderStatus.Closed];

    protected override async Task HandleAsync(ConsumeContext<RequestReopened> context, NpgsqlTransaction tx)
    {
        var m = context.Message;
        var ct = context.CancellationToken;
        var order = await OrderRow.LockAsync(tx, "o.request_id = @RequestId", new { m.RequestId }, ct);
        // The reopen count orders reopens: an older one arriving late (or again) changes nothing.
        if (order is null || m.ReopenCount <= order.ReopenCount) return;

        var now = clock.GetUtcNow();
        if (!Reopenable.Contains(order.Status))
        {
            // Still being worked on: there is nothing to reopen, but the resident's complaint belongs in the timeline.
            await tx.Connection!.ExecuteAsync(new CommandDefinition(
                "UPDATE work_orders SET reopen_count = @ReopenCount WHERE id = @Id", new { m.ReopenCount, order.Id }, tx, cancellationToken: ct));
            await WorkOrderHistory.AddAsync(tx, order.Id, now, "reopen_noted", Actor.System, new { reason = m.Reason, m.ReopenCount, status = order.Status }, ct);
            return;
        }

        await ServiceLevelClocks.CancelAsync(tx, order.Id, now, ct);
        await tx.Connection!.ExecuteAsync(new CommandDefinition("""
            UPDATE work_orders SET status = 'assigned', round = round + 1, reopen_count = @ReopenCount, complex = false, updated_at = @now
            WHERE id = @Id
            """, new { m.ReopenCount, now, order.Id }, tx, cancellationToken: ct));
        await ServiceLevelClocks.StartAsync(tx, order.Id, order.Category, order.Tier, order.Round + 1, now, ServiceLevelClocks.Running, ct);
        await WorkOrderHistory.AddAsync(tx, order.Id, now, "reopened", Actor.System, new { reason = m.Reason, m.ReopenCount, from = order.Status }, ct);
        await Outbox.EnqueueAsync(tx, new WorkOrderReopened(order.Id, order.RequestId, m.ReopenCount, now), ct);
    }
}
