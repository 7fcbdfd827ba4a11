using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
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
}
