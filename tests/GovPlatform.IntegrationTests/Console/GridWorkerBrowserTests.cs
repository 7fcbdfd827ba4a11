using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GovPlatform.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace GovPlatform.IntegrationTests.StaffConsole;

/// <summary>
/// The grid worker's phone screens in a real browser at a phone's width: the demo grid worker, tied to their worker in
/// dispatch's roster, takes an order from accept to resolved while seeing the case (words, place, clocks, photos); and a
/// patrol report filed from the phone becomes a work order, while bad input is refused in zh-CN and stores nothing.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class GridWorkerBrowserTests(ConsoleStack console, Browser browser)
{
    private const string DemoGrid = "MT-01-01-C01-G1";
    /// <summary>The roster person the demo grid worker stands for (services/dispatch/Seed/demo-county.json).</summary>
    private const string DemoGridWorkerPhone = "15060605865";
    private const string ResidentPhone = "13899887766";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record DemoAccount(string UserName, string Password, string Role, Guid? WorkerId);
    private sealed record RosterWorker(Guid Id, string Name, string Phone, string Role, string NodeCode);
    private sealed record Uploaded(List<Item> Items);
    private sealed record Item(Guid Id);
    private sealed record Submitted(Guid Id, string TicketNo);

    /// <summary>Signs in at the identity service's form with a given password, on a phone.</summary>
    private async Task<IPage> PhoneSignInAsync(string userName, string password, string path)
    {
        var page = await browser.NewPageAsync(Browser.Phone, isMobile: true);
        // CI runs these beside hundreds of other tests on two cores: a sign-in's redirects can take long.
        page.Context.SetDefaultTimeout(45_000);
        await page.GotoAsync(new Uri(console.Address, path).ToString());
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/account/login"));
        await page.FillAsync("#userName", userName);
        await page.FillAsync("#password", password);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync(url => url.StartsWith(console.Address.ToString(), StringComparison.Ordinal) && !url.Contains("signin-oidc", StringComparison.Ordinal));
        return page;
    }

    /// <summary>What ./run.sh does: the demo county into dispatch, then the demo accounts tied to its roster (scripts/seed-demo-accounts.sh).</summary>
    private async Task<(DemoAccount Account, Guid WorkerId)> SeedDemoAsync()
    {
        var county = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Browser.DocsImages, "..", "..", "services", "dispatch", "Seed", "demo-county.json"), Ct));
        using (var import = await console.Stack.Client("dispatch").SendAsync(HttpMethod.Post, "/api/v1/grid/import", county.RootElement, role: "admin"))
            Assert.Equal(HttpStatusCode.OK, import.StatusCode);
        var nodes = county.RootElement.GetProperty("nodes").GetArrayLength();
        await Eventually.True(async () => await console.Stack.ScalarAsync<long>("intake",
            "SELECT count(*) FROM grid_copy WHERE path[1] = 'MT'") == nodes, "intake's copy of the demo county");

        using var rosterResponse = await console.Stack.Client("dispatch").SendAsync(HttpMethod.Get, "/api/v1/workers?under=MT", role: "admin");
        var roster = (await rosterResponse.Content.ReadFromJsonAsync<List<RosterWorker>>(Ct))!;
        using var seeded = await console.Stack.Client("identity").SendAsync(HttpMethod.Post, "/api/v1/demo-accounts",
            new { workers = roster.Select(w => new { w.Id, w.Phone }) }, role: "admin");
        Assert.Equal(HttpStatusCode.OK, seeded.StatusCode);
        var accounts = (await seeded.Content.ReadFromJsonAsync<List<DemoAccount>>(Ct))!;
        var workerId = roster.Single(w => w.Phone == DemoGridWorkerPhone).Id;
        var demo = accounts.Single(a => a.UserName == "demo-grid");
        Assert.Equal(workerId, demo.WorkerId);
        // Accounts not on the roster stay tied to no worker.
        Assert.Null(accounts.Single(a => a.UserName == "demo-desk").WorkerId);
        return (demo, workerId);
    }

    [Fact]
    public async Task The_demo_grid_worker_sees_the_case_with_its_photo_and_clocks_and_takes_their_order_from_accept_to_resolved()
    {
        var (demo, workerId) = await SeedDemoAsync();
        using var buildingsResponse = await console.Stack.Client("dispatch").SendAsync(HttpMethod.Get,
            $"/api/v1/grid/nodes?under={DemoGrid}&level=building", role: null);
        var buildings = await buildingsResponse.JsonAsync();
        var building = buildings[0].GetProperty("code").GetString()!;
        var buildingName = buildings[0].GetProperty("name").GetString()!;

        // A desk filing with a photo and the caller's phone, as an operator takes a call.
        var desk = Tokens.For("desk_operator", subject: $"desk-{Guid.NewGuid():N}");
        using var upload = await console.Stack.Client("intake").SendAsync(HttpMethod.Post, "/api/v1/attachments",
            Photos.Form(("现场.jpg", Photos.JpegWithGps(), "image/jpeg")), token: desk);
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var photo = Assert.Single((await upload.Content.ReadFromJsonAsync<Uploaded>(Ct))!.Items).Id;
        // Parking is a compound-tier category: the order starts in the grid, with one of its workers.
        var description = "地下车库入口被乱停的车辆堵住，住户车辆无法进出";
        using var filed = await console.Stack.Client("intake").SendAsync(HttpMethod.Post, "/api/v1/requests", new
        {
            channel = "hotline", category = "parking", description,
            location = new { code = building, address = "锦园社区东苑小区北门" },
            reporter = new { name = "李秀英", phone = ResidentPhone }, attachmentIds = new[] { photo },
        }, token: desk);
        Assert.Equal(HttpStatusCode.Created, filed.StatusCode);
        var request = (await filed.Content.ReadFromJsonAsync<Submitted>(Ct))!;
        var orderId = Guid.Empty;
        await Eventually.True(async () => (orderId = await console.Stack.ScalarAsync<Guid>("dispatch",
            "SELECT coalesce((SELECT id FROM work_orders WHERE request_id = @Id), '00000000-0000-0000-0000-000000000000')", new { request.Id })) != Guid.Empty,
            $"a work order for {request.TicketNo}");
        // The grid has two workers; the order is made the demo worker's, as their grid leader would hand it over.
        if (await console.Stack.ScalarAsync<Guid?>("dispatch", "SELECT assignee_id FROM work_orders WHERE id = @orderId", new { orderId }) != workerId)
        {
            using var transfer = await console.Stack.Client("dispatch").SendAsync(HttpMethod.Post, $"/api/v1/work-orders/{orderId}/transfer",
                new { toWorkerId = workerId, reason = "交由演示网格员处理" }, token: Tokens.For("grid_leader", DemoGrid));
            Assert.Equal(HttpStatusCode.OK, transfer.StatusCode);
        }

        // Signed in with the demo account's password, on a phone: the card shows the case.
        var page = await PhoneSignInAsync(demo.UserName, demo.Password, "worker");
        var card = page.Locator($"[data-ticket='{request.TicketNo}']");
        await card.WaitForAsync(new() { Timeout = 30_000 });
        Assert.Equal(description, (await card.Locator("[data-testid=case-description]").InnerTextAsync()).Trim());
        Assert.Contains(buildingName, await card.Locator("[data-testid=case-place]").InnerTextAsync());
        Assert.Contains("锦园社区东苑小区北门", await card.Locator("[data-testid=case-address]").InnerTextAsync());
        Assert.Contains("接单时限", await card.Locator("[data-clock=accept]").InnerTextAsync());
        // Masked until the worker asks, and then the read is in intake's access log.
        var masked = await card.Locator("[data-testid=case-reporter]").InnerTextAsync();
        Assert.DoesNotContain(ResidentPhone, masked);
        Assert.Contains("*", masked);
        var thumbnail = card.Locator($"[data-photo='{photo}']");
        await Eventually.True(async () => await thumbnail.EvaluateAsync<int>("img => img.complete ? img.naturalWidth : 0") > 0, "the photo's thumbnail loaded");
        await Browser.ScreenshotForDocsAsync(page, "grid-worker-card.png");
        await thumbnail.ClickAsync();
        var full = page.Locator("[data-testid=photo-full] img");
        await Eventually.True(async () => await full.EvaluateAsync<int>("img => img.complete ? img.naturalWidth : 0") > 320, "the photo enlarged");
        await page.Locator("[data-testid=photo-full]").ClickAsync();
        await page.Locator("[data-testid=photo-full]").WaitForAsync(new() { State = WaitForSelectorState.Detached });
        Assert.Equal(0, await console.Stack.ScalarAsync<long>("intake", "SELECT count(*) FROM contact_access_log WHERE request_id = @Id", new { request.Id }));
        await card.Locator("[data-action=reveal]").ClickAsync();
        Assert.Equal(ResidentPhone, (await card.Locator("[data-testid=case-phone-revealed]").InnerTextAsync()).Trim());
        Assert.Equal("arrange_visit", await console.Stack.ScalarAsync<string>("intake",
            "SELECT reason FROM contact_access_log WHERE request_id = @Id", new { request.Id }));

        // Accept, arrive, resolve: dispatch takes the account's worker_id as the assignee.
        await card.Locator("[data-action=accept]").ClickAsync();
        await page.Locator($"[data-ticket='{request.TicketNo}'][data-status=accepted] [data-action=arrive]").ClickAsync();
        await page.Locator($"[data-ticket='{request.TicketNo}'][data-status=on_site]").WaitForAsync();
        await page.FillAsync($"#note-{request.TicketNo}", "已更换楼道灯泡，照明恢复");
        await page.Locator($"[data-ticket='{request.TicketNo}'] [data-action=resolve]").ClickAsync();
        await card.WaitForAsync(new() { State = WaitForSelectorState.Detached });
        Assert.Equal(("resolved", workerId), (await console.Stack.ScalarAsync<string>("dispatch", "SELECT status FROM work_orders WHERE id = @orderId", new { orderId }),
            await console.Stack.ScalarAsync<Guid>("dispatch", "SELECT assignee_id FROM work_orders WHERE id = @orderId", new { orderId })));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_patrol_report_filed_from_the_phone_becomes_a_work_order_and_bad_input_is_refused_in_chinese_storing_nothing()
    {
        var county = new TestCounty(workersInGrid: 1);
        await console.Stack.ImportAsync(county);
        var workerId = await console.Stack.ScalarAsync<Guid>("dispatch",
            "SELECT id FROM workers WHERE node_code = @Grid AND role = 'grid_worker'", new { county.Grid });
        var userName = $"p{Guid.NewGuid():N}"[..16];
        using (var created = await console.Stack.Client("identity").SendAsync(HttpMethod.Post, "/api/v1/accounts",
                   new { userName, displayName = "测试·巡查网格员", roles = new[] { "grid_worker" }, scopeNode = county.Grid, workerId, password = ConsoleStack.Password }, role: "admin"))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        async Task<long> RequestsAsync() => await console.Stack.ScalarAsync<long>("intake",
            "SELECT count(*) FROM requests WHERE location_path[1] = @District", new { county.District });

        var page = await PhoneSignInAsync(userName, ConsoleStack.Password, "worker/patrol");
        await page.Context.GrantPermissionsAsync(["geolocation"], new() { Origin = console.Address.ToString().TrimEnd('/') });
        await page.Context.SetGeolocationAsync(new() { Latitude = 27.7253f, Longitude = 107.4721f, Accuracy = 15 });
        await page.Locator("[data-testid=patrol][data-ready=yes]").WaitForAsync();

        // Nothing chosen: every missing field is named in Chinese, and nothing is filed.
        await page.ClickAsync("[data-testid=patrol-submit]");
        await page.Locator("[data-testid=patrol-errors]").WaitForAsync();
        Assert.Equal("请选择问题类别。", (await page.Locator("[data-error=category]").InnerTextAsync()).Trim());
        Assert.Contains("请填写问题描述", await page.Locator("[data-error=description]").InnerTextAsync());
        Assert.Equal("请选择本网格内的楼栋或位置。", (await page.Locator("[data-error=building]").InnerTextAsync()).Trim());
        // A file that is not a photo is refused before anything is uploaded.
        await page.SetInputFilesAsync("#patrol-photos", new FilePayload { Name = "说明.txt", MimeType = "text/plain", Buffer = "not a photo"u8.ToArray() });
        await page.Locator("[data-error=photos]").WaitForAsync();
        Assert.Contains("JPEG、PNG 或 WebP", await page.Locator("[data-error=photos]").InnerTextAsync());
        Assert.Equal(0, await RequestsAsync());
        // Only the worker's own grid is offered.
        var offered = await page.Locator("#patrol-building option").EvaluateAllAsync<string[]>("os => os.map(o => o.value)");
        Assert.Equal(["", county.Grid, county.Building, $"{county.Grid}-B02"], offered);

        // Filled in as on the street: category, words, building, a photo from the camera, the phone's position.
        // A compound-tier category, so the report becomes an order in the worker's own grid.
        var description = "巡查发现1号楼东侧人行道上车辆乱停，行人只能走机动车道";
        await page.SelectOptionAsync("#patrol-category", "parking");
        await page.FillAsync("#patrol-description", description);
        await page.SelectOptionAsync("#patrol-building", county.Building);
        await page.SetInputFilesAsync("#patrol-photos", new FilePayload { Name = "井盖.jpg", MimeType = "image/jpeg", Buffer = Photos.JpegWithGps() });
        await page.Locator("[data-testid=patrol-chosen]").WaitForAsync();
        await AttachPositionAsync(page);
        await Browser.ScreenshotForDocsAsync(page, "grid-patrol.png");
        await page.ClickAsync("[data-testid=patrol-submit]");
        var ticket = (await page.Locator("[data-testid=patrol-ticket]").InnerTextAsync()).Trim();

        Assert.Equal(1, await RequestsAsync());
        Assert.Equal(("grid_patrol", county.Building, description), (
            await console.Stack.ScalarAsync<string>("intake", "SELECT channel FROM requests WHERE ticket_no = @ticket", new { ticket }),
            await console.Stack.ScalarAsync<string>("intake", "SELECT location_code FROM requests WHERE ticket_no = @ticket", new { ticket }),
            await console.Stack.ScalarAsync<string>("intake", "SELECT description FROM requests WHERE ticket_no = @ticket", new { ticket })));
        Assert.Equal(27.7253, await console.Stack.ScalarAsync<double>("intake", "SELECT latitude FROM requests WHERE ticket_no = @ticket", new { ticket }), 3);
        Assert.Equal(1, await console.Stack.ScalarAsync<long>("intake",
            "SELECT count(*) FROM attachments a JOIN requests r ON r.id = a.owner_id WHERE r.ticket_no = @ticket", new { ticket }));

        // The report is a work order in the worker's grid, on their phone with its photo.
        await page.GotoAsync(new Uri(console.Address, "worker").ToString());
        var card = page.Locator($"[data-ticket='{ticket}']");
        await card.WaitForAsync(new() { Timeout = 30_000 });
        Assert.Equal(county.Grid, await console.Stack.ScalarAsync<string>("dispatch", "SELECT grid_code FROM work_orders WHERE ticket_no = @ticket", new { ticket }));
        Assert.Equal(description, (await card.Locator("[data-testid=case-description]").InnerTextAsync()).Trim());
        await card.Locator("[data-testid=case-photos] img").WaitForAsync();
        await page.Context.CloseAsync();
    }

    /// <summary>
    /// Turns on 附上当前位置 and waits for the position. On a loaded machine the browser's position can come later than
    /// the page's own 10 s limit, which the page reports as "no position" and turns the switch off, as it would for
    /// a worker: then the worker (and this test) simply tries again.
    /// </summary>
    private static async Task AttachPositionAsync(IPage page)
    {
        var shown = page.Locator("[data-testid=patrol-position-at]");
        var denied = page.Locator("[data-testid=patrol-position-denied]");
        var toggle = page.Locator("input[data-testid=patrol-position], [data-testid=patrol-position] input");
        for (var attempt = 1; ; attempt++)
        {
            if (!await toggle.IsCheckedAsync()) await toggle.CheckAsync(new() { Force = true });
            // The last try's "no position" goes as soon as the page takes the switch; only then is a new answer awaited.
            await denied.WaitForAsync(new() { State = WaitForSelectorState.Hidden });
            await shown.Or(denied).WaitForAsync(new() { Timeout = 30_000 });
            if (await shown.IsVisibleAsync()) return;
            Assert.True(attempt < 3, "the phone's position never came after three tries");
        }
    }
}
