using Dapper;
using Npgsql;

namespace GovPlatform.Reporting.Kpis;

/// <summary>
/// The KPIs exactly as docs/metrics.md defines them. Request figures are over the cohort of
/// requests submitted in the period (so a rate never mixes requests from different months);
/// mediation and volunteer figures are over the events that happened in the period.
/// </summary>
public static class KpiQueries
{
    /// <summary>The requests the filter selects; every request figure starts from here.</summary>
    public const string Cohort = """
        cohort AS MATERIALIZED (
            SELECT f.* FROM request_facts f
            WHERE f.submitted_at >= @FromUtc AND f.submitted_at < @ToUtc
              AND (@Under::text IS NULL OR f.location_path @> ARRAY[@Under::text])
              AND (@Category::text IS NULL OR f.category = @Category)
              AND (@Channel::text IS NULL OR f.channel = @Channel))
        """;

    /// <summary>
    /// The cohort as a predicate on request_facts aliased c: for the figures that start from a small table
    /// (escalations, whistles) and join the requests, so the planner may start from whichever side is smaller.
    /// </summary>
    public const string CohortWhere = """
        c.submitted_at >= @FromUtc AND c.submitted_at < @ToUtc
          AND (@Under::text IS NULL OR c.location_path @> ARRAY[@Under::text])
          AND (@Category::text IS NULL OR c.category = @Category)
          AND (@Channel::text IS NULL OR c.channel = @Channel)
        """;

    /// <summary>
    /// The 1-hour resolve clock over a fact row aliased c (its <c>missed_clocks</c> copy): a resolution at or after
    /// the first formed plan was judged on the plan's own date (plan_due) instead, so it is neither met nor ended here.
    /// </summary>
    public const string ResolveClockMet = "c.resolve_on_time AND NOT coalesce(c.resolved_at >= c.plan_at, false)";
    public const string ResolveClockEnded =
        "((c.resolve_on_time IS NOT NULL AND NOT coalesce(c.resolved_at >= c.plan_at, false)) OR 'resolve' = ANY(c.missed_clocks))";

    /// <summary>Grid-tree nodes under the filter's node (all of them when there is none).</summary>
    public const string Region = """
        region AS MATERIALIZED (SELECT code FROM grid_copy WHERE @Under::text IS NULL OR path @> ARRAY[@Under::text])
        """;

    /// <summary>The totals scanned from the facts: for filters the roll-up cannot answer, and as its reference.</summary>
    // Missed clocks come from deadline_misses itself, not the fact row's copy, so this stays independent of the roll-up.
    // A planned resolution (the first resolution at or after the first plan) was judged by dispatch on the plan's own
    // date (plan_due), not on the 1-hour clock it cancelled: it counts for the plan-kept rate, not the resolve clock's.
    // Every *_on_time column was judged by the projections against the first promise (the step's first deadline).
    // The plan clock ends only for a request someone judged complex (on site, or by forming a plan).
    // No SQL comments in here: the benchmark runs this text through pgbench on one line.
    public const string TotalsSql = $"""
        WITH {Cohort},
        missed AS (
            SELECT request_id, array_agg(DISTINCT clock) AS clocks FROM deadline_misses
            WHERE request_id IN (SELECT request_id FROM cohort) GROUP BY request_id),
        own AS (
            SELECT c.*, coalesce(m.clocks, ARRAY[]::text[]) AS clocks_missed,
                   coalesce(c.resolved_at >= c.plan_at, false) AS planned
            FROM cohort c LEFT JOIN missed m USING (request_id) WHERE c.duplicate_of IS NULL)
        SELECT (SELECT count(*) FROM cohort) AS Requests,
               (SELECT count(*) FROM cohort WHERE duplicate_of IS NOT NULL) AS Duplicates,
               count(*) AS Own,
               count(*) FILTER (WHERE accepted_at IS NOT NULL) AS Accepted,
               count(*) FILTER (WHERE resolved_at IS NOT NULL) AS Resolved,
               count(*) FILTER (WHERE closed_at IS NOT NULL) AS Closed,
               count(*) FILTER (WHERE satisfaction IS NOT NULL AND NOT rating_excluded) AS Rated,
               count(*) FILTER (WHERE satisfaction IN ('satisfied', 'basically_satisfied') AND NOT rating_excluded) AS Satisfied,
               count(*) FILTER (WHERE reopen_count > 0) AS Reopened,
               count(*) FILTER (WHERE accept_on_time) AS AcceptOnTime,
               count(*) FILTER (WHERE accept_on_time IS NOT NULL OR 'accept' = ANY(clocks_missed)) AS AcceptEnded,
               count(*) FILTER (WHERE arrive_on_time) AS ArriveOnTime,
               count(*) FILTER (WHERE arrive_on_time IS NOT NULL OR 'arrive' = ANY(clocks_missed)) AS ArriveEnded,
               count(*) FILTER (WHERE plan_on_time) AS PlanOnTime,
               count(*) FILTER (WHERE plan_on_time IS NOT NULL OR ('plan' = ANY(clocks_missed) AND judged_complex)) AS PlanEnded,
               count(*) FILTER (WHERE resolve_on_time AND NOT planned) AS ResolveOnTime,
               count(*) FILTER (WHERE (resolve_on_time IS NOT NULL AND NOT planned) OR 'resolve' = ANY(clocks_missed)) AS ResolveEnded,
               count(*) FILTER (WHERE planned AND resolve_on_time AND NOT 'plan_due' = ANY(clocks_missed)) AS PlanKept,
               count(*) FILTER (WHERE planned OR 'plan_due' = ANY(clocks_missed)) AS PlanDueEnded,
               avg(extract(epoch FROM resolved_at - submitted_at)::float8 / 60) AS AverageHandlingMinutes,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - submitted_at)::float8 / 60) AS P90HandlingMinutes,
               (SELECT count(*) FROM whistles WHERE request_id IN (SELECT request_id FROM cohort)) AS Whistles,
               (SELECT count(*) FROM councils WHERE held_at IS NOT NULL AND request_id IN (SELECT request_id FROM cohort)) AS Councils
        FROM own;
        """;

