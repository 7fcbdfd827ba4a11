using GovPlatform.Contracts;
using Npgsql;

namespace GovPlatform.Reporting.Projections;

public sealed class WorkerDutyChangedProjection(Projector p) : Projection<WorkerDutyChanged>(p)
{
    protected override DateTimeOffset OccurredAt(WorkerDutyChanged m) => m.At;

    // Kept as history keyed by (worker, time), so whatever order changes arrive in, the newest one before
    // any moment says where the worker was. Two changes at the same instant: off duty wins, in any order.
    internal const string Sql = """
        INSERT INTO worker_duty_changes AS d (worker_id, at, node_code, role, on_duty)
        VALUES (@WorkerId, @at, @NodeCode, @Role, @OnDuty)
        ON CONFLICT (worker_id, at) DO UPDATE
            SET node_code = excluded.node_code, role = excluded.role, on_duty = excluded.on_duty
            WHERE (excluded.on_duty, excluded.node_code, excluded.role) < (d.on_duty, d.node_code, d.role)
        """;

    protected override Task ApplyAsync(WorkerDutyChanged m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.WorkerId, m.NodeCode, m.Role, m.OnDuty, at = Utc(m.At) }, ct);
}

/// <summary>
/// A worker put on the roster with their duty as it stands is, for coverage, a duty entry like any change: it is how
/// workers on duty from the start (who never flip) cover their grid.
/// </summary>
public sealed class WorkerRosteredProjection(Projector p) : Projection<WorkerRostered>(p)
{
    protected override DateTimeOffset OccurredAt(WorkerRostered m) => m.At;

    protected override Task ApplyAsync(WorkerRostered m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, WorkerDutyChangedProjection.Sql, new { m.WorkerId, m.NodeCode, m.Role, m.OnDuty, at = Utc(m.At) }, ct);
}
