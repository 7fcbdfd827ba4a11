using System.Net;
using GovPlatform.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace GovPlatform.IntegrationTests.Residents;

/// <summary>
/// Dispatch, volunteer and intake on a stack of their own, intake told where the other two are (as the AppHost's
/// references tell it): the community's public board forwards their public reads.
/// </summary>
public sealed class PublicBoardStack : IAsyncLifetime
{
    public TestStack Stack { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Stack = await TestStack.CreateAsync();
        Stack.Start("dispatch");
        Stack.Start("volunteer");
        Stack.Start("intake", new Dictionary<string, string?>
        {
            ["services:dispatch:http:0"] = Stack.Client("dispatch").BaseAddress!.ToString().TrimEnd('/'),
            ["services:volunteer:http:0"] = Stack.Client("volunteer").BaseAddress!.ToString().TrimEnd('/'),
        });
    }

    public async ValueTask DisposeAsync() => await Stack.DisposeAsync();
}

/// <summary>The community's public board at a phone's width: who serves the building, the grids' figures, the honour board and rankings.</summary>
public sealed class PublicBoardTests(PublicBoardStack board, Browser browser) : IClassFixture<PublicBoardStack>
{
    private TestStack Stack => board.Stack;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record Worker(Guid Id, string Name, string Phone);

