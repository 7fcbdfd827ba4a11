using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Dispatch.Supervision;
using GovPlatform.Dispatch.WorkOrders;
using GovPlatform.ServiceDefaults.Messaging;
using Npgsql;

namespace GovPlatform.Dispatch.ServiceLevels;

public sealed class ClockOptions
{
    /// <summary>How often due deadlines are looked for; how late a clock may fire at most.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
    public int BatchSize { get; set; } = 100;
    /// <summary>Whistled departments must report in within this time (吹哨报到: 30 minutes).</summary>
    public TimeSpan ReportWithin { get; set; } = TimeSpan.FromMinutes(30);
    /// <summary>The furthest a formed plan may promise its work done: a plan without a near date is no plan.</summary>
    public TimeSpan MaxPlanDuration { get; set; } = TimeSpan.FromDays(30);
}

/// <summary>
/// Fires due service-level deadlines exactly once: each due row is claimed with
/// <c>FOR UPDATE SKIP LOCKED</c> and settled in the transaction that records the miss, escalates
/// the order and enqueues the events. Several dispatch instances can run this side by side, and
/// a restart simply finds the rows still due.
/// </summary>
/// <remarks>
/// "Now" comes from the injected <see cref="TimeProvider"/>, so tests move time; the poll cadence
/// is real time, because it only decides how soon a due row is noticed.
/// </remarks>
public sealed class DeadlineScheduler(NpgsqlDataSource db, TimeProvider clock, ClockOptions options, WorkOrderLifecycle lifecycle,
    ILogger<DeadlineScheduler> logger)
    : BackgroundService
{
    private sealed record Due(long Id, Guid WorkOrderId, string Clock, string Tier, int Round, DateTime DueAt);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await FireDueAsync(stoppingToken) == options.BatchSize)
                {
                    // A full batch: more may be due already.
                }
                await Task.Delay(options.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Firing deadlines failed; retrying after {Delay}", options.PollInterval);
                try { await Task.Delay(options.PollInterval, stoppingToken); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    /// <summary>Settles one batch of due deadlines; returns how many it claimed.</summary>
    public async Task<int> FireDueAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // Locking the order with the deadline keeps a concurrent staff action (which locks the
        // order first) from interleaving; SKIP LOCKED means neither side ever waits on the other here.
        const string claim = """
            SELECT d.id, d.work_order_id AS WorkOrderId, d.clock, d.tier, d.round, d.due_at AS DueAt
            FROM work_order_deadlines d JOIN work_orders o ON o.id = d.work_order_id
            WHERE d.state = 'pending' AND d.due_at <= @now
            ORDER BY d.due_at
            LIMIT @BatchSize
            FOR UPDATE OF d, o SKIP LOCKED
            """;
        var due = (await conn.QueryAsync<Due>(new CommandDefinition(claim, new { now, options.BatchSize }, tx, cancellationToken: ct))).AsList();
        foreach (var d in due) await FireAsync(tx, d, now, lifecycle, ct);
        var silent = await WhistleDeadlines.FireDueAsync(tx, now, options.BatchSize, ct);
        // Warnings and supervision dates ride the same poll and transaction: each row claimed once, settled with its event.
        var warned = await DeadlineWarnings.FireDueAsync(tx, now, options.BatchSize, ct);
        var overdue = await SupervisionDesk.FireOverdueAsync(tx, now, options.BatchSize, ct);
        await tx.CommitAsync(ct);
        return new[] { due.Count, silent, warned, overdue }.Max();
    }

    private static async Task FireAsync(NpgsqlTransaction tx, Due d, DateTimeOffset now, WorkOrderLifecycle lifecycle, CancellationToken ct)
    {
        var conn = tx.Connection!;
        // An earlier row of this batch may have escalated the order and so cancelled this one.
        var settled = await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE work_order_deadlines SET state = @state, settled_at = @now WHERE id = @Id AND state = 'pending'",
            new { state = d.Clock == ServiceLevelClocks.Suspension ? "met" : "missed", now, d.Id }, tx, cancellationToken: ct));
        if (settled == 0) return;
        var order = (await OrderRow.LockAsync(tx, "o.id = @WorkOrderId", new { d.WorkOrderId }, ct))!;
        var dueAt = new DateTimeOffset(d.DueAt, TimeSpan.Zero);

        if (d.Clock == ServiceLevelClocks.Suspension)
        {
            // The table's resume row; an order no longer suspended (resumed by hand, closed) answers a conflict and stays as it is.
            await lifecycle.ApplyAsync(tx, order, new Command(WorkOrderActions.Resume, "the suspension's limit was reached"), now, ct);
            return;
        }

        await WorkOrderHistory.AddAsync(tx, order.Id, now, "deadline_missed", Actor.System, new { clock = d.Clock, tier = d.Tier, dueAt }, ct);
        await Outbox.EnqueueAsync(tx, new DeadlineMissed(order.Id, order.RequestId, d.Clock, d.Tier, dueAt, now), ct);
        // A clock missed at the order's current tier moves it up; at the county the miss is only recorded.
        if (d.Tier == order.Tier && d.Round == order.Round && WorkOrderStatus.Open.Contains(order.Status))
            await Escalation.EscalateAsync(tx, order, $"missed the {d.Clock} deadline at the {d.Tier} tier", Actor.System, now, ct);
    }
}
