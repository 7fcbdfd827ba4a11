using Dapper;
using GovPlatform.Contracts;
using Npgsql;

namespace GovPlatform.Reporting.Kpis;

/// <summary>
/// League tables of subdistricts, communities, grids, departments and units. A place that handled
/// one request and resolved it must not top the table: places are ordered by the lower bound of
/// the 95 % Wilson score interval of their rate, and places with fewer than a minimum count are
/// listed apart, unranked.
/// </summary>
public static class Rankings
{
    public static readonly string[] Levels = [GridLevels.Subdistrict, GridLevels.Community, GridLevels.Grid, "department", "unit"];
    public static readonly string[] Metrics = ["resolution", "response", "satisfaction", "resolve_on_time"];
    public const int DefaultMinCount = 10;
    public const double Z = 1.96;

    public sealed record Entry(string Code, string Name, long Numerator, long Denominator)
    {
        public double? Rate => Denominator == 0 ? null : Math.Round((double)Numerator / Denominator, 4);
        public double WilsonLowerBound => Math.Round(Wilson(Numerator, Denominator), 4);
        public int? Rank { get; init; }
        public bool Ranked => Rank is not null;
    }

    public sealed record Ranking(string Level, string Metric, int MinCount, double Confidence, string Method, string MethodZh,
        IReadOnlyList<Entry> Entries);

    /// <summary>The lower bound of the Wilson score interval: a cautious estimate of the true rate given n observations.</summary>
    public static double Wilson(long successes, long n)
    {
        if (n == 0) return 0;
        var p = (double)successes / n;
        var z2 = Z * Z;
        return (p + z2 / (2 * n) - Z * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n))) / (1 + z2 / n);
    }

    // The rate of each metric from per-node counts, with the numerators and denominators of the totals
    // (resolve_on_time: over requests whose resolve clock ended, resolved or missed, as KpiQueries counts it).
    private const string MetricOfCounts = """
        CASE @Metric WHEN 'response' THEN x.accepted WHEN 'satisfaction' THEN x.satisfied
                     WHEN 'resolve_on_time' THEN x.resolve_on_time ELSE x.resolved END AS Numerator,
        CASE @Metric WHEN 'satisfaction' THEN x.rated WHEN 'resolve_on_time' THEN x.resolve_ended ELSE x.own END AS Denominator
        """;

    private const string Nodes = """
        SELECT g.code AS Code, g.name AS Name, coalesce(x.numerator, 0) AS Numerator, coalesce(x.denominator, 0) AS Denominator
        FROM grid_copy g LEFT JOIN counted x ON x.code = g.code
        WHERE g.level = @Level AND (@Under::text IS NULL OR g.path @> ARRAY[@Under::text])
        """;

    // Each request counts for every node on its path (an equi-join, not a containment test per node and request).
    private const string ByNodeSql = $"""
        WITH {KpiQueries.Cohort},
        x AS ({TreeFigures.FactCountsByNode}),
        counted AS (SELECT x.code, {MetricOfCounts} FROM x)
        {Nodes}
        """;

    // The same counts summed from the daily roll-up: a (day, grid) row counts for every node on its path.
    private const string ByNodeRollupSql = $"""
        WITH x AS ({TreeFigures.RollupCountsByNode}),
        counted AS (SELECT x.code, {MetricOfCounts} FROM x)
        {Nodes}
        """;

    // Departments are ranked on reporting in on time when whistled (吹哨报到).
    private const string DepartmentsSql = $"""
        SELECT d.department AS Code, d.department AS Name,
               count(*) FILTER (WHERE d.reported_at IS NOT NULL AND NOT coalesce(d.late, false)) AS Numerator,
               count(*) AS Denominator
        FROM whistles w JOIN request_facts c USING (request_id) JOIN whistle_departments d USING (whistle_id)
        WHERE {KpiQueries.CohortWhere} AND (@Department::text IS NULL OR d.department = @Department)
        GROUP BY d.department
        """;

    // Units are ranked on double-reporting coverage: their reported members who served in the period.
    private const string UnitsSql = $"""
        WITH {KpiQueries.Region}
        SELECT r.unit_id::text AS Code, r.unit_id::text AS Name,
               count(*) FILTER (WHERE EXISTS (SELECT 1 FROM volunteer_services s
                   WHERE s.volunteer_id = r.volunteer_id AND s.at >= @FromUtc AND s.at < @ToUtc)) AS Numerator,
               count(*) AS Denominator
        FROM party_member_reports r
        WHERE r.at < @ToUtc AND r.community_code IN (SELECT code FROM region)
        GROUP BY r.unit_id
        """;

    /// <summary>
    /// The ranking; places of the grid tree are counted from the daily roll-up when it can answer the filter
    /// (no category or channel, a node at or above a grid), else from the facts, with the same result.
    /// </summary>
    public static async Task<Ranking> RunAsync(NpgsqlConnection conn, ReportFilter filter, string level, string metric, int minCount,
        CancellationToken ct, bool fromFacts = false)
    {
        var (sql, shownMetric) = level switch
        {
            "department" => (DepartmentsSql, "report_on_time"),
            "unit" => (UnitsSql, "double_reporting_coverage"),
            _ => (!fromFacts && await KpiRollup.AnswersAsync(conn, filter, ct) ? ByNodeRollupSql : ByNodeSql, metric),
        };
        var param = new DynamicParameters(filter.Parameters());
        param.Add("Level", level);
        param.Add("Metric", metric);
        var rows = await conn.QueryAsync<Entry>(new CommandDefinition(sql, param, cancellationToken: ct));

        var ranked = rows.Where(e => e.Denominator >= minCount)
            .OrderByDescending(e => e.WilsonLowerBound).ThenByDescending(e => e.Denominator).ThenBy(e => e.Code, StringComparer.Ordinal)
            .Select((e, i) => e with { Rank = i + 1 });
        var unranked = rows.Where(e => e.Denominator < minCount)
            .OrderByDescending(e => e.Denominator).ThenBy(e => e.Code, StringComparer.Ordinal);
        return new Ranking(level, shownMetric, minCount, 0.95,
            $"Ordered by the lower bound of the 95% Wilson score interval of the rate; fewer than {minCount} counted cases are listed unranked.",
            $"按比率95%威尔逊置信区间下限排序；样本少于{minCount}件的不参与排名，单列于后。",
            [.. ranked, .. unranked]);
    }
}
