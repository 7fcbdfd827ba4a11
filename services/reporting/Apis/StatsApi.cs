using Dapper;
using GovPlatform.Reporting.Kpis;
using Microsoft.AspNetCore.Http.HttpResults;
using GovPlatform.ServiceDefaults;
using Npgsql;

namespace GovPlatform.Reporting.Apis;

public static class StatsApi
{
    public sealed record GridStatusCount(string? GridCode, string? GridName, string Status, int Count);

    /// <summary>
    /// The organisation figures of a branch of the tree: coverage counts as they stand now, visits in the period.
    /// </summary>
    public sealed record OrganisationFigures
    {
        public long Compounds { get; init; }
        public long CompoundsWithPartyBranch { get; init; }
        public double? PartyBranchCoverage { get; init; }
        public long Buildings { get; init; }
        public long BuildingsWithPartyGroup { get; init; }
        public long Visits { get; init; }
        public long CareVisits { get; init; }
        public long PartyHouseholdVisits { get; init; }
        public long HouseholdsVisited { get; init; }
    }

    // A compound counts as covered by a branch beside it or beside one of its grids; coverage is the share of
    // compounds covered (三覆盖's party-organisation part; owners' committees and property services come with them).
    private const string OrganisationSql = """
        WITH region AS MATERIALIZED (SELECT code, level, path FROM grid_copy WHERE @Under::text IS NULL OR path @> ARRAY[@Under::text]),
        compounds AS (
            SELECT r.code, EXISTS (SELECT 1 FROM party_orgs o WHERE o.kind = 'branch' AND o.scope_path @> ARRAY[r.code]) AS covered
            FROM region r WHERE r.level = 'compound'),
        buildings AS (
            SELECT r.code, EXISTS (SELECT 1 FROM party_orgs o WHERE o.kind = 'group' AND o.node_code = r.code) AS covered
            FROM region r WHERE r.level = 'building'),
        visits AS (
            SELECT v.* FROM household_visits v
            WHERE v.visited_at >= @FromUtc AND v.visited_at < @ToUtc AND (@Under::text IS NULL OR v.scope_path @> ARRAY[@Under::text]))
        SELECT (SELECT count(*) FROM compounds) AS Compounds,
               (SELECT count(*) FILTER (WHERE covered) FROM compounds) AS CompoundsWithPartyBranch,
               (SELECT count(*) FILTER (WHERE covered)::float8 / nullif(count(*), 0) FROM compounds) AS PartyBranchCoverage,
               (SELECT count(*) FROM buildings) AS Buildings,
               (SELECT count(*) FILTER (WHERE covered) FROM buildings) AS BuildingsWithPartyGroup,
               (SELECT count(*) FROM visits) AS Visits,
               (SELECT count(*) FILTER (WHERE cardinality(care_groups) > 0) FROM visits) AS CareVisits,
               (SELECT count(*) FILTER (WHERE party_household) FROM visits) AS PartyHouseholdVisits,
               (SELECT count(DISTINCT household_id) FROM visits) AS HouseholdsVisited
        """;

    /// <summary>Deadlines and supervision in a period (each case counted in the period it was opened), for a branch of the tree.</summary>
    public sealed record SupervisionFigures
    {
        public long Warnings { get; init; }
        public long Supervised { get; init; }
        public long SupervisedOverdue { get; init; }
        public long SupervisedDoneOnTime { get; init; }
        public long SupervisedDoneLate { get; init; }
        public long SupervisedRunning { get; init; }
        public long ArbitrationsRequested { get; init; }
        public long ArbitrationsDecided { get; init; }
        public long AppealsFiled { get; init; }
        public long AppealsUpheld { get; init; }
        public long AppealsRejected { get; init; }
    }

