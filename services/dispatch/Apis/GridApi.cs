using Dapper;
using GovPlatform.Dispatch.Grid;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Dispatch.Apis;

public static class GridApi
{
    public sealed record GridNodeDto
    {
        public required string Code { get; init; }
        public string? ParentCode { get; init; }
        public required string Level { get; init; }
        public required string Name { get; init; }
        public required string[] Path { get; init; }
        public int Children { get; init; }
    }

    public static void MapGridApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/grid").WithTags("Grid");

        api.MapPost("/import", async Task<Results<Ok<GridImportResult>, ValidationProblem>> (
                GridImportRequest body, GridImporter importer, CancellationToken ct) =>
            {
                var (result, errors) = await importer.ImportAsync(body, ct);
                return result is null ? TypedResults.ValidationProblem(errors, title: "The grid import was rejected; nothing was stored.") : TypedResults.Ok(result);
            })
            .RequireRoles(Roles.Admin)
            .WithName("ImportGrid")
            .WithSummary("Import grid nodes and workers (parents before or after children, any order)");

        api.MapGet("/nodes/{code}", async Task<Results<Ok<GridNodeDto>, NotFound>> (string code, NpgsqlDataSource db, CancellationToken ct) =>
            {
                const string sql = """
                    SELECT g.code, g.parent_code AS ParentCode, g.level, g.name, g.path,
                           (SELECT count(*)::int FROM grid_nodes c WHERE c.parent_code = g.code) AS Children
                    FROM grid_nodes g WHERE g.code = @code
                    """;
                await using var conn = await db.OpenConnectionAsync(ct);
                var node = await conn.QuerySingleOrDefaultAsync<GridNodeDto>(new CommandDefinition(sql, new { code }, cancellationToken: ct));
                return node is null ? TypedResults.NotFound() : TypedResults.Ok(node);
            })
            .WithName("GetGridNode")
            .WithSummary("One node of the grid tree with its path from the top");
    }
}
