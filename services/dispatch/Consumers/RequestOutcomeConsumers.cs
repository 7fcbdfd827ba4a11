using System.Text.Json;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Dispatch.ServiceLevels;
using GovPlatform.Dispatch.Supervision;
using GovPlatform.Dispatch.WorkOrders;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Npgsql;

namespace GovPlatform.Dispatch.Consumers;

/// <summary>Intake closed the request after the resident's callback (or an operator closed it): the order is done.</summary>
public sealed class RequestClosedConsumer(NpgsqlDataSource db, WorkOrderLifecycle lifecycle) : InboxConsumer<RequestClosed>(db)
{
    protected override async Task HandleAsync(ConsumeContext<RequestClosed> context, NpgsqlTransaction tx)
    {
        var m = context.Message;
        var order = await RequestOutcomes.LockOrderOrParkAsync(tx, m.RequestId, RequestOutcomes.Closed, m.At, m, context.CancellationToken);
        if (order is not null) await RequestOutcomes.CloseAsync(tx, lifecycle, order, m, m.At, context.CancellationToken);
    }
}

/// <summary>A dissatisfied resident reopened the request: the same assignee gets the order back with fresh clocks.</summary>
public sealed class RequestReopenedConsumer(NpgsqlDataSource db, TimeProvider clock, WorkOrderLifecycle lifecycle) : InboxConsumer<RequestReopened>(db)
{
    protected override async Task HandleAsync(ConsumeContext<RequestReopened> context, NpgsqlTransaction tx)
    {
        var m = context.Message;
        var order = await RequestOutcomes.LockOrderOrParkAsync(tx, m.RequestId, RequestOutcomes.Reopened, m.At, m, context.CancellationToken);
        if (order is not null) await RequestOutcomes.ReopenAsync(tx, lifecycle, order, m, clock.GetUtcNow(), context.CancellationToken);
    }
}

/// <summary>How intake's outcomes change a work order, whether they arrive after it or before it.</summary>
public static class RequestOutcomes
{
    public const string Closed = "closed";
    public const string Reopened = "reopened";

    /// <summary>
    /// Outcome consumers take this per-request lock first, and the transaction that creates the request's order takes
    /// it after inserting the order and before taking what is parked (<see cref="TakeParkedSql"/>). Whichever of the
    /// two comes second sees the other's work: either the outcome finds the committed order, or the order's
    /// transaction, having waited for the lock, finds the committed parked outcome. Without it both could miss each other.
    /// </summary>
    public static Task SerializeAsync(NpgsqlTransaction tx, Guid requestId, CancellationToken ct) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition(
            "SELECT pg_advisory_xact_lock(hashtextextended('request-outcome:' || @requestId::text, 0))",
            new { requestId }, tx, cancellationToken: ct));

    /// <summary>An outcome kept until its order existed.</summary>
    public sealed record Parked(long Id, string Kind, string Body);

    /// <summary>
    /// Two statements (two result sets: the lock's, then the outcomes) that do something only when the request's order
    /// <c>@workOrderId</c> exists, so they can follow an insert that found the request's order there already: the
    /// request's lock (<see cref="SerializeAsync"/>'s, taken per row of the order, so not at all without it: a delivery
    /// that changes nothing waits for no outcome consumer while it holds a grid's worker locks), then the request's
    /// parked outcomes taken in intake's order. The <c>DELETE</c> is a statement of its own so that its snapshot is taken
    /// after the lock was granted; each outcome is taken once whoever takes it, and a request with none (nearly all)
    /// writes nothing.
    /// </summary>
    public const string TakeParkedSql = """
        SELECT 1 FROM work_orders o, LATERAL pg_advisory_xact_lock(hashtextextended('request-outcome:' || o.request_id::text, 0)) AS l
        WHERE o.id = @workOrderId;
        WITH taken AS (
            DELETE FROM pending_request_outcomes
            WHERE request_id = @requestId AND EXISTS (SELECT 1 FROM work_orders WHERE id = @workOrderId)
            RETURNING id, kind, at, body
        )
        SELECT id, kind, body::text AS body FROM taken ORDER BY at, id
        """;

    /// <summary>
    /// Applies outcomes that overtook the order, in the order intake made them, re-reading the order each time (a close
    /// then a reopen leaves it reopened), inside the transaction that created the order and took them.
    /// </summary>
    public static async Task ApplyParkedAsync(NpgsqlTransaction tx, WorkOrderLifecycle lifecycle, Guid requestId,
        IReadOnlyList<Parked> parked, DateTimeOffset now, CancellationToken ct)
    {
        foreach (var p in parked)
        {
            var order = await OrderRow.LockAsync(tx, "o.request_id = @requestId", new { requestId }, ct)
                ?? throw new InvalidOperationException($"Parked outcomes of request {requestId} taken, but it has no work order.");
            if (p.Kind == Closed)
            {
                var closed = JsonSerializer.Deserialize<RequestClosed>(p.Body, Outbox.Json)!;
                // Intake's time lies before the order existed; an order must not close before it opened.
                await CloseAsync(tx, lifecycle, order, closed, closed.At > now ? closed.At : now, ct);
            }
            else
            {
                await ReopenAsync(tx, lifecycle, order, JsonSerializer.Deserialize<RequestReopened>(p.Body, Outbox.Json)!, now, ct);
            }
        }
    }

    /// <summary>Locks the request's work order, or, while it has none yet, parks the outcome and returns null.</summary>
    public static async Task<OrderRow?> LockOrderOrParkAsync<T>(NpgsqlTransaction tx, Guid requestId, string kind, DateTimeOffset at,
        T message, CancellationToken ct) where T : class
    {
        await SerializeAsync(tx, requestId, ct);
        var order = await OrderRow.LockAsync(tx, "o.request_id = @requestId", new { requestId }, ct);
        if (order is not null) return order;
        // No order yet: its RequestSubmitted is still on the way, or never comes (a request linked
        // as a duplicate follows its original instead); either way the outcome is kept, not dropped.
        await tx.Connection!.ExecuteAsync(new CommandDefinition("""
            INSERT INTO pending_request_outcomes (request_id, kind, at, body) VALUES (@requestId, @kind, @at, @body::jsonb)
            """, new { requestId, kind, at, body = JsonSerializer.Serialize(message, Outbox.Json) }, tx, cancellationToken: ct));
        return null;
    }

    /// <summary>The order closes (<see cref="WorkOrderTransitions"/>' close row); one closed already stays as it is.</summary>
    /// <param name="at">When the order closes: intake's time, or, for a close that overtook the order, no earlier than now.</param>
    public static Task CloseAsync(NpgsqlTransaction tx, WorkOrderLifecycle lifecycle, OrderRow order, RequestClosed m, DateTimeOffset at, CancellationToken ct) =>
        lifecycle.ApplyAsync(tx, order, new Command(WorkOrderActions.Close) { Satisfaction = m.Satisfaction, RequestClosedAt = m.At }, at, ct);

    /// <summary>The order reopens, or, still being worked on, notes the reopen (the table's two reopen rows).</summary>
    public static async Task ReopenAsync(NpgsqlTransaction tx, WorkOrderLifecycle lifecycle, OrderRow order, RequestReopened m, DateTimeOffset now,
        CancellationToken ct)
    {
        // The reopen count orders reopens: an older one arriving late (or again) changes nothing.
        if (m.ReopenCount <= order.ReopenCount) return;
        await lifecycle.ApplyAsync(tx, order, new Command(WorkOrderActions.Reopen, m.Reason) { ReopenCount = m.ReopenCount }, now, ct);
    }
}
