using Dapper;
using Npgsql;

namespace GovPlatform.Reporting.Kpis;

/// <summary>
/// The request totals from the daily roll-up (kpi_daily, kept by a trigger on request_facts; see
/// Migrations/V0004__kpi_daily.sql): a period and a subtree are a sum over (day, node) rows instead of a
/// scan of every request. The roll-up has no category or channel, and its finest place is the grid, so
/// a filter by category or channel, or a node below a grid, is answered from the facts.
/// </summary>
public static class KpiRollup
{
    /// <summary>Up to this many own resolved requests the 90th percentile is computed exactly from the facts.</summary>
    public const long ExactPercentileLimit = 2_000;

    public const int BucketCount = 50;

    private const string Scope = """
        day BETWEEN @FromDay::date AND @ToDay::date AND (@Under::text IS NULL OR path @> ARRAY[@Under::text])
        """;

    /// <summary>
    /// The subdistricts' copy of the roll-up (Migrations/V0023__county_rollups.sql): the same sums, 10 rows a day in
    /// the benchmark's county instead of 600, for the whole county or one subdistrict.
    /// </summary>
    public const string CountyTable = "kpi_daily_county";

    public const string Table = "kpi_daily";

    private static string TotalsSqlOf(string table) => $"""
        SELECT coalesce(sum(requests), 0)::bigint AS Requests, coalesce(sum(duplicates), 0)::bigint AS Duplicates,
               coalesce(sum(own), 0)::bigint AS Own, coalesce(sum(accepted), 0)::bigint AS Accepted,
               coalesce(sum(resolved), 0)::bigint AS Resolved, coalesce(sum(closed), 0)::bigint AS Closed,
               coalesce(sum(rated), 0)::bigint AS Rated, coalesce(sum(satisfied), 0)::bigint AS Satisfied,
               coalesce(sum(reopened), 0)::bigint AS Reopened,
               coalesce(sum(accept_on_time), 0)::bigint AS AcceptOnTime, coalesce(sum(accept_ended), 0)::bigint AS AcceptEnded,
               coalesce(sum(arrive_on_time), 0)::bigint AS ArriveOnTime, coalesce(sum(arrive_ended), 0)::bigint AS ArriveEnded,
               coalesce(sum(plan_on_time), 0)::bigint AS PlanOnTime, coalesce(sum(plan_ended), 0)::bigint AS PlanEnded,
               coalesce(sum(resolve_on_time), 0)::bigint AS ResolveOnTime, coalesce(sum(resolve_ended), 0)::bigint AS ResolveEnded,
               (sum(handling_seconds) / nullif(sum(resolved), 0) / 60)::float8 AS AverageHandlingMinutes,
               coalesce(sum(plan_kept), 0)::bigint AS PlanKept, coalesce(sum(plan_due_ended), 0)::bigint AS PlanDueEnded,
               coalesce(sum(whistles), 0)::bigint AS Whistles, coalesce(sum(councils), 0)::bigint AS Councils
        FROM {table} WHERE {Scope};
        """;

    // One sum per slot, not unnest + GROUP BY: over a county-month's 18,600 rows that is 27 ms instead of
    // 150 ms at 10 M, since no row is expanded into fifty.
    private static string BucketsSqlOf(string table) =>
        $"SELECT ARRAY[{string.Join(", ", Enumerable.Range(1, BucketCount).Select(i => $"coalesce(sum(handling_buckets[{i}]), 0)"))}]::bigint[] " +
        $"FROM {table} WHERE {Scope};";

    private static readonly Dictionary<string, (string Totals, string Buckets)> Sql = new()
    {
        [Table] = (TotalsSqlOf(Table), BucketsSqlOf(Table)),
        [CountyTable] = (TotalsSqlOf(CountyTable), BucketsSqlOf(CountyTable)),
    };

    /// <summary>
    /// The node's depth in the grid copy (1 for the district): null for no node (the whole county, depth 0 here)
    /// and for a node the copy does not know (-1).
    /// </summary>
    public static async Task<int> DepthAsync(NpgsqlConnection conn, string? under, CancellationToken ct) =>
        under is null ? 0 : await conn.ExecuteScalarAsync<int?>(new CommandDefinition(
            "SELECT array_length(path, 1) FROM grid_copy WHERE code = @under", new { under }, cancellationToken: ct)) ?? -1;

