using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GovPlatform.IntegrationTests.Infrastructure;
using Microsoft.Playwright;
using Kit = GovPlatform.IntegrationTests.Volunteer.VolunteerKit;

namespace GovPlatform.IntegrationTests.StaffConsole;

/// <summary>
/// The department, points-counter and admin screens in a real browser, signed in at the identity service, working
/// against the real dispatch, volunteer and identity services with the signed-in person's token.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class StaffScreensBrowserTests(ConsoleStack console, Browser browser)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private HttpClient Dispatch => console.Stack.Client("dispatch");
    private HttpClient Volunteer => console.Stack.Client("volunteer");
    private HttpClient Identity => console.Stack.Client("identity");

    private sealed record Account(string Id, string UserName, string[] Roles, string? ScopeNode, string? Department, bool Disabled);

    /// <summary>A staff account made through identity's admin API; answers its user name.</summary>
    private async Task<string> AccountAsync(string role, string? scopeNode = null, string? department = null)
    {
        var userName = $"s{Guid.NewGuid():N}"[..16];
        using var response = await Identity.SendAsync(HttpMethod.Post, "/api/v1/accounts",
            new { userName, displayName = "测试·" + role, roles = new[] { role }, scopeNode, department, password = ConsoleStack.Password }, role: "admin");
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        return userName;
    }

    /// <summary>A department of this test's own in dispatch's registry, so no other test's whistles show on its screen.</summary>
    private async Task<string> DepartmentAsync()
    {
        var code = $"d{Guid.NewGuid():N}"[..12];
        using var response = await Dispatch.SendAsync(HttpMethod.Post, "/api/v1/bodies/import",
            new { departments = new[] { new { at = code, name = "县消防救援大队", contactName = "王队长", phone = "13900001111" } } }, role: "admin");
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
        return code;
    }

    /// <summary>A request filed by the API and its work order in dispatch, whistled by the community to the department.</summary>
    private async Task<(Guid OrderId, string Ticket, Guid WhistleId)> WhistledOrderAsync(TestCounty county, string department)
    {
        using var filed = await console.Stack.Client("intake").SendAsync(HttpMethod.Post, "/api/v1/requests",
            new { channel = "hotline", category = "fire_escape", description = "3号楼消防通道被杂物和电动车堵死", location = new { code = county.Building } });
        Assert.Equal(HttpStatusCode.Created, filed.StatusCode);
        var ticket = (await filed.JsonAsync()).GetProperty("ticketNo").GetString()!;
        var orderId = await Eventually.Get(async () => (await console.Stack.QueryAsync<Guid>("dispatch",
            "SELECT id FROM work_orders WHERE ticket_no = @ticket", new { ticket })) is [var id] ? id : (Guid?)null, $"a work order for {ticket}");
        using var blown = await Dispatch.SendAsync(HttpMethod.Post, $"/api/v1/work-orders/{orderId}/whistles",
            new { departments = new[] { department }, reason = "消防通道长期占用，需消防部门联合执法" }, token: Tokens.For("community_cadre", county.Community));
        Assert.True(blown.StatusCode == HttpStatusCode.OK, await blown.Content.ReadAsStringAsync(Ct));
        var whistleId = (await blown.JsonAsync()).EnumerateArray().Single().GetProperty("whistleId").GetGuid();
        return (orderId!.Value, ticket, whistleId);
    }

    private async Task<string> OrderStatusAsync(Guid orderId)
    {
        using var response = await Dispatch.SendAsync(HttpMethod.Get, $"/api/v1/work-orders/{orderId}", role: "admin");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("status").GetString()!;
    }

    [Fact]
    public async Task A_department_reports_in_on_its_screen_records_progress_and_resolves_the_order_which_dispatch_then_shows_resolved()
    {
        var county = new TestCounty(workersInGrid: 1);
        await console.Stack.ImportAsync(county);
        var department = await DepartmentAsync();
        var (orderId, ticket, _) = await WhistledOrderAsync(county, department);
        var staff = await AccountAsync("department", department: department);

        var page = await SignInAsync(staff, "department");
        var card = page.Locator($"[data-testid=calls] [data-ticket='{ticket}']");
        await card.Locator("[data-clock=awaiting]").WaitForAsync(new() { Timeout = 30_000 });
        await Browser.ScreenshotForDocsAsync(page, "console-department.png");

        await card.Locator("[data-action=report]").ClickAsync();
        await page.Locator($"[data-ticket='{ticket}'][data-reported='1'] [data-clock=reported]").WaitForAsync();
        await page.FillAsync($"#note-{ticket}", "已到现场，清走杂物，责令物业设置隔离桩");
        await card.Locator("[data-action=record]").ClickAsync();
        await card.Locator("[data-testid=acted]").WaitForAsync();
        await card.Locator("[data-action=accept]").ClickAsync();
        await page.Locator($"[data-ticket='{ticket}'][data-status=accepted] [data-action=arrive]").ClickAsync();
        await page.Locator($"[data-ticket='{ticket}'][data-status=on_site]").WaitForAsync();
        await page.FillAsync($"#note-{ticket}", "消防通道已清空，电动车移至集中充电区");
        await card.Locator("[data-action=resolve]").ClickAsync();
        await page.Locator($"[data-ticket='{ticket}'][data-status=resolved]").WaitForAsync();

        // Dispatch holds the order resolved, by the department's own account, with its note.
        Assert.Equal("resolved", await OrderStatusAsync(orderId));
        var resolvedBy = (await console.Stack.QueryAsync<string>("dispatch",
            "SELECT detail->>'resolution' FROM work_order_history WHERE work_order_id = @orderId AND action = 'resolve'", new { orderId })).Single();
        Assert.Equal("消防通道已清空，电动车移至集中充电区", resolvedBy);
        Assert.Equal("已到现场，清走杂物，责令物业设置隔离桩", await console.Stack.ScalarAsync<string>("dispatch",
            "SELECT action FROM whistle_departments WHERE work_order_id = @orderId AND department = @department", new { orderId, department }));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_department_may_work_an_order_only_after_reporting_in_and_lists_only_its_own_calls()
    {
        var county = new TestCounty(workersInGrid: 1);
        await console.Stack.ImportAsync(county);
        var department = await DepartmentAsync();
        var other = await DepartmentAsync();
        var (orderId, ticket, whistleId) = await WhistledOrderAsync(county, department);
        var token = Tokens.For("department", department: department);

        using var early = await Dispatch.SendAsync(HttpMethod.Post, $"/api/v1/work-orders/{orderId}/accept", new { }, token: token);
        Assert.Equal(HttpStatusCode.Forbidden, early.StatusCode);
        Assert.Equal("assigned", await OrderStatusAsync(orderId));

        (await Dispatch.SendAsync(HttpMethod.Post, $"/api/v1/work-orders/{orderId}/whistles/{whistleId}/report", new { }, token: token)).EnsureSuccessStatusCode();
        using var accepted = await Dispatch.SendAsync(HttpMethod.Post, $"/api/v1/work-orders/{orderId}/accept", new { }, token: token);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        // Re-dispatching stays with the tier that blew the whistle.
        using var escalated = await Dispatch.SendAsync(HttpMethod.Post, $"/api/v1/work-orders/{orderId}/escalate", new { reason = "x" }, token: token);
        Assert.Equal(HttpStatusCode.Forbidden, escalated.StatusCode);

        using var mine = await Dispatch.SendAsync(HttpMethod.Get, "/api/v1/whistles?department=" + other, token: token);
        var calls = (await mine.JsonAsync()).EnumerateArray().ToList();
        Assert.Equal(ticket, Assert.Single(calls).GetProperty("ticketNo").GetString());
        Assert.Equal("accepted", calls[0].GetProperty("orderStatus").GetString());
        using var theirs = await Dispatch.SendAsync(HttpMethod.Get, "/api/v1/whistles", token: Tokens.For("department", department: other));
        Assert.Empty((await theirs.JsonAsync()).EnumerateArray());
        using var worker = await Dispatch.SendAsync(HttpMethod.Get, "/api/v1/whistles", token: Tokens.For("grid_worker", county.Grid));
        Assert.Equal(HttpStatusCode.Forbidden, worker.StatusCode);
    }

    [Fact]
    public async Task The_points_counter_finds_a_volunteer_by_code_or_name_redeems_once_refuses_an_over_balance_redemption_and_awards_points()
    {
        var county = new TestCounty(workersInGrid: 1);
        await console.Stack.ImportAsync(county);
        var name = "柜台" + Guid.NewGuid().ToString("N")[..6];
        var volunteerId = await Kit.RegisterAsync(Volunteer, county.Grid, name);
        Assert.Equal(HttpStatusCode.Created, (await Kit.AwardAsync(Volunteer, volunteerId, 50)).StatusCode);
        var code = $"G{Guid.NewGuid():N}"[..20];
        using (var added = await Volunteer.SendAsync(HttpMethod.Post, "/api/v1/supermarket/goods",
                   new { code, name = "洗衣液 2kg", pricePoints = 30, stock = 10 }, role: "admin"))
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var clerk = await AccountAsync("admin");

        var page = await SignInAsync(clerk, "points");
        // A scanner types the card's code and presses Enter.
        await page.FillAsync("#points-q", volunteerId.ToString());
        await page.PressAsync("#points-q", "Enter");
        var balance = page.Locator("[data-testid=balance]");
        await page.Locator($"[data-testid=volunteer][data-id='{volunteerId}']").WaitForAsync();
        await HasTextAsync(balance, "50");

        await page.Locator($"[data-goods='{code}'] [data-action=redeem]").ClickAsync();
        await HasTextAsync(balance, "20");
        await page.Locator("[data-testid=reservations] [data-redemption]").WaitForAsync();

        // 20 left, 30 asked: refused in Chinese, and nothing is debited.
        await page.Locator($"[data-goods='{code}'] [data-action=redeem]").ClickAsync();
        var error = page.Locator("[data-testid=points-error]");
        await error.WaitForAsync();
        Assert.Contains("积分不足", await error.InnerTextAsync());
        Assert.Contains("未扣除任何积分", await error.InnerTextAsync());
        await HasTextAsync(balance, "20");
        Assert.Equal(1L, await console.Stack.ScalarAsync<long>("volunteer",
            "SELECT count(*) FROM redemptions WHERE volunteer_id = @volunteerId", new { volunteerId }));
        Assert.Equal(20L, await Kit.BalanceAsync(Volunteer, volunteerId));

        // Awarded for an activity, once however often the button is pressed.
        await page.FillAsync("#award-points", "5");
        await page.FillAsync("#award-reason", "社区环境整治志愿活动");
        await page.ClickAsync("[data-testid=award]");
        await HasTextAsync(balance, "25");
        await page.Locator("[data-testid=ledger] tr[data-kind=award]", new() { HasText = "社区环境整治志愿活动" }).WaitForAsync();

        // Handed over at the counter: the reservation is spent.
        await page.Locator("[data-testid=reservations] [data-action=pickup]").ClickAsync();
        await page.Locator("[data-testid=reservations] [data-redemption]").WaitForAsync(new() { State = WaitForSelectorState.Detached });
        await Browser.ScreenshotForDocsAsync(page, "console-points.png");
        Assert.Equal("picked_up", await console.Stack.ScalarAsync<string>("volunteer",
            "SELECT status FROM redemptions WHERE volunteer_id = @volunteerId", new { volunteerId }));
        Assert.Equal(25L, await Kit.BalanceAsync(Volunteer, volunteerId));

        // Found by name as well.
        await page.ReloadAsync();
        await page.FillAsync("#points-q", name);
        await page.ClickAsync("[data-testid=points-find]");
        await page.Locator($"[data-testid=volunteer][data-id='{volunteerId}']").WaitForAsync();
        await page.Context.CloseAsync();
        await Kit.AssertLedgerInvariantAsync(console.Stack);
    }

    [Fact]
    public async Task An_admin_creates_a_scoped_account_disables_it_and_imports_a_grid_file_with_the_result_shown()
    {
        var admin = await AccountAsync("admin");
        var page = await SignInAsync(admin, "admin");
        var userName = $"n{Guid.NewGuid():N}"[..14];

        await page.FillAsync("#acct-username", userName);
        await page.FillAsync("#acct-name", "张网格");
        await page.CheckAsync("[data-role=grid_worker]");
        await page.FillAsync("#acct-scope", "MT-01-01-C01-G1");
        await page.FillAsync("#acct-password", ConsoleStack.Password);
        await page.ClickAsync("[data-testid=acct-create]");
        var row = page.Locator($"[data-testid=accounts] [data-user='{userName}']");
        await row.WaitForAsync(new() { Timeout = 30_000 });
        var created = (await AccountsAsync()).Single(a => a.UserName == userName);
        Assert.Equal(["grid_worker"], created.Roles);
        Assert.Equal("MT-01-01-C01-G1", created.ScopeNode);

        // A grid worker without a scope is refused as identity says, and nothing is made.
        var refused = $"n{Guid.NewGuid():N}"[..14];
        await page.FillAsync("#acct-username", refused);
        await page.FillAsync("#acct-name", "无范围");
        await page.CheckAsync("[data-role=grid_worker]");
        await page.FillAsync("#acct-password", ConsoleStack.Password);
        await page.ClickAsync("[data-testid=acct-create]");
        await Assertions.Expect(page.Locator("[data-testid=acct-error]")).ToContainTextAsync("scopeNode", new() { Timeout = 30_000 });
        Assert.DoesNotContain(await AccountsAsync(), a => a.UserName == refused);

        await row.Locator("[data-action=disable]").ClickAsync();
        await page.Locator($"[data-user='{userName}'][data-disabled='1']").WaitForAsync();
        Assert.True((await AccountsAsync()).Single(a => a.UserName == userName).Disabled);

        // The county's grid file, uploaded to dispatch's import.
        var county = new TestCounty(workersInGrid: 2);
        var file = Path.Combine(Path.GetTempPath(), $"grid-{county.District}.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(county.Import, new JsonSerializerOptions(JsonSerializerDefaults.Web)), Ct);
        try
        {
            await page.SetInputFilesAsync("#grid-file", file);
            await HasTextAsync(page.Locator("[data-testid=grid-file-name]"), Path.GetFileName(file));
            await page.ClickAsync("[data-testid=grid-submit]");
            var result = page.Locator("[data-testid=grid-result]");
            await result.WaitForAsync(new() { Timeout = 30_000 });
            Assert.Contains($"{county.Import.Nodes.Count} 节点", await result.InnerTextAsync());
            Assert.Contains($"{county.Import.Workers!.Count} 人员", await result.InnerTextAsync());
            await Browser.ScreenshotForDocsAsync(page, "console-admin.png");
        }
        finally
        {
            File.Delete(file);
        }
        Assert.Equal(county.Import.Nodes.Count, await console.Stack.ScalarAsync<long>("dispatch",
            "SELECT count(*) FROM grid_nodes WHERE path[1] = @District", new { county.District }));

        // A file dispatch refuses: its errors are shown and nothing of it is stored.
        var bad = new TestCounty();
        var broken = bad.Import with { Nodes = [.. bad.Import.Nodes.Take(2), bad.Import.Nodes[2] with { Level = "province" }] };
        file = Path.Combine(Path.GetTempPath(), $"grid-{bad.District}.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(broken, new JsonSerializerOptions(JsonSerializerDefaults.Web)), Ct);
        try
        {
            await page.SetInputFilesAsync("#grid-file", file);
            await HasTextAsync(page.Locator("[data-testid=grid-file-name]"), Path.GetFileName(file));
            await page.ClickAsync("[data-testid=grid-submit]");
            var error = page.Locator("[data-testid=grid-error]");
            await error.WaitForAsync();
            Assert.Contains("导入未成功", await error.InnerTextAsync());
            Assert.Contains("province", await error.InnerTextAsync());
        }
        finally
        {
            File.Delete(file);
        }
        Assert.Equal(0L, await console.Stack.ScalarAsync<long>("dispatch",
            "SELECT count(*) FROM grid_nodes WHERE path[1] = @District", new { bad.District }));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_counters_look_up_shows_an_organiser_only_the_people_of_their_activities_and_refuses_an_empty_query()
    {
        var county = new TestCounty(workersInGrid: 1);
        await console.Stack.ImportAsync(county);
        var name = "查找" + Guid.NewGuid().ToString("N")[..6];
        var volunteerId = await Kit.RegisterAsync(Volunteer, county.Grid, name);

        using var byAdmin = await Volunteer.SendAsync(HttpMethod.Get, $"/api/v1/volunteers?q={Uri.EscapeDataString(name[..4])}", role: "admin");
        var found = Assert.Single((await byAdmin.JsonAsync()).EnumerateArray(), v => v.GetProperty("id").GetGuid() == volunteerId);
        Assert.Contains("****", found.GetProperty("phone").GetString());
        using var byCode = await Volunteer.SendAsync(HttpMethod.Get, $"/api/v1/volunteers?q={volunteerId}", role: "admin");
        Assert.Equal(volunteerId, Assert.Single((await byCode.JsonAsync()).EnumerateArray()).GetProperty("id").GetGuid());

        using var byOrganiser = await Volunteer.SendAsync(HttpMethod.Get, $"/api/v1/volunteers?q={Uri.EscapeDataString(name)}", role: "organiser");
        Assert.Empty((await byOrganiser.JsonAsync()).EnumerateArray());
        using var empty = await Volunteer.SendAsync(HttpMethod.Get, "/api/v1/volunteers?q=%20", role: "admin");
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        using var resident = await Volunteer.SendAsync(HttpMethod.Get, $"/api/v1/volunteers?q={volunteerId}", token: Tokens.For("volunteer", subject: volunteerId.ToString()));
        Assert.Equal(HttpStatusCode.Forbidden, resident.StatusCode);
    }

    /// <summary>Signed in on a desktop page, waiting up to 30 s for each step: the test machine is shared with many others.</summary>
    private async Task<IPage> SignInAsync(string userName, string path)
    {
        var page = await console.SignInAsync(browser, userName, path);
        page.SetDefaultTimeout(30_000);
        return page;
    }

    /// <summary>The page's text reaches the expected value; generous, since the machine running the tests is shared.</summary>
    private static Task HasTextAsync(ILocator locator, string text) =>
        Assertions.Expect(locator).ToHaveTextAsync(text, new() { Timeout = 30_000 });

    private async Task<List<Account>> AccountsAsync()
    {
        using var response = await Identity.SendAsync(HttpMethod.Get, "/api/v1/accounts?limit=500", role: "admin");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<List<Account>>(Ct))!;
    }
}
