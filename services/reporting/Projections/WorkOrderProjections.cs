using GovPlatform.Contracts;
using Npgsql;
using static GovPlatform.Reporting.Projections.Facts;

namespace GovPlatform.Reporting.Projections;

public sealed class WorkOrderAssignedProjection(Projector p) : Projection<WorkOrderAssigned>(p)
{
    protected override DateTimeOffset OccurredAt(WorkOrderAssigned m) => m.AssignedAt;

    // Only a body's name is kept (a property company); a worker's name never reaches reporting.
    // The first assignment's time and work order stay; the assignee's kind, the grid and the company follow the newest
    // assignment naming them, each by its own time (V0025__assignment_times.sql), so this is idempotent by the event's
    // own timestamp: delivered again after a newer assignment (or transfer), it changes nothing, and writes no inbox row.
    private const string Sql = $"""
        INSERT INTO request_facts AS f (request_id, work_order_id, grid_code, grid_at, assignee_kind, last_assigned_at, property_company,
                                        company_at, assigned_at, status, status_rank, status_at)
        VALUES (@RequestId, @WorkOrderId, @GridCode, CASE WHEN @GridCode::text IS NULL THEN NULL ELSE @at END, @AssigneeKind, @at,
                @company, CASE WHEN @company::text IS NULL THEN NULL ELSE @at END, @at, 'assigned', {Rank.Assigned}, @at)
        ON CONFLICT (request_id) DO UPDATE
            SET work_order_id = coalesce(f.work_order_id, excluded.work_order_id),
                grid_code = CASE WHEN excluded.grid_code IS NOT NULL AND (f.grid_at IS NULL OR f.grid_at <= excluded.grid_at)
                                 THEN excluded.grid_code ELSE f.grid_code END,
                grid_at = greatest(f.grid_at, excluded.grid_at),
                assignee_kind = CASE WHEN f.last_assigned_at IS NULL OR f.last_assigned_at <= excluded.last_assigned_at
                                     THEN excluded.assignee_kind ELSE f.assignee_kind END,
                last_assigned_at = greatest(f.last_assigned_at, excluded.last_assigned_at),
                property_company = CASE WHEN excluded.property_company IS NOT NULL AND (f.company_at IS NULL OR f.company_at <= excluded.company_at)
                                        THEN excluded.property_company ELSE f.property_company END,
                company_at = greatest(f.company_at, excluded.company_at),
                assigned_at = least(f.assigned_at, excluded.assigned_at),
                {StatusSet}
        """;

    protected override bool IdempotentByItself => true;

    protected override Task ApplyAsync(WorkOrderAssigned m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new
        {
            m.RequestId, m.WorkOrderId, m.GridCode, m.AssigneeKind,
            company = m.AssigneeKind == AssigneeKinds.PropertyCompany ? m.AssigneeName : null,
            at = Utc(m.AssignedAt),
        }, ct);
}

// The clock events keep the first time each clock was met and whether that first time was on time:
// a reopened order meeting a clock again does not rewrite how the first attempt went.
// On time means against the first promise made to the resident (docs/metrics.md): the step's time against the
// deadline its event carries (FirstDueAt: the clock of the tier that first had the order), which is kept beside it.
// The event's own OnTime judges against the clock of the tier holding the order now, which an escalation restarted,
// so it decides only for messages published before the deadline was carried; then a miss of the same clock recorded
// before the step makes it late (the DeadlineMissed projection applies the same rule when the miss arrives second).

/// <summary>How a step event is judged: against its first deadline when it carries one.</summary>
public static class FirstPromise
{
    public static bool OnTime(DateTimeOffset at, DateTimeOffset? firstDueAt, bool onTimeAtTier) =>
        firstDueAt is { } due ? at <= due : onTimeAtTier;

    /// <summary>
    /// Every step at the tier whose clock judged it, with that judgement (the event's own OnTime), for the per-tier
    /// figures; nothing when the event does not say the tier (published before it was carried).
    /// </summary>
    public static string TierStep(string clock) => $"""
        ;
        INSERT INTO clock_steps (work_order_id, request_id, clock, tier, at, on_time)
        SELECT @WorkOrderId, @RequestId, '{clock}', @tier, @at, @tierOnTime WHERE @tier::text IS NOT NULL
        ON CONFLICT DO NOTHING
        """;

