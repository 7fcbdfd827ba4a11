using System.Net;
using GovPlatform.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace GovPlatform.IntegrationTests.StaffConsole;

/// <summary>
/// The community cadre's deliberation screen in a real browser: a meeting recorded there is stored by dispatch, its
/// problem becomes a request of channel meeting whose ticket the screen then shows, and its suggestion is not a request.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class DeliberationScreenTests(ConsoleStack console, Browser browser)
{
    [Fact]
    public async Task A_cadre_records_a_night_talk_and_sees_its_problem_filed_as_a_request_and_its_suggestion_kept_apart()
    {
        var county = new TestCounty(workersInGrid: 1);
        await console.Stack.ImportAsync(county);
        var cadre = await console.AccountAsync("community_cadre", county.Community);

        var page = await console.SignInAsync(browser, cadre, "community/deliberation");
        page.SetDefaultTimeout(30_000);
        await Assertions.Expect(page.Locator("#delib-community")).ToHaveValueAsync(county.Community, new() { Timeout = 30_000 });
        await page.FillAsync("#delib-title", "岭上夜话·楼道照明");
        await page.FillAsync("#delib-place", "东苑小区议事亭");
        await page.FillAsync("#delib-attendees", "干部 王书记\n民警 李警官\n居民 赵大妈");
        await page.FillAsync("#delib-needs", "3号楼楼道灯坏了一个月");
        await page.FillAsync("#delib-suggestions", "建议楼道换成感应灯");
        await page.FillAsync("#delib-disputes", "楼上漏水，当场协商维修");
        await page.ClickAsync("[data-testid=record-meeting] [data-action=record]");

        var card = page.Locator("[data-meeting]").Filter(new() { HasText = "岭上夜话·楼道照明" });
        await Assertions.Expect(card.Locator("[data-count=needs]")).ToContainTextAsync("1", new() { Timeout = 30_000 });
        await Assertions.Expect(card.Locator("[data-count=suggestions]")).ToContainTextAsync("1");

        var meetingId = Guid.Parse((await card.GetAttributeAsync("data-meeting"))!);
        var parties = await console.Stack.QueryAsync<string>("dispatch",
            "SELECT party FROM meeting_attendees WHERE meeting_id = @meetingId ORDER BY position", new { meetingId });
        Assert.Equal(["cadre", "police", "resident"], parties);
        var ticket = await Eventually.Get(async () => (await console.Stack.QueryAsync<string>("intake",
            "SELECT ticket_no FROM requests WHERE meeting_id = @meetingId AND channel = 'meeting'", new { meetingId })) is [var t] ? t : null,
            "intake to file the night talk's problem");
        Assert.Equal(0, await console.Stack.ScalarAsync<long>("intake",
            "SELECT count(*) FROM requests WHERE description = '建议楼道换成感应灯'"));

        // The ticket shows on the screen once intake has answered (a reload reads the meeting again).
        await Eventually.True(async () =>
        {
            await page.ClickAsync("[data-action=load]");
            return await card.Locator($"[data-ticket='{ticket}']").CountAsync() == 1;
        }, "the screen to show the request's ticket");
        await Browser.ScreenshotForDocsAsync(page, "console-deliberation.png");

        using var other = await console.Stack.Client("dispatch").SendAsync(HttpMethod.Get, $"/api/v1/meetings/{meetingId}",
            token: Tokens.For("community_cadre", new TestCounty().Community));
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }
}
