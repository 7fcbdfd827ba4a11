using System.Net;
using Dapper;
using GovPlatform.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace GovPlatform.IntegrationTests.StaffConsole;

/// <summary>
/// 未诉先办 on the console: a community cadre sees the hot spots proposed in their community with the requests that
/// justify them, accepts one on the screen and sees the proactive work order dispatch opened for it; a grid worker
/// cannot open the screen.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class HotSpotScreenTests(ConsoleStack console, Browser browser)
{
    private HttpClient Intake => console.Stack.Client("intake");

    /// <summary>Three neighbours' blocked drains in one building over ten days: the hot spot intake proposes.</summary>
    private async Task<Guid> HotSpotAsync(TestCounty county)
    {
        foreach (var (text, daysAgo) in new[] { ("1单元下水道堵了，污水往上冒", 10), ("3单元厨房的下水道又堵住了，一股臭味", 5), ("5单元楼下的排水管不通，水都漫出来了", 0) })
        {
            using var response = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", new
            {
                channel = "hotline", category = "drainage", description = text, location = new { code = county.Building }, reporter = new { phone = "13800006666" },
            });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            var id = (await response.JsonAsync()).GetProperty("id").GetGuid();
            await using var conn = await console.Stack.OpenAsync("intake");
            await conn.ExecuteAsync("UPDATE requests SET submitted_at = submitted_at - make_interval(days => @daysAgo) WHERE id = @id", new { id, daysAgo });
        }
        // Found just after the third filing, from its RequestSubmitted.
        var found = await Eventually.Get(async () => (await console.Stack.QueryAsync<Guid?>("intake",
            "SELECT id FROM hot_spots WHERE place_code = @Building", new { county.Building })).SingleOrDefault(), "the hot spot of the building");
        return found!.Value;
    }

    [Fact]
    public async Task A_community_cadre_accepts_a_hot_spot_on_the_screen_and_sees_the_proactive_order_dispatch_opened()
    {
        var county = new TestCounty();
        await console.Stack.ImportAsync(county);
        var id = await HotSpotAsync(county);
        var cadre = await console.AccountAsync("community_cadre", county.Community);

        var page = await console.SignInAsync(browser, cadre, "dispatcher/hot-spots");
        page.SetDefaultTimeout(30_000);
        var card = page.Locator($"[data-hot-spot='{id}']");
        await Assertions.Expect(card.Locator("[data-testid=requests] tr")).ToHaveCountAsync(3, new() { Timeout = 30_000 });
        await page.FillAsync($"#note-{id}", "社区统一疏通1号楼主排水管");
        await card.Locator("[data-action=accept]").ClickAsync();

        var shown = page.Locator($"[data-hot-spot='{id}'][data-status=accepted] [data-testid=order] [data-order-status]");
        await shown.WaitForAsync(new() { Timeout = 60_000 });
        var ticket = await shown.GetAttributeAsync("data-ticket");
        Assert.Equal(await console.Stack.ScalarAsync<string>("dispatch", "SELECT ticket_no FROM work_orders WHERE request_id = @id", new { id }), ticket);
        Assert.Equal("assigned", await shown.GetAttributeAsync("data-order-status"));
        Assert.Equal("社区统一疏通1号楼主排水管", await console.Stack.ScalarAsync<string>("intake", "SELECT decision_note FROM hot_spots WHERE id = @id", new { id }));
        await Browser.ScreenshotForDocsAsync(page, "console-hot-spots.png");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_grid_worker_cannot_open_the_hot_spot_screen()
    {
        var county = new TestCounty();
        await console.Stack.ImportAsync(county);
        var worker = await console.AccountAsync("grid_worker", county.Grid);

        var page = await console.SignInAsync(browser, worker, "dispatcher/hot-spots");
        await page.Locator("[data-testid=denied]").WaitForAsync(new() { Timeout = 30_000 });
        Assert.Equal(0, await page.Locator("[data-testid=hot-spots]").CountAsync());
        Assert.Equal(0, await page.Locator("a[href='dispatcher/hot-spots']").CountAsync());
        await page.Context.CloseAsync();
    }
}
