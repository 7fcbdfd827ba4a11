using GovPlatform.Contracts;
using Npgsql;

namespace GovPlatform.Reporting.Projections;

public sealed class MediationCaseOpenedProjection(Projector p) : Projection<MediationCaseOpened>(p)
{
    protected override DateTimeOffset OccurredAt(MediationCaseOpened m) => m.At;

    // The mediator is a named person: reporting keeps the case, not the name.
    private const string Sql = """
        INSERT INTO mediation_cases AS c (case_id, request_id, community_code, kind, opened_at)
        VALUES (@CaseId, @RequestId, @CommunityCode, @Kind, @at)
        ON CONFLICT (case_id) DO UPDATE
            SET request_id = coalesce(c.request_id, excluded.request_id), kind = excluded.kind,
                opened_at = least(c.opened_at, excluded.opened_at)
        """;

    protected override Task ApplyAsync(MediationCaseOpened m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.CaseId, m.RequestId, m.CommunityCode, m.Kind, at = Utc(m.At) }, ct);
}

public sealed class MediationCaseClosedProjection(Projector p) : Projection<MediationCaseClosed>(p)
{
    protected override DateTimeOffset OccurredAt(MediationCaseClosed m) => m.At;

    private const string Sql = """
        INSERT INTO mediation_cases AS c (case_id, request_id, community_code, outcome, sessions, closed_at)
        VALUES (@CaseId, @RequestId, @CommunityCode, @Outcome, @Sessions, @at)
        ON CONFLICT (case_id) DO UPDATE
            SET request_id = coalesce(c.request_id, excluded.request_id),
                outcome = CASE WHEN c.closed_at IS NULL OR c.closed_at <= excluded.closed_at THEN excluded.outcome ELSE c.outcome END,
                sessions = CASE WHEN c.closed_at IS NULL OR c.closed_at <= excluded.closed_at THEN excluded.sessions ELSE c.sessions END,
                closed_at = greatest(c.closed_at, excluded.closed_at)
        """;

    protected override Task ApplyAsync(MediationCaseClosed m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.CaseId, m.RequestId, m.CommunityCode, m.Outcome, m.Sessions, at = Utc(m.At) }, ct);
}