    // The place comes from the request's facts; a case whose request reporting has not placed yet counts only county-wide.
    private const string SupervisionSql = """
        WITH placed AS MATERIALIZED (
            SELECT request_id FROM request_facts WHERE @Under::text IS NOT NULL AND location_path @> ARRAY[@Under::text]),
        w AS (SELECT * FROM deadline_warnings x
              WHERE x.warned_at >= @FromUtc AND x.warned_at < @ToUtc AND (@Under::text IS NULL OR x.request_id IN (SELECT request_id FROM placed))),
        s AS (SELECT * FROM supervision_cases x
              WHERE x.flagged_at >= @FromUtc AND x.flagged_at < @ToUtc AND (@Under::text IS NULL OR x.request_id IN (SELECT request_id FROM placed))),
        a AS (SELECT * FROM arbitration_cases x
              WHERE x.requested_at >= @FromUtc AND x.requested_at < @ToUtc AND (@Under::text IS NULL OR x.request_id IN (SELECT request_id FROM placed))),
        p AS (SELECT * FROM rating_appeal_cases x
              WHERE x.filed_at >= @FromUtc AND x.filed_at < @ToUtc AND (@Under::text IS NULL OR x.request_id IN (SELECT request_id FROM placed)))
        SELECT (SELECT count(*) FROM w) AS Warnings,
               (SELECT count(*) FROM s) AS Supervised,
               (SELECT count(*) FILTER (WHERE overdue_at IS NOT NULL) FROM s) AS SupervisedOverdue,
               (SELECT count(*) FILTER (WHERE done_on_time) FROM s) AS SupervisedDoneOnTime,
               (SELECT count(*) FILTER (WHERE done_on_time = false) FROM s) AS SupervisedDoneLate,
               (SELECT count(*) FILTER (WHERE done_at IS NULL) FROM s) AS SupervisedRunning,
               (SELECT count(*) FROM a) AS ArbitrationsRequested,
               (SELECT count(*) FILTER (WHERE decided_at IS NOT NULL) FROM a) AS ArbitrationsDecided,
               (SELECT count(*) FROM p) AS AppealsFiled,
               (SELECT count(*) FILTER (WHERE upheld) FROM p) AS AppealsUpheld,
               (SELECT count(*) FILTER (WHERE upheld = false) FROM p) AS AppealsRejected
        """;

    /// <summary>未诉先办 in a period: hot spots found (each counted in the period it was found) and what became of them.</summary>
    public sealed record HotSpotFigures
    {
        public long Found { get; init; }
        public long Accepted { get; init; }
        public long Dismissed { get; init; }
        public long Undecided { get; init; }
        public long Requests { get; init; }
        public long AtBuildings { get; init; }
        public long AtGrids { get; init; }
        public long AtCommunities { get; init; }
        /// <summary>Accepted hot spots whose proactive work order dispatch opened.</summary>
        public long OrdersOpened { get; init; }
        /// <summary>Proactive orders resolved.</summary>
        public long OrdersResolved { get; init; }
        /// <summary>The days of each window the calls are compared in (docs/metrics.md, Calls prevented).</summary>
        public int WindowDays { get; init; }
        /// <summary>Resolved proactive orders whose window after the resolution has ended: the ones compared.</summary>
        public long Compared { get; init; }
        /// <summary>Over the compared: requests of the hot spot's topic at its place in the window before the acceptance.</summary>
        public long CallsBefore { get; init; }
        /// <summary>Over the compared: the same in the window after the resolution.</summary>
        public long CallsAfter { get; init; }
        /// <summary>CallsBefore − CallsAfter: negative when more residents called after the fix than before.</summary>
        public long CallsPrevented { get; init; }
        /// <summary>Resolved proactive orders whose window after the resolution is still running.</summary>
        public long Watching { get; init; }
        /// <summary>Over the watching: the requests of their topic at their place since the resolution.</summary>
        public long CallsAfterSoFar { get; init; }
    }

    /// <summary>The window before the acceptance and after the resolution; intake's detection window (Intake:HotSpots:Window) by default.</summary>
    public const int HotSpotWindowDays = 30;