    /// <summary>True when the subdistricts' roll-ups answer this node: the whole county, the district or a subdistrict.</summary>
    public static async Task<bool> CountyAnswersAsync(NpgsqlConnection conn, string? under, CancellationToken ct) =>
        await DepthAsync(conn, under, ct) is >= 0 and <= 2;

    public const string ExactP90Sql = """
        SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - submitted_at)::float8 / 60)
        FROM request_facts
        WHERE submitted_at >= @FromUtc AND submitted_at < @ToUtc AND duplicate_of IS NULL AND resolved_at IS NOT NULL
          AND (@Under::text IS NULL OR location_path @> ARRAY[@Under::text]);
        """;

    /// <summary>True when a node has a grid strictly above it: the roll-up cannot split a grid.</summary>
    private const string BelowGridSql = """
        SELECT EXISTS (SELECT 1 FROM grid_copy u JOIN grid_copy g ON g.code = ANY(u.path) AND g.code <> u.code AND g.level = 'grid'
                       WHERE u.code = @Under)
        """;

    public static async Task<bool> AnswersAsync(NpgsqlConnection conn, ReportFilter filter, CancellationToken ct) =>
        filter.Category is null && filter.Channel is null
        && (filter.Under is null || !await conn.ExecuteScalarAsync<bool>(new CommandDefinition(BelowGridSql, new { filter.Under }, cancellationToken: ct)));

    public static object Parameters(ReportFilter f) => new
    {
        FromDay = f.From.ToString("yyyy-MM-dd"), ToDay = f.To.ToString("yyyy-MM-dd"), f.FromUtc, f.ToUtc, f.Under,
    };

    /// <summary>
    /// The totals from the roll-up (the subdistricts' copy when it answers the node); the 90th percentile exactly on
    /// small scopes, else from the buckets.
    /// </summary>
    public static async Task<KpiQueries.Totals> TotalsAsync(NpgsqlConnection conn, ReportFilter filter, CancellationToken ct,
        long exactPercentileLimit = ExactPercentileLimit)
    {
        var param = Parameters(filter);
        var sql = Sql[await CountyAnswersAsync(conn, filter.Under, ct) ? CountyTable : Table];
        var totals = await conn.QuerySingleAsync<KpiQueries.Totals>(new CommandDefinition(sql.Totals, param, cancellationToken: ct));
        if (totals.Resolved == 0) return totals;
        if (totals.Resolved <= exactPercentileLimit)
        {
            totals.P90HandlingMinutes = await conn.ExecuteScalarAsync<double?>(new CommandDefinition(ExactP90Sql, param, cancellationToken: ct));
            return totals;
        }
        var counts = (await conn.ExecuteScalarAsync<long[]>(new CommandDefinition(sql.Buckets, param, cancellationToken: ct)))!;
        totals.P90HandlingMinutes = Percentile(counts, 0.9);
        totals.P90HandlingMethod = "histogram";
        return totals;
    }

    /// <summary>Minutes at the lower and upper edge of a 1-based bucket (see kpi_handling_bucket).</summary>
    public static (double Lower, double Upper) Edges(int bucket) =>
        bucket == 1 ? (0, 1) : (Math.Pow(2, (bucket - 2) / 3.0), Math.Pow(2, (bucket - 1) / 3.0));

    /// <summary>
    /// The q-quantile as PostgreSQL's percentile_cont places it (rank q·(n−1) of n, from 0), found in the
    /// bucket holding that rank and placed linearly inside it, so it is off by at most that bucket's width.
    /// </summary>
    public static double? Percentile(IReadOnlyList<long> counts, double q)
    {
        var n = counts.Sum();
        if (n == 0) return null;
        var rank = q * (n - 1);
        long before = 0;
        for (var i = 0; i < counts.Count; i++)
        {
            var c = counts[i];
            if (c > 0 && rank < before + c)
            {
                var (lower, upper) = Edges(i + 1);
                if (i + 1 == BucketCount) return lower; // open-ended: nothing to place it by
                return lower + (upper - lower) * Math.Clamp((rank - before + 0.5) / c, 0, 1);
            }
            before += c;
        }
        return Edges(BucketCount).Lower;
    }
}