    /// <summary>For a step without a first deadline: late when a miss of its clock is already recorded at or before it.</summary>
    /// A resolution after a known plan is judged against the plan's date, so a missed 1-hour clock does not touch it.
    public static string Judged(string clock) => $"""
        (@onTime AND (@dueAt::timestamptz IS NOT NULL OR NOT EXISTS (
            SELECT 1 FROM deadline_misses x WHERE x.request_id = @RequestId AND x.clock = '{clock}' AND x.at <= @at)
            {(clock == Clocks.Resolve ? "OR EXISTS (SELECT 1 FROM request_facts p WHERE p.request_id = @RequestId AND p.plan_at <= @at)" : "")}))
        """;
}

public sealed class WorkOrderAcceptedProjection(Projector p) : Projection<WorkOrderAccepted>(p)
{
    protected override DateTimeOffset OccurredAt(WorkOrderAccepted m) => m.At;

    private static readonly string Sql = $"""
        INSERT INTO request_facts AS f (request_id, work_order_id, accepted_at, accept_on_time, accept_due_at, status, status_rank, status_at)
        VALUES (@RequestId, @WorkOrderId, @at, {FirstPromise.Judged(Clocks.Accept)}, @dueAt, 'accepted', {Rank.Accepted}, @at)
        ON CONFLICT (request_id) DO UPDATE
            SET work_order_id = coalesce(f.work_order_id, excluded.work_order_id),
                accept_on_time = CASE WHEN f.accepted_at IS NULL OR excluded.accepted_at < f.accepted_at THEN excluded.accept_on_time ELSE f.accept_on_time END,
                accept_due_at = CASE WHEN f.accepted_at IS NULL OR excluded.accepted_at < f.accepted_at THEN excluded.accept_due_at ELSE f.accept_due_at END,
                accepted_at = least(f.accepted_at, excluded.accepted_at),
                {StatusSet}
        {FirstPromise.TierStep(Clocks.Accept)}
        """;

    // First-wins columns (the earliest step's time, its on-time flag and deadline: a repeat is not earlier), the
    // newest-wins status, and clock_steps keyed by the step (ON CONFLICT DO NOTHING): delivered again, it changes nothing.
    protected override bool IdempotentByItself => true;

    protected override Task ApplyAsync(WorkOrderAccepted m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new
        {
            m.RequestId, m.WorkOrderId, at = Utc(m.At), dueAt = m.FirstDueAt is { } d ? Utc(d) : (DateTimeOffset?)null,
            onTime = FirstPromise.OnTime(m.At, m.FirstDueAt, m.OnTime), tier = m.Tier, tierOnTime = m.OnTime,
        }, ct);
}

public sealed class WorkOrderArrivedProjection(Projector p) : Projection<WorkOrderArrived>(p)
{
    protected override DateTimeOffset OccurredAt(WorkOrderArrived m) => m.At;

    private static readonly string Sql = $"""
        INSERT INTO request_facts AS f (request_id, work_order_id, arrived_at, arrive_on_time, arrive_due_at, judged_complex,
                                        status, status_rank, status_at)
        VALUES (@RequestId, @WorkOrderId, @at, {FirstPromise.Judged(Clocks.Arrive)}, @dueAt, @complex, 'arrived', {Rank.Arrived}, @at)
        ON CONFLICT (request_id) DO UPDATE
            SET work_order_id = coalesce(f.work_order_id, excluded.work_order_id),
                arrive_on_time = CASE WHEN f.arrived_at IS NULL OR excluded.arrived_at < f.arrived_at THEN excluded.arrive_on_time ELSE f.arrive_on_time END,
                arrive_due_at = CASE WHEN f.arrived_at IS NULL OR excluded.arrived_at < f.arrived_at THEN excluded.arrive_due_at ELSE f.arrive_due_at END,
                judged_complex = f.judged_complex OR excluded.judged_complex,
                arrived_at = least(f.arrived_at, excluded.arrived_at),
                {StatusSet}
        {FirstPromise.TierStep(Clocks.Arrive)}
        """;

    // First-wins columns (the earliest step's time, its on-time flag and deadline: a repeat is not earlier), the
    // newest-wins status, and clock_steps keyed by the step (ON CONFLICT DO NOTHING), judged_complex only turns true: delivered again, it changes nothing.
    protected override bool IdempotentByItself => true;

