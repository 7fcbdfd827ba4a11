using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Dispatch.ServiceLevels;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Npgsql;

namespace GovPlatform.Dispatch.WorkOrders;

/// <summary>
/// Whistle and report (吹哨报到): a community or subdistrict calls departments in on an order;
/// each must report in before its deadline and then record what it did. Silence goes to the county.
/// </summary>
public sealed class WhistleDesk(NpgsqlDataSource db, TimeProvider clock, ClockOptions options)
{
    /// <summary>Those who may blow: the community and the subdistrict ("when the grid cannot solve it, it goes up").</summary>
    private static readonly string[] Blowers = [Roles.CommunityCadre, Roles.SubdistrictOfficer, Roles.Admin];

    public async Task<TransitionResult> BlowAsync(Guid orderId, Actor actor, IReadOnlyList<string> departments, string reason, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var order = await OrderRow.LockVisibleAsync(tx, orderId, actor, ct);
        if (order is null) return new TransitionResult.NotFound();
        if (!actor.Roles.Any(Blowers.Contains))
            return new TransitionResult.Forbidden($"Only {string.Join(", ", Blowers)} may blow the whistle.");
        if (!WorkOrderStatus.Open.Contains(order.Status))
            return new TransitionResult.Conflict(order.Status, order.Tier, $"A work order that is '{order.Status}' needs no whistle.");
        // The registry (seeded with the eight every county has, extended by import) says who can be called in.
        var known = (await conn.QueryAsync<string>(new CommandDefinition(
            "SELECT code FROM departments WHERE code = ANY(@departments)", new { departments = departments.ToArray() }, tx, cancellationToken: ct))).ToHashSet();
        if (departments.FirstOrDefault(d => !known.Contains(d)) is { } unknown)
            return new TransitionResult.Invalid(new() { ["departments"] = [$"'{unknown}' is not in the departments registry (GET /api/v1/bodies/departments)."] });

        var now = clock.GetUtcNow();
        var whistleId = NewId.NextGuid();
        var dueAt = now + options.ReportWithin;
        // A whistle is blown in the name of the tier that holds the order, never below the community.
        var tier = order.Tier == Tiers.Compound ? Tiers.Community : order.Tier;
        await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO whistles (id, work_order_id, blown_by, tier, reason, blown_at) VALUES (@whistleId, @orderId, @by, @tier, @reason, @now);
            INSERT INTO whistle_departments (whistle_id, work_order_id, department, report_due_at)
            SELECT @whistleId, @orderId, d, @dueAt FROM unnest(@departments::text[]) AS d;
            """, new { whistleId, orderId, by = actor.Subject, tier, reason, now, dueAt, departments = departments.ToArray() }, tx, cancellationToken: ct));
        await WorkOrderHistory.AddAsync(tx, orderId, now, "whistle_blown", actor, new { whistleId, departments, reason, tier, reportDueAt = dueAt }, ct);
        await Outbox.EnqueueAsync(tx, new WhistleBlown(whistleId, orderId, order.RequestId, actor.Subject, tier, departments, dueAt, now), ct);
        await tx.CommitAsync(ct);
        return new TransitionResult.Done(whistleId);
    }

    private sealed record Call(string Department, DateTime ReportDueAt, DateTime? ReportedAt, DateTime? ActedAt);

    /// <summary>A department reports in (<paramref name="action"/> null) or records what it did.</summary>
    public async Task<TransitionResult> AnswerAsync(Guid orderId, Guid whistleId, Actor actor, string? action, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var order = await OrderRow.LockVisibleAsync(tx, orderId, actor, ct);
        // Only the department's own staff answer for it; anyone else sees no such call.
        var call = order is null || actor.DepartmentScope is not { } department ? null : await conn.QuerySingleOrDefaultAsync<Call>(new CommandDefinition("""
            SELECT department, report_due_at AS ReportDueAt, reported_at AS ReportedAt, acted_at AS ActedAt
            FROM whistle_departments WHERE whistle_id = @whistleId AND work_order_id = @orderId AND department = @department
            FOR UPDATE
            """, new { whistleId, orderId, department }, tx, cancellationToken: ct));
        if (order is null || call is null) return new TransitionResult.NotFound();

        var now = clock.GetUtcNow();
        if (action is null)
        {
            if (call.ReportedAt is not null)
                return new TransitionResult.Conflict("reported", order.Tier, $"{call.Department} reported in already.");
            var late = now > new DateTimeOffset(call.ReportDueAt, TimeSpan.Zero);
            await conn.ExecuteAsync(new CommandDefinition("""
                UPDATE whistle_departments SET reported_at = @now, reported_by = @by, late = @late
                WHERE whistle_id = @whistleId AND department = @Department
                """, new { now, by = actor.Subject, late, whistleId, call.Department }, tx, cancellationToken: ct));
            await WorkOrderHistory.AddAsync(tx, orderId, now, "department_reported", actor, new { whistleId, call.Department, late }, ct);
            await Outbox.EnqueueAsync(tx, new DepartmentReported(whistleId, orderId, call.Department, late, now), ct);
        }
        else
        {
            if (call.ReportedAt is null)
                return new TransitionResult.Conflict("awaiting_report", order.Tier, $"{call.Department} must report in before recording what it did.");
            if (call.ActedAt is not null)
                return new TransitionResult.Conflict("acted", order.Tier, $"{call.Department} recorded its action already.");
            await conn.ExecuteAsync(new CommandDefinition("""
                UPDATE whistle_departments SET acted_at = @now, action = @action WHERE whistle_id = @whistleId AND department = @Department
                """, new { now, action, whistleId, call.Department }, tx, cancellationToken: ct));
            await WorkOrderHistory.AddAsync(tx, orderId, now, "department_acted", actor, new { whistleId, call.Department, action }, ct);
            await Outbox.EnqueueAsync(tx, new DepartmentActed(whistleId, orderId, call.Department, action, now), ct);
        }
        await tx.CommitAsync(ct);
        return new TransitionResult.Done(whistleId);
    }
}

/// <summary>
/// Departments that stay silent past their deadline are reported to the county, once each: the
/// order itself moves to the county tier (its responsible role, its own clocks), as on a missed clock.
/// </summary>
public static class WhistleDeadlines
{
    private sealed record Due(Guid WhistleId, Guid WorkOrderId, string Department, DateTime ReportDueAt);

    public static async Task<int> FireDueAsync(NpgsqlTransaction tx, DateTimeOffset now, int batchSize, CancellationToken ct)
    {
        var conn = tx.Connection!;
        // The order is locked with the call: escalating it must not interleave with a staff action on it.
        var due = (await conn.QueryAsync<Due>(new CommandDefinition("""
            SELECT wd.whistle_id AS WhistleId, wd.work_order_id AS WorkOrderId, wd.department, wd.report_due_at AS ReportDueAt
            FROM whistle_departments wd JOIN work_orders o ON o.id = wd.work_order_id
            WHERE wd.reported_at IS NULL AND wd.missed_at IS NULL AND wd.report_due_at <= @now
            ORDER BY wd.report_due_at
            LIMIT @batchSize
            FOR UPDATE OF wd, o SKIP LOCKED
            """, new { now, batchSize }, tx, cancellationToken: ct))).AsList();
        foreach (var d in due)
        {
            var dueAt = new DateTimeOffset(d.ReportDueAt, TimeSpan.Zero);
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE whistle_departments SET missed_at = @now WHERE whistle_id = @WhistleId AND department = @Department",
                new { now, d.WhistleId, d.Department }, tx, cancellationToken: ct));
            // Read again for each call: an earlier silent department of this batch may have moved it already.
            var order = (await OrderRow.LockAsync(tx, "o.id = @WorkOrderId", new { d.WorkOrderId }, ct))!;
            // Only an order someone still owes work on moves; a suspended one keeps its pause, a resolved one needs nobody.
            var moves = WorkOrderStatus.Open.Contains(order.Status) && order.Tier != Tiers.County;
            await WorkOrderHistory.AddAsync(tx, d.WorkOrderId, now, "department_report_missed", Actor.System,
                new { d.WhistleId, d.Department, dueAt, escalatedTo = Tiers.County, fromTier = order.Tier, moved = moves }, ct);
            await Outbox.EnqueueAsync(tx, new DepartmentReportMissed(d.WhistleId, d.WorkOrderId, d.Department, dueAt, now), ct);
            if (moves)
                await Escalation.EscalateAsync(tx, order, $"{d.Department} did not report in to the whistle in time", Actor.System, now, ct, Tiers.County);
        }
        return due.Count;
    }
}
