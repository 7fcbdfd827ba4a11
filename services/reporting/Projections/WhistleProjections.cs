using GovPlatform.Contracts;
using Npgsql;

namespace GovPlatform.Reporting.Projections;

public sealed class WhistleBlownProjection(Projector p) : Projection<WhistleBlown>(p)
{
    protected override DateTimeOffset OccurredAt(WhistleBlown m) => m.At;

    // A department's report can arrive before the whistle: its row may already exist.
    // The request's fact row counts whistles only when this one is new, so a replay counts nothing.
    private const string Sql = """
        WITH blown AS (
            INSERT INTO whistles (whistle_id, work_order_id, request_id, tier, report_due_at, at)
            VALUES (@WhistleId, @WorkOrderId, @RequestId, @Tier, @due, @at)
            ON CONFLICT DO NOTHING
            RETURNING request_id)
        INSERT INTO request_facts AS f (request_id, whistle_count) SELECT request_id, 1 FROM blown
        ON CONFLICT (request_id) DO UPDATE SET whistle_count = f.whistle_count + 1, updated_at = now();
        INSERT INTO whistle_departments (whistle_id, department)
        SELECT @WhistleId, d FROM unnest(@departments::text[]) AS d
        ON CONFLICT DO NOTHING;
        """;

    protected override Task ApplyAsync(WhistleBlown m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new
        {
            m.WhistleId, m.WorkOrderId, m.RequestId, m.Tier, due = Utc(m.ReportDueAt), at = Utc(m.At), departments = m.Departments.ToArray(),
        }, ct);
}

public sealed class DepartmentReportedProjection(Projector p) : Projection<DepartmentReported>(p)
{
    protected override DateTimeOffset OccurredAt(DepartmentReported m) => m.At;

    private const string Sql = """
        INSERT INTO whistle_departments AS d (whistle_id, department, reported_at, late)
        VALUES (@WhistleId, @Department, @at, @Late)
        ON CONFLICT (whistle_id, department) DO UPDATE
            SET late = CASE WHEN d.reported_at IS NULL OR excluded.reported_at < d.reported_at THEN excluded.late ELSE d.late END,
                reported_at = least(d.reported_at, excluded.reported_at)
        """;

    protected override Task ApplyAsync(DepartmentReported m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.WhistleId, m.Department, m.Late, at = Utc(m.At) }, ct);
}

public sealed class DepartmentActedProjection(Projector p) : Projection<DepartmentActed>(p)
{
    protected override DateTimeOffset OccurredAt(DepartmentActed m) => m.At;

    private const string Sql = """
        INSERT INTO whistle_departments AS d (whistle_id, department, acted_at)
        VALUES (@WhistleId, @Department, @at)
        ON CONFLICT (whistle_id, department) DO UPDATE SET acted_at = least(d.acted_at, excluded.acted_at)
        """;

    protected override Task ApplyAsync(DepartmentActed m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.WhistleId, m.Department, at = Utc(m.At) }, ct);
}

public sealed class DepartmentReportMissedProjection(Projector p) : Projection<DepartmentReportMissed>(p)
{
    protected override DateTimeOffset OccurredAt(DepartmentReportMissed m) => m.At;

    private const string Sql = """
        INSERT INTO whistle_departments AS d (whistle_id, department, missed_at)
        VALUES (@WhistleId, @Department, @at)
        ON CONFLICT (whistle_id, department) DO UPDATE SET missed_at = least(d.missed_at, excluded.missed_at)
        """;

    protected override Task ApplyAsync(DepartmentReportMissed m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.WhistleId, m.Department, at = Utc(m.At) }, ct);
}
