using Dapper;
using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Npgsql;

namespace GovPlatform.Intake.HotSpots;

// Dispatch opens a proactive work order for an accepted hot spot under the hot spot's id as its request id; these
// keep the hot spot's copy of that order. For a resident's request the update matches no hot spot and does nothing.
// Each column is only ever set from null or moved earlier, so a redelivered or late event changes nothing: neither
// needs an inbox row, and for a resident's request (nearly every event) the transaction stays read-only.

public sealed class HotSpotOrderAssignedConsumer(NpgsqlDataSource db) : InboxConsumer<WorkOrderAssigned>(db)
{
    protected override bool IdempotentByItself => true;

    protected override Task HandleAsync(ConsumeContext<WorkOrderAssigned> context, NpgsqlTransaction tx) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition("""
            UPDATE hot_spots SET order_id = coalesce(order_id, @WorkOrderId),
                                 order_opened_at = least(coalesce(order_opened_at, @at), @at)
            WHERE id = @RequestId
            """, new { context.Message.RequestId, context.Message.WorkOrderId, at = context.Message.AssignedAt.UtcDateTime },
            tx, cancellationToken: context.CancellationToken));
}

public sealed class HotSpotOrderResolvedConsumer(NpgsqlDataSource db) : InboxConsumer<WorkOrderResolved>(db)
{
    protected override bool IdempotentByItself => true;

    protected override Task HandleAsync(ConsumeContext<WorkOrderResolved> context, NpgsqlTransaction tx) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition("""
            UPDATE hot_spots SET order_id = coalesce(order_id, @WorkOrderId),
                                 order_resolved_at = least(coalesce(order_resolved_at, @at), @at)
            WHERE id = @RequestId
            """, new { context.Message.RequestId, context.Message.WorkOrderId, at = context.Message.At.UtcDateTime },
            tx, cancellationToken: context.CancellationToken));
}
