using GovPlatform.Contracts;
using Npgsql;

namespace GovPlatform.Reporting.Projections;

// Deadlines and supervision (docs/reporting.md, Supervision figures). Each event fills its own columns of a row keyed
// by the case's id, so the events of one case may arrive in any order and twice.

public sealed class DeadlineWarnedProjection(Projector p) : Projection<DeadlineWarned>(p)
{
    protected override DateTimeOffset OccurredAt(DeadlineWarned m) => m.At;

    private const string Sql = """
        INSERT INTO deadline_warnings (deadline_id, work_order_id, request_id, clock, tier, due_at, warned_at)
        VALUES (@DeadlineId, @WorkOrderId, @RequestId, @Clock, @Tier, @due, @at)
        ON CONFLICT (deadline_id) DO NOTHING
        """;

    // Keyed by the deadline (DO NOTHING).
    protected override bool IdempotentByItself => true;

    protected override Task ApplyAsync(DeadlineWarned m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.DeadlineId, m.WorkOrderId, m.RequestId, m.Clock, m.Tier, due = Utc(m.DueAt), at = Utc(m.At) }, ct);
}

public sealed class WorkOrderSupervisedProjection(Projector p) : Projection<WorkOrderSupervised>(p)
{
    protected override DateTimeOffset OccurredAt(WorkOrderSupervised m) => m.At;

    private const string Sql = """
        INSERT INTO supervision_cases AS s (id, work_order_id, request_id, flagged_at, due_at)
        VALUES (@SupervisionId, @WorkOrderId, @RequestId, @at, @due)
        ON CONFLICT (id) DO UPDATE SET flagged_at = excluded.flagged_at, due_at = excluded.due_at
        """;

    protected override Task ApplyAsync(WorkOrderSupervised m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.SupervisionId, m.WorkOrderId, m.RequestId, at = Utc(m.At), due = Utc(m.DueAt) }, ct);
}

public sealed class SupervisionOverdueProjection(Projector p) : Projection<SupervisionOverdue>(p)
{
    protected override DateTimeOffset OccurredAt(SupervisionOverdue m) => m.At;

    private const string Sql = """
        INSERT INTO supervision_cases AS s (id, work_order_id, request_id, overdue_at, due_at)
        VALUES (@SupervisionId, @WorkOrderId, @RequestId, @at, @due)
        ON CONFLICT (id) DO UPDATE SET overdue_at = excluded.overdue_at
        """;

    protected override Task ApplyAsync(SupervisionOverdue m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.SupervisionId, m.WorkOrderId, m.RequestId, at = Utc(m.At), due = Utc(m.DueAt) }, ct);
}

public sealed class SupervisionCompletedProjection(Projector p) : Projection<SupervisionCompleted>(p)
{
    protected override DateTimeOffset OccurredAt(SupervisionCompleted m) => m.At;

    private const string Sql = """
        INSERT INTO supervision_cases AS s (id, work_order_id, request_id, done_at, done_on_time)
        VALUES (@SupervisionId, @WorkOrderId, @RequestId, @at, @OnTime)
        ON CONFLICT (id) DO UPDATE SET done_at = excluded.done_at, done_on_time = excluded.done_on_time
        """;

    protected override Task ApplyAsync(SupervisionCompleted m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.SupervisionId, m.WorkOrderId, m.RequestId, at = Utc(m.At), m.OnTime }, ct);
}

public sealed class ArbitrationRequestedProjection(Projector p) : Projection<ArbitrationRequested>(p)
{
    protected override DateTimeOffset OccurredAt(ArbitrationRequested m) => m.At;

    private const string Sql = """
        INSERT INTO arbitration_cases AS a (id, work_order_id, request_id, arbiter_tier, requested_at)
        VALUES (@ArbitrationId, @WorkOrderId, @RequestId, @ArbiterTier, @at)
        ON CONFLICT (id) DO UPDATE SET arbiter_tier = excluded.arbiter_tier, requested_at = excluded.requested_at
        """;

    protected override Task ApplyAsync(ArbitrationRequested m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.ArbitrationId, m.WorkOrderId, m.RequestId, m.ArbiterTier, at = Utc(m.At) }, ct);
}

public sealed class ArbitrationDecidedProjection(Projector p) : Projection<ArbitrationDecided>(p)
{
    protected override DateTimeOffset OccurredAt(ArbitrationDecided m) => m.At;

    private const string Sql = """
        INSERT INTO arbitration_cases AS a (id, work_order_id, request_id, decided_at)
        VALUES (@ArbitrationId, @WorkOrderId, @RequestId, @at)
        ON CONFLICT (id) DO UPDATE SET decided_at = excluded.decided_at
        """;

    protected override Task ApplyAsync(ArbitrationDecided m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.ArbitrationId, m.WorkOrderId, m.RequestId, at = Utc(m.At) }, ct);
}

public sealed class RatingAppealFiledProjection(Projector p) : Projection<RatingAppealFiled>(p)
{
    protected override DateTimeOffset OccurredAt(RatingAppealFiled m) => m.At;

    private const string Sql = """
        INSERT INTO rating_appeal_cases AS a (id, work_order_id, request_id, filed_at)
        VALUES (@AppealId, @WorkOrderId, @RequestId, @at)
        ON CONFLICT (id) DO UPDATE SET filed_at = excluded.filed_at
        """;

    protected override Task ApplyAsync(RatingAppealFiled m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.AppealId, m.WorkOrderId, m.RequestId, at = Utc(m.At) }, ct);
}

/// <summary>
/// An upheld appeal marks the request's rating excluded: the rating itself stays in request_facts, and the roll-up's
/// trigger moves the request out of the rated and satisfied counts.
/// </summary>
public sealed class RatingAppealDecidedProjection(Projector p) : Projection<RatingAppealDecided>(p)
{
    protected override DateTimeOffset OccurredAt(RatingAppealDecided m) => m.At;

    private const string CaseSql = """
        INSERT INTO rating_appeal_cases AS a (id, work_order_id, request_id, decided_at, upheld)
        VALUES (@AppealId, @WorkOrderId, @RequestId, @at, @Upheld)
        ON CONFLICT (id) DO UPDATE SET decided_at = excluded.decided_at, upheld = excluded.upheld
        """;

    private const string ExcludeSql = """
        INSERT INTO request_facts AS f (request_id, rating_excluded) VALUES (@RequestId, true)
        ON CONFLICT (request_id) DO UPDATE SET rating_excluded = true WHERE NOT f.rating_excluded
        """;

    protected override async Task ApplyAsync(RatingAppealDecided m, NpgsqlTransaction tx, CancellationToken ct)
    {
        await ExecuteAsync(tx, CaseSql, new { m.AppealId, m.WorkOrderId, m.RequestId, at = Utc(m.At), m.Upheld }, ct);
        if (m.Upheld) await ExecuteAsync(tx, ExcludeSql, new { m.RequestId }, ct);
    }
}
