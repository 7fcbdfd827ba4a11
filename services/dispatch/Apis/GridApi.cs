using System.Text.Json;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Dispatch.Grid;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.GridCopy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
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
        public double? CentreLat { get; init; }
        public double? CentreLon { get; init; }
        public double[]? Boundary { get; init; }
    }

    private static readonly string[] Levels = ["district", "subdistrict", "community", "compound", "grid", "building", "unit", "household_group"];

    private const string Rejected = "The grid import was rejected; nothing was stored.";

    private const string SelectNode = """
        SELECT g.code, g.parent_code AS ParentCode, g.level, g.name, g.path,
               (SELECT count(*)::int FROM grid_nodes c WHERE c.parent_code = g.code) AS Children,
               g.centre_lat AS CentreLat, g.centre_lon AS CentreLon, g.boundary
        FROM grid_nodes g
        """;

    public static void MapGridApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/grid").WithTags("Grid");

        api.MapPost("/import", ImportAsync)
            .RequireRoles(Roles.Admin)
            .Accepts<GridImportRequest>("application/json", "text/csv")
            .WithName("ImportGrid")
            .WithSummary("Import grid nodes (JSON with workers, centres and boundaries, or CSV code,parent_code,level,name[,lat,lon]); any order");

        api.MapGet("/locate", LocateAsync)
            .WithName("LocateGrid")
            .WithSummary("The grid a point lies in: the boundary containing it, else the nearest centre within 500 m");

        api.MapGet("/nodes/{code}", GetNodeAsync)
            .WithName("GetGridNode")
            .WithSummary("One node of the grid tree with its path from the top");

        // What a grid worker picks a patrol report's place from: the buildings of their own grid.
        api.MapGet("/nodes", ListNodesAsync)
            .WithName("ListGridNodes")
            .WithSummary("The nodes under one node of the tree (at most 500), optionally of one level (building, say)");
    }

    private static async Task<Results<Ok<GridImportResult>, ValidationProblem, ProblemHttpResult>> ImportAsync(
        HttpRequest http, GridImporter importer, CancellationToken ct)
    {
        var csv = http.ContentType is { } type && type.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase);
        GridImportRequest? body;
        if (csv)
        {
            (body, var csvErrors) = await GridCsv.ReadAsync(http.Body, ct);
            if (body is null) return TypedResults.ValidationProblem(csvErrors, title: Rejected);
        }
        else if (http.HasJsonContentType())
        {
            try
            {
                body = await http.ReadFromJsonAsync<GridImportRequest>(ct);
            }
            catch (JsonException e)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = [$"Not a valid grid import: {e.Message}"] }, title: Rejected);
            }
            if (body?.Nodes is null)
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["nodes"] = ["A list of nodes is required (it may be empty when importing workers only)."] }, title: Rejected);
        }
        else
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Send the import as application/json or text/csv.");
        }
        var (result, errors) = await importer.ImportAsync(body, ct);
        if (result is not null) return TypedResults.Ok(result);
        return TypedResults.ValidationProblem(csv ? GridCsv.ToRowKeys(errors) : errors, title: Rejected);
    }

    // Index prefilter: boxes containing the point, and centres within the 500 m window; Geo.Locate decides.
    private const string CandidatesSql = """
        SELECT code, centre_lat AS CentreLat, centre_lon AS CentreLon, boundary
        FROM grid_nodes
        WHERE level = 'grid' AND boundary IS NOT NULL
          AND @Lat BETWEEN min_lat AND max_lat AND @Lon BETWEEN min_lon AND max_lon
        UNION ALL
        SELECT code, centre_lat, centre_lon, NULL
        FROM grid_nodes
        WHERE level = 'grid' AND centre_lat BETWEEN @MinLat AND @MaxLat AND centre_lon BETWEEN @MinLon AND @MaxLon
        """;

    private static async Task<Results<Ok<GridNodeDto>, NotFound<ProblemDetails>, ValidationProblem>> LocateAsync(
        double? lat, double? lon, NpgsqlDataSource db, CancellationToken ct)
    {
        if (lat is not { } la || lon is not { } lo || !Geo.IsValid(new GeoPoint(la, lo)))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
                { ["lat"] = ["lat (-90..90) and lon (-180..180) in decimal degrees are required."] }, title: "Cannot locate that point.");
        var p = new GeoPoint(la, lo);
        var w = Geo.Window(p, Geo.NearestGridMaxMetres);
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<(string Code, double? CentreLat, double? CentreLon, double[]? Boundary)>(new CommandDefinition(
            CandidatesSql, new { p.Lat, p.Lon, w.MinLat, w.MaxLat, w.MinLon, w.MaxLon }, cancellationToken: ct));
        var code = Geo.Locate(p, rows.Select(r => (r.Code,
            r.CentreLat is { } cl && r.CentreLon is { } cn ? new GeoPoint(cl, cn) : null,
            r.Boundary is null ? null : (IReadOnlyList<GeoPoint>)Geo.Unflatten(r.Boundary))));
        var node = code is null ? null : await conn.QuerySingleAsync<GridNodeDto>(new CommandDefinition(
            $"{SelectNode} WHERE g.code = @code", new { code }, cancellationToken: ct));
        return node is null
            ? TypedResults.NotFound(new ProblemDetails { Status = 404, Title = "No grid there",
                Detail = $"No surveyed grid contains ({la}, {lo}) and no grid centre is within {Geo.NearestGridMaxMetres} m." })
            : TypedResults.Ok(node);
    }

    private static async Task<Results<Ok<GridNodeDto>, NotFound>> GetNodeAsync(string code, NpgsqlDataSource db, CancellationToken ct)
    {
        const string sql = $"{SelectNode} WHERE g.code = @code";
        await using var conn = await db.OpenConnectionAsync(ct);
        var node = await conn.QuerySingleOrDefaultAsync<GridNodeDto>(new CommandDefinition(sql, new { code }, cancellationToken: ct));
        return node is null ? TypedResults.NotFound() : TypedResults.Ok(node);
    }

    private static async Task<Results<Ok<List<GridNodeDto>>, ValidationProblem>> ListNodesAsync(string? under, string? level, NpgsqlDataSource db, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(under) || under.Length > 100)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["under"] = ["The code of the node to list under is required."] });
        if (level is not null && !Levels.Contains(level))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["level"] = [$"One of {string.Join(", ", Levels)}."] });
        const string sql = $"""
            {SelectNode}
            WHERE @under = ANY(g.path) AND g.code <> @under AND (@level::text IS NULL OR g.level = @level)
            ORDER BY g.code
            LIMIT 500
            """;
        await using var conn = await db.OpenConnectionAsync(ct);
        var nodes = await conn.QueryAsync<GridNodeDto>(new CommandDefinition(sql, new { under, level }, cancellationToken: ct));
        return TypedResults.Ok(nodes.AsList());
    }
}
