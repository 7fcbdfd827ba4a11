using GovPlatform.Reporting.Kpis;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Reporting.Apis;

public static class KpisApi
{
    /// <summary>Figures are for staff who answer for the grassroots; residents and volunteers do not see them.</summary>
    public static readonly string[] StaffRoles =
        [Roles.Leader, Roles.Admin, Roles.CommunityCadre, Roles.SubdistrictOfficer, Roles.DeskOperator];

    public static void MapKpisApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/kpis").WithTags("KPIs").RequireRoles(StaffRoles);

        api.MapGet("/", GetKpis)
            .WithName("GetKpis")
            .WithSummary("Every KPI of docs/metrics.md for a period (China Standard Time days), a branch of the grid tree, a category and a channel (department narrows the whistled departments)");

        api.MapGet("/trend", GetKpiTrend)
            .WithName("GetKpiTrend")
            .WithSummary("Request figures per day, week or month of submission");

        api.MapGet("/tree", GetKpiTree)
            .WithName("GetKpiTree")
            .WithSummary("Request figures for every subdistrict, community, compound and grid under a node, in tree order (the heat table)");
    }

    private static async Task<Results<Ok<KpiQueries.KpiReport>, ValidationProblem>> GetKpis(
        string? from, string? to, string? under, string? category, string? channel, string? department, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var (filter, errors) = await ReportFilter.ParseAsync(from, to, under, category, channel, conn, ct, department);
        if (filter is null) return Invalid(errors);
        return TypedResults.Ok(await KpiQueries.RunAsync(conn, filter, ct));
    }

    private static async Task<Results<Ok<IReadOnlyList<Trend.Point>>, ValidationProblem>> GetKpiTrend(
        string? from, string? to, string? under, string? category, string? channel, string? bucket, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var (filter, errors) = await ReportFilter.ParseAsync(from, to, under, category, channel, conn, ct);
        bucket ??= "day";
        if (!Trend.Buckets.Contains(bucket)) errors["bucket"] = [$"Expected one of {string.Join(", ", Trend.Buckets)}."];
        if (filter is null || errors.Count > 0) return Invalid(errors);
        return TypedResults.Ok(await Trend.RunAsync(conn, filter, bucket, ct));
    }

    private static async Task<Results<Ok<IReadOnlyList<TreeFigures.Node>>, ValidationProblem>> GetKpiTree(
        string? from, string? to, string? under, string? category, string? channel, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var (filter, errors) = await ReportFilter.ParseAsync(from, to, under, category, channel, conn, ct);
        if (filter is null) return Invalid(errors);
        return TypedResults.Ok(await TreeFigures.RunAsync(conn, filter, ct));
    }

    public static ValidationProblem Invalid(Dictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: "The figures could not be computed for this filter.");
}