    private const string ByChannelSql = $"""
        WITH {Cohort}
        SELECT coalesce(channel, 'unknown') AS Key, coalesce(channel, 'unknown') AS Name, count(*) AS Requests,
               count(*) FILTER (WHERE duplicate_of IS NULL AND resolved_at IS NOT NULL) AS Resolved
        FROM cohort GROUP BY 1 ORDER BY 3 DESC, 1;
        """;

    private const string ByCategorySql = $"""
        WITH {Cohort}
        SELECT coalesce(c.category, 'unknown') AS Key, coalesce(min(k.name_zh), c.category, 'unknown') AS Name, count(*) AS Requests,
               count(*) FILTER (WHERE c.duplicate_of IS NULL AND c.resolved_at IS NOT NULL) AS Resolved
        FROM cohort c LEFT JOIN categories k ON k.code = c.category
        GROUP BY c.category ORDER BY 3 DESC, 1;
        """;

    // The same two breakdowns from the breakdowns' roll-up (kpi_mix, Migrations/V0006__kpi_mix.sql, or its subdistricts'
    // copy kpi_mix_county, V0023__county_rollups.sql): '' stands for unknown. A (day, place, category, channel) row
    // whose requests all moved elsewhere stays behind with zeros. Both come from one pass over the roll-up's rows,
    // summed by (category, channel) first: at most 15 × 7 pairs, which the two groupings then share.
    private const string MixScope = """
        m.day BETWEEN @FromDay::date AND @ToDay::date AND (@Under::text IS NULL OR m.path @> ARRAY[@Under::text])
          AND (@Category::text IS NULL OR m.category = @Category) AND (@Channel::text IS NULL OR m.channel = @Channel)
        """;

    private static string MixSqlOf(string table) => $"""
        WITH pairs AS (
            SELECT m.category, m.channel, sum(m.requests)::bigint AS requests, sum(m.resolved)::bigint AS resolved
            FROM {table} m WHERE {MixScope}
            GROUP BY m.category, m.channel)
        SELECT 'channel' AS Kind, coalesce(nullif(p.channel, ''), 'unknown') AS Key, coalesce(nullif(p.channel, ''), 'unknown') AS Name,
               sum(p.requests)::bigint AS Requests, sum(p.resolved)::bigint AS Resolved
        FROM pairs p GROUP BY p.channel HAVING sum(p.requests) > 0
        UNION ALL
        SELECT 'category', coalesce(nullif(p.category, ''), 'unknown'), coalesce(min(k.name_zh), nullif(p.category, ''), 'unknown'),
               sum(p.requests)::bigint, sum(p.resolved)::bigint
        FROM pairs p LEFT JOIN categories k ON k.code = nullif(p.category, '')
        GROUP BY p.category HAVING sum(p.requests) > 0
        ORDER BY 1 DESC, 4 DESC, 2;
        """;

