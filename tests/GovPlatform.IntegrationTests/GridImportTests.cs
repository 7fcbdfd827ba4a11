using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GovPlatform.Contracts;
using GovPlatform.Dispatch.Grid;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests;

/// <summary>The grid tree is dispatch's: only admins import it, and a broken tree is refused whole.</summary>
public sealed class GridImportTests(SharedStack shared)
{
    private readonly TestStack _stack = shared.Stack;
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<HttpResponseMessage> ImportAsync(GridImportRequest body, string? role = "admin")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/grid/import") { Content = JsonContent.Create(body) };
        if (role is not null) request.WithBearer(Tokens.For(role));
        return _stack.Client("dispatch").SendAsync(request, Ct);
    }

    private Task<long> NodesUnder(string district) =>
        _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM grid_nodes WHERE path[1] = @district", new { district });

    [Fact]
    public async Task Only_an_admin_may_import_the_grid()
    {
        var county = new TestCounty();

        var anonymous = await ImportAsync(county.Import, role: null);
        var operatorOnly = await ImportAsync(county.Import, role: "desk_operator");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, operatorOnly.StatusCode);
        Assert.Equal("application/problem+json", operatorOnly.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, await NodesUnder(county.District));
    }

    [Fact]
    public async Task Importing_the_same_tree_twice_changes_nothing_but_names()
    {
        var county = new TestCounty();
        Assert.Equal(HttpStatusCode.OK, (await ImportAsync(county.Import)).StatusCode);
        var renamed = county.Import with { Nodes = [.. county.Import.Nodes.Select(n => n.Code == county.Grid ? n with { Name = "第一网格（新）" } : n)] };

        Assert.Equal(HttpStatusCode.OK, (await ImportAsync(renamed)).StatusCode);

        Assert.Equal(county.Import.Nodes.Count, await NodesUnder(county.District));
        Assert.Equal("第一网格（新）", await _stack.ScalarAsync<string>("dispatch", "SELECT name FROM grid_nodes WHERE code = @Grid", new { county.Grid }));
        Assert.Equal(county.Import.Workers!.Count, await _stack.ScalarAsync<long>("dispatch",
            "SELECT count(*) FROM workers WHERE node_code LIKE @p", new { p = county.District + "%" }));
    }

    [Fact]
    public async Task A_tree_with_an_orphan_a_cycle_a_duplicate_or_an_upside_down_level_is_refused_whole()
    {
        var d = "T" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        GridNodeInput Node(string code, string? parent, string level) => new(code, parent, level, code);
        var cases = new (GridImportRequest Body, string Field, string Says)[]
        {
            (new([Node(d, null, "district"), Node($"{d}-1", $"{d}-X", "subdistrict")]), "nodes[1].parentCode", "orphan"),
            (new([Node(d, null, "district"), Node($"{d}-A", $"{d}-B", "community"), Node($"{d}-B", $"{d}-A", "community")]), "nodes[1].parentCode", "cycle"),
            (new([Node(d, null, "district"), Node(d, null, "district")]), "nodes[1].code", "appears twice"),
            (new([Node(d, null, "district"), Node($"{d}-1", d, "grid"), Node($"{d}-2", $"{d}-1", "community")]), "nodes[2].level", "levels must go down"),
            (new([Node(d, null, "district"), Node($"{d}-1", d, "county")]), "nodes[1].level", "Unknown level"),
            (new([Node("bad code", null, "district")]), "nodes[0].code", "not a valid code"),
            (new([Node(d, null, "district")], [new("网格员", "13800000000", "grid_worker", d)]), "workers[0].nodeCode", "belongs to a grid"),
        };

        foreach (var (body, field, says) in cases)
        {
            var response = await ImportAsync(body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
            Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out var messages), $"expected '{field}' in {problem.RootElement}");
            Assert.Contains(says, messages[0].GetString());
        }
        Assert.Equal(0, await NodesUnder(d));
    }

    private static (double Lat, double Lon) SomewhereUnique() =>
        (20 + Random.Shared.NextDouble() * 20, 80 + Random.Shared.NextDouble() * 40);

    [Fact]
    public async Task Grids_carry_a_centre_and_a_boundary_and_a_point_finds_its_grid()
    {
        var county = new TestCounty();
        var (lat, lon) = SomewhereUnique();
        var ring = new List<GeoPoint> { new(lat - 0.002, lon - 0.002), new(lat - 0.002, lon + 0.002), new(lat + 0.002, lon + 0.002), new(lat + 0.002, lon - 0.002) };
        var body = county.Import with
        {
            Nodes = [.. county.Import.Nodes.Select(n =>
                n.Code == county.Grid ? n with { Centre = new GeoPoint(lat, lon), Boundary = ring }
                : n.Code == county.EmptyGrid ? n with { Centre = new GeoPoint(lat + 0.006, lon) } : n)],
        };

        Assert.Equal(HttpStatusCode.OK, (await ImportAsync(body)).StatusCode);

        var box = (await _stack.QueryAsync<(double MinLat, double MaxLat, int Points)>("dispatch",
            "SELECT min_lat, max_lat, array_length(boundary, 1) FROM grid_nodes WHERE code = @Grid", new { county.Grid })).Single();
        Assert.Equal(lat - 0.002, box.MinLat, 9);
        Assert.Equal(lat + 0.002, box.MaxLat, 9);
        Assert.Equal(8, box.Points);

        async Task<JsonElement> Locate(double la, double lo)
        {
            using var r = await _stack.Client("dispatch").GetAsync($"/api/v1/grid/locate?lat={la.ToString(System.Globalization.CultureInfo.InvariantCulture)}&lon={lo.ToString(System.Globalization.CultureInfo.InvariantCulture)}", Ct);
            return await r.JsonAsync();
        }
        Assert.Equal(county.Grid, (await Locate(lat + 0.001, lon + 0.0015)).GetProperty("code").GetString()); // inside the boundary
        Assert.Equal(county.EmptyGrid, (await Locate(lat + 0.0055, lon + 0.001)).GetProperty("code").GetString()); // nearest centre, 100 m off
        Assert.Equal(404, (await Locate(lat + 0.05, lon)).GetProperty("status").GetInt32()); // 5 km from anything
        using var bad = await _stack.Client("dispatch").GetAsync("/api/v1/grid/locate?lat=95&lon=10", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        var published = await _stack.QueryAsync<string>("dispatch",
            "SELECT n::text FROM outbox_messages, jsonb_array_elements(body->'nodes') n WHERE message_type = 'GovPlatform.Contracts.GridNodesChanged' AND n->>'code' = @Grid",
            new { county.Grid });
        var node = JsonDocument.Parse(published.Single()).RootElement;
        Assert.Equal(lat, node.GetProperty("centre").GetProperty("lat").GetDouble(), 9);
        Assert.Equal(4, node.GetProperty("boundary").GetArrayLength());
        // Intake's copy gets the coordinates too, so it can place reports by position.
        await Eventually.True(async () => await _stack.ScalarAsync<long>("intake",
            "SELECT count(*) FROM grid_copy WHERE code = @Grid AND boundary IS NOT NULL", new { county.Grid }) == 1, "intake's copy of the boundary");
    }

    [Fact]
    public async Task A_bad_centre_or_a_ring_of_two_points_is_refused_naming_the_field()
    {
        var d = "T" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var body = new GridImportRequest([
            new(d, null, "district", "测试县", new GeoPoint(91, 107)),
            new($"{d}-1", d, "subdistrict", "街道", null, [new(27.7, 107.4), new(27.8, 107.5)]),
            new($"{d}-2", d, "subdistrict", "街道", null, [new(27.7, 107.4), new(27.8, 107.5), new(27.8, 190)]),
        ]);

        var response = await ImportAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.JsonAsync()).GetProperty("errors");
        Assert.Contains("latitude", errors.GetProperty("nodes[0].centre")[0].GetString());
        Assert.Contains("at least 3", errors.GetProperty("nodes[1].boundary")[0].GetString());
        Assert.True(errors.TryGetProperty("nodes[2].boundary[2]", out _));
        Assert.Equal(0, await NodesUnder(d));
    }

    private Task<HttpResponseMessage> ImportCsvAsync(string csv, string role = "admin")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/grid/import") { Content = new StringContent(csv, System.Text.Encoding.UTF8, "text/csv") };
        request.WithBearer(Tokens.For(role));
        return _stack.Client("dispatch").SendAsync(request, Ct);
    }

    [Fact]
    public async Task A_csv_tree_imports_like_json_with_centres()
    {
        var d = "T" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var csv = $"""
            code,parent_code,level,name,lat,lon
            {d}-01-01,{d}-01,community,锦园社区,,
            {d},,district,湄潭县,27.77,107.47
            {d}-01,{d},subdistrict,湄江街道,27.768,107.481
            {d}-01-01-G1,{d}-01-01,grid,"第一网格, 东片",27.7712,107.4693
            """;

        var response = await ImportCsvAsync(csv);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(4, (await response.JsonAsync()).GetProperty("nodes").GetInt32());
        Assert.Equal(4, await NodesUnder(d));
        var grid = (await _stack.QueryAsync<(string Name, double Lat, string Path)>("dispatch",
            "SELECT name, centre_lat, array_to_string(path, '/') FROM grid_nodes WHERE code = @code", new { code = $"{d}-01-01-G1" })).Single();
        Assert.Equal("第一网格, 东片", grid.Name);
        Assert.Equal(27.7712, grid.Lat, 9);
        Assert.Equal($"{d}/{d}-01/{d}-01-01/{d}-01-01-G1", grid.Path);
    }

    [Fact]
    public async Task A_broken_csv_is_refused_whole_with_line_numbers_in_the_errors()
    {
        var d = "T" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var cases = new (string Csv, string Field, string Says)[]
        {
            ($"code,parent_code,level,name\n{d},,district,县\n{d}-1,{d}-X,subdistrict,街道\n", "rows[3].parent_code", "orphan"),
            ($"code,parent_code,level,name\n{d},,district,县\n{d}-A,{d}-B,community,甲\n{d}-B,{d}-A,community,乙\n", "rows[3].parent_code", "cycle"),
            ($"code,parent_code,level,name\n{d},,district,县\n{d},,district,县\n", "rows[3].code", "appears twice"),
            ($"code,parent_code,level,name,lat,lon\n{d},,district,县,95,107\n", "rows[2].lat", "latitude"),
            ($"code,parent_code,level,name,lat,lon\n{d},,district,县,abc,107\n", "rows[2].lat", "decimal degrees"),
            ($"code,level,name\n{d},district,县\n", "header", "parent_code"),
        };
        foreach (var (csv, field, says) in cases)
        {
            var response = await ImportCsvAsync(csv);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var errors = (await response.JsonAsync()).GetProperty("errors");
            Assert.True(errors.TryGetProperty(field, out var messages), $"expected '{field}' in {errors}");
            Assert.Contains(says, messages[0].GetString());
        }
        Assert.Equal(0, await NodesUnder(d));
    }
}