    protected override Task ApplyAsync(WorkOrderArrived m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new
        {
            m.RequestId, m.WorkOrderId, at = Utc(m.At), dueAt = m.FirstDueAt is { } d ? Utc(d) : (DateTimeOffset?)null,
            onTime = FirstPromise.OnTime(m.At, m.FirstDueAt, m.OnTime), tier = m.Tier, tierOnTime = m.OnTime, complex = m.Complex ?? false,
        }, ct);
}

public sealed class WorkOrderPlanFormedProjection(Projector p) : Projection<WorkOrderPlanFormed>(p)
{
    protected override DateTimeOffset OccurredAt(WorkOrderPlanFormed m) => m.At;

    private static readonly string Sql = $"""
        INSERT INTO request_facts AS f (request_id, work_order_id, plan_at, plan_on_time, plan_clock_due_at, plan_due_at, judged_complex,
                                        status, status_rank, status_at)
        VALUES (@RequestId, @WorkOrderId, @at, {FirstPromise.Judged(Clocks.Plan)}, @dueAt, @planDueAt, true, 'plan_formed', {Rank.PlanFormed}, @at)
        ON CONFLICT (request_id) DO UPDATE
            SET work_order_id = coalesce(f.work_order_id, excluded.work_order_id),
                plan_on_time = CASE WHEN f.plan_at IS NULL OR excluded.plan_at < f.plan_at THEN excluded.plan_on_time ELSE f.plan_on_time END,
                plan_clock_due_at = CASE WHEN f.plan_at IS NULL OR excluded.plan_at < f.plan_at THEN excluded.plan_clock_due_at ELSE f.plan_clock_due_at END,
                plan_due_at = CASE WHEN f.plan_at IS NULL OR excluded.plan_at < f.plan_at THEN excluded.plan_due_at ELSE f.plan_due_at END,
                judged_complex = true,
                plan_at = least(f.plan_at, excluded.plan_at),
                {StatusSet}
        {FirstPromise.TierStep(Clocks.Plan)};
        -- A resolution without a first deadline that a missed 1-hour clock marked late, before this plan was known,
        -- turns out to be planned: it is judged against the plan's date (plan_kept checks the plan_due clock), not
        -- that clock, whichever order the events arrived in.
        UPDATE request_facts SET resolve_on_time = true, updated_at = now()
        WHERE request_id = @RequestId AND resolve_due_at IS NULL AND resolve_on_time = false AND resolved_at >= plan_at
          AND EXISTS (SELECT 1 FROM deadline_misses x WHERE x.request_id = @RequestId AND x.clock = 'resolve' AND x.at <= resolved_at)
        """;

    protected override Task ApplyAsync(WorkOrderPlanFormed m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new
        {
            m.RequestId, m.WorkOrderId, at = Utc(m.At), dueAt = m.FirstDueAt is { } d ? Utc(d) : (DateTimeOffset?)null,
            onTime = FirstPromise.OnTime(m.At, m.FirstDueAt, m.OnTime), tier = m.Tier, tierOnTime = m.OnTime, planDueAt = m.PlanDueAt is { } p ? Utc(p) : (DateTimeOffset?)null,
        }, ct);
}

public sealed class WorkOrderResolvedProjection(Projector p) : Projection<WorkOrderResolved>(p)
{
    protected override DateTimeOffset OccurredAt(WorkOrderResolved m) => m.At;

    private static readonly string Sql = $"""
        INSERT INTO request_facts AS f (request_id, work_order_id, resolved_at, resolve_on_time, resolve_due_at, last_resolved_at,
                                        status, status_rank, status_at)
        VALUES (@RequestId, @WorkOrderId, @at, {FirstPromise.Judged(Clocks.Resolve)}, @dueAt, @at, 'resolved', {Rank.Resolved}, @at)
        ON CONFLICT (request_id) DO UPDATE
            SET work_order_id = coalesce(f.work_order_id, excluded.work_order_id),
                resolve_on_time = CASE WHEN f.resolved_at IS NULL OR excluded.resolved_at < f.resolved_at THEN excluded.resolve_on_time ELSE f.resolve_on_time END,
                resolve_due_at = CASE WHEN f.resolved_at IS NULL OR excluded.resolved_at < f.resolved_at THEN excluded.resolve_due_at ELSE f.resolve_due_at END,
                resolved_at = least(f.resolved_at, excluded.resolved_at),
                last_resolved_at = greatest(f.last_resolved_at, excluded.last_resolved_at),
                {StatusSet}
        {FirstPromise.TierStep(Clocks.Resolve)}
        """;

