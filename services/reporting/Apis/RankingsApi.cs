using GovPlatform.Reporting.Kpis;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Reporting.Apis;

public static class RankingsApi
{
    public static void MapRankingsApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/rankings").WithTags("Rankings").RequireRoles(KpisApi.StaffRoles);

        api.MapGet("/", GetRanking)
            .WithName("GetRanking")
            .WithSummary("A league table of subdistricts, communities, grids, departments or units, guarded against small samples");
    }

    private static async Task<Results<Ok<Rankings.Ranking>, ValidationProblem>> GetRanking(
        string? level, string? metric, int? minCount, string? from, string? to, string? under, string? category, string? channel, string? department, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var (filter, errors) = await ReportFilter.ParseAsync(from, to, under, category, channel, conn, ct, department);
        var r = Validate(level, metric, minCount, errors);
        if (filter is null || errors.Count > 0) return KpisApi.Invalid(errors);
        return TypedResults.Ok(await Rankings.RunAsync(conn, filter, r.Level, r.Metric, r.MinCount, ct));
    }

    /// <summary>Checks the ranking parameters, filling in defaults; errors are keyed by parameter.</summary>
    public static (string Level, string Metric, int MinCount) Validate(string? level, string? metric, int? minCount, Dictionary<string, string[]> errors)
    {
        level ??= "community";
        metric ??= "resolution";
        if (!Rankings.Levels.Contains(level)) errors["level"] = [$"Expected one of {string.Join(", ", Rankings.Levels)}."];
        if (!Rankings.Metrics.Contains(metric)) errors["metric"] = [$"Expected one of {string.Join(", ", Rankings.Metrics)}."];
        if (minCount is < 1 or > 10_000) errors["minCount"] = ["Between 1 and 10000."];
        return (level, metric, minCount ?? Rankings.DefaultMinCount);
    }
}