    private static readonly Dictionary<string, string> MixSql = new()
    {
        ["kpi_mix"] = MixSqlOf("kpi_mix"), ["kpi_mix_county"] = MixSqlOf("kpi_mix_county"),
    };

    /// <summary>
    /// The breakdowns' roll-up that answers the filter's node: the subdistricts' copy for the whole county, the district
    /// or a subdistrict, kpi_mix for a community; none (the facts answer) below a community or for an unknown node.
    /// </summary>
    public static async Task<string?> MixTableAsync(NpgsqlConnection conn, ReportFilter filter, CancellationToken ct) =>
        await KpiRollup.DepthAsync(conn, filter.Under, ct) switch
        {
            >= 0 and <= 2 => "kpi_mix_county",
            3 => "kpi_mix",
            _ => null,
        };

    /// <summary>True when a breakdowns' roll-up can answer the filter: its finest place is the community (depth 3).</summary>
    public static async Task<bool> MixAnswersAsync(NpgsqlConnection conn, ReportFilter filter, CancellationToken ct) =>
        await MixTableAsync(conn, filter, ct) is not null;

    public sealed record Breakdowns(IReadOnlyList<Breakdown> ByChannel, IReadOnlyList<Breakdown> ByCategory);

    private sealed record MixRow(string Kind, string Key, string Name, long Requests, long Resolved);

    /// <summary>The channel and category breakdowns, from a breakdowns' roll-up when one answers the filter, else (or when asked) from the facts.</summary>
    public static async Task<Breakdowns> BreakdownsAsync(NpgsqlConnection conn, ReportFilter filter, CancellationToken ct, bool fromFacts = false)
    {
        if (!fromFacts && await MixTableAsync(conn, filter, ct) is { } table)
        {
            var rows = (await conn.QueryAsync<MixRow>(new CommandDefinition(MixSql[table], filter.Parameters(), cancellationToken: ct))).AsList();
            List<Breakdown> Of(string kind) => rows.Where(r => r.Kind == kind).Select(r => new Breakdown(r.Key, r.Name, r.Requests, r.Resolved)).ToList();
            return new Breakdowns(Of("channel"), Of("category"));
        }
        await using var grid = await conn.QueryMultipleAsync(new CommandDefinition(ByChannelSql + ByCategorySql, filter.Parameters(), cancellationToken: ct));
        return new Breakdowns((await grid.ReadAsync<Breakdown>()).AsList(), (await grid.ReadAsync<Breakdown>()).AsList());
    }

    private const string EscalationsSql = $"""
        SELECT e.to_tier AS Tier, count(*) AS Escalations, count(DISTINCT e.request_id) AS Requests
        FROM escalations e JOIN request_facts c USING (request_id)
        WHERE {CohortWhere}
        GROUP BY 1 ORDER BY 1;
        """;

    private const string DepartmentsSql = $"""
        SELECT d.department AS Department, count(*) AS Whistled,
               count(*) FILTER (WHERE d.reported_at IS NOT NULL) AS Reported,
               count(*) FILTER (WHERE d.late) AS ReportedLate,
               count(*) FILTER (WHERE d.missed_at IS NOT NULL) AS Missed,
               count(*) FILTER (WHERE d.acted_at IS NOT NULL) AS Acted
        FROM whistles w JOIN request_facts c USING (request_id) JOIN whistle_departments d USING (whistle_id)
        WHERE {CohortWhere} AND (@Department::text IS NULL OR d.department = @Department)
        GROUP BY 1 ORDER BY 1;
        """;

    // Councils and joint meetings on cohort requests, like the totals' councils (which equal the held ones here):
    // scheduled (CouncilScheduled), held (CouncilHeld), still open (scheduled, not held), and the mean time from
    // the scheduling to the holding over those with both. A council held without a known schedule counts as held only.
    private const string CouncilsSql = $"""
        SELECT k.kind AS Kind,
               count(*) FILTER (WHERE k.scheduled_at IS NOT NULL) AS Scheduled,
               count(*) FILTER (WHERE k.held_at IS NOT NULL) AS Held,
               count(*) FILTER (WHERE k.scheduled_at IS NOT NULL AND k.held_at IS NULL) AS Open,
               avg(extract(epoch FROM k.held_at - k.scheduled_at)::float8 / 86400) AS AverageDaysToHeld
        FROM councils k JOIN request_facts c USING (request_id)
        WHERE {CohortWhere}
        GROUP BY 1 ORDER BY 1;
        """;