    // First-wins columns (the earliest step's time, its on-time flag and deadline: a repeat is not earlier), the
    // newest-wins status, last_resolved_at the latest, and clock_steps keyed by the step (ON CONFLICT DO NOTHING): delivered again, it changes nothing.
    protected override bool IdempotentByItself => true;

    protected override Task ApplyAsync(WorkOrderResolved m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new
        {
            m.RequestId, m.WorkOrderId, at = Utc(m.At), dueAt = m.FirstDueAt is { } d ? Utc(d) : (DateTimeOffset?)null,
            onTime = FirstPromise.OnTime(m.At, m.FirstDueAt, m.OnTime), tier = m.Tier, tierOnTime = m.OnTime,
        }, ct);
}

public sealed class WorkOrderClosedProjection(Projector p) : Projection<WorkOrderClosed>(p)
{
    protected override DateTimeOffset OccurredAt(WorkOrderClosed m) => m.At;

    private const string Sql = $"""
        INSERT INTO request_facts AS f (request_id, work_order_id, closed_at, status, status_rank, status_at)
        VALUES (@RequestId, @WorkOrderId, @at, 'closed', {Rank.Closed}, @at)
        ON CONFLICT (request_id) DO UPDATE
            SET work_order_id = coalesce(f.work_order_id, excluded.work_order_id),
                closed_at = greatest(f.closed_at, excluded.closed_at),
                {StatusSet}
        """;

    protected override Task ApplyAsync(WorkOrderClosed m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.RequestId, m.WorkOrderId, at = Utc(m.At) }, ct);
}

public sealed class WorkOrderReopenedProjection(Projector p) : Projection<WorkOrderReopened>(p)
{
    protected override DateTimeOffset OccurredAt(WorkOrderReopened m) => m.At;

    private const string Sql = $"""
        INSERT INTO request_facts AS f (request_id, work_order_id, reopen_count, status, status_rank, status_at)
        VALUES (@RequestId, @WorkOrderId, @ReopenCount, 'reopened', {Rank.Reopened}, @at)
        ON CONFLICT (request_id) DO UPDATE
            SET work_order_id = coalesce(f.work_order_id, excluded.work_order_id),
                reopen_count = greatest(f.reopen_count, excluded.reopen_count),
                {StatusSet}
        """;

    protected override Task ApplyAsync(WorkOrderReopened m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.RequestId, m.WorkOrderId, m.ReopenCount, at = Utc(m.At) }, ct);
}

/// <summary>Returns, transfers, suspensions and resumptions share one table and one status rule.</summary>
public abstract class WorkOrderStepProjection<T>(Projector p) : Projection<T>(p) where T : class
{
    private const string Sql = $"""
        INSERT INTO work_order_events (work_order_id, request_id, kind, at) VALUES (@workOrderId, @requestId, @status, @at)
        ON CONFLICT DO NOTHING;
        INSERT INTO request_facts AS f (request_id, work_order_id, property_company, company_at, status, status_rank, status_at)
        VALUES (@requestId, @workOrderId, @company, CASE WHEN @company::text IS NULL THEN NULL ELSE @at END, @status, @rank::int, @at)
        ON CONFLICT (request_id) DO UPDATE
            SET work_order_id = coalesce(f.work_order_id, excluded.work_order_id),
                -- The newest transfer or assignment to a company by its time, as WorkOrderAssigned keeps it.
                property_company = CASE WHEN excluded.property_company IS NOT NULL AND (f.company_at IS NULL OR f.company_at <= excluded.company_at)
                                        THEN excluded.property_company ELSE f.property_company END,
                company_at = greatest(f.company_at, excluded.company_at),
                {StatusSet}
        """;

    protected Task StepAsync(NpgsqlTransaction tx, Guid workOrderId, Guid requestId, string status, string rank, DateTimeOffset at,
        CancellationToken ct, string? company = null) =>
        ExecuteAsync(tx, Sql, new { workOrderId, requestId, status, rank = int.Parse(rank), at = Utc(at), company }, ct);
}

