using System.Net;
using System.Text.Json;
using GovPlatform.Contracts;
using GovPlatform.IntegrationTests.Infrastructure;
using MassTransit;

namespace GovPlatform.IntegrationTests;

/// <summary>
/// The catalogue's default tier is where a category's work order starts: intake announces it, dispatch keeps a copy and
/// starts an order of a community (or subdistrict) category with that tier's body and clocks instead of the grid.
/// </summary>
public sealed class CategoryTierTests(SharedStack shared)
{
    private readonly TestStack _stack = shared.Stack;
    private readonly DispatchDriver _dispatch = new(shared.Stack);
    private HttpClient Intake => _stack.Client("intake");

    private static string NewCode() => "t_" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>Adds a category through intake's catalogue API and waits until dispatch has heard its tier.</summary>
    private async Task<string> CategoryAsync(string defaultTier)
    {
        var code = NewCode();
        using var added = await Intake.SendAsync(HttpMethod.Post, "/api/v1/categories",
            new { code, nameZh = "测试类别", nameEn = "Test category", defaultTier }, role: "admin");
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        await TierHeardAsync(code, defaultTier);
        return code;
    }

    private Task TierHeardAsync(string code, string tier) =>
        Eventually.True(async () => (await _stack.QueryAsync<string>("dispatch",
            "SELECT default_tier FROM category_tiers WHERE category = @code", new { code })).SingleOrDefault() == tier, $"dispatch's copy of {code}'s tier {tier}");

    private static JsonElement Assigned(JsonElement order) =>
        JsonDocument.Parse(order.GetProperty("history").EnumerateArray().First(h => h.GetProperty("action").GetString() == "assigned")
            .GetProperty("detail").GetString()!).RootElement.Clone();

    private async Task<Guid> SubmitAsync(TestCounty county, string category, string urgency)
    {
        var requestId = NewId.NextGuid();
        var location = county.Building;
        var path = location.Split('-').Select((_, i) => string.Join('-', location.Split('-').Take(i + 1))).ToList();
        await _dispatch.PublishAsync(new RequestSubmitted(requestId, $"20260101-{Random.Shared.Next(0, 999_999):D6}", "hotline", category, urgency,
            location, path, null, null, DateTimeOffset.UtcNow));
        return requestId;
    }

    [Fact]
    public async Task A_community_category_starts_with_the_community_and_its_clocks_not_in_the_grid()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var category = await CategoryAsync("community");

        var order = await _dispatch.GetAsync(await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(county, category)));

        Assert.Equal("community", order.GetProperty("tier").GetString());
        Assert.Equal("community", order.GetProperty("assigneeKind").GetString());
        Assert.Equal("锦园社区", order.GetProperty("assigneeName").GetString());
        Assert.Equal(JsonValueKind.Null, order.GetProperty("assigneeId").ValueKind);
        Assert.All(order.GetProperty("clocks").EnumerateArray(), c => Assert.Equal("community", c.GetProperty("tier").GetString()));
        Assert.NotEmpty(order.GetProperty("clocks").EnumerateArray());
        var why = Assigned(order);
        Assert.Equal("community", why.GetProperty("defaultTier").GetString());
        Assert.Contains("default tier", why.GetProperty("rule").GetString());
        Assert.Equal(0, why.GetProperty("candidates").GetArrayLength()); // the grid's people were not weighed
        var assigned = Assert.Single(await _dispatch.EventsAsync("WorkOrderAssigned", order.GetProperty("id").GetGuid()));
        Assert.Equal("community", assigned.GetProperty("assigneeKind").GetString());

        // One tier up from the community is the subdistrict, not the community again.
        var escalated = await _dispatch.ActOkAsync(order.GetProperty("id").GetGuid(), "escalate", Tokens.For("community_cadre", county.Community), new { reason = "需要街道协调" });
        Assert.Equal("subdistrict", escalated.GetProperty("tier").GetString());
    }

    [Fact]
    public async Task A_subdistrict_category_starts_with_the_subdistrict_and_a_compound_one_in_the_grid()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var (high, low) = (await CategoryAsync("subdistrict"), await CategoryAsync("compound"));

        var atSubdistrict = await _dispatch.GetAsync(await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(county, high)));
        var inGrid = await _dispatch.GetAsync(await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(county, low)));

        Assert.Equal("subdistrict", atSubdistrict.GetProperty("tier").GetString());
        Assert.Equal("subdistrict", atSubdistrict.GetProperty("assigneeKind").GetString());
        Assert.Equal("湄江街道", atSubdistrict.GetProperty("assigneeName").GetString());
        Assert.Equal("compound", inGrid.GetProperty("tier").GetString());
        Assert.Equal("grid_worker", inGrid.GetProperty("assigneeKind").GetString());
    }

    [Fact]
    public async Task A_changed_tier_applies_to_the_next_order_and_a_critical_request_stays_in_the_grid()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var category = await CategoryAsync("community");

        var critical = await _dispatch.GetAsync(await _dispatch.OrderIdForAsync(await SubmitAsync(county, category, "critical")));
        Assert.Equal("compound", critical.GetProperty("tier").GetString());
        Assert.Equal("grid_worker", critical.GetProperty("assigneeKind").GetString());

        using var changed = await Intake.SendAsync(HttpMethod.Put, $"/api/v1/categories/{category}",
            new { nameZh = "测试类别", nameEn = "Test category", defaultTier = "compound" }, role: "admin");
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        await TierHeardAsync(category, "compound");

        var next = await _dispatch.GetAsync(await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(county, category)));
        Assert.Equal("compound", next.GetProperty("tier").GetString());
        Assert.Equal("grid_worker", next.GetProperty("assigneeKind").GetString());
    }

    [Fact]
    public async Task An_older_announcement_arriving_late_does_not_overwrite_a_newer_tier()
    {
        var category = await CategoryAsync("subdistrict");
        var stale = new CategoryChanged(category, null, "测试类别", "Test category", Tiers.Compound, true, DateTimeOffset.UtcNow.AddHours(-1));
        var marker = NewCode();
        await _dispatch.PublishAsync(stale);
        // A later message on the same queue shows the stale one was handled before it.
        await _dispatch.PublishAsync(new CategoryChanged(marker, null, "标记", "Marker", Tiers.County, true, DateTimeOffset.UtcNow));
        await TierHeardAsync(marker, "county");

        Assert.Equal("subdistrict", await _stack.ScalarAsync<string>("dispatch", "SELECT default_tier FROM category_tiers WHERE category = @category", new { category }));
    }
}
