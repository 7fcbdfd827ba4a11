using System.Net;
using GovPlatform.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace GovPlatform.IntegrationTests.Residents;

/// <summary>
/// 居民议事公示 at a phone's width: residents scanning their doorplate see their community's proposals with the
/// households' tally, the decision and its follow-up progress, and the meetings by party, with no one's name or phone.
/// </summary>
public sealed class DeliberationBoardTests(PublicBoardStack board, Browser browser) : IClassFixture<PublicBoardStack>
{
    private TestStack Stack => board.Stack;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<System.Text.Json.JsonElement> DispatchAsync(string url, object body, string token)
    {
        using var response = await Stack.Client("dispatch").SendAsync(HttpMethod.Post, url, body, token: token);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"{url}: {response.StatusCode} {text}");
        return System.Text.Json.JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task Residents_see_the_decision_the_households_voted_and_its_follow_up_progress_without_names()
    {
        var county = new TestCounty(workersInGrid: 1);
        await Stack.ImportAsync(county);
        var doorplate = await new ResidentKit(Stack).IssueDoorplateAsync(county.Building);
        var cadre = Tokens.For("community_cadre", county.Community);

        var meeting = await DispatchAsync("/api/v1/meetings", new
        {
            communityCode = county.Community, kind = "pavilion", title = "加装电梯议事", place = "东苑小区议事亭", heldAt = DateTimeOffset.UtcNow.AddMinutes(-20),
            attendees = new[] { new { party = "cadre", name = "王书记" }, new { party = "resident", name = "周阿姨" }, new { party = "resident", name = "吴师傅" } },
            suggestions = new[] { new { text = "建议先做住户意见摸底" } },
        }, cadre);
        var proposal = await DispatchAsync("/api/v1/proposals",
            new { communityCode = county.Community, title = "1号楼加装电梯", description = "老人多，上下楼难，建议加装电梯，费用按楼层分摊。", proposedBy = "周秀英" }, cadre);
        var id = proposal.GetProperty("id").GetGuid();
        await DispatchAsync($"/api/v1/proposals/{id}/discuss", new { meetingId = meeting.GetProperty("id").GetGuid(), discussion = "多数住户同意" }, cadre);
        foreach (var (address, choice) in new[] { ("1单元101", "for"), ("1单元201", "for"), ("1单元301", "against") })
        {
            var household = await DispatchAsync("/api/v1/households",
                new { nodeCode = county.Building, address, headName = "户主" + address, headPhone = "13812345678" }, cadre);
            await DispatchAsync($"/api/v1/proposals/{id}/votes", new { householdId = household.GetProperty("id").GetGuid(), choice }, cadre);
        }
        var decided = await DispatchAsync($"/api/v1/proposals/{id}/decide", new
        {
            decision = "表决通过：申请加装电梯，党员带头做好低层住户工作。",
            followUp = new[] { new { title = "报送加装电梯申请", takenBy = "社区居委会" }, new { title = "低层住户意见协调", takenBy = "党员志愿者" } },
        }, cadre);
        await DispatchAsync($"/api/v1/proposals/{id}/tasks/{decided.GetProperty("tasks")[0].GetProperty("id").GetGuid()}/progress", new { progress = 50 }, cadre);

        var page = await browser.NewPageAsync(Browser.Phone, isMobile: true);
        await page.GotoAsync($"{Stack.Client("intake").BaseAddress!.ToString().TrimEnd('/')}/r/deliberation.html?d={doorplate}");
        await page.Locator("body[data-state=ready]").WaitForAsync();
        Assert.Equal("ready", await page.Locator("#proposal-list").GetAttributeAsync("data-state"));
        var card = page.Locator($"[data-proposal='{id}']");
        Assert.Equal("adopted", await card.GetAttributeAsync("data-state"));
        var text = await card.InnerTextAsync();
        Assert.Contains("赞成 2 户 · 反对 1 户 · 弃权 0 户", text);
        Assert.Contains("表决通过：申请加装电梯", text);
        Assert.Contains("周**", text);
        Assert.Equal(["50", "0"], await card.Locator(".task").EvaluateAllAsync<string[]>("ts => ts.map(t => t.dataset.progress)"));
        var meetingText = await page.Locator($"[data-meeting='{meeting.GetProperty("id").GetGuid()}']").InnerTextAsync();
        Assert.Contains("居民 2 人", meetingText);
        Assert.Contains("建议 1 条", meetingText);
        var html = await page.ContentAsync();
        Assert.DoesNotContain("周秀英", html);
        Assert.DoesNotContain("吴师傅", html);
        Assert.DoesNotContain("13812345678", html);
        await Browser.ScreenshotForDocsAsync(page, "resident-deliberation.png");
        await page.Context.CloseAsync();

        using var revoked = await Stack.Client("intake").SendAsync(HttpMethod.Get, "/api/v1/residents/public/deliberation?doorplate=NOSUCHPLATE", role: null);
        Assert.True((int)revoked.StatusCode is >= 400 and < 500, $"{revoked.StatusCode}");
    }
}
