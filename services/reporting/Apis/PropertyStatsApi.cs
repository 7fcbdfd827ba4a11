using Dapper;
using GovPlatform.Reporting.Kpis;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Reporting.Apis;

/// <summary>The three coverages (三覆盖) with the visits and household reach, and red property management's figures.</summary>
public static class PropertyStatsApi
{
    /// <summary>
    /// Coverage as it stands now (compounds under <c>under</c>); visits and reach in the period. A compound has a party
    /// branch when a branch sits beside it or one of its grids, an owners' committee and a property service when dispatch
    /// registered one for it; the three coverages are the share of compounds with all three.
    /// </summary>
    public sealed record CoverageFigures
    {
        public long Compounds { get; init; }
        public long WithPartyBranch { get; init; }
        public long WithOwnersCommittee { get; init; }
        public long WithPropertyService { get; init; }
        public long WithAllThree { get; init; }
        public double? PartyBranchCoverage { get; init; }
        public double? OwnersCommitteeCoverage { get; init; }
        public double? PropertyServiceCoverage { get; init; }
        public double? ThreeCoverage { get; init; }
        public long Visits { get; init; }
        public long HouseholdsVisited { get; init; }
        public long CareVisits { get; init; }
        public long OrdersReachingHouseholdHeads { get; init; }
        public long HouseholdHeadsReached { get; init; }
    }

    private const string CoverageSql = """
        WITH compounds AS (
            SELECT r.code,
                   EXISTS (SELECT 1 FROM party_orgs o WHERE o.kind = 'branch' AND o.scope_path @> ARRAY[r.code]) AS branch,
                   EXISTS (SELECT 1 FROM compound_bodies b WHERE b.compound_code = r.code AND b.kind = 'owners_committee') AS committee,
                   EXISTS (SELECT 1 FROM compound_bodies b WHERE b.compound_code = r.code AND b.kind = 'property_company') AS property
            FROM grid_copy r WHERE r.level = 'compound' AND (@Under::text IS NULL OR r.path @> ARRAY[@Under::text])),
        visits AS (
            SELECT v.* FROM household_visits v
            WHERE v.visited_at >= @FromUtc AND v.visited_at < @ToUtc AND (@Under::text IS NULL OR v.scope_path @> ARRAY[@Under::text])),
        reach AS (
            SELECT h.* FROM household_reach h
            WHERE h.reached_at >= @FromUtc AND h.reached_at < @ToUtc AND (@Under::text IS NULL OR h.scope_path @> ARRAY[@Under::text]))
        SELECT (SELECT count(*) FROM compounds) AS Compounds,
               (SELECT count(*) FILTER (WHERE branch) FROM compounds) AS WithPartyBranch,
               (SELECT count(*) FILTER (WHERE committee) FROM compounds) AS WithOwnersCommittee,
               (SELECT count(*) FILTER (WHERE property) FROM compounds) AS WithPropertyService,
               (SELECT count(*) FILTER (WHERE branch AND committee AND property) FROM compounds) AS WithAllThree,
               (SELECT count(*) FILTER (WHERE branch)::float8 / nullif(count(*), 0) FROM compounds) AS PartyBranchCoverage,
               (SELECT count(*) FILTER (WHERE committee)::float8 / nullif(count(*), 0) FROM compounds) AS OwnersCommitteeCoverage,
               (SELECT count(*) FILTER (WHERE property)::float8 / nullif(count(*), 0) FROM compounds) AS PropertyServiceCoverage,
               (SELECT count(*) FILTER (WHERE branch AND committee AND property)::float8 / nullif(count(*), 0) FROM compounds) AS ThreeCoverage,
               (SELECT count(*) FROM visits) AS Visits,
               (SELECT count(DISTINCT household_id) FROM visits) AS HouseholdsVisited,
               (SELECT count(*) FILTER (WHERE cardinality(care_groups) > 0) FROM visits) AS CareVisits,
               (SELECT count(*) FROM reach) AS OrdersReachingHouseholdHeads,
               (SELECT coalesce(sum(households), 0) FROM reach) AS HouseholdHeadsReached
        """;

    /// <summary>Red property management in a period, each thing counted in the period it happened.</summary>
    public sealed record PropertyFigures
    {
        public long Inspections { get; init; }
        public long Good { get; init; }
        public long Fair { get; init; }
        public long Poor { get; init; }
        public double? AverageScore { get; init; }
        public long Surveys { get; init; }
        public long SurveyRespondents { get; init; }
        public double? SurveySatisfaction { get; init; }
        public long NoticesOpened { get; init; }
        public long NoticesRectified { get; init; }
        public long CompaniesFlaggedForReplacement { get; init; }
        public long CompaniesRecommended { get; init; }
        public long MattersProposed { get; init; }
        public long MattersConsented { get; init; }
        public long MattersRefused { get; init; }
        public long VotesHeld { get; init; }
        public long VotesPassed { get; init; }
    }

