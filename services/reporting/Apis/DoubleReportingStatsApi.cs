using Dapper;
using GovPlatform.Reporting.Kpis;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Reporting.Apis;

/// <summary>
/// Double reporting (双报到) as the seeds report it (one county: 86 units, 3,217 members, 410 activities, 110 hardships
/// solved, 52 co-building events), and the mediation places' own figures (a talk-it-over point: 30+ disputes mediated
/// in half a year; the province's success rate 97.6%). Per community and for the whole branch asked about.
/// </summary>
public static class DoubleReportingStatsApi
{
    public sealed record DoubleReportingFigures
    {
        public string? Code { get; init; }
        public string? Name { get; init; }
        /// <summary>Units with a party member reported to the community, as it stands.</summary>
        public long Units { get; init; }
        /// <summary>Party members reported to the community, as it stands.</summary>
        public long MembersReported { get; init; }
        /// <summary>Activities in the period that reported party members served in (verified), each counted once.</summary>
        public long Activities { get; init; }
        /// <summary>Wishes and hardships (微心愿/困难) on the community's menu that units or their reported members completed in the period.</summary>
        public long HardshipsSolved { get; init; }
        /// <summary>Co-building events (共建活动) held in the period, as recorded against units' service contracts.</summary>
        public long CoBuildingEvents { get; init; }
        /// <summary>Service contracts signed in the period, and the quantity they committed.</summary>
        public long ContractsSigned { get; init; }
        public long Committed { get; init; }
    }

    public sealed record DoubleReportingReport(DoubleReportingFigures Total, IReadOnlyList<DoubleReportingFigures> Communities);

    private const string DoubleReportingSql = """
        WITH region AS MATERIALIZED (SELECT code FROM grid_copy WHERE level = 'community' AND (@Under::text IS NULL OR path @> ARRAY[@Under::text])),
        per AS (
            SELECT r.community_code, r.unit_id, r.volunteer_id, NULL::uuid AS activity, NULL::text AS hardship, NULL::text AS event,
                   NULL::uuid AS contract, 0::bigint AS committed
            FROM party_member_reports r
            UNION ALL
            SELECT c.code, s.unit_id, NULL, s.activity_id, NULL, NULL, NULL, 0
            FROM volunteer_services s JOIN grid_copy g ON g.code = s.grid_code JOIN grid_copy c ON c.code = ANY (g.path) AND c.level = 'community'
            WHERE s.unit_id IS NOT NULL AND s.activity_id IS NOT NULL AND s.at >= @FromUtc AND s.at < @ToUtc
            UNION ALL
            SELECT e.community_code, e.unit_id, NULL, NULL, CASE WHEN e.kind = 'hardship' THEN e.source_key END,
                   CASE WHEN e.kind = 'co_building' THEN e.source_key END, NULL, 0
            FROM double_reporting_events e WHERE e.at >= @FromUtc AND e.at < @ToUtc
            UNION ALL
            SELECT k.community_code, k.unit_id, NULL, NULL, NULL, NULL, k.contract_id, k.committed
            FROM service_contracts k WHERE k.signed_at >= @FromUtc AND k.signed_at < @ToUtc)
        SELECT per.community_code AS Code, g.name AS Name,
               count(DISTINCT per.unit_id) FILTER (WHERE per.volunteer_id IS NOT NULL) AS Units,
               count(DISTINCT per.volunteer_id) AS MembersReported,
               count(DISTINCT per.activity) AS Activities,
               count(per.hardship) AS HardshipsSolved,
               count(per.event) AS CoBuildingEvents,
               count(per.contract) AS ContractsSigned,
               sum(per.committed)::bigint AS Committed
        FROM per JOIN region ON region.code = per.community_code LEFT JOIN grid_copy g ON g.code = per.community_code
        GROUP BY per.community_code, g.name
        ORDER BY per.community_code
        """;

    // County-wide distinct counts: a unit or member (or activity) in two communities is still one.
    private const string DistinctSql = """
        WITH region AS MATERIALIZED (SELECT code FROM grid_copy WHERE level = 'community' AND (@Under::text IS NULL OR path @> ARRAY[@Under::text]))
        SELECT (SELECT count(DISTINCT r.unit_id) FROM party_member_reports r JOIN region ON region.code = r.community_code) AS Units,
               (SELECT count(DISTINCT r.volunteer_id) FROM party_member_reports r JOIN region ON region.code = r.community_code) AS MembersReported,
               (SELECT count(DISTINCT s.activity_id)
                FROM volunteer_services s JOIN grid_copy g ON g.code = s.grid_code JOIN region ON region.code = ANY (g.path)
                WHERE s.unit_id IS NOT NULL AND s.activity_id IS NOT NULL AND s.at >= @FromUtc AND s.at < @ToUtc) AS Activities
        """;

    public sealed record PlaceFigures
    {
        public Guid? PlaceId { get; init; }
        public string? Name { get; init; }
        public string? Kind { get; init; }
        public string? CommunityCode { get; init; }
        /// <summary>Cases opened at the place in the period.</summary>
        public long Received { get; init; }
        /// <summary>Of those, closed after mediation (an agreement or a failure; a referral went elsewhere).</summary>
        public long Mediated { get; init; }
        public long Agreements { get; init; }
        public long Referred { get; init; }
        /// <summary>Agreements over cases mediated (调解成功率).</summary>
        public double? SuccessRate { get; init; }
    }

