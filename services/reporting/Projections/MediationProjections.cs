using GovPlatform.Contracts;
using Npgsql;

namespace GovPlatform.Reporting.Projections;

public sealed class MediationCaseOpenedProjection(Projector p) : Projection<MediationCaseOpened>(p)
{
    protected override DateTimeOffset OccurredAt(MediationCaseOpened m) => m.At;

    // The mediator is a named person: reporting keeps the case, not the name.
    private const string Sql = """
        INSERT INTO mediation_cases AS c (case_id, request_id, community_code, kind, opened_at, place_id)
        VALUES (@CaseId, @RequestId, @CommunityCode, @Kind, @at, @PlaceId)
        ON CONFLICT (case_id) DO UPDATE
            SET request_id = coalesce(c.request_id, excluded.request_id), kind = excluded.kind,
                opened_at = least(c.opened_at, excluded.opened_at), place_id = coalesce(c.place_id, excluded.place_id)
        """;

    protected override Task ApplyAsync(MediationCaseOpened m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.CaseId, m.RequestId, m.CommunityCode, m.Kind, at = Utc(m.At), m.PlaceId }, ct);
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

/// <summary>A mediation studio or talk-it-over point; the host (a person) is not in the event, the place's name is.</summary>
public sealed class MediationPlaceRegisteredProjection(Projector p) : Projection<MediationPlaceRegistered>(p)
{
    protected override DateTimeOffset OccurredAt(MediationPlaceRegistered m) => m.At;

    private const string Sql = """
        INSERT INTO mediation_places (place_id, community_code, kind, name, registered_at)
        VALUES (@PlaceId, @CommunityCode, @Kind, @Name, @at)
        ON CONFLICT (place_id) DO NOTHING
        """;

    protected override Task ApplyAsync(MediationPlaceRegistered m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.PlaceId, m.CommunityCode, m.Kind, m.Name, at = Utc(m.At) }, ct);
}
