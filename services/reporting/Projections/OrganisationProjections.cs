using GovPlatform.Contracts;
using Npgsql;

namespace GovPlatform.Reporting.Projections;

public sealed class PartyOrganisationRegisteredProjection(Projector p) : Projection<PartyOrganisationRegistered>(p)
{
    protected override DateTimeOffset OccurredAt(PartyOrganisationRegistered m) => m.At;

    private const string Sql = """
        INSERT INTO party_orgs (id, kind, node_code, scope_path, registered_at)
        VALUES (@Id, @Kind, @NodeCode, @path, @at)
        ON CONFLICT (id) DO NOTHING
        """;

    protected override Task ApplyAsync(PartyOrganisationRegistered m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.Id, m.Kind, m.NodeCode, path = m.ScopePath.ToArray(), at = Utc(m.At) }, ct);
}

public sealed class HouseholdVisitedProjection(Projector p) : Projection<HouseholdVisited>(p)
{
    protected override DateTimeOffset OccurredAt(HouseholdVisited m) => m.VisitedAt;

    // The visit, not the visitor or the household's people: reporting counts, it does not keep a register.
    private const string Sql = """
        INSERT INTO household_visits (visit_id, household_id, node_code, scope_path, kind, care_groups, party_household, visited_at)
        VALUES (@VisitId, @HouseholdId, @NodeCode, @path, @Kind, @care, @PartyHousehold, @at)
        ON CONFLICT (visit_id) DO NOTHING
        """;

    protected override Task ApplyAsync(HouseholdVisited m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new
        {
            m.VisitId, m.HouseholdId, m.NodeCode, path = m.ScopePath.ToArray(), m.Kind, care = m.CareGroups.ToArray(),
            m.PartyHousehold, at = Utc(m.VisitedAt),
        }, ct);
}
