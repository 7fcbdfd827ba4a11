using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Dispatch.WorkOrders;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Npgsql;

namespace GovPlatform.Dispatch.Supervision;

/// <summary>One line of a supervisor's board: the supervision and where its order stands now.</summary>
public sealed record SupervisionDto(Guid Id, Guid WorkOrderId, string TicketNo, string Category, string OrderStatus, string Tier,
    string AssigneeName, string FlaggedBy, string FlaggedByName, string Reason, DateTime FlaggedAt, DateTime DueAt, string State,
    DateTime? OverdueAt, DateTime? DoneAt);

/// <summary>
/// Supervision (督办): a leader flags a late or repeated order; it then carries a supervision date of its own, shows on
/// the supervisors' board, goes into the overdue ledger when the date passes unresolved, and leaves the board when resolved.
/// </summary>
public sealed class SupervisionDesk(NpgsqlDataSource db, TimeProvider clock)
{
    /// <summary>Leaders above the grid supervise; the grid is who is being supervised.</summary>
    public static readonly string[] Supervisors = [Roles.CommunityCadre, Roles.SubdistrictOfficer, Roles.Admin];
    public static readonly TimeSpan MaxSupervision = TimeSpan.FromDays(30);

    public async Task<TransitionResult> FlagAsync(Guid orderId, Actor actor, string reason, DateTimeOffset dueAt, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var order = await OrderRow.LockVisibleAsync(tx, orderId, actor, ct);
        if (order is null) return new TransitionResult.NotFound();
        if (!actor.Roles.Any(Supervisors.Contains)) return new TransitionResult.Forbidden($"Only {string.Join(", ", Supervisors)} supervise orders.");
        if (!WorkOrderStatus.Open.Contains(order.Status) && order.Status != WorkOrderStatus.Suspended)
            return new TransitionResult.Conflict(order.Status, order.Tier, $"A work order that is '{order.Status}' needs no supervision.");
        var now = clock.GetUtcNow();
        if (dueAt <= now || dueAt > now + MaxSupervision)
            return new TransitionResult.Invalid(new() { ["dueAt"] = [$"A supervision date lies after now and within {MaxSupervision.TotalDays:0} days."] });
        var id = NewId.NextGuid();
        var inserted = await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO supervisions (id, work_order_id, flagged_by, flagged_by_name, reason, due_at, flagged_at)
            VALUES (@id, @orderId, @Subject, @Name, @reason, @dueAt, @now)
            ON CONFLICT (work_order_id) WHERE state IN ('open', 'overdue') DO NOTHING
            """, new { id, orderId, actor.Subject, actor.Name, reason, dueAt, now }, tx, cancellationToken: ct));
        if (inserted == 0)
            return new TransitionResult.Conflict(order.Status, order.Tier, "The order is under supervision already; it stays on the board until resolved.");
        await WorkOrderHistory.AddAsync(tx, orderId, now, "supervised", actor, new { supervisionId = id, reason, dueAt }, ct);
        await Outbox.EnqueueAsync(tx, new WorkOrderSupervised(id, orderId, order.RequestId, actor.Subject, actor.Name, reason, dueAt, now), ct);
        await tx.CommitAsync(ct);
        return new TransitionResult.Done(id);
    }

    /// <param name="state">open, overdue or done; null for what is still running (open and overdue).</param>
    /// <param name="mine">Only what the caller flagged.</param>
    public async Task<List<SupervisionDto>> BoardAsync(Actor actor, string? state, bool mine, CancellationToken ct)
    {
        var param = new DynamicParameters(actor.Parameters);
        param.AddDynamicParams(new { state, by = mine ? actor.Subject : null });
        await using var conn = await db.OpenConnectionAsync(ct);
        // Overdue first: the ledger of what is late is what a supervisor reads first.
        return (await conn.QueryAsync<SupervisionDto>(new CommandDefinition($"""
            {Select}
            WHERE {Actor.VisibleSql}
              AND (@state::text IS NULL AND s.state IN ('open', 'overdue') OR s.state = @state)
              AND (@by::text IS NULL OR s.flagged_by = @by)
            ORDER BY s.state = 'overdue' DESC, s.due_at
            LIMIT 500
            """, param, cancellationToken: ct))).AsList();
    }

    public async Task<List<SupervisionDto>> ForOrderAsync(Guid orderId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<SupervisionDto>(new CommandDefinition(
            $"{Select} WHERE s.work_order_id = @orderId ORDER BY s.flagged_at", new { orderId }, cancellationToken: ct))).AsList();
    }

    private const string Select = """
        SELECT s.id, s.work_order_id AS WorkOrderId, o.ticket_no AS TicketNo, o.category, o.status AS OrderStatus, o.tier,
               o.assignee_name AS AssigneeName, s.flagged_by AS FlaggedBy, s.flagged_by_name AS FlaggedByName, s.reason,
               s.flagged_at AS FlaggedAt, s.due_at AS DueAt, s.state, s.overdue_at AS OverdueAt, s.done_at AS DoneAt
        FROM supervisions s JOIN work_orders o ON o.id = s.work_order_id
        """;

    /// <summary>The order was resolved or closed: its running supervision is done, on time or late. In the caller's transaction.</summary>
    public static async Task CompleteAsync(NpgsqlTransaction tx, Guid orderId, Guid requestId, DateTimeOffset now, CancellationToken ct)
    {
        var done = (await tx.Connection!.QueryAsync<(Guid Id, DateTime DueAt)>(new CommandDefinition("""
            UPDATE supervisions SET state = 'done', done_at = @now
            WHERE work_order_id = @orderId AND state IN ('open', 'overdue')
            RETURNING id, due_at
            """, new { orderId, now }, tx, cancellationToken: ct))).AsList();
        if (done.Count == 0) return;
        var s = done[0];
        var onTime = now <= new DateTimeOffset(DateTime.SpecifyKind(s.DueAt, DateTimeKind.Utc));
        await WorkOrderHistory.AddAsync(tx, orderId, now, "supervision_done", Actor.System, new { supervisionId = s.Id, onTime }, ct);
        await Outbox.EnqueueAsync(tx, new SupervisionCompleted(s.Id, orderId, requestId, onTime, now), ct);
    }

    private sealed record Due(Guid Id, Guid WorkOrderId, Guid RequestId, DateTime DueAt);

    /// <summary>
    /// Supervision dates that passed: each goes overdue once (claimed with SKIP LOCKED, settled in this transaction). The
    /// order is locked with it, so a resolve (order first, then its supervision) never waits in a cycle with this.
    /// </summary>
    public static async Task<int> FireOverdueAsync(NpgsqlTransaction tx, DateTimeOffset now, int batch, CancellationToken ct)
    {
        var conn = tx.Connection!;
        var due = (await conn.QueryAsync<Due>(new CommandDefinition("""
            SELECT s.id, s.work_order_id AS WorkOrderId, o.request_id AS RequestId, s.due_at AS DueAt
            FROM supervisions s JOIN work_orders o ON o.id = s.work_order_id
            WHERE s.state = 'open' AND s.due_at <= @now
            ORDER BY s.due_at
            LIMIT @batch
            FOR UPDATE OF s, o SKIP LOCKED
            """, new { now, batch }, tx, cancellationToken: ct))).AsList();
        foreach (var s in due)
        {
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE supervisions SET state = 'overdue', overdue_at = @now WHERE id = @Id", new { now, s.Id }, tx, cancellationToken: ct));
            var dueAt = new DateTimeOffset(DateTime.SpecifyKind(s.DueAt, DateTimeKind.Utc));
            await WorkOrderHistory.AddAsync(tx, s.WorkOrderId, now, "supervision_overdue", Actor.System, new { supervisionId = s.Id, dueAt }, ct);
            await Outbox.EnqueueAsync(tx, new SupervisionOverdue(s.Id, s.WorkOrderId, s.RequestId, dueAt, now), ct);
        }
        return due.Count;
    }
}