    private const string PropertySql = """
        WITH g AS (SELECT * FROM property_grades x WHERE x.inspected_at >= @FromUtc AND x.inspected_at < @ToUtc AND (@Under::text IS NULL OR x.scope_path @> ARRAY[@Under::text])),
        s AS (SELECT * FROM property_survey_facts x WHERE x.surveyed_at >= @FromUtc AND x.surveyed_at < @ToUtc AND (@Under::text IS NULL OR x.scope_path @> ARRAY[@Under::text])),
        n AS (SELECT * FROM property_notices x WHERE @Under::text IS NULL OR x.scope_path @> ARRAY[@Under::text]),
        r AS (SELECT * FROM property_recommendations x WHERE x.recommended_at >= @FromUtc AND x.recommended_at < @ToUtc AND (@Under::text IS NULL OR x.scope_path @> ARRAY[@Under::text])),
        m AS (SELECT * FROM property_matters x WHERE @Under::text IS NULL OR x.scope_path @> ARRAY[@Under::text])
        SELECT (SELECT count(*) FROM g) AS Inspections,
               (SELECT count(*) FILTER (WHERE grade = 'good') FROM g) AS Good,
               (SELECT count(*) FILTER (WHERE grade = 'fair') FROM g) AS Fair,
               (SELECT count(*) FILTER (WHERE grade = 'poor') FROM g) AS Poor,
               (SELECT round(avg(score), 2)::float8 FROM g) AS AverageScore,
               (SELECT count(*) FROM s) AS Surveys,
               (SELECT coalesce(sum(respondents), 0) FROM s) AS SurveyRespondents,
               (SELECT sum(satisfied)::float8 / nullif(sum(respondents), 0) FROM s) AS SurveySatisfaction,
               (SELECT count(*) FILTER (WHERE opened_at >= @FromUtc AND opened_at < @ToUtc) FROM n) AS NoticesOpened,
               (SELECT count(*) FILTER (WHERE rectified_at >= @FromUtc AND rectified_at < @ToUtc) FROM n) AS NoticesRectified,
               (SELECT count(*) FILTER (WHERE flagged_at >= @FromUtc AND flagged_at < @ToUtc) FROM n) AS CompaniesFlaggedForReplacement,
               (SELECT count(*) FROM r) AS CompaniesRecommended,
               (SELECT count(*) FILTER (WHERE proposed_at >= @FromUtc AND proposed_at < @ToUtc) FROM m) AS MattersProposed,
               (SELECT count(*) FILTER (WHERE consented AND consent_at >= @FromUtc AND consent_at < @ToUtc) FROM m) AS MattersConsented,
               (SELECT count(*) FILTER (WHERE NOT consented AND consent_at >= @FromUtc AND consent_at < @ToUtc) FROM m) AS MattersRefused,
               (SELECT count(*) FILTER (WHERE voted_at >= @FromUtc AND voted_at < @ToUtc) FROM m) AS VotesHeld,
               (SELECT count(*) FILTER (WHERE passed AND voted_at >= @FromUtc AND voted_at < @ToUtc) FROM m) AS VotesPassed
        """;

    public static void MapPropertyStatsApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/stats").WithTags("Statistics").RequireRoles(KpisApi.StaffRoles);
        api.MapGet("/coverage", GetCoverageFigures)
            .WithName("GetCoverageFigures")
            .WithSummary("三覆盖: the share of compounds with a party branch, an owners' committee, a property service and all three; visits and household-head reach in a period");
        api.MapGet("/property", GetPropertyFigures)
            .WithName("GetPropertyFigures")
            .WithSummary("红色物业: inspections by grade, surveys, rectification notices opened, rectified and flagged, recommendations, major matters, consents and votes in a period");
    }

    private static Task<Results<Ok<CoverageFigures>, ValidationProblem>> GetCoverageFigures([AsParameters] StatsQuery query, CancellationToken ct) =>
        query.SingleRowAsync<CoverageFigures>(CoverageSql, ct);

    private static Task<Results<Ok<PropertyFigures>, ValidationProblem>> GetPropertyFigures([AsParameters] StatsQuery query, CancellationToken ct) =>
        query.SingleRowAsync<PropertyFigures>(PropertySql, ct);
}
