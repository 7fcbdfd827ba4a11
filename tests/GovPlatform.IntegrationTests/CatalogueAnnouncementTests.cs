using System.Net;
using System.Text.Json;
using GovPlatform.Contracts;
using GovPlatform.IntegrationTests.Infrastructure;
using GovPlatform.ServiceDefaults.Messaging;

namespace GovPlatform.IntegrationTests;

/// <summary>
/// Intake announces the catalogue its migrations ship at start, so a category's default tier decides where its work
/// order starts on a stack where nobody ever edited the catalogue; a desk edit made after that announcement wins.
/// </summary>
public sealed class CatalogueAnnouncementTests(SharedStack shared)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<Guid> FileAsync(HttpClient intake, TestCounty county, string category, string description)
    {
        using var response = await intake.SendAsync(HttpMethod.Post, "/api/v1/requests",
            new { channel = "hotline", category, description, location = new { code = county.Building } });
        var body = await response.JsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body.ToString());
        return body.GetProperty("id").GetGuid();
    }

    private static JsonElement Assigned(JsonElement order) =>
        JsonDocument.Parse(order.GetProperty("history").EnumerateArray().First(h => h.GetProperty("action").GetString() == "assigned")
            .GetProperty("detail").GetString()!).RootElement.Clone();

    private static Task<long> AnnouncementsAsync(TestStack stack, string code) =>
        stack.ScalarAsync<long>("intake",
            "SELECT count(*) FROM outbox_messages WHERE message_type = 'GovPlatform.Contracts.CategoryChanged' AND body->>'code' = @code", new { code });

    private static Task<string> TierAsync(TestStack stack, string code) =>
        stack.ScalarAsync<string>("dispatch", "SELECT default_tier FROM category_tiers WHERE category = @code", new { code });

    private static Task TierHeardAsync(TestStack stack, string code, string tier) =>
        Eventually.True(async () => (await stack.QueryAsync<string>("dispatch",
            "SELECT default_tier FROM category_tiers WHERE category = @code", new { code })).SingleOrDefault() == tier, $"dispatch's tier {tier} for {code}");

    [Fact]
    public async Task Shipped_community_and_subdistrict_categories_start_at_their_tier_without_anyone_editing_the_catalogue()
    {
        var stack = shared.Stack;
        var dispatch = new DispatchDriver(stack);
        var county = new TestCounty();
        await stack.ImportAsync(county);
        var intake = stack.Client("intake");

        var elderly = await dispatch.OrderForAsync(await FileAsync(intake, county, "elderly_disabled", "1号楼独居老人行动不便，需要上门帮助"));
        var water = await dispatch.OrderForAsync(await FileAsync(intake, county, "water_supply", "1号楼整栋停水两天了"));
        var parking = await dispatch.OrderForAsync(await FileAsync(intake, county, "parking", "1号楼门口车辆乱停"));

        Assert.Equal(("community", "community", "锦园社区"), (elderly.GetProperty("tier").GetString(),
            elderly.GetProperty("assigneeKind").GetString(), elderly.GetProperty("assigneeName").GetString()));
        Assert.Equal("community", Assigned(await dispatch.GetAsync(elderly.GetProperty("id").GetGuid())).GetProperty("defaultTier").GetString());
        Assert.Equal(("subdistrict", "subdistrict", "湄江街道"), (water.GetProperty("tier").GetString(),
            water.GetProperty("assigneeKind").GetString(), water.GetProperty("assigneeName").GetString()));
        // A compound-tier category still starts in the grid.
        Assert.Equal(("compound", "grid_worker"), (parking.GetProperty("tier").GetString(), parking.GetProperty("assigneeKind").GetString()));

        // What dispatch knows came from intake's start-up announcement, dated by the category's last change, not from a desk edit.
        var announced = JsonDocument.Parse(await stack.ScalarAsync<string>("intake", """
            SELECT body::text FROM outbox_messages
            WHERE message_type = 'GovPlatform.Contracts.CategoryChanged' AND body->>'code' = 'water_supply' ORDER BY id LIMIT 1
            """)).RootElement;
        var updatedAt = await stack.ScalarAsync<DateTime>("intake", "SELECT updated_at FROM categories WHERE code = 'water_supply'");
        Assert.Equal(new DateTimeOffset(updatedAt, TimeSpan.Zero), announced.GetProperty("at").GetDateTimeOffset());
        Assert.Equal("subdistrict", announced.GetProperty("defaultTier").GetString());
    }

    private static Task RequestPublishedAsync(TestStack stack) =>
        Eventually.True(async () => await stack.ScalarAsync<long>("dispatch", """
            SELECT count(*) FROM outbox_messages
            WHERE message_type = 'GovPlatform.Contracts.CatalogueRequested' AND published_at IS NOT NULL
            """) > 0, "dispatch's CatalogueRequested published");

    [Fact]
    public async Task Dispatch_started_after_intake_announced_on_a_fresh_broker_asks_for_the_catalogue_and_starts_water_supply_at_the_subdistrict()
    {
        // A fresh virtual host: intake starts and relays its start-up announcement while no dispatch queue exists, so the broker drops it.
        await using var stack = await TestStack.CreateAsync();
        stack.Start("intake");
        await Eventually.True(async () => await stack.ScalarAsync<long>("intake", """
            SELECT count(*) FROM outbox_messages
            WHERE message_type = 'GovPlatform.Contracts.CategoryChanged' AND published_at IS NULL
            """) == 0 && await AnnouncementsAsync(stack, "water_supply") == 1, "intake's start-up announcement relayed");

        stack.Start("dispatch");
        await RequestPublishedAsync(stack);
        // Intake answers the request with the whole catalogue, each category dated by its last change.
        await TierHeardAsync(stack, "water_supply", "subdistrict");
        await stack.CatalogueHeardAsync();
        var updatedAt = await stack.ScalarAsync<DateTime>("intake", "SELECT updated_at FROM categories WHERE code = 'water_supply'");
        Assert.Equal(updatedAt, await stack.ScalarAsync<DateTime>("dispatch", "SELECT changed_at FROM category_tiers WHERE category = 'water_supply'"));

        var county = new TestCounty();
        await stack.ImportAsync(county);
        var dispatch = new DispatchDriver(stack);
        var water = await dispatch.OrderForAsync(await FileAsync(stack.Client("intake"), county, "water_supply", "1号楼整栋停水两天了"));
        Assert.Equal(("subdistrict", "subdistrict", "湄江街道"), (water.GetProperty("tier").GetString(),
            water.GetProperty("assigneeKind").GetString(), water.GetProperty("assigneeName").GetString()));
        // The start-up announcement and one answer: the request was handled once.
        Assert.Equal(2, await AnnouncementsAsync(stack, "water_supply"));
    }

    [Fact]
    public async Task A_desk_edit_after_start_up_wins_and_restarts_or_instances_starting_together_announce_each_version_once()
    {
        await using var stack = await TestStack.CreateAsync();
        stack.Start("dispatch");
        // Dispatch's request for the catalogue went out before intake's queue existed, so only the start-up announcement counts below.
        await RequestPublishedAsync(stack);
        stack.Start("intake");
        await stack.CatalogueHeardAsync();
        var county = new TestCounty();
        await stack.ImportAsync(county);
        Assert.Equal("subdistrict", await TierAsync(stack, "water_supply"));
        Assert.Equal(1, await AnnouncementsAsync(stack, "water_supply"));
        var startUp = await stack.ScalarAsync<string>("intake",
            "SELECT body::text FROM outbox_messages WHERE message_type = 'GovPlatform.Contracts.CategoryChanged' AND body->>'code' = 'water_supply'");

        // The desk moves water supply down to the community after the start-up announcement.
        using (var edited = await stack.Client("intake").SendAsync(HttpMethod.Put, "/api/v1/categories/water_supply",
                   new { nameZh = "供水问题", nameEn = "Water supply", defaultTier = "community" }, role: "admin"))
            Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        await TierHeardAsync(stack, "water_supply", "community");

        // A later migration changes parking, then two instances start together on the same database.
        await stack.StopAsync("intake");
        await using (var conn = await stack.OpenAsync("intake"))
            await Dapper.SqlMapper.ExecuteAsync(conn, "UPDATE categories SET default_tier = 'community', updated_at = now() WHERE code = 'parking'");
        await Task.WhenAll(Task.Run(() => stack.Start("intake"), Ct), Task.Run(() => stack.StartExtraInstance("intake"), Ct));
        await TierHeardAsync(stack, "parking", "community");

        Assert.Equal(2, await AnnouncementsAsync(stack, "parking")); // the first start's, then the changed version once
        Assert.Equal(2, await AnnouncementsAsync(stack, "water_supply")); // the first start's and the desk's; no start repeats either
        Assert.Equal(0, await stack.ScalarAsync<long>("intake", "SELECT count(*) FROM categories WHERE announced_at IS DISTINCT FROM updated_at"));

        // The start-up announcement arriving again late (a replay, under a new message id) is older than the edit.
        var dispatch = new DispatchDriver(stack);
        await dispatch.PublishAsync(JsonSerializer.Deserialize<CategoryChanged>(startUp, Outbox.Json)!);
        var marker = "t_" + Guid.NewGuid().ToString("N")[..10];
        await dispatch.PublishAsync(new CategoryChanged(marker, null, "标记", "Marker", Tiers.County, true, DateTimeOffset.UtcNow));
        await TierHeardAsync(stack, marker, "county");
        Assert.Equal("community", await TierAsync(stack, "water_supply"));

        var intake = stack.Client("intake");
        var water = await dispatch.OrderForAsync(await FileAsync(intake, county, "water_supply", "1号楼整栋停水两天了"));
        var parking = await dispatch.OrderForAsync(await FileAsync(intake, county, "parking", "1号楼门口车辆乱停"));
        Assert.Equal(("community", "锦园社区"), (water.GetProperty("tier").GetString(), water.GetProperty("assigneeName").GetString()));
        Assert.Equal(("community", "锦园社区"), (parking.GetProperty("tier").GetString(), parking.GetProperty("assigneeName").GetString()));
    }
}