    // The proactive order's facts stand in request_facts under the hot spot's id (dispatch opens the order with the
    // hot spot's id as its request id); a hot spot's requests are timed by their own submission.
    private static readonly string HotSpotSql = $"""
        WITH h AS (SELECT x.*, o.assigned_at AS order_opened_at, o.resolved_at AS order_resolved_at
                   FROM hot_spots x LEFT JOIN request_facts o ON o.request_id = x.id
                   WHERE x.detected_at >= @FromUtc AND x.detected_at < @ToUtc AND (@Under::text IS NULL OR x.place_path @> ARRAY[@Under::text])),
        calls AS (
            SELECT h.id, h.order_resolved_at + make_interval(days => {HotSpotWindowDays}) <= now() AS ended,
                   count(*) FILTER (WHERE t.at >= h.decided_at - make_interval(days => {HotSpotWindowDays}) AND t.at < h.decided_at) AS before,
                   count(*) FILTER (WHERE t.at >= h.order_resolved_at AND t.at < h.order_resolved_at + make_interval(days => {HotSpotWindowDays})) AS after
            FROM h
            LEFT JOIN LATERAL (SELECT coalesce(f.submitted_at, r.at) AS at
                               FROM hot_spot_requests r LEFT JOIN request_facts f ON f.request_id = r.request_id
                               WHERE r.hot_spot_id = h.id) t ON true
            WHERE h.decision = 'accepted' AND h.order_resolved_at IS NOT NULL
            GROUP BY h.id, h.order_resolved_at)
        SELECT count(*) AS Found,
               count(*) FILTER (WHERE decision = 'accepted') AS Accepted,
               count(*) FILTER (WHERE decision = 'dismissed') AS Dismissed,
               count(*) FILTER (WHERE decision IS NULL) AS Undecided,
               coalesce(sum(request_count), 0) AS Requests,
               count(*) FILTER (WHERE place_level = 'building') AS AtBuildings,
               count(*) FILTER (WHERE place_level = 'grid') AS AtGrids,
               count(*) FILTER (WHERE place_level = 'community') AS AtCommunities,
               count(*) FILTER (WHERE decision = 'accepted' AND order_opened_at IS NOT NULL) AS OrdersOpened,
               count(*) FILTER (WHERE decision = 'accepted' AND order_resolved_at IS NOT NULL) AS OrdersResolved,
               {HotSpotWindowDays} AS WindowDays,
               (SELECT count(*) FROM calls WHERE ended) AS Compared,
               (SELECT coalesce(sum(before)::bigint, 0) FROM calls WHERE ended) AS CallsBefore,
               (SELECT coalesce(sum(after)::bigint, 0) FROM calls WHERE ended) AS CallsAfter,
               (SELECT coalesce(sum(before - after)::bigint, 0) FROM calls WHERE ended) AS CallsPrevented,
               (SELECT count(*) FROM calls WHERE NOT ended) AS Watching,
               (SELECT coalesce(sum(after)::bigint, 0) FROM calls WHERE NOT ended) AS CallsAfterSoFar
        FROM h
        """;

    public static void MapStatsApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/stats").WithTags("Statistics").RequireRoles(KpisApi.StaffRoles);

        api.MapGet("/requests-by-grid", RequestsByGrid)
            .WithName("RequestsByGrid")
            .WithSummary("Request counts by grid and status, optionally for one branch of the tree");

        api.MapGet("/organisation", GetOrganisationFigures)
            .WithName("GetOrganisationFigures")
            .WithSummary("Party-organisation coverage of compounds and buildings, and household visits in a period (all, special-care, party-member households)");

        api.MapGet("/supervision", GetSupervisionFigures)
            .WithName("GetSupervisionFigures")
            .WithSummary("Deadline warnings, supervised orders (overdue, done on time or late), arbitrations and rating appeals in a period");

        api.MapGet("/hot-spots", GetHotSpotFigures)
            .WithName("GetHotSpotFigures")
            .WithSummary("未诉先办: hot spots found in a period, accepted, dismissed or undecided, the requests they gathered, where, the proactive orders opened and resolved, and the calls before and after them");
    }

    private static async Task<Ok<List<GridStatusCount>>> RequestsByGrid(string? under, NpgsqlDataSource db, CancellationToken ct)
    {
        // "under" narrows to one branch of the tree (a subdistrict, a community, ...).
        const string sql = """
            SELECT f.grid_code AS GridCode, g.name AS GridName, f.status, count(*)::int AS Count
            FROM request_facts f
            LEFT JOIN grid_copy g ON g.code = f.grid_code
            WHERE (@under::text IS NULL OR f.location_path @> ARRAY[@under::text])
              -- A proactive work order's facts stand under its hot spot's id: not a resident's request.
              AND NOT EXISTS (SELECT 1 FROM hot_spots h WHERE h.id = f.request_id)
            GROUP BY f.grid_code, g.name, f.status
            ORDER BY f.grid_code NULLS LAST, f.status
            """;
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<GridStatusCount>(new CommandDefinition(sql, new { under }, cancellationToken: ct));
        return TypedResults.Ok(rows.AsList());
    }

    private static Task<Results<Ok<OrganisationFigures>, ValidationProblem>> GetOrganisationFigures([AsParameters] StatsQuery query, CancellationToken ct) =>
        query.SingleRowAsync<OrganisationFigures>(OrganisationSql, ct);

    private static Task<Results<Ok<SupervisionFigures>, ValidationProblem>> GetSupervisionFigures([AsParameters] StatsQuery query, CancellationToken ct) =>
        query.SingleRowAsync<SupervisionFigures>(SupervisionSql, ct);

    private static Task<Results<Ok<HotSpotFigures>, ValidationProblem>> GetHotSpotFigures([AsParameters] StatsQuery query, CancellationToken ct) =>
        query.SingleRowAsync<HotSpotFigures>(HotSpotSql, ct);
}
