using System.Net;
using GovPlatform.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace GovPlatform.IntegrationTests.Residents;

/// <summary>
/// Residents find 居民议事公示 where they look for community news: from the doorplate's first page (before verifying a
/// phone, since the page is public) and from the community's public board, each link keeping the doorplate so the
/// page shows their own community's proposals; the deliberation page leads back to the board.
/// </summary>
public sealed class DeliberationLinksTests(PublicBoardStack board, Browser browser) : IClassFixture<PublicBoardStack>
{
    private TestStack Stack => board.Stack;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_first_page_and_the_public_board_lead_to_the_communitys_proposals_and_back()
    {
        var county = new TestCounty(workersInGrid: 1);
        await Stack.ImportAsync(county);
        var doorplate = await new ResidentKit(Stack).IssueDoorplateAsync(county.Building);
        var title = $"小区加装充电桩{county.District}";
        using (var proposed = await Stack.Client("dispatch").SendAsync(HttpMethod.Post, "/api/v1/proposals",
                   new { communityCode = county.Community, title, description = "电动车上楼充电危险，建议在车棚加装充电桩。", proposedBy = "赵建国" },
                   token: Tokens.For("community_cadre", county.Community)))
            Assert.True(proposed.IsSuccessStatusCode, $"{proposed.StatusCode}");
        var site = Stack.Client("intake").BaseAddress!.ToString().TrimEnd('/');

        var page = await browser.NewPageAsync(Browser.Phone, isMobile: true);
        page.SetDefaultTimeout(30_000);
        // A resident who has not verified a phone yet still reaches the public page from the first page's footer.
        await page.GotoAsync($"{site}/r/?d={doorplate}");
        await page.ClickAsync("#deliberation-link");
        await page.WaitForURLAsync($"**/r/deliberation.html?d={doorplate}");
        await page.Locator("body[data-state=ready]").WaitForAsync();
        await Assertions.Expect(page.Locator("#proposal-list")).ToContainTextAsync(title);

        // From the deliberation page to the board, and from the board's own link back again.
        await page.ClickAsync("#board-link");
        await page.WaitForURLAsync($"**/r/board.html?d={doorplate}");
        await page.Locator("body[data-state=ready]").WaitForAsync();
        await page.Locator("#to-deliberation").ScrollIntoViewIfNeededAsync();
        await Browser.ScreenshotForDocsAsync(page, "resident-board-deliberation-link.png");
        await page.ClickAsync("#deliberation-link");
        await page.WaitForURLAsync($"**/r/deliberation.html?d={doorplate}");
        await Assertions.Expect(page.Locator("#proposal-list")).ToContainTextAsync(title);
        await page.Context.CloseAsync();

        // The menu's button (after verifying) goes to the same place; the static page names it.
        var index = await Stack.Client("intake").GetStringAsync("/r/index.html", Ct);
        Assert.Contains("id=\"deliberation\"", index);
    }
}
