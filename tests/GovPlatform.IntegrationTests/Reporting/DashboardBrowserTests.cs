using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests.Reporting;

/// <summary>The dashboard driven by Playwright in Debian's chromium at a phone's width, as a leader opens it on the way to a meeting.</summary>
public sealed class DashboardBrowserTests(SharedStack shared, Browser browser)
{
    [Fact]
    public async Task On_a_phone_the_dashboard_shows_the_days_request_count_without_sideways_scrolling()
    {
        var county = new TestCounty();
        await shared.Stack.ImportAsync(county);
        await KpiScenario.PublishScenarioAsync(shared.Stack, county);
        var page = await browser.NewPageAsync(Browser.Phone, isMobile: true);

        await page.GotoAsync(new Uri(shared.Stack.Client("reporting").BaseAddress!,
            $"/dashboard/index.html?from={KpiScenario.Day}&to={KpiScenario.Day}&under={county.District}#token={Tokens.For("leader")}").ToString());
        await page.Locator("[data-state=ready]").WaitForAsync();

        Assert.Equal("6", (await page.Locator("[data-kpi=requests] .value").InnerTextAsync()).Trim());
        var overflow = await page.EvaluateAsync<int>("document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"the page is {overflow}px wider than the phone");
        await page.Context.CloseAsync();
    }
}
