using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests;

/// <summary>
/// A grid worker sees and acts on their grid's orders, a cadre on their community's, a department
/// on what was whistled to it; everything else answers 404, as if it did not exist.
/// </summary>
public sealed class WorkOrderAccessTests(SharedStack shared)
{
    private readonly TestStack _stack = shared.Stack;
    private readonly DispatchDriver _dispatch = new(shared.Stack);
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<List<Guid>> VisibleIdsAsync(string token, string query = "")
    {
        using var response = await _dispatch.SendAsync(HttpMethod.Get, $"/api/v1/work-orders{query}", token);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).EnumerateArray().Select(o => o.GetProperty("id").GetGuid()).ToList();
    }

    private async Task AssertHiddenAsync(Guid orderId, string token)
    {
        using var get = await _dispatch.SendAsync(HttpMethod.Get, $"/api/v1/work-orders/{orderId}", token);
        using var accept = await _dispatch.ActAsync(orderId, "accept", token);
        using var escalate = await _dispatch.ActAsync(orderId, "escalate", token, new { reason = "试探" });
        foreach (var response in new[] { get, accept, escalate })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        Assert.DoesNotContain(orderId, await VisibleIdsAsync(token));
    }

    [Fact]
    public async Task A_grid_worker_cannot_see_or_touch_another_grids_orders()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var inGrid = await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(county));
        var inOtherGrid = await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(county, location: $"{county.EmptyGrid}-B03"));
        var worker = Tokens.For("grid_worker", county.Grid);

        Assert.Equal([inGrid], await VisibleIdsAsync(worker));
        await AssertHiddenAsync(inOtherGrid, worker);
        Assert.Equal("assigned", (await _dispatch.GetAsync(inOtherGrid)).GetProperty("status").GetString());
        Assert.Equal("accepted", (await _dispatch.ActOkAsync(inGrid, "accept", worker)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_community_cadre_sees_every_grid_of_their_community_and_nothing_of_another()
    {
        var county = new TestCounty();
        var neighbour = new TestCounty();
        await _stack.ImportAsync(county);
        await _stack.ImportAsync(neighbour);
        var ours = new[]
        {
            await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(county)),
            await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(county, location: $"{county.EmptyGrid}-B03")),
        };
        var theirs = await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(neighbour));
        var cadre = Tokens.For("community_cadre", county.Community);

        Assert.Equal(ours.OrderBy(i => i), (await VisibleIdsAsync(cadre)).OrderBy(i => i));
        await AssertHiddenAsync(theirs, cadre);
        // A grid worker of the other county, and a worker whose token names no node at all, see none of ours.
        await AssertHiddenAsync(ours[0], Tokens.For("grid_worker", neighbour.Grid));
        await AssertHiddenAsync(ours[0], Tokens.For("grid_worker"));
        Assert.Equal("accepted", (await _dispatch.ActOkAsync(ours[1], "accept", cadre)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_subdistrict_officer_sees_their_subdistricts_orders_acts_at_its_tier_and_sees_nothing_of_another()
    {
        var county = new TestCounty();
        var neighbour = new TestCounty();
        await _stack.ImportAsync(county);
        await _stack.ImportAsync(neighbour);
        var ours = new[]
        {
            await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(county)),
            await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(county, location: $"{county.EmptyGrid}-B03")),
        };
        var theirs = await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(neighbour));
        var officer = Tokens.For("subdistrict_officer", $"{county.District}-01");

        Assert.Equal(ours.OrderBy(i => i), (await VisibleIdsAsync(officer)).OrderBy(i => i));
        await AssertHiddenAsync(theirs, officer);
        // Two escalations bring an order to the subdistrict tier, where the officer answers for it and a cadre no longer does.
        var cadre = Tokens.For("community_cadre", county.Community);
        await _dispatch.ActOkAsync(ours[0], "escalate", cadre, new { reason = "需要社区协调" });
        Assert.Equal("subdistrict", (await _dispatch.ActOkAsync(ours[0], "escalate", cadre, new { reason = "社区解决不了" })).GetProperty("tier").GetString());
        using var byCadre = await _dispatch.ActAsync(ours[0], "accept", cadre);
        Assert.Equal(HttpStatusCode.Forbidden, byCadre.StatusCode);
        Assert.Equal("accepted", (await _dispatch.ActOkAsync(ours[0], "accept", officer)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_department_sees_no_order_that_was_not_whistled_to_it()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var orderId = await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(county));

        await AssertHiddenAsync(orderId, Tokens.For("department", department: "water"));
    }

    [Fact]
    public async Task Without_a_staff_token_there_is_nothing_to_see()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var orderId = await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(county));

        using var anonymous = await _dispatch.SendAsync(HttpMethod.Get, $"/api/v1/work-orders/{orderId}", token: null);
        using var resident = await _dispatch.SendAsync(HttpMethod.Get, $"/api/v1/work-orders/{orderId}", Tokens.For("volunteer", county.Grid));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, resident.StatusCode);
    }
}
