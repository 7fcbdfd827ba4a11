using Dapper;
using Npgsql;

namespace GovPlatform.Reporting.Kpis;

/// <summary>The request figures of every node of the grid tree under the filter's node, down to grids: the heat table.</summary>
public static class TreeFigures
{
    public static readonly string[] Levels = ["subdistrict", "community", "compound", "grid"];

    public sealed class Node
    {
        public required string Code { get; init; }
        public string? ParentCode { get; init; }
        public required string Level { get; init; }
        public required string Name { get; init; }
        public int Depth { get; init; }
        public long Own { get; init; }
        public long Accepted { get; init; }
        public long Resolved { get; init; }
        public long Rated { get; init; }
        public long Satisfied { get; init; }
        public long ResolveOnTime { get; init; }
        public long ResolveEnded { get; init; }

        public Rate ResponseRate => new(Accepted, Own);
        public Rate ResolutionRate => new(Resolved, Own);
        public Rate SatisfactionRate => new(Satisfied, Rated);
        public Rate ResolveOnTimeRate => new(ResolveOnTime, ResolveEnded);
    }

    /// <summary>Per-node counts of the cohort's own requests: each request counts for every node on its path.</summary>
    public const string FactCountsByNode = $"""
        SELECT p.code, count(*) AS own,
               count(*) FILTER (WHERE c.accepted_at IS NOT NULL) AS accepted,
               count(*) FILTER (WHERE c.resolved_at IS NOT NULL) AS resolved,
               count(*) FILTER (WHERE c.satisfaction IS NOT NULL AND NOT c.rating_excluded) AS rated,
               count(*) FILTER (WHERE c.satisfaction IN ('satisfied', 'basically_satisfied') AND NOT c.rating_excluded) AS satisfied,
               count(*) FILTER (WHERE {KpiQueries.ResolveClockMet}) AS resolve_on_time,
               count(*) FILTER (WHERE {KpiQueries.ResolveClockEnded}) AS resolve_ended
        FROM cohort c CROSS JOIN LATERAL unnest(c.location_path) AS p(code)
        WHERE c.duplicate_of IS NULL
        GROUP BY p.code
        """;

    /// <summary>
    /// The same counts from the daily roll-up: a (day, node) row counts for every node on its path, which runs
    /// from the root to the grid, so every level down to grids gets exactly the facts' counts.
    /// </summary>
    public const string RollupCountsByNode = """
        SELECT p.code, sum(k.own)::bigint AS own, sum(k.accepted)::bigint AS accepted, sum(k.resolved)::bigint AS resolved,
               sum(k.rated)::bigint AS rated, sum(k.satisfied)::bigint AS satisfied,
               sum(k.resolve_on_time)::bigint AS resolve_on_time, sum(k.resolve_ended)::bigint AS resolve_ended
        FROM kpi_daily k CROSS JOIN LATERAL unnest(k.path) AS p(code)
        WHERE k.day BETWEEN @FromDay::date AND @ToDay::date AND (@Under::text IS NULL OR k.path @> ARRAY[@Under::text])
        GROUP BY p.code
        """;

    // Tree order: sorting by the path puts each node right after its parent.
    private const string Nodes = """
        SELECT g.code, g.parent_code AS ParentCode, g.level, g.name, array_length(g.path, 1) AS Depth,
               coalesce(x.own, 0) AS Own, coalesce(x.accepted, 0) AS Accepted, coalesce(x.resolved, 0) AS Resolved,
               coalesce(x.rated, 0) AS Rated, coalesce(x.satisfied, 0) AS Satisfied,
               coalesce(x.resolve_on_time, 0) AS ResolveOnTime, coalesce(x.resolve_ended, 0) AS ResolveEnded
        FROM grid_copy g LEFT JOIN counted x ON x.code = g.code
        WHERE g.level = ANY(@Levels) AND (@Under::text IS NULL OR g.path @> ARRAY[@Under::text])
        ORDER BY g.path
        """;

    private const string FactSql = $"WITH {KpiQueries.Cohort}, counted AS ({FactCountsByNode}) {Nodes}";
    private const string RollupSql = $"WITH counted AS ({RollupCountsByNode}) {Nodes}";

    /// <summary>From the daily roll-up when it can answer the filter, else from the facts (same result; a test checks it).</summary>
    public static async Task<IReadOnlyList<Node>> RunAsync(NpgsqlConnection conn, ReportFilter filter, CancellationToken ct, bool fromFacts = false)
    {
        var param = new DynamicParameters(filter.Parameters());
        param.Add("Levels", Levels);
        var sql = !fromFacts && await KpiRollup.AnswersAsync(conn, filter, ct) ? RollupSql : FactSql;
        return (await conn.QueryAsync<Node>(new CommandDefinition(sql, param, cancellationToken: ct))).AsList();
    }
}
