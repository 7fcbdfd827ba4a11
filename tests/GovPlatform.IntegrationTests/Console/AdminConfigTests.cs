using System.Net;
using System.Text.Json;
using GovPlatform.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace GovPlatform.IntegrationTests.StaffConsole;

/// <summary>
/// The admin area's catalogue, bodies, service-level, routing, calendar and API-key screens in a real browser, signed in at
/// the identity service; each effect is then checked through the services' own APIs, as other systems would see it.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class AdminConfigTests(ConsoleStack console, Browser browser)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private HttpClient Intake => console.Stack.Client("intake");
    private HttpClient Dispatch => console.Stack.Client("dispatch");

    /// <summary>An admin of this test's own, signed in on a desktop page; 30 s per step, the machine is shared with many others.</summary>
    private async Task<IPage> AdminPageAsync(string path)
    {
        var admin = await console.AccountAsync("admin", null);
        var page = await console.SignInAsync(browser, admin, path);
        page.SetDefaultTimeout(30_000);
        return page;
    }

    /// <summary>Scrolled back to the top first, so the full-page image has the app bar where it belongs.</summary>
    private static async Task ScreenshotAsync(IPage page, string fileName)
    {
        await page.EvaluateAsync("() => { window.scrollTo(0, 0); document.querySelectorAll('.mud-table-container').forEach(t => t.scrollLeft = 0); }");
        await Browser.ScreenshotForDocsAsync(page, fileName);
    }

    private static Task ContainsAsync(ILocator locator, string text) =>
        Assertions.Expect(locator).ToContainTextAsync(text, new() { Timeout = 30_000 });

    private async Task<JsonElement> GetAsync(HttpClient client, string url)
    {
        using var response = await client.SendAsync(HttpMethod.Get, url, role: "admin");
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        return await response.JsonAsync();
    }

    private async Task<List<string>> Open311ServiceCodesAsync()
    {
        using var response = await Intake.GetAsync("/open311/v2/services.json", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.JsonAsync()).EnumerateArray().Select(s => s.GetProperty("service_code").GetString()!).ToList();
    }

    /// <summary>A major category of the seeded catalogue to put test categories under.</summary>
    private async Task<string> MajorAsync() =>
        (await GetAsync(Intake, "/api/v1/categories")).EnumerateArray().First(c => c.GetProperty("children").GetArrayLength() > 0).GetProperty("code").GetString()!;

    [Fact]
    public async Task A_category_added_on_the_screen_is_in_the_open311_catalogue_edited_with_its_question_and_once_retired_is_gone()
    {
        var major = await MajorAsync();
        var code = "t_" + Guid.NewGuid().ToString("N")[..10];
        var page = await AdminPageAsync("admin/categories");

        // A code intake refuses: its words are shown, and nothing is stored.
        await page.FillAsync("#cat-code", "Bad Code");
        await page.SelectOptionAsync("#cat-parent", major);
        await page.FillAsync("#cat-name-zh", "电梯困人");
        await page.FillAsync("#cat-name-en", "Trapped in a lift");
        await page.ClickAsync("[data-testid=cat-save]");
        await ContainsAsync(page.Locator("[data-testid=cat-error]"), "code: 2 to 40 characters");
        await ContainsAsync(page.Locator("[data-testid=cat-error]"), "未保存");
        Assert.DoesNotContain((await GetAsync(Intake, "/api/v1/categories?includeInactive=true")).EnumerateArray()
            .SelectMany(m => m.GetProperty("children").EnumerateArray()), c => c.GetProperty("code").GetString() == "Bad Code");

        await page.FillAsync("#cat-code", code);
        await page.SelectOptionAsync("#cat-tier", "community");
        await page.ClickAsync("[data-testid=cat-save]");
        var row = page.Locator($"[data-testid=categories] [data-code='{code}']");
        await row.WaitForAsync();
        Assert.Contains(code, await Open311ServiceCodesAsync());
        var added = await GetAsync(Intake, $"/api/v1/categories/{code}");
        Assert.Equal(major, added.GetProperty("parentCode").GetString());
        Assert.Equal("电梯困人", added.GetProperty("nameZh").GetString());
        Assert.Equal("community", added.GetProperty("defaultTier").GetString());

        // Edited: a new English name and a question residents are asked.
        await row.Locator("[data-action=edit]").ClickAsync();
        await Assertions.Expect(page.Locator("#cat-name-zh")).ToHaveValueAsync("电梯困人");
        await page.FillAsync("#cat-name-en", "Someone trapped in a lift");
        await page.FillAsync("#cat-attributes", """[{"code":"floor","datatype":"number","required":true,"description":"被困楼层"}]""");
        await page.ClickAsync("[data-testid=cat-save]");
        await ContainsAsync(row, "Someone trapped in a lift");
        var edited = await GetAsync(Intake, $"/api/v1/categories/{code}");
        Assert.Equal("Someone trapped in a lift", edited.GetProperty("nameEn").GetString());
        Assert.Equal("floor", Assert.Single(edited.GetProperty("attributes").EnumerateArray()).GetProperty("code").GetString());
        using (var definition = await Intake.GetAsync($"/open311/v2/services/{code}.json", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, definition.StatusCode);
            Assert.Contains("floor", await definition.Content.ReadAsStringAsync(Ct));
        }
        await ScreenshotAsync(page, "console-admin-categories.png");

        await row.Locator("[data-action=retire]").ClickAsync();
        await page.Locator($"[data-testid=categories] [data-code='{code}'][data-active='0']").WaitForAsync();
        Assert.False((await GetAsync(Intake, $"/api/v1/categories/{code}")).GetProperty("active").GetBoolean());
        Assert.DoesNotContain(code, await Open311ServiceCodesAsync());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_property_company_registered_and_a_routing_rule_set_on_the_screens_receive_the_next_request_of_that_category()
    {
        var county = new TestCounty(workersInGrid: 1);
        await console.Stack.ImportAsync(county);
        var compound = $"{county.Community}-C01";
        var category = "r_" + Guid.NewGuid().ToString("N")[..10];
        using (var made = await Intake.SendAsync(HttpMethod.Post, "/api/v1/categories",
                   new { code = category, nameZh = "小区绿化养护", nameEn = "Compound greenery", parentCode = await MajorAsync() }, role: "admin"))
            Assert.Equal(HttpStatusCode.Created, made.StatusCode);
        var company = "东苑物业" + Guid.NewGuid().ToString("N")[..4];

        var page = await AdminPageAsync("admin/bodies");
        // A property company belongs to a compound: a grid's code is refused as dispatch words it, and nothing is stored.
        await page.SelectOptionAsync("#body-kind", "propertyCompanies");
        await page.FillAsync("#body-at", county.Grid);
        await page.FillAsync("#body-name", company);
        await page.FillAsync("#body-contact", "王经理");
        await page.FillAsync("#body-phone", "13912345678");
        await page.ClickAsync("[data-testid=body-submit]");
        await ContainsAsync(page.Locator("[data-testid=body-error]"), $"'{county.Grid}' is a grid");
        Assert.Empty((await GetAsync(Dispatch, $"/api/v1/bodies/property-companies?under={county.District}")).EnumerateArray());

        await page.FillAsync("#body-at", compound);
        await page.ClickAsync("[data-testid=body-submit]");
        await ContainsAsync(page.Locator($"[data-testid=bodies] [data-at='{compound}']"), company);

        // The rest of the county's bodies from a file, through the same import.
        var file = Path.Combine(Path.GetTempPath(), $"bodies-{county.District}.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new
        {
            ownersCommittees = new[] { new { at = compound, name = "东苑小区业委会", contactName = "李主任", phone = "13812340000" } },
            responsibleUnits = new[] { new { at = county.Grid, name = "县供电公司", contactName = "赵科长", phone = "0851-26221234" } },
        }), Ct);
        try
        {
            await page.SetInputFilesAsync("#bodies-file", file);
            await ContainsAsync(page.Locator("[data-testid=bodies-file-name]"), Path.GetFileName(file));
            await page.ClickAsync("[data-testid=bodies-submit]");
            await ContainsAsync(page.Locator("[data-testid=bodies-result]"), "业主委员会 1");
            await ContainsAsync(page.Locator("[data-testid=bodies-result]"), "包保单位 1");
        }
        finally
        {
            File.Delete(file);
        }
        var committee = Assert.Single((await GetAsync(Dispatch, $"/api/v1/bodies/owners-committees?under={county.District}")).EnumerateArray());
        Assert.Equal("东苑小区业委会", committee.GetProperty("name").GetString());
        Assert.Single((await GetAsync(Dispatch, $"/api/v1/bodies/responsible-units?under={county.District}")).EnumerateArray());
        await page.SelectOptionAsync("#body-list-kind", "propertyCompanies");
        await page.FillAsync("#body-under", county.District);
        await page.ClickAsync("[data-testid=body-search]");
        await page.Locator($"[data-testid=bodies] [data-at='{compound}']").WaitForAsync();
        Assert.Equal(1, await page.Locator("[data-testid=bodies] tr[data-at]").CountAsync());
        await ScreenshotAsync(page, "console-admin-bodies.png");

        await page.GotoAsync(new Uri(console.Address, "admin/service-levels").ToString());
        await page.SelectOptionAsync("#route-category", category);
        await page.SelectOptionAsync("#route-target", "property_company");
        await page.ClickAsync("[data-testid=route-save]");
        await page.Locator($"[data-testid=routing-rules] [data-category='{category}'][data-target='property_company']").WaitForAsync();

        // Its service level: a warning at 100% is no warning, as dispatch says; then one it takes.
        await page.SelectOptionAsync("#sla-category", category);
        await page.SelectOptionAsync("#sla-urgency", "normal");
        await page.FillAsync("#sla-accept", "5");
        await page.FillAsync("#sla-arrive", "45");
        await page.FillAsync("#sla-resolve", "120");
        await page.FillAsync("#sla-plan", "480");
        await page.FillAsync("#sla-warn", "100");
        await page.CheckAsync("#sla-working");
        await page.ClickAsync("[data-testid=sla-save]");
        await ContainsAsync(page.Locator("[data-testid=sla-error]"), "warnPercent");
        Assert.DoesNotContain((await GetAsync(Dispatch, "/api/v1/sla-policies")).EnumerateArray(), p => p.GetProperty("category").GetString() == category);
        await page.FillAsync("#sla-warn", "70");
        await page.ClickAsync("[data-testid=sla-save]");
        await page.Locator($"[data-testid=sla-policies] [data-category='{category}'][data-urgency='normal']").WaitForAsync();
        var policy = Assert.Single((await GetAsync(Dispatch, "/api/v1/sla-policies")).EnumerateArray(), p => p.GetProperty("category").GetString() == category);
        Assert.Equal(5, policy.GetProperty("acceptMinutes").GetInt32());
        Assert.Equal(480, policy.GetProperty("planMinutes").GetInt32());
        Assert.True(policy.GetProperty("workingTime").GetBoolean());
        Assert.Equal(70, policy.GetProperty("warnPercent").GetInt32());
        await page.Context.CloseAsync();

        // A request of the category filed at intake goes to the compound's property company, not to the grid's worker.
        using var filed = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests",
            new { channel = "hotline", category, description = "小区草坪半年没人修剪，杂草丛生", location = new { code = county.Building } });
        Assert.Equal(HttpStatusCode.Created, filed.StatusCode);
        var ticket = (await filed.JsonAsync()).GetProperty("ticketNo").GetString()!;
        var orderId = await Eventually.Get(async () => (await console.Stack.QueryAsync<Guid>("dispatch",
            "SELECT id FROM work_orders WHERE ticket_no = @ticket", new { ticket })) is [var id] ? id : (Guid?)null, $"a work order for {ticket}");
        var order = await GetAsync(Dispatch, $"/api/v1/work-orders/{orderId}");
        Assert.Equal("property_company", order.GetProperty("assigneeKind").GetString());
        Assert.Equal(company, order.GetProperty("assigneeName").GetString());
    }

    [Fact]
    public async Task A_holiday_saved_on_the_calendar_screen_is_returned_by_dispatchs_calendar_and_a_weekday_make_up_day_is_refused()
    {
        var county = new TestCounty(workersInGrid: 1);
        await console.Stack.ImportAsync(county);
        var page = await AdminPageAsync("admin/service-levels");

        await page.FillAsync("#cal-county", county.Grid);
        await page.FillAsync("#cal-year", "2027");
        await page.ClickAsync("[data-testid=cal-load]");
        await ContainsAsync(page.Locator("[data-testid=cal-error]"), "没有这个县（区）或年份");

        await page.FillAsync("#cal-county", county.District);
        await page.ClickAsync("[data-testid=cal-load]");
        await ContainsAsync(page.Locator("[data-testid=cal-summary]"), $"{county.District} · 2027");

        async Task AddAsync(string day, string kind, string name)
        {
            await page.FillAsync("#cal-day", day);
            await page.SelectOptionAsync("#cal-kind", kind);
            await page.FillAsync("#cal-name", name);
            await page.ClickAsync("[data-testid=cal-add]");
            await page.Locator($"[data-testid=cal-days] [data-day='{day}']").WaitForAsync();
        }
        string Url() => $"/api/v1/calendars/{county.District}/2027";

        // 11 October 2027 is a Monday, a working day already: dispatch refuses the year and keeps none of it.
        await AddAsync("2027-10-01", "holiday", "国庆节");
        await AddAsync("2027-10-11", "workday", "国庆节调休");
        await page.ClickAsync("[data-testid=cal-save]");
        await ContainsAsync(page.Locator("[data-testid=cal-error]"), "2027-10-11 is a weekday");
        Assert.Empty((await GetAsync(Dispatch, Url())).GetProperty("days").EnumerateArray());

        await page.Locator("[data-testid=cal-days] [data-day='2027-10-11'] [data-action=remove]").ClickAsync();
        await AddAsync("2027-10-09", "workday", "国庆节调休");
        await page.ClickAsync("[data-testid=cal-save]");
        await Assertions.Expect(page.Locator("[data-testid=cal-error]")).ToHaveCountAsync(0, new() { Timeout = 30_000 });
        await Eventually.True(async () => (await GetAsync(Dispatch, Url())).GetProperty("days").GetArrayLength() == 2, "the saved year in dispatch");
        var year = await GetAsync(Dispatch, Url());
        var days = year.GetProperty("days").EnumerateArray().ToDictionary(d => d.GetProperty("day").GetString()!, d => d.GetProperty("kind").GetString());
        Assert.Equal("holiday", days["2027-10-01"]);
        Assert.Equal("workday", days["2027-10-09"]);
        // 2027 has 261 weekdays: one a holiday, one Saturday worked instead.
        Assert.Equal(261, year.GetProperty("workingDays").GetInt32());
        await ContainsAsync(page.Locator("[data-testid=cal-summary]"), "261");
        await ScreenshotAsync(page, "console-admin-service-levels.png");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_key_issued_on_the_screen_is_shown_once_files_an_open311_request_and_once_revoked_is_refused()
    {
        var county = new TestCounty(workersInGrid: 1);
        await console.Stack.ImportAsync(county);
        var name = "12345热线-" + Guid.NewGuid().ToString("N")[..6];
        var page = await AdminPageAsync("admin/api-keys");

        await page.FillAsync("#key-name", name);
        await page.FillAsync("#key-limit", "0");
        await page.ClickAsync("[data-testid=key-submit]");
        await ContainsAsync(page.Locator("[data-testid=key-error]"), "rateLimitPerMinute");
        Assert.DoesNotContain((await GetAsync(Intake, "/api/v1/api-keys")).EnumerateArray(), k => k.GetProperty("name").GetString() == name);

        await page.FillAsync("#key-limit", "60");
        await page.ClickAsync("[data-testid=key-submit]");
        var key = (await page.Locator("[data-testid=key-value]").InnerTextAsync()).Trim();
        var row = page.Locator($"[data-testid=api-keys] [data-name='{name}']");
        await row.WaitForAsync();
        Assert.Contains(key[..8], await row.InnerTextAsync());
        await ScreenshotAsync(page, "console-admin-api-keys.png");

        Task<HttpResponseMessage> FileAsync() => Intake.PostAsync("/open311/v2/requests.json", new FormUrlEncodedContent(
        [
            new("api_key", key), new("service_code", "noise"), new("address_id", county.Building),
            new("description", "楼下烧烤店油烟和噪音很大，每晚到凌晨"),
        ]), Ct);
        using (var filed = await FileAsync())
            Assert.True(filed.StatusCode == HttpStatusCode.Created, await filed.Content.ReadAsStringAsync(Ct));

        await row.Locator("[data-action=revoke]").ClickAsync();
        await page.Locator($"[data-testid=api-keys] [data-name='{name}'][data-revoked='1']").WaitForAsync();
        Assert.NotEqual(JsonValueKind.Null, Assert.Single((await GetAsync(Intake, "/api/v1/api-keys")).EnumerateArray(),
            k => k.GetProperty("name").GetString() == name).GetProperty("revokedAt").ValueKind);
        using (var refused = await FileAsync())
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        // Shown once: opened again, the page lists the key by its prefix only.
        await page.GotoAsync(new Uri(console.Address, "admin/api-keys").ToString());
        await page.Locator($"[data-testid=api-keys] [data-name='{name}']").WaitForAsync();
        Assert.DoesNotContain(key, await page.ContentAsync());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_desk_operator_is_neither_offered_the_admin_screens_nor_let_into_them()
    {
        var desk = await console.AccountAsync("desk_operator", null);
        var page = await console.SignInAsync(browser, desk, "admin/categories");
        page.SetDefaultTimeout(30_000);
        foreach (var path in new[] { "admin/categories", "admin/bodies", "admin/service-levels", "admin/api-keys" })
        {
            await page.GotoAsync(new Uri(console.Address, path).ToString());
            await page.Locator("[data-testid=denied]").WaitForAsync();
            Assert.Contains("/denied", page.Url);
            Assert.Equal(0, await page.Locator("[data-testid=admin-tabs]").CountAsync());
        }
        Assert.Equal(0, await page.Locator("a[href='admin']").CountAsync());
        await page.Context.CloseAsync();
    }
}