public sealed class WorkOrderReturnedProjection(Projector p) : WorkOrderStepProjection<WorkOrderReturned>(p)
{
    protected override DateTimeOffset OccurredAt(WorkOrderReturned m) => m.At;
    protected override Task ApplyAsync(WorkOrderReturned m, NpgsqlTransaction tx, CancellationToken ct) =>
        StepAsync(tx, m.WorkOrderId, m.RequestId, "returned", Rank.Returned, m.At, ct);
}

public sealed class WorkOrderTransferredProjection(Projector p) : WorkOrderStepProjection<WorkOrderTransferred>(p)
{
    protected override DateTimeOffset OccurredAt(WorkOrderTransferred m) => m.At;
    protected override Task ApplyAsync(WorkOrderTransferred m, NpgsqlTransaction tx, CancellationToken ct) =>
        StepAsync(tx, m.WorkOrderId, m.RequestId, "transferred", Rank.Transferred, m.At, ct,
            company: m.ToKind == AssigneeKinds.PropertyCompany ? m.ToName : null);
}

public sealed class WorkOrderSuspendedProjection(Projector p) : WorkOrderStepProjection<WorkOrderSuspended>(p)
{
    protected override DateTimeOffset OccurredAt(WorkOrderSuspended m) => m.At;
    protected override Task ApplyAsync(WorkOrderSuspended m, NpgsqlTransaction tx, CancellationToken ct) =>
        StepAsync(tx, m.WorkOrderId, m.RequestId, "suspended", Rank.Suspended, m.At, ct);
}

public sealed class WorkOrderResumedProjection(Projector p) : WorkOrderStepProjection<WorkOrderResumed>(p)
{
    protected override DateTimeOffset OccurredAt(WorkOrderResumed m) => m.At;
    protected override Task ApplyAsync(WorkOrderResumed m, NpgsqlTransaction tx, CancellationToken ct) =>
        StepAsync(tx, m.WorkOrderId, m.RequestId, "resumed", Rank.Resumed, m.At, ct);
}

public sealed class DeadlineMissedProjection(Projector p) : Projection<DeadlineMissed>(p)
{
    protected override DateTimeOffset OccurredAt(DeadlineMissed m) => m.At;

    // Dispatch fires each clock once per tier, which is also this table's key. The request's fact row
    // learns which clocks ended missed (a set, so a replay adds nothing) for the daily roll-up.
    private const string Sql = """
        INSERT INTO deadline_misses (work_order_id, request_id, clock, tier, due_at, at)
        VALUES (@WorkOrderId, @RequestId, @Clock, @Tier, @dueAt, @at)
        ON CONFLICT DO NOTHING;
        INSERT INTO request_facts AS f (request_id, missed_clocks) VALUES (@RequestId, ARRAY[@Clock])
        ON CONFLICT (request_id) DO UPDATE
            SET missed_clocks = f.missed_clocks || excluded.missed_clocks, updated_at = now()
            WHERE NOT excluded.missed_clocks <@ f.missed_clocks;
        UPDATE request_facts SET
            accept_on_time = CASE WHEN @Clock = 'accept' AND accept_due_at IS NULL AND accepted_at >= @at THEN false ELSE accept_on_time END,
            arrive_on_time = CASE WHEN @Clock = 'arrive' AND arrive_due_at IS NULL AND arrived_at >= @at THEN false ELSE arrive_on_time END,
            plan_on_time = CASE WHEN @Clock = 'plan' AND plan_clock_due_at IS NULL AND plan_at >= @at THEN false ELSE plan_on_time END,
            resolve_on_time = CASE WHEN @Clock = 'resolve' AND resolve_due_at IS NULL AND resolved_at >= @at
                                        AND NOT coalesce(resolved_at >= plan_at, false) THEN false ELSE resolve_on_time END,
            updated_at = now()
        WHERE request_id = @RequestId AND @Clock IN ('accept', 'arrive', 'plan', 'resolve')
          AND ((@Clock = 'accept' AND accept_on_time AND accept_due_at IS NULL AND accepted_at >= @at)
            OR (@Clock = 'arrive' AND arrive_on_time AND arrive_due_at IS NULL AND arrived_at >= @at)
            OR (@Clock = 'plan' AND plan_on_time AND plan_clock_due_at IS NULL AND plan_at >= @at)
            OR (@Clock = 'resolve' AND resolve_on_time AND resolve_due_at IS NULL AND resolved_at >= @at
                AND NOT coalesce(resolved_at >= plan_at, false)));
        """;