    // How each tier kept its own clocks (the fresh ones an escalation or a transfer started for it), over own cohort
    // requests: a (order, clock, tier) ended when a step was judged at that tier or the clock was missed there; on time
    // when the first step there was on time by that tier's clock. The plan clock counts only for requests judged
    // complex, as in the totals. This is not the first promise: a tier that got a late order judges its own minutes.
    // Like escalations it starts from the (small) step and miss tables and joins the requests by key: a cohort
    // materialised first read a county-month's ~280,000 facts at 10 M on every call to find the few with steps.
    private const string ClocksByTierSql = $"""
        WITH ended AS (
            SELECT s.work_order_id, s.request_id, s.clock, s.tier
            FROM clock_steps s JOIN request_facts c USING (request_id)
            WHERE {CohortWhere} AND c.duplicate_of IS NULL AND (s.clock <> 'plan' OR c.judged_complex)
            UNION
            SELECT m.work_order_id, m.request_id, m.clock, m.tier
            FROM deadline_misses m JOIN request_facts c USING (request_id)
            WHERE {CohortWhere} AND c.duplicate_of IS NULL AND m.clock IN ('accept', 'arrive', 'plan', 'resolve')
              AND (m.clock <> 'plan' OR c.judged_complex))
        SELECT e.tier AS Tier, e.clock AS Clock, count(*) AS Ended,
               count(*) FILTER (WHERE (SELECT s.on_time FROM clock_steps s
                                       WHERE s.work_order_id = e.work_order_id AND s.clock = e.clock AND s.tier = e.tier
                                       ORDER BY s.at LIMIT 1)) AS OnTime
        FROM ended e
        GROUP BY 1, 2
        ORDER BY array_position(ARRAY['compound', 'community', 'subdistrict', 'county'], e.tier),
                 array_position(ARRAY['accept', 'arrive', 'resolve', 'plan'], e.clock);
        """;

    private const string MediationSql = $"""
        WITH {Region}
        SELECT count(*) FILTER (WHERE opened_at >= @FromUtc AND opened_at < @ToUtc) AS Opened,
               count(*) FILTER (WHERE closed_at >= @FromUtc AND closed_at < @ToUtc) AS Closed,
               count(*) FILTER (WHERE closed_at >= @FromUtc AND closed_at < @ToUtc AND outcome = 'agreement') AS Agreements,
               count(*) FILTER (WHERE closed_at >= @FromUtc AND closed_at < @ToUtc AND outcome = 'referred') AS Referred
        FROM mediation_cases WHERE community_code IN (SELECT code FROM region);
        """;

    // A redemption carries no place: it counts where the volunteer last served or earned points.
    // Redemptions reserved in the period are followed to their end whenever it comes (picked up or refunded),
    // as requests are: the movement keys share the redemption's id after the kind.
    private const string VolunteerSql = $"""
        WITH {Region},
        moved AS (
            SELECT p.kind, p.points, p.movement_key,
                   coalesce(p.grid_code, (SELECT h.grid_code FROM (
                        SELECT s.grid_code, s.at FROM volunteer_services s WHERE s.volunteer_id = p.volunteer_id
                        UNION ALL
                        SELECT a.grid_code, a.at FROM points_movements a WHERE a.volunteer_id = p.volunteer_id AND a.grid_code IS NOT NULL) h
                    ORDER BY h.at DESC LIMIT 1)) AS grid_code
            FROM points_movements p WHERE p.at >= @FromUtc AND p.at < @ToUtc)
        SELECT (SELECT coalesce(sum(hours), 0) FROM volunteer_services
                WHERE at >= @FromUtc AND at < @ToUtc AND grid_code IN (SELECT code FROM region)) AS Hours,
               (SELECT count(DISTINCT volunteer_id) FROM volunteer_services
                WHERE at >= @FromUtc AND at < @ToUtc AND grid_code IN (SELECT code FROM region)) AS Volunteers,
               coalesce(sum(points) FILTER (WHERE kind = 'award'), 0)::bigint AS PointsIssued,
               coalesce(-sum(points) FILTER (WHERE kind IN ('redeem', 'refund')), 0)::bigint AS PointsRedeemed,
               coalesce(-sum(points) FILTER (WHERE kind = 'expire'), 0)::bigint AS PointsExpired,
               coalesce(sum(points) FILTER (WHERE kind = 'correct'), 0)::bigint AS PointsCorrected,
               count(*) FILTER (WHERE kind = 'redeem') AS Redemptions,
               count(*) FILTER (WHERE kind = 'redeem' AND EXISTS (SELECT 1 FROM points_movements x
                   WHERE x.movement_key = 'pickup:' || substr(moved.movement_key, length('redeem:') + 1))) AS RedemptionsPickedUp,
               count(*) FILTER (WHERE kind = 'redeem' AND EXISTS (SELECT 1 FROM points_movements x
                   WHERE x.movement_key = 'refund:' || substr(moved.movement_key, length('redeem:') + 1))) AS RedemptionsRefunded
        FROM moved WHERE (@Under::text IS NULL OR grid_code IN (SELECT code FROM region));
        """;