    [Fact]
    public async Task The_board_shows_the_grid_worker_with_the_office_phone_not_the_mobile_and_the_grids_figures_at_a_phones_width()
    {
        var county = new TestCounty(workersInGrid: 1);
        await Stack.ImportAsync(county);
        var worker = (await Stack.QueryAsync<Worker>("dispatch",
            "SELECT id, name, phone FROM workers WHERE node_code = @Grid AND role = 'grid_worker'", new { county.Grid })).Single();
        var leaderPhone = await Stack.ScalarAsync<string>("dispatch", "SELECT phone FROM workers WHERE node_code = @Grid AND role = 'grid_leader'", new { county.Grid });
        var dispatch = Stack.Client("dispatch");

        // The office phone is checked, and only someone over the worker may publish it.
        using (var bad = await dispatch.SendAsync(HttpMethod.Put, $"/api/v1/workers/{worker.Id}/office-phone", new { officePhone = "call me" }, role: "admin"))
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using (var outsider = await dispatch.SendAsync(HttpMethod.Put, $"/api/v1/workers/{worker.Id}/office-phone", new { officePhone = "0571-88886666" },
                   token: Tokens.For("community_cadre", county.EmptyGrid)))
            Assert.Equal(HttpStatusCode.Forbidden, outsider.StatusCode);
        using (var set = await dispatch.SendAsync(HttpMethod.Put, $"/api/v1/workers/{worker.Id}/office-phone", new { officePhone = "0571-88886666" },
                   token: Tokens.For("community_cadre", county.Community)))
            Assert.Equal(HttpStatusCode.NoContent, set.StatusCode);

        var kit = new ResidentKit(Stack);
        var doorplate = await kit.IssueDoorplateAsync(county.Building, "1号楼");
        using (var filed = await Stack.Client("intake").SendAsync(HttpMethod.Post, "/api/v1/requests",
                   new { channel = "hotline", category = "drainage", description = "1号楼下水道堵塞", location = new { code = county.Building } }))
            Assert.Equal(HttpStatusCode.Created, filed.StatusCode);

        var page = await browser.NewPageAsync(Browser.Phone, isMobile: true);
        await page.GotoAsync($"{Stack.Client("intake").BaseAddress!.ToString().TrimEnd('/')}/r/board.html?d={doorplate}");
        await page.Locator("body[data-state=ready]").WaitForAsync();
        foreach (var part in new[] { "contact-list", "grid-list", "result-list", "honour-list", "rank-list" })
            Assert.Equal("ready", await page.Locator($"#{part}").GetAttributeAsync("data-state"));
        var contact = page.Locator(".contact[data-role=grid_worker]");
        Assert.Contains(worker.Name, await contact.InnerTextAsync());
        Assert.Contains("0571-88886666", await contact.InnerTextAsync());
        Assert.Equal(1, await page.Locator(".contact[data-role=grid_leader]").CountAsync());
        Assert.Contains("未公示电话", await page.Locator(".contact[data-role=grid_leader]").InnerTextAsync());
        var html = await page.ContentAsync();
        Assert.DoesNotContain(worker.Phone, html);
        Assert.DoesNotContain(leaderPhone, html);
        var grid = page.Locator($"tr[data-grid='{county.Grid}'] td");
        Assert.Equal("1", await grid.Nth(1).InnerTextAsync());
        Assert.Equal(1, await page.Locator($"tr[data-grid='{county.EmptyGrid}']").CountAsync());
        Assert.True(await page.EvaluateAsync<int>("document.documentElement.scrollWidth - window.innerWidth") <= 0, "the board is wider than the phone");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_status_page_shows_the_residents_photo_and_the_handlers_resolution_photo_to_the_reporter_only()
    {
        var county = new TestCounty();
        await Stack.ImportAsync(county);
        var kit = new ResidentKit(Stack);
        var doorplate = await kit.IssueDoorplateAsync(county.Building, "1号楼");
        var phone = ResidentKit.NewPhone();
        var session = await kit.VerifyAsync(phone);
        var neighbour = await kit.VerifyAsync(ResidentKit.NewPhone());
        using var upload = new HttpRequestMessage(HttpMethod.Post, "/api/v1/residents/photos") { Content = Photos.Form(("car.jpg", Photos.JpegWithGps(), "image/jpeg")) };
        upload.Headers.Add("X-Resident-Session", session);
        using var uploaded = await Stack.Client("intake").SendAsync(upload, Ct);
        var residentPhoto = (await uploaded.JsonAsync()).GetProperty("items")[0].GetProperty("id").GetGuid();
        var filed = await kit.ReportOkAsync(session, new { topic = "parking", description = "1号楼门口车位被外来车占了一周", doorplate, photos = new[] { residentPhoto } });
        var ticket = filed.GetProperty("ticketNo").GetString()!;

        // The worker resolves with a photo of the fix, uploaded to dispatch.
        var driver = new DispatchDriver(Stack);
        var order = await driver.OrderForAsync(await kit.RequestIdAsync(ticket));
        var orderId = order.GetProperty("id").GetGuid();
        var worker = Tokens.For("grid_worker", county.Grid, subject: order.GetProperty("assigneeId").GetString());
        await driver.ActOkAsync(orderId, "accept", worker);
        await driver.ActOkAsync(orderId, "arrive", worker);
        using var fix = await Stack.Client("dispatch").SendAsync(HttpMethod.Post, "/api/v1/attachments", Photos.Form(("修好了.jpg", Photos.JpegWithGps(), "image/jpeg")), token: worker);
        Assert.Equal(HttpStatusCode.Created, fix.StatusCode);
        var handlerPhoto = (await fix.JsonAsync()).GetProperty("items")[0].GetProperty("id").GetGuid();
        await driver.ActOkAsync(orderId, "resolve", worker, new { resolution = "已联系车主挪车，车位已腾出", attachmentIds = new[] { handlerPhoto } });
        await kit.WaitForTextAsync(phone, "resolved");

        // The reporter's page shows both as thumbnails.
        var page = await browser.NewPageAsync(Browser.Phone, isMobile: true);
        var intake = Stack.Client("intake").BaseAddress!.ToString().TrimEnd('/');
        await page.GotoAsync($"{intake}/r/?d={doorplate}");
        await page.EvaluateAsync("([s, p]) => { localStorage.setItem('resident.session', s); localStorage.setItem('resident.phone', p); }", new[] { session, phone });
        await page.GotoAsync($"{intake}/r/status.html?t={ticket}");
        await page.Locator("body[data-state=ready]").WaitForAsync();
        await page.Locator($"img.thumb[data-photo='{handlerPhoto}'][data-source=handler]").WaitForAsync();
        Assert.Equal(1, await page.Locator($"img.thumb[data-photo='{residentPhoto}'][data-source=resident]").CountAsync());
        Assert.True(await page.EvaluateAsync<bool>("[...document.querySelectorAll('img.thumb')].every(i => i.complete && i.naturalWidth > 0)"), "a thumbnail did not render");
        await Browser.ScreenshotForDocsAsync(page, "resident-photos.png");

        // The community's 晒单 shows it with what was done, the resident's words masked as in the public list.
        await page.GotoAsync($"{intake}/r/board.html?d={doorplate}");
        await page.Locator("body[data-state=ready]").WaitForAsync();
        Assert.Equal("ready", await page.Locator("#result-list").GetAttributeAsync("data-state"));
        var result = page.Locator(".result", new() { HasText = "已联系车主挪车，车位已腾出" });
        Assert.Equal(1, await result.CountAsync());
        Assert.Contains("1号楼门口车位被外来车占了一周", await result.InnerTextAsync());
        Assert.DoesNotContain(phone, await page.ContentAsync());
        // The board's screenshot is taken here, where the 晒单 has something to show.
        await Browser.ScreenshotForDocsAsync(page, "resident-board.png");
        await page.Context.CloseAsync();

        // A neighbour's session sees neither, not even by the photo's id.
        foreach (var id in new[] { residentPhoto, handlerPhoto })
        {
            using var other = await kit.AsResidentAsync(HttpMethod.Get, $"/api/v1/residents/requests/{ticket}/photos/{id}/thumbnail", neighbour);
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        }
        using var mine = await kit.AsResidentAsync(HttpMethod.Get, $"/api/v1/residents/requests/{ticket}/photos/{handlerPhoto}", session);
        Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
        Assert.Equal("image/jpeg", mine.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Bad_or_unknown_public_reads_are_4xx()
    {
        var intake = Stack.Client("intake");
        foreach (var (url, status) in new[]
                 {
                     ("/api/v1/residents/public/contacts", HttpStatusCode.BadRequest),
                     ("/api/v1/residents/public/contacts?doorplate=abcdefghijkmnpqr", HttpStatusCode.NotFound),
                     ("/api/v1/residents/public/leaderboard/everyone", HttpStatusCode.BadRequest),
                     ("/api/v1/residents/public/leaderboard/person?top=500", HttpStatusCode.BadRequest),
                     ("/api/v1/residents/public/honour-board?list=green", HttpStatusCode.BadRequest),
                     ("/api/v1/residents/public/grids", HttpStatusCode.BadRequest),
                     ("/api/v1/residents/public/results", HttpStatusCode.BadRequest),
                     ("/api/v1/residents/public/results?doorplate=abcdefghijkmnpqr", HttpStatusCode.NotFound),
                 })
        {
            using var response = await intake.SendAsync(HttpMethod.Get, url, role: null);
            Assert.True(response.StatusCode == status, $"{url}: {response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        }
        using var ranks = await intake.SendAsync(HttpMethod.Get, "/api/v1/residents/public/leaderboard/person", role: null);
        Assert.Equal(HttpStatusCode.OK, ranks.StatusCode);
    }
}
