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

    // ResolveEnded as in the totals: the resolve clock ended, met (on time or late) or missed (KpiQueries.ResolveClockEnded).
    private const string FactSql = $"""
        WITH {KpiQueries.Cohort}
        SELECT to_char(date_trunc(@Bucket, c.submitted_at AT TIME ZONE 'Asia/Shanghai'), 'YYYY-MM-DD') AS Bucket,
               count(*) AS Requests,
               count(*) FILTER (WHERE c.duplicate_of IS NULL) AS Own,
               count(*) FILTER (WHERE c.duplicate_of IS NULL AND c.accepted_at IS NOT NULL) AS Accepted,
               count(*) FILTER (WHERE c.duplicate_of IS NULL AND c.resolved_at IS NOT NULL) AS Resolved,
               count(*) FILTER (WHERE c.duplicate_of IS NULL AND c.satisfaction IS NOT NULL AND NOT c.rating_excluded) AS Rated,
               count(*) FILTER (WHERE c.duplicate_of IS NULL AND c.satisfaction IN ('satisfied', 'basically_satisfied') AND NOT c.rating_excluded) AS Satisfied,
               count(*) FILTER (WHERE c.duplicate_of IS NULL AND {KpiQueries.ResolveClockMet}) AS ResolveOnTime,
               count(*) FILTER (WHERE c.duplicate_of IS NULL AND {KpiQueries.ResolveClockEnded}) AS ResolveEnded
        FROM cohort c GROUP BY 1 ORDER BY 1
        """;

    // The roll-up's day is the day of submission in China time already. A (day, node) row whose requests
    // all moved elsewhere stays behind with zeros: a bucket shows only when it holds requests, as in the facts.
    private const string RollupSql = """
        SELECT to_char(date_trunc(@Bucket, day::timestamp), 'YYYY-MM-DD') AS Bucket,
               sum(requests)::bigint AS Requests, sum(own)::bigint AS Own, sum(accepted)::bigint AS Accepted,
               sum(resolved)::bigint AS Resolved, sum(rated)::bigint AS Rated, sum(satisfied)::bigint AS Satisfied,
               sum(resolve_on_time)::bigint AS ResolveOnTime, sum(resolve_ended)::bigint AS ResolveEnded
        FROM kpi_daily
        WHERE day BETWEEN @FromDay::date AND @ToDay::date AND (@Under::text IS NULL OR path @> ARRAY[@Under::text])
        GROUP BY 1 HAVING sum(requests) > 0 ORDER BY 1
        """;

    /// <summary>From the daily roll-up when it can answer the filter, else from the facts (same result; a test checks it).</summary>
    public static async Task<IReadOnlyList<Point>> RunAsync(NpgsqlConnection conn, ReportFilter filter, string bucket, CancellationToken ct,
        bool fromFacts = false)
    {
        var param = new DynamicParameters(filter.Parameters());
        param.Add("Bucket", bucket);
        var sql = !fromFacts && await KpiRollup.AnswersAsync(conn, filter, ct) ? RollupSql : FactSql;
        return (await conn.QueryAsync<Point>(new CommandDefinition(sql, param, cancellationToken: ct))).AsList();
    }
}
