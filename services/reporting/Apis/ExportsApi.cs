using GovPlatform.Reporting.Exports;
using GovPlatform.Reporting.Kpis;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Reporting.Apis;

public static class ExportsApi
{
    public static readonly string[] Formats = ["csv", "xlsx"];

    public static void MapExportsApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/exports").WithTags("Exports").RequireRoles(KpisApi.StaffRoles);

        api.MapGet("/{table}.{format}", ExportTable)
            .WithName("ExportTable")
            .WithSummary("Any table of the figures as CSV (UTF-8 with BOM) or XLSX, with the same filters as the API");
    }

    private static async Task<Results<FileContentHttpResult, ValidationProblem>> ExportTable(
        string table, string format, string? from, string? to, string? under, string? category, string? channel, string? department, string? bucket, string? level, string? metric, int? minCount, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var (filter, errors) = await ReportFilter.ParseAsync(from, to, under, category, channel, conn, ct, department);
        if (!ReportTables.All.Contains(table)) errors["table"] = [$"Unknown table '{table}'; expected one of {string.Join(", ", ReportTables.All)}."];
        if (!Formats.Contains(format)) errors["format"] = [$"Expected one of {string.Join(", ", Formats)}."];
        bucket ??= "day";
        if (table == "trend" && !Trend.Buckets.Contains(bucket)) errors["bucket"] = [$"Expected one of {string.Join(", ", Trend.Buckets)}."];
        var ranking = RankingsApi.Validate(level, metric, minCount, errors);
        if (filter is null || errors.Count > 0) return KpisApi.Invalid(errors);

        var result = table switch
        {
            "trend" => ReportTables.Build(await Trend.RunAsync(conn, filter, bucket, ct)),
            "tree" => ReportTables.Build(await TreeFigures.RunAsync(conn, filter, ct)),
            "rankings" => ReportTables.Build(await Rankings.RunAsync(conn, filter, ranking.Level, ranking.Metric, ranking.MinCount, ct)),
            _ => ReportTables.Build(table, await KpiQueries.RunAsync(conn, filter, ct)),
        };
        var name = $"{table}_{filter.From:yyyy-MM-dd}_{filter.To:yyyy-MM-dd}.{format}";
        return format == "csv"
            ? TypedResults.File(TableWriters.Csv(result), TableWriters.CsvType, name)
            : TypedResults.File(TableWriters.Xlsx(result), TableWriters.XlsxType, name);
    }
}
