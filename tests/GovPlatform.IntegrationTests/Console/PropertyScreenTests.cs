using System.Net;
using System.Text.Json;
using GovPlatform.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace GovPlatform.IntegrationTests.StaffConsole;

/// <summary>
/// The community cadre's red property screen (红色物业) in a real browser: an inspection scored item by item there is
/// graded by dispatch, a poor grade's rectification notice shows and a passing re-inspection closes it, and a major
/// matter goes through the party organisation's consent and the owners' vote, all as dispatch's API then answers.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class PropertyScreenTests(ConsoleStack console, Browser browser)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<JsonElement> DispatchAsync(HttpMethod method, string url, string token, object? body = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await console.Stack.Client("dispatch").SendAsync(method, url, body, token: token);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == expected, $"{method} {url} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task A_cadre_grades_a_company_closes_its_notice_by_reinspection_and_takes_a_fee_through_consent_and_vote()
    {
        var county = new TestCounty(workersInGrid: 1);
        await console.Stack.ImportAsync(county);
        var compound = $"{county.Community}-C01";
        var company = $"东苑物业{county.District}";
        var staff = Tokens.For("community_cadre", county.Community);
        await DispatchAsync(HttpMethod.Post, "/api/v1/bodies/import", DispatchDriver.Admin, new
        {
            propertyCompanies = new[] { new { at = compound, name = company, contactName = "陈经理", phone = "13800001111" } },
            ownersCommittees = new[] { new { at = compound, name = $"东苑业委会{county.District}", contactName = "刘主任", phone = "13800002222" } },
        });
        var party = (await DispatchAsync(HttpMethod.Post, "/api/v1/party-orgs", staff,
            new { kind = "committee", name = "锦园社区党委", nodeCode = county.Community }, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var branch = (await DispatchAsync(HttpMethod.Post, "/api/v1/party-orgs", staff,
            new { kind = "branch", name = "东苑小区党支部", nodeCode = compound, parentId = party }, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var cadre = await console.AccountAsync("community_cadre", county.Community);

        var page = await console.SignInAsync(browser, cadre, "community/property");
        page.SetDefaultTimeout(30_000);
        await page.FillAsync("#prop-compound", compound);
        await page.ClickAsync("[data-action=load]");
        await page.Locator("#score-S01").WaitForAsync();

        // Eleven service items at nothing: 39 of 100 points lost, a poor grade.
        foreach (var item in new[] { "S01", "S02", "S03", "S04", "S05", "S06", "S07", "S08", "S09", "S10", "S11" })
        {
            await page.FillAsync($"#score-{item}", "0");
            await page.PressAsync($"#score-{item}", "Tab");
        }
        await Assertions.Expect(page.Locator("[data-testid=sheet-total]")).ToContainTextAsync("61");
        await page.ClickAsync("[data-action=inspect]");
        await Assertions.Expect(page.Locator("[data-testid=result]")).ToHaveAttributeAsync("data-grade", "poor");
        var notice = page.Locator("[data-notice]").Filter(new() { HasText = company });
        await Assertions.Expect(notice).ToHaveAttributeAsync("data-state", "open");
        var open = Assert.Single((await DispatchAsync(HttpMethod.Get, $"/api/v1/property/notices?under={compound}&state=open", staff)).EnumerateArray());
        Assert.Contains("S03", open.GetProperty("items").EnumerateArray().Select(i => i.GetString()));
        var poor = await DispatchAsync(HttpMethod.Get, $"/api/v1/property/inspections/{open.GetProperty("inspectionId").GetGuid()}", staff);
        Assert.Equal("poor", poor.GetProperty("grade").GetString());
        Assert.Equal(61m, poor.GetProperty("inspectionScore").GetDecimal());
        await Browser.ScreenshotForDocsAsync(page, "console-property-notice.png");

        // The re-inspection starts from full marks again; passing it closes the notice as rectified.
        await notice.Locator("[data-action=reinspect]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=sheet-total]")).ToContainTextAsync("100");
        await page.ClickAsync("[data-action=inspect]");
        await Assertions.Expect(page.Locator("[data-testid=result]")).ToHaveAttributeAsync("data-grade", "good");
        await Assertions.Expect(notice).ToHaveAttributeAsync("data-state", "rectified");
        var closed = await DispatchAsync(HttpMethod.Get, $"/api/v1/property/notices?under={compound}", staff);
        Assert.Equal("rectified", Assert.Single(closed.EnumerateArray()).GetProperty("state").GetString());

        // A fee rise: proposed, consented by the compound's party branch, voted by the owners.
        var title = $"物业费调整{county.District}";
        await page.FillAsync("#matter-title", title);
        await page.FillAsync("#matter-description", "每平方米由1.2元调整为1.5元");
        await page.FillAsync("#matter-amount", "1.5");
        await page.PressAsync("#matter-amount", "Tab");
        await page.ClickAsync("[data-action=propose]");
        var matter = page.Locator("[data-matter]").Filter(new() { HasText = title });
        await Assertions.Expect(matter).ToHaveAttributeAsync("data-state", "proposed");
        var id = Guid.Parse((await matter.GetAttributeAsync("data-matter"))!);
        await page.FillAsync($"#consent-note-{id:N}", "支部会议研究同意，提交业主大会表决");
        await page.PressAsync($"#consent-note-{id:N}", "Tab");
        await matter.Locator("[data-action=consent]").ClickAsync();
        await Assertions.Expect(matter).ToHaveAttributeAsync("data-state", "consented");
        foreach (var (field, value) in new[] { ("eligibleOwners", "100"), ("eligibleArea", "10000"), ("votedOwners", "80"), ("votedArea", "8000"),
                     ("forOwners", "60"), ("forArea", "6000"), ("againstOwners", "15"), ("againstArea", "1500") })
        {
            await page.FillAsync($"#vote-{field}-{id:N}", value);
            await page.PressAsync($"#vote-{field}-{id:N}", "Tab");
        }
        await matter.Locator("[data-action=vote]").ClickAsync();
        await Assertions.Expect(matter).ToHaveAttributeAsync("data-state", "passed");
        await Assertions.Expect(matter.Locator("[data-testid=tally]")).ToContainTextAsync("60 / 80 / 100");
        await Browser.ScreenshotForDocsAsync(page, "console-property.png");

        var stored = await DispatchAsync(HttpMethod.Get, $"/api/v1/property/matters/{id}", staff);
        Assert.Equal("passed", stored.GetProperty("state").GetString());
        Assert.Equal(branch, stored.GetProperty("partyOrgId").GetGuid());
        Assert.Equal(60, stored.GetProperty("forOwners").GetInt32());
        Assert.Equal("fee", stored.GetProperty("kind").GetString());
        // The list the screen reads stays inside the caller's area.
        var elsewhere = await DispatchAsync(HttpMethod.Get, $"/api/v1/property/matters?under={compound}", Tokens.For("community_cadre", new TestCounty().Community));
        Assert.Equal(0, elsewhere.GetArrayLength());
    }
}