    // Service orders (点单-派单-接单-晒单) count as a cohort, like requests: the orders placed in the period in
    // communities under the filter's node, followed to completion whenever it comes.
    private const string ServiceOrderCohort = """
        orders AS MATERIALIZED (
            SELECT o.* FROM service_orders o
            WHERE o.placed_at >= @FromUtc AND o.placed_at < @ToUtc AND o.community_code IN (SELECT code FROM region))
        """;

    private const string ServiceOrderCounts = """
        count(*) AS Placed,
        count(*) FILTER (WHERE dispatched_at IS NOT NULL) AS Dispatched,
        count(*) FILTER (WHERE taken_at IS NOT NULL) AS Taken,
        count(*) FILTER (WHERE completed_at IS NOT NULL) AS Completed,
        avg(extract(epoch FROM completed_at - placed_at)::float8 / 3600) AS AverageCompletionHours
        """;

    private const string ServiceOrdersSql = $"""
        WITH {Region}, {ServiceOrderCohort}
        SELECT {ServiceOrderCounts} FROM orders;
        """;

    private const string ServiceOrdersByCommunitySql = $"""
        WITH {Region}, {ServiceOrderCohort}
        SELECT o.community_code AS Code, coalesce(min(g.name), o.community_code) AS Name, {ServiceOrderCounts}
        FROM orders o LEFT JOIN grid_copy g ON g.code = o.community_code
        GROUP BY o.community_code ORDER BY 1;
        """;

    // By who holds the order now (the newest dispatch, take or completion): the member unit or party member.
    private const string ServiceOrdersByTakerSql = $"""
        WITH {Region}, {ServiceOrderCohort}
        SELECT taker_kind AS TakerKind, taker_id AS TakerId,
               count(*) FILTER (WHERE dispatched_at IS NOT NULL) AS Dispatched,
               count(*) FILTER (WHERE taken_at IS NOT NULL) AS Taken,
               count(*) FILTER (WHERE completed_at IS NOT NULL) AS Completed,
               avg(extract(epoch FROM completed_at - placed_at)::float8 / 3600) AS AverageCompletionHours
        FROM orders WHERE taker_kind IS NOT NULL
        GROUP BY 1, 2 ORDER BY 1, 2;
        """;

    // Safety hazards a community was told of at once (CommunityNotified), by the time it was told, and how far
    // their requests have come since.
    private const string CommunityNotificationsSql = $"""
        WITH {Region}
        SELECT count(*) AS Notified, count(DISTINCT n.community_code) AS Communities,
               count(*) FILTER (WHERE f.accepted_at IS NOT NULL) AS Accepted,
               count(*) FILTER (WHERE f.resolved_at IS NOT NULL) AS Resolved
        FROM community_notifications n LEFT JOIN request_facts f ON f.request_id = n.request_id
        WHERE n.at >= @FromUtc AND n.at < @ToUtc AND n.community_code IN (SELECT code FROM region)
          AND (@Category::text IS NULL OR n.category = @Category);
        """;

    private const string DoubleReportingSql = $"""
        WITH {Region}
        SELECT r.unit_id AS UnitId, count(*) AS Reported,
               count(*) FILTER (WHERE EXISTS (SELECT 1 FROM volunteer_services s
                   WHERE s.volunteer_id = r.volunteer_id AND s.at >= @FromUtc AND s.at < @ToUtc)) AS Served
        FROM party_member_reports r
        WHERE r.at < @ToUtc AND r.community_code IN (SELECT code FROM region)
        GROUP BY 1 ORDER BY 1;
        """;

    // A company serves the compounds where it has been assigned work; it is judged on every
    // request from those compounds, whoever handled them, as residents experience them.
    // The pairs a trigger keeps (Migrations/Repeatable/R__request_facts_to_company_compounds.sql) rather than a scan of every fact
    // with a company; RollupTests check the table against that scan.
    private const string ServedCompounds = """
        served AS (
            SELECT s.company, s.compound
            FROM company_compounds s JOIN grid_copy g ON g.code = s.compound
            WHERE s.first_assigned_at < @ToUtc AND (@Under::text IS NULL OR g.path @> ARRAY[@Under::text]))
        """;

