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

    // Tree order: sorting by the path puts each node right after its parent.
    private const string Sql = $"""
        WITH {KpiQueries.Cohort}
        SELECT g.code, g.parent_code AS ParentCode, g.level, g.name, array_length(g.path, 1) AS Depth,
               count(c.request_id) AS Own,
               count(c.request_id) FILTER (WHERE c.accepted_at IS NOT NULL) AS Accepted,
               count(c.request_id) FILTER (WHERE c.resolved_at IS NOT NULL) AS Resolved,
               count(c.request_id) FILTER (WHERE c.satisfaction IS NOT NULL) AS Rated,
               count(c.request_id) FILTER (WHERE c.satisfaction IN ('satisfied', 'basically_satisfied')) AS Satisfied,
               count(c.request_id) FILTER (WHERE c.resolve_on_time) AS ResolveOnTime,
               count(c.request_id) FILTER (WHERE c.resolve_on_time IS NOT NULL) AS ResolveEnded
        FROM grid_copy g
        LEFT JOIN cohort c ON c.location_path @> ARRAY[g.code] AND c.duplicate_of IS NULL
        WHERE g.level = ANY(@Levels) AND (@Under::text IS NULL OR g.path @> ARRAY[@Under::text])
        GROUP BY g.code, g.parent_code, g.level, g.name, g.path
        ORDER BY g.path
        """;

    public static async Task<IReadOnlyList<Node>> RunAsync(NpgsqlConnection conn, ReportFilter filter, CancellationToken ct)
    {
        var param = new DynamicParameters(filter.Parameters());
        param.Add("Levels", Levels);
        return (await conn.QueryAsync<Node>(new CommandDefinition(Sql, param, cancellationToken: ct))).AsList();
    }
}
