using Dapper;
using GovPlatform.ServiceDefaults;
using Npgsql;

namespace GovPlatform.Reporting.Apis;

public static class StatsApi
{
    public sealed record GridStatusCount(string? GridCode, string? GridName, string Status, int Count);

    public static void MapStatsApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/stats").WithTags("Statistics").RequireRoles(KpisApi.StaffRoles);

        api.MapGet("/requests-by-grid", async (string? under, NpgsqlDataSource db, CancellationToken ct) =>
            {
                // "under" narrows to one branch of the tree (a subdistrict, a community, ...).
                const string sql = """
                    SELECT f.grid_code AS GridCode, g.name AS GridName, f.status, count(*)::int AS Count
                    FROM request_facts f
                    LEFT JOIN grid_copy g ON g.code = f.grid_code
                    WHERE @under::text IS NULL OR f.location_path @> ARRAY[@under::text]
                    GROUP BY f.grid_code, g.name, f.status
                    ORDER BY f.grid_code NULLS LAST, f.status
                    """;
                await using var conn = await db.OpenConnectionAsync(ct);
                var rows = await conn.QueryAsync<GridStatusCount>(new CommandDefinition(sql, new { under }, cancellationToken: ct));
                return TypedResults.Ok(rows.AsList());
            })
            .WithName("RequestsByGrid")
            .WithSummary("Request counts by grid and status, optionally for one branch of the tree");
    }
}