    private const string CompaniesOfCompounds = """
        SELECT s.company AS Company, count(*) AS Compounds,
               coalesce(sum(b.requests), 0)::bigint AS Requests, coalesce(sum(b.resolved), 0)::bigint AS Resolved,
               coalesce(sum(b.rated), 0)::bigint AS Rated, coalesce(sum(b.satisfied), 0)::bigint AS Satisfied
        FROM served s LEFT JOIN by_compound b ON b.compound = s.compound
        GROUP BY 1 ORDER BY 1;
        """;

    private const string PropertyCompaniesSql = $"""
        WITH {Cohort}, {ServedCompounds},
        by_compound AS (
            SELECT p.code AS compound, count(*) AS requests,
                   count(*) FILTER (WHERE c.resolved_at IS NOT NULL) AS resolved,
                   count(*) FILTER (WHERE c.satisfaction IS NOT NULL AND NOT c.rating_excluded) AS rated,
                   count(*) FILTER (WHERE c.satisfaction IN ('satisfied', 'basically_satisfied') AND NOT c.rating_excluded) AS satisfied
            FROM cohort c CROSS JOIN LATERAL unnest(c.location_path) AS p(code)
            WHERE c.duplicate_of IS NULL AND p.code IN (SELECT compound FROM served)
            GROUP BY p.code)
        {CompaniesOfCompounds}
        """;

    // The compounds' own counts from the daily roll-up: a compound sits above its grids, so its (day, grid)
    // rows carry it on their path and their sums are exactly the cohort's counts.
    private const string PropertyCompaniesRollupSql = $"""
        WITH {ServedCompounds},
        by_compound AS (
            SELECT p.code AS compound, sum(k.own) AS requests, sum(k.resolved) AS resolved, sum(k.rated) AS rated,
                   sum(k.satisfied) AS satisfied
            FROM kpi_daily k CROSS JOIN LATERAL unnest(k.path) AS p(code)
            WHERE k.day BETWEEN @FromDay::date AND @ToDay::date AND (@Under::text IS NULL OR k.path @> ARRAY[@Under::text])
              AND p.code IN (SELECT compound FROM served)
            GROUP BY p.code)
        {CompaniesOfCompounds}
        """;

    // A grid is covered when a grid worker or leader was on duty there at some moment of the period:
    // their newest duty change at or before its start put them on duty there, or a change inside it did.
    private const string GridCoverageSql = """
        SELECT count(*) AS Grids,
               count(*) FILTER (WHERE EXISTS (SELECT 1 FROM worker_duty_changes d
                   WHERE d.node_code = g.code AND d.on_duty AND d.role IN ('grid_worker', 'grid_leader') AND d.at < @ToUtc
                     AND (d.at >= @FromUtc OR NOT EXISTS (SELECT 1 FROM worker_duty_changes n
                          WHERE n.worker_id = d.worker_id AND n.at > d.at AND n.at <= @FromUtc)))) AS Covered
        FROM grid_copy g WHERE g.level = 'grid' AND (@Under::text IS NULL OR g.path @> ARRAY[@Under::text]);
        """;

    public sealed class Totals
    {
        public long Requests { get; init; }
        public long Duplicates { get; init; }
        public long Own { get; init; }
        public long Accepted { get; init; }
        public long Resolved { get; init; }
        public long Closed { get; init; }
        public long Rated { get; init; }
        public long Satisfied { get; init; }
        public long Reopened { get; init; }
        public long AcceptOnTime { get; init; }
        public long AcceptEnded { get; init; }
        public long ArriveOnTime { get; init; }
        public long ArriveEnded { get; init; }
        public long PlanOnTime { get; init; }
        public long PlanEnded { get; init; }
        public long ResolveOnTime { get; init; }
        public long ResolveEnded { get; init; }
        public long PlanKept { get; init; }
        public long PlanDueEnded { get; init; }
        public double? AverageHandlingMinutes { get; init; }
        public double? P90HandlingMinutes { get; set; }
        /// <summary>"exact" (percentile_cont over the requests) or "histogram" (from the roll-up's buckets, see docs/metrics.md).</summary>
        public string P90HandlingMethod { get; set; } = "exact";
        public long Whistles { get; init; }
        public long Councils { get; init; }

