using Dapper;
using GovPlatform.Reporting.Kpis;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Reporting.Apis;

public static class RollupApi
{
    public sealed record RebuildResult(DateOnly From, DateOnly To, int Days, long Rows);

    public static void MapRollupApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/reporting/rollup").WithTags("Roll-up").RequireRoles(Roles.Admin);

        // One day per transaction: each holds the projections off only while its own day is recomputed,
        // so events keep flowing through a rebuild of years.
        api.MapPost("/rebuild", RebuildRollup)
            .WithName("RebuildRollup")
            .WithSummary("Recomputes the daily KPI roll-ups (kpi_daily, kpi_mix and their subdistrict-level copies) and the property companies' compounds (company_compounds) of the days from..to (China Standard Time, both included) from the request facts");
    }

    private static async Task<Results<Ok<RebuildResult>, ValidationProblem>> RebuildRollup(
        string? from, string? to, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var (filter, errors) = await ReportFilter.ParseAsync(from, to, null, null, null, conn, ct);
        if (filter is null) return TypedResults.ValidationProblem(errors, title: "The roll-up could not be rebuilt for these days.");
        long rows = 0;
        for (var day = filter.From; day <= filter.To; day = day.AddDays(1))
            rows += await conn.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT kpi_daily_rebuild(@day::date, @day::date) + kpi_mix_rebuild(@day::date, @day::date)", new { day = day.ToString("yyyy-MM-dd") }, cancellationToken: ct));
        // Not by day: which compounds each property company serves is one small table, recomputed whole.
        await conn.ExecuteAsync(new CommandDefinition("SELECT company_compounds_rebuild()", cancellationToken: ct));
        return TypedResults.Ok(new RebuildResult(filter.From, filter.To, filter.To.DayNumber - filter.From.DayNumber + 1, rows));
    }
}