    // deadline_misses keyed by work order, clock and tier (DO NOTHING), missed_clocks a set, and the step flags only
    // turn late, by the miss's own time: delivered again, it changes nothing.
    protected override bool IdempotentByItself => true;

    protected override Task ApplyAsync(DeadlineMissed m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.WorkOrderId, m.RequestId, m.Clock, m.Tier, dueAt = Utc(m.DueAt), at = Utc(m.At) }, ct);
}

public sealed class WorkOrderEscalatedProjection(Projector p) : Projection<WorkOrderEscalated>(p)
{
    protected override DateTimeOffset OccurredAt(WorkOrderEscalated m) => m.At;

    private const string Sql = """
        INSERT INTO escalations (work_order_id, request_id, from_tier, to_tier, at)
        VALUES (@WorkOrderId, @RequestId, @FromTier, @ToTier, @at)
        ON CONFLICT DO NOTHING
        """;

    // Keyed by work order, tier and time (DO NOTHING).
    protected override bool IdempotentByItself => true;

    protected override Task ApplyAsync(WorkOrderEscalated m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.WorkOrderId, m.RequestId, m.FromTier, m.ToTier, at = Utc(m.At) }, ct);
}

public sealed class CouncilScheduledProjection(Projector p) : Projection<CouncilScheduled>(p)
{
    protected override DateTimeOffset OccurredAt(CouncilScheduled m) => m.At;

    // TrackedBy names a cadre: reporting keeps no staff identities, so it is dropped here.
    // The holding may have arrived first; the schedule only fills its own columns (the earliest scheduling wins
    // on a replay) and never counts the council: CouncilHeld does, once, when the council is held.
    private const string Sql = """
        INSERT INTO councils AS c (council_id, work_order_id, request_id, kind, tier, scheduled_at, scheduled_for)
        VALUES (@CouncilId, @WorkOrderId, @RequestId, @Kind, @Tier, @at, @scheduledFor)
        ON CONFLICT (council_id) DO UPDATE
            SET tier = CASE WHEN c.scheduled_at IS NULL OR excluded.scheduled_at < c.scheduled_at THEN excluded.tier ELSE c.tier END,
                scheduled_for = CASE WHEN c.scheduled_at IS NULL OR excluded.scheduled_at < c.scheduled_at THEN excluded.scheduled_for ELSE c.scheduled_for END,
                scheduled_at = least(c.scheduled_at, excluded.scheduled_at)
        """;

    protected override Task ApplyAsync(CouncilScheduled m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.CouncilId, m.WorkOrderId, m.RequestId, m.Kind, m.Tier, at = Utc(m.At), scheduledFor = Utc(m.ScheduledAt) }, ct);
}

public sealed class CouncilHeldProjection(Projector p) : Projection<CouncilHeld>(p)
{
    protected override DateTimeOffset OccurredAt(CouncilHeld m) => m.At;

    // Attendees are people: only how many came is kept.
    // The request's fact row counts a council when it becomes held: the row is new, or its schedule arrived first
    // (the update's WHERE lets only a not-yet-held row through, and RETURNING yields nothing otherwise). So a
    // scheduled council later held counts once, and a replay of the holding counts nothing.
    private const string Sql = """
        WITH held AS (
            INSERT INTO councils AS c (council_id, work_order_id, request_id, kind, attendee_count, held_at)
            VALUES (@CouncilId, @WorkOrderId, @RequestId, @Kind, @attendees, @at)
            ON CONFLICT (council_id) DO UPDATE SET attendee_count = excluded.attendee_count, held_at = excluded.held_at
                WHERE c.held_at IS NULL
            RETURNING request_id)
        INSERT INTO request_facts AS f (request_id, council_count) SELECT request_id, 1 FROM held
        ON CONFLICT (request_id) DO UPDATE SET council_count = f.council_count + 1, updated_at = now()
        """;

    protected override Task ApplyAsync(CouncilHeld m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.CouncilId, m.WorkOrderId, m.RequestId, m.Kind, attendees = m.Attendees.Count, at = Utc(m.At) }, ct);
}