        public Rate ResponseRate => new(Accepted, Own);
        public Rate ResolutionRate => new(Resolved, Own);
        public Rate SatisfactionRate => new(Satisfied, Rated);
        public Rate ReopenRate => new(Reopened, Resolved);
        public Rate DuplicateRate => new(Duplicates, Requests);
        public Rate AcceptOnTimeRate => new(AcceptOnTime, AcceptEnded);
        public Rate ArriveOnTimeRate => new(ArriveOnTime, ArriveEnded);
        public Rate PlanOnTimeRate => new(PlanOnTime, PlanEnded);
        public Rate ResolveOnTimeRate => new(ResolveOnTime, ResolveEnded);
        /// <summary>Plans whose own due date (the plan_due clock) was kept, of plans whose due date has come to an end.</summary>
        public Rate PlanKeptRate => new(PlanKept, PlanDueEnded);
    }

    public sealed record Breakdown(string Key, string Name, long Requests, long Resolved);
    public sealed record TierCount(string Tier, long Escalations, long Requests);
    public sealed record DepartmentFigures(string Department, long Whistled, long Reported, long ReportedLate, long Missed, long Acted)
    {
        /// <summary>Reported late, or not at all by the deadline (escalated to the county).</summary>
        public long LateOrMissed => ReportedLate + Missed;
        public Rate OnTimeReport => new(Reported - ReportedLate, Whistled);
    }

    public sealed record CouncilFigures(string Kind, long Scheduled, long Held, long Open, double? AverageDaysToHeld);

    /// <summary>One tier's own clock: how often it ended there and how often the tier kept it by its own deadline.</summary>
    public sealed record ClockTierFigures(string Tier, string Clock, long Ended, long OnTime)
    {
        public Rate Rate => new(OnTime, Ended);
    }

    public sealed record MediationFigures(long Opened, long Closed, long Agreements, long Referred)
    {
        public Rate Success => new(Agreements, Closed);
    }

    public sealed record VolunteerFigures(decimal Hours, long Volunteers, long PointsIssued, long PointsRedeemed, long PointsExpired, long PointsCorrected,
        long Redemptions, long RedemptionsPickedUp, long RedemptionsRefunded)
    {
        /// <summary>Redemptions reserved in the period whose goods have been handed over.</summary>
        public Rate PickupRate => new(RedemptionsPickedUp, Redemptions);
    }

    public sealed class ServiceOrderFigures
    {
        public long Placed { get; init; }
        public long Dispatched { get; init; }
        public long Taken { get; init; }
        public long Completed { get; init; }
        public double? AverageCompletionHours { get; init; }

        public Rate DispatchRate => new(Dispatched, Placed);
        public Rate TakeRate => new(Taken, Dispatched);
        public Rate CompletionRate => new(Completed, Placed);
    }

    public sealed class CommunityServiceOrders
    {
        public required string Code { get; init; }
        public required string Name { get; init; }
        public long Placed { get; init; }
        public long Dispatched { get; init; }
        public long Taken { get; init; }
        public long Completed { get; init; }
        public double? AverageCompletionHours { get; init; }

        public Rate CompletionRate => new(Completed, Placed);
    }

    public sealed class TakerServiceOrders
    {
        public required string TakerKind { get; init; }
        public Guid? TakerId { get; init; }
        public long Dispatched { get; init; }
        public long Taken { get; init; }
        public long Completed { get; init; }
        public double? AverageCompletionHours { get; init; }

        public Rate CompletionRate => new(Completed, Dispatched);
    }

    public sealed record NotificationFigures(long Notified, long Communities, long Accepted, long Resolved)
    {
        public Rate ResolutionRate => new(Resolved, Notified);
    }

    public sealed record UnitCoverage(Guid UnitId, long Reported, long Served)
    {
        public Rate Coverage => new(Served, Reported);
    }

    public sealed record CompanyFigures(string Company, long Compounds, long Requests, long Resolved, long Rated, long Satisfied)
    {
        public Rate Resolution => new(Resolved, Requests);
        public Rate Satisfaction => new(Satisfied, Rated);
        public string Grade => PropertyGrades.Grade(this);
    }

    public sealed record GridCoverage(long Grids, long Covered)
    {
        public Rate Rate => new(Covered, Grids);
    }