    /// <param name="Total">Every case opened in the branch in the period, held at a registered place or not.</param>
    public sealed record PlacesReport(PlaceFigures Total, IReadOnlyList<PlaceFigures> Places);

    private const string PlacesSql = """
        WITH region AS MATERIALIZED (SELECT code FROM grid_copy WHERE level = 'community' AND (@Under::text IS NULL OR path @> ARRAY[@Under::text])),
        cases AS (
            SELECT m.* FROM mediation_cases m JOIN region ON region.code = m.community_code
            WHERE m.opened_at >= @FromUtc AND m.opened_at < @ToUtc)
        SELECT p.place_id AS PlaceId, p.name, p.kind, p.community_code AS CommunityCode,
               count(c.case_id) AS Received,
               count(c.case_id) FILTER (WHERE c.outcome IN ('agreement', 'failed')) AS Mediated,
               count(c.case_id) FILTER (WHERE c.outcome = 'agreement') AS Agreements,
               count(c.case_id) FILTER (WHERE c.outcome = 'referred') AS Referred
        FROM mediation_places p JOIN region ON region.code = p.community_code LEFT JOIN cases c ON c.place_id = p.place_id
        GROUP BY p.place_id ORDER BY p.community_code, p.name
        """;

    private const string AllCasesSql = """
        SELECT count(*) AS Received,
               count(*) FILTER (WHERE m.outcome IN ('agreement', 'failed')) AS Mediated,
               count(*) FILTER (WHERE m.outcome = 'agreement') AS Agreements,
               count(*) FILTER (WHERE m.outcome = 'referred') AS Referred
        FROM mediation_cases m JOIN grid_copy g ON g.code = m.community_code
        WHERE m.opened_at >= @FromUtc AND m.opened_at < @ToUtc AND (@Under::text IS NULL OR g.path @> ARRAY[@Under::text])
        """;

    private static PlaceFigures Rated(PlaceFigures f) => f with { SuccessRate = new Rate(f.Agreements, f.Mediated).Value };

    public static void MapDoubleReportingStatsApi(this WebApplication app)
    {
        app.MapGet("/api/v1/stats/double-reporting", GetDoubleReportingFigures)
            .RequireRoles(KpisApi.StaffRoles)
            .WithTags("Statistics")
            .WithName("GetDoubleReportingFigures")
            .WithSummary("双报到: units and members reported, activities served, hardships solved, co-building events, contracts, per community and in all");

        app.MapGet("/api/v1/stats/mediation-places", GetMediationPlaceFigures)
            .RequireRoles(KpisApi.StaffRoles)
            .WithTags("Statistics")
            .WithName("GetMediationPlaceFigures")
            .WithSummary("Mediation studios and talk-it-over points: cases received, mediated, agreements and success rate per place, and for all cases");
    }

    private static Task<Results<Ok<DoubleReportingReport>, ValidationProblem>> GetDoubleReportingFigures(
        [AsParameters] StatsQuery query, CancellationToken ct) =>
        query.RunAsync(ReadDoubleReportingAsync, ct);

    private static Task<Results<Ok<PlacesReport>, ValidationProblem>> GetMediationPlaceFigures([AsParameters] StatsQuery query, CancellationToken ct) =>
        query.RunAsync(ReadMediationPlacesAsync, ct);

    private static async Task<DoubleReportingReport> ReadDoubleReportingAsync(NpgsqlConnection conn, ReportFilter filter, CancellationToken ct)
    {
        var rows = (await conn.QueryAsync<DoubleReportingFigures>(new CommandDefinition(DoubleReportingSql, filter.Parameters(), cancellationToken: ct))).AsList();
        var distinct = await conn.QuerySingleAsync<DoubleReportingFigures>(new CommandDefinition(DistinctSql, filter.Parameters(), cancellationToken: ct));
        var total = distinct with
        {
            Code = filter.Under,
            HardshipsSolved = rows.Sum(r => r.HardshipsSolved), CoBuildingEvents = rows.Sum(r => r.CoBuildingEvents),
            ContractsSigned = rows.Sum(r => r.ContractsSigned), Committed = rows.Sum(r => r.Committed),
        };
        return new DoubleReportingReport(total, rows);
    }

    private static async Task<PlacesReport> ReadMediationPlacesAsync(NpgsqlConnection conn, ReportFilter filter, CancellationToken ct)
    {
        var places = (await conn.QueryAsync<PlaceFigures>(new CommandDefinition(PlacesSql, filter.Parameters(), cancellationToken: ct))).Select(Rated).ToList();
        var all = Rated(await conn.QuerySingleAsync<PlaceFigures>(new CommandDefinition(AllCasesSql, filter.Parameters(), cancellationToken: ct)));
        return new PlacesReport(all with { CommunityCode = filter.Under }, places);
    }
}
