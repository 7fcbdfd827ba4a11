using Dapper;
using Npgsql;

namespace GovPlatform.Reporting.Kpis;

/// <summary>The request figures per day, week (starting Monday) or month of submission, in China Standard Time.</summary>
public static class Trend
{
    public static readonly string[] Buckets = ["day", "week", "month"];

    public sealed record Point(string Bucket, long Requests, long Own, long Accepted, long Resolved, long Rated, long Satisfied,
        long ResolveOnTime, long ResolveEnded)
    {
        public Rate ResponseRate => new(Accepted, Own);
        public Rate ResolutionRate => new(Resolved, Own);
        public Rate SatisfactionRate => new(Satisfied, Rated);
        public Rate ResolveOnTimeRate => new(ResolveOnTime, ResolveEnded);
    }

    private const string Sql = $"""
        WITH {KpiQueries.Cohort}
        SELECT to_char(date_trunc(@Bucket, c.submitted_at AT TIME ZONE 'Asia/Shanghai'), 'YYYY-MM-DD') AS Bucket,
               count(*) AS Requests,
               count(*) FILTER (WHERE c.duplicate_of IS NULL) AS Own,
               count(*) FILTER (WHERE c.duplicate_of IS NULL AND c.accepted_at IS NOT NULL) AS Accepted,
               count(*) FILTER (WHERE c.duplicate_of IS NULL AND c.resolved_at IS NOT NULL) AS Resolved,
               count(*) FILTER (WHERE c.duplicate_of IS NULL AND c.satisfaction IS NOT NULL) AS Rated,
               count(*) FILTER (WHERE c.duplicate_of IS NULL AND c.satisfaction IN ('satisfied', 'basically_satisfied')) AS Satisfied,
               count(*) FILTER (WHERE c.duplicate_of IS NULL AND c.resolve_on_time) AS ResolveOnTime,
               count(*) FILTER (WHERE c.duplicate_of IS NULL AND c.resolve_on_time IS NOT NULL) AS ResolveEnded
        FROM cohort c GROUP BY 1 ORDER BY 1
        """;

    public static async Task<IReadOnlyList<Point>> RunAsync(NpgsqlConnection conn, ReportFilter filter, string bucket, CancellationToken ct)
    {
        var param = new DynamicParameters(filter.Parameters());
        param.Add("Bucket", bucket);
        return (await conn.QueryAsync<Point>(new CommandDefinition(Sql, param, cancellationToken: ct))).AsList();
    }
}