    public sealed record KpiReport(
        ReportFilter Filter, Totals Totals,
        IReadOnlyList<Breakdown> ByChannel, IReadOnlyList<Breakdown> ByCategory,
        IReadOnlyList<TierCount> EscalationsByTier, IReadOnlyList<DepartmentFigures> Departments,
        MediationFigures Mediation, VolunteerFigures Volunteer, IReadOnlyList<UnitCoverage> DoubleReporting,
        IReadOnlyList<CompanyFigures> PropertyCompanies, GridCoverage GridCoverage,
        ServiceOrderFigures ServiceOrders, IReadOnlyList<CommunityServiceOrders> ServiceOrdersByCommunity,
        IReadOnlyList<TakerServiceOrders> ServiceOrdersByTaker, NotificationFigures CommunityNotifications,
        IReadOnlyList<CouncilFigures> CouncilsByKind, IReadOnlyList<ClockTierFigures> ClocksByTier);

    /// <summary>The request totals: from the daily roll-up when it can answer the filter, else from the facts.</summary>
    public static async Task<Totals> TotalsAsync(NpgsqlConnection conn, ReportFilter filter, CancellationToken ct) =>
        await KpiRollup.AnswersAsync(conn, filter, ct)
            ? await KpiRollup.TotalsAsync(conn, filter, ct)
            : await FactTotalsAsync(conn, filter, ct);

    public static Task<Totals> FactTotalsAsync(NpgsqlConnection conn, ReportFilter filter, CancellationToken ct) =>
        conn.QuerySingleAsync<Totals>(new CommandDefinition(TotalsSql, filter.Parameters(), cancellationToken: ct));

    /// <summary>
    /// The whole report. Totals, the heat of the compounds behind property companies and the channel and category
    /// breakdowns come from the roll-ups when they can answer the filter; <paramref name="fromFacts"/> scans the
    /// facts for all of them instead (the reference the tests compare the roll-ups against).
    /// </summary>
    public static async Task<KpiReport> RunAsync(NpgsqlConnection conn, ReportFilter filter, CancellationToken ct, bool fromFacts = false)
    {
        var rollup = !fromFacts && await KpiRollup.AnswersAsync(conn, filter, ct);
        var totals = rollup ? await KpiRollup.TotalsAsync(conn, filter, ct) : await FactTotalsAsync(conn, filter, ct);
        var breakdowns = await BreakdownsAsync(conn, filter, ct, fromFacts);
        var rest = EscalationsSql + DepartmentsSql + MediationSql + VolunteerSql + DoubleReportingSql
                   + (rollup ? PropertyCompaniesRollupSql : PropertyCompaniesSql) + GridCoverageSql
                   + ServiceOrdersSql + ServiceOrdersByCommunitySql + ServiceOrdersByTakerSql + CommunityNotificationsSql
                   + CouncilsSql + ClocksByTierSql;
        await using var grid = await conn.QueryMultipleAsync(new CommandDefinition(rest, filter.Parameters(), cancellationToken: ct));
        return new KpiReport(
            filter,
            totals,
            breakdowns.ByChannel,
            breakdowns.ByCategory,
            (await grid.ReadAsync<TierCount>()).AsList(),
            (await grid.ReadAsync<DepartmentFigures>()).AsList(),
            await grid.ReadSingleAsync<MediationFigures>(),
            await grid.ReadSingleAsync<VolunteerFigures>(),
            (await grid.ReadAsync<UnitCoverage>()).AsList(),
            (await grid.ReadAsync<CompanyFigures>()).AsList(),
            await grid.ReadSingleAsync<GridCoverage>(),
            await grid.ReadSingleAsync<ServiceOrderFigures>(),
            (await grid.ReadAsync<CommunityServiceOrders>()).AsList(),
            (await grid.ReadAsync<TakerServiceOrders>()).AsList(),
            await grid.ReadSingleAsync<NotificationFigures>(),
            (await grid.ReadAsync<CouncilFigures>()).AsList(),
            (await grid.ReadAsync<ClockTierFigures>()).AsList());
    }
}

/// <summary>The property-company evaluation the county publishes: good / fair / poor.</summary>
public static class PropertyGrades
{
    public const int MinimumRequests = 5;
    public const double Good = 0.9;
    public const double Poor = 0.7;

    /// <summary>
    /// Good: resolution and satisfaction both at least 90%. Poor: either below 70%. Fair otherwise.
    /// Fewer than 5 requests (or no satisfaction answer) is too little to judge a company on.
    /// </summary>
    public static string Grade(KpiQueries.CompanyFigures c)
    {
        if (c.Requests < MinimumRequests || c.Satisfaction.Value is null) return "ungraded";
        var (resolution, satisfaction) = (c.Resolution.Value!.Value, c.Satisfaction.Value.Value);
        if (resolution < Poor || satisfaction < Poor) return "poor";
        return resolution >= Good && satisfaction >= Good ? "good" : "fair";
    }
}
