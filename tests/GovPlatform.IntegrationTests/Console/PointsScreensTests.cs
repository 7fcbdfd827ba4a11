using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GovPlatform.IntegrationTests.Infrastructure;
using Microsoft.Playwright;
using ZXing;
using ZXing.Common;
using ZXing.QrCode;
using Kit = GovPlatform.IntegrationTests.Volunteer.VolunteerKit;

namespace GovPlatform.IntegrationTests.StaffConsole;

/// <summary>
/// The points area beyond the counter, in a real browser against the real volunteer service: goods and restocking,
/// the organisers' rotating check-in QR image, the points rules and the honour board's review. Each test acts on the
/// screen and checks the effect through the service's own API, on data of its own.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class PointsScreensTests(ConsoleStack console, Browser browser)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private HttpClient Volunteer => console.Stack.Client("volunteer");

    private sealed record GoodsRow(string Code, string Name, long PricePoints, int Stock, int? PerPersonLimit, bool Active);
    private sealed record RuleChange(string ActivityType, int PointsPerHour, int Bonus, int? ExpiryDays, Rule? Previous, string ChangedBy, DateTime ChangedAt);
    private sealed record Rule(string ActivityType, int PointsPerHour, int Bonus, int? ExpiryDays);
    private sealed record HonourRow(Guid Id, string List, string SubjectKind, Guid SubjectId, string SubjectName, string Reason, string Status);

    [Fact]
    public async Task Restocking_on_the_stock_screen_raises_the_stock_the_service_reports_and_lets_a_refused_redemption_succeed()
    {
        var county = new TestCounty(workersInGrid: 1);
        await console.Stack.ImportAsync(county);
        var volunteerId = await Kit.RegisterAsync(Volunteer, county.Grid, "补货" + Guid.NewGuid().ToString("N")[..6]);
        Assert.Equal(HttpStatusCode.Created, (await Kit.AwardAsync(Volunteer, volunteerId, 100)).StatusCode);
        var code = $"R{Guid.NewGuid():N}"[..16];
        var admin = await console.AccountAsync("admin", null);
        var page = await SignInAsync(admin, "points/stock");

        // Put on the shelf with nothing in stock yet.
        await page.FillAsync("#goods-code", code);
        await page.FillAsync("#goods-name", "大米 5kg");
        await page.FillAsync("#goods-price", "20");
        await page.FillAsync("#goods-stock", "0");
        await page.ClickAsync("[data-testid=goods-add]");
        await HasTextAsync(page.Locator($"[data-goods='{code}'] [data-testid=stock]"), "0");
        Assert.Equal(0, (await GoodsAsync(code)).Stock);

        // At the counter: refused for want of stock, nothing debited.
        await page.GotoAsync(new Uri(console.Address, "points").ToString());
        await FindVolunteerAsync(page, volunteerId);
        await page.Locator($"[data-goods='{code}'] [data-action=redeem]").ClickAsync();
        var error = page.Locator("[data-testid=points-error]");
        await Assertions.Expect(error).ToContainTextAsync("库存不足", new() { Timeout = 30_000 });
        Assert.Equal(100L, await Kit.BalanceAsync(Volunteer, volunteerId));
        Assert.Equal(0L, await RedemptionsAsync(volunteerId));

        // Restocked on the stock screen: the service reports the new stock.
        await page.GotoAsync(new Uri(console.Address, "points/stock").ToString());
        await page.FillAsync($"#restock-{code}", "3");
        await page.Locator($"[data-goods='{code}'] [data-action=restock]").ClickAsync();
        await HasTextAsync(page.Locator($"[data-goods='{code}'] [data-testid=stock]"), "3");
        Assert.Equal(3, (await GoodsAsync(code)).Stock);
        await Browser.ScreenshotForDocsAsync(page, "console-points-stock.png");

        // The same redemption now goes through, once.
        await page.GotoAsync(new Uri(console.Address, "points").ToString());
        await FindVolunteerAsync(page, volunteerId);
        await page.Locator($"[data-goods='{code}'] [data-action=redeem]").ClickAsync();
        await HasTextAsync(page.Locator("[data-testid=balance]"), "80");
        await page.Locator("[data-testid=reservations] [data-redemption]").WaitForAsync();
        Assert.Equal(2, (await GoodsAsync(code)).Stock);
        Assert.Equal(1L, await RedemptionsAsync(volunteerId));
        Assert.Equal(80L, await Kit.BalanceAsync(Volunteer, volunteerId));
        await page.Context.CloseAsync();
        await Kit.AssertLedgerInvariantAsync(console.Stack);
    }

    [Fact]
    public async Task An_organiser_sees_the_stock_without_the_admins_forms_and_a_grid_worker_is_denied_the_points_screens()
    {
        var county = new TestCounty(workersInGrid: 1);
        await console.Stack.ImportAsync(county);
        var code = $"O{Guid.NewGuid():N}"[..16];
        using (var added = await Volunteer.SendAsync(HttpMethod.Post, "/api/v1/supermarket/goods", new { code, name = "毛巾", pricePoints = 5, stock = 4 }, role: "admin"))
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var organiser = await console.AccountAsync("organiser", county.Community);
        var page = await SignInAsync(organiser, "points/stock");

        await HasTextAsync(page.Locator($"[data-goods='{code}'] [data-testid=stock]"), "4");
        await page.Locator("[data-testid=stock-readonly]").WaitForAsync();
        Assert.Equal(0, await page.Locator("[data-testid=add-goods]").CountAsync());
        Assert.Equal(0, await page.Locator("[data-action=restock]").CountAsync());
        // The form is not offered because the service would refuse it.
        using (var refused = await Volunteer.SendAsync(HttpMethod.Post, $"/api/v1/supermarket/goods/{code}/restock", new { quantity = 1 }, role: "organiser"))
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        // Rules: read, not changed; the honour board's review is admins' alone.
        await page.GotoAsync(new Uri(console.Address, "points/rules").ToString());
        await page.Locator("[data-testid=rules] [data-rule=cleanup]").WaitForAsync(new() { Timeout = 30_000 });
        await page.Locator("[data-testid=rules-readonly]").WaitForAsync();
        Assert.Equal(0, await page.Locator("[data-testid=rule-form]").CountAsync());
        Assert.Equal(0, await page.Locator("[data-testid=points-tabs] [data-tab=honour]").CountAsync());
        await page.GotoAsync(new Uri(console.Address, "points/honour").ToString());
        await page.Locator("[data-testid=denied]").WaitForAsync(new() { Timeout = 30_000 });
        Assert.Equal(0, await page.Locator("[data-testid=pending]").CountAsync());
        await page.Context.CloseAsync();

        var worker = await console.AccountAsync("grid_worker", county.Grid);
        var workerPage = await SignInAsync(worker, "points/stock");
        await workerPage.Locator("[data-testid=denied]").WaitForAsync(new() { Timeout = 30_000 });
        Assert.Equal(0, await workerPage.Locator("[data-testid=goods]").CountAsync());
        await workerPage.GotoAsync(new Uri(console.Address, "points/activities").ToString());
        await workerPage.Locator("[data-testid=denied]").WaitForAsync(new() { Timeout = 30_000 });
        await workerPage.Context.CloseAsync();
    }

    [Fact]
    public async Task The_organisers_qr_image_carries_a_token_a_volunteer_checks_in_with_and_is_replaced_by_a_new_one()
    {
        var county = new TestCounty(workersInGrid: 1);
        await console.Stack.ImportAsync(county);
        var organiserId = Guid.NewGuid();
        var organiser = await console.AccountAsync("organiser", county.Community, organiserId);
        var activity = await PublishAsync(county, organiserId, "cleanup", "东苑小区环境清洁日");
        var volunteerId = await Kit.RegisterAsync(Volunteer, county.Grid, "扫码" + Guid.NewGuid().ToString("N")[..6]);
        await SignUpAsync(activity, volunteerId);

        var page = await SignInAsync(organiser, "points/activities", phone: true);
        await page.Locator($"[data-activity='{activity}'] [data-action=check_in]").ClickAsync();
        var image = page.Locator("[data-testid=qr-image][data-purpose=check_in]");
        await image.WaitForAsync(new() { Timeout = 30_000 });
        await Browser.ScreenshotForDocsAsync(page, "console-points-qr.png");

        // What the image encodes is the token the page names beside it, issued for this activity's check-in.
        var first = await TokenShownAsync(image);
        Assert.Equal(first, await DecodeAsync(image));
        Assert.Equal((activity, "check_in"), Payload(first));

        // A volunteer's phone scans it and checks in with it.
        using (var checkIn = await ScanAsync(activity, volunteerId, "check-in", first))
            Assert.True(checkIn.StatusCode == HttpStatusCode.OK, await checkIn.Content.ReadAsStringAsync(Ct));
        Assert.Equal("checked_in", await AttendanceAsync(activity, volunteerId));

        // Before the token expires the page shows another, which the image encodes in turn.
        await Assertions.Expect(page.Locator("[data-testid=qr-image]")).Not.ToHaveAttributeAsync("data-token", first, new() { Timeout = 90_000 });
        var second = await TokenShownAsync(image);
        Assert.NotEqual(first, second);
        Assert.Equal(second, await DecodeAsync(image));
        Assert.Equal((activity, "check_in"), Payload(second));

        // The check-out code, scanned the same way, checks the volunteer out.
        await page.ClickAsync("[data-show=check_out]");
        var outImage = page.Locator("[data-testid=qr-image][data-purpose=check_out]");
        await outImage.WaitForAsync(new() { Timeout = 30_000 });
        var checkOutToken = await DecodeAsync(outImage);
        Assert.Equal(await TokenShownAsync(outImage), checkOutToken);
        Assert.Equal((activity, "check_out"), Payload(checkOutToken));
        using (var checkOut = await ScanAsync(activity, volunteerId, "check-out", checkOutToken))
            Assert.True(checkOut.StatusCode == HttpStatusCode.OK, await checkOut.Content.ReadAsStringAsync(Ct));
        Assert.Equal("checked_out", await AttendanceAsync(activity, volunteerId));
        await page.Context.CloseAsync();

        // Another organiser neither lists the activity nor gets its code: the service's refusal is shown as it words it.
        var stranger = await console.AccountAsync("organiser", county.Community);
        var other = await SignInAsync(stranger, "points/activities");
        await other.Locator("[data-testid=activities]").WaitForAsync(new() { Timeout = 30_000 });
        Assert.Equal(0, await other.Locator($"[data-activity='{activity}']").CountAsync());
        await other.GotoAsync(new Uri(console.Address, $"points/activities/{activity}/qr?purpose=check_in").ToString());
        await Assertions.Expect(other.Locator("[data-testid=qr-error]")).ToContainTextAsync("Only the activity's organiser shows its check-in code", new() { Timeout = 30_000 });
        Assert.Equal(0, await other.Locator("[data-testid=qr-image]").CountAsync());
        await other.Context.CloseAsync();
    }

    [Fact]
    public async Task A_rule_changed_on_the_rules_screen_sets_the_points_the_next_verified_service_credits_and_is_kept_in_its_history()
    {
        var county = new TestCounty(workersInGrid: 1);
        await console.Stack.ImportAsync(county);
        var type = $"t{Guid.NewGuid():N}"[..12];
        using (var made = await SendAsync(HttpMethod.Put, $"/api/v1/points/rules/{type}", new { pointsPerHour = 10, bonus = 5 }, Tokens.For("admin")))
            Assert.Equal(HttpStatusCode.Created, made.StatusCode);
        // Service under way before the change: the rule in force at verification is the one that counts.
        var organiserId = Guid.NewGuid();
        var activity = await PublishAsync(county, organiserId, type, "规则变更后的服务");
        var volunteerId = await Kit.RegisterAsync(Volunteer, county.Grid, "规则" + Guid.NewGuid().ToString("N")[..6]);
        await SignUpAsync(activity, volunteerId);
        var organiserToken = Tokens.For("organiser", subject: organiserId.ToString());
        Assert.Equal(HttpStatusCode.OK, (await ScanAsync(activity, volunteerId, "check-in", await CodeAsync(activity, "check_in", organiserToken))).StatusCode);
        var checkedIn = DateTimeOffset.UtcNow;

        var adminId = Guid.NewGuid();
        var admin = await console.AccountAsync("admin", null, adminId);
        var page = await SignInAsync(admin, "points/rules");

        var row = page.Locator($"[data-testid=rules] [data-rule='{type}']");
        await row.Locator("[data-action=edit]").ClickAsync();
        await Assertions.Expect(page.Locator("#rule-type")).ToHaveValueAsync(type);
        await page.FillAsync("#rule-perhour", "0");
        await page.FillAsync("#rule-bonus", "37");
        await page.ClickAsync("[data-testid=rule-save]");
        await HasTextAsync(row.Locator("[data-field=bonus]"), "37");
        await HasTextAsync(row.Locator("[data-field=perHour]"), "0");
        var history = page.Locator($"[data-testid=rule-history][data-type='{type}'] [data-change]");
        await Assertions.Expect(history).ToHaveCountAsync(2, new() { Timeout = 30_000 });
        await Assertions.Expect(history.First.Locator("[data-field=previous]")).ToContainTextAsync("10/h + 5");
        await Browser.ScreenshotForDocsAsync(page, "console-points-rules.png");

        // The service keeps the change, by this admin, with the rule it replaced.
        using (var changes = await SendAsync(HttpMethod.Get, $"/api/v1/points/rules/{type}/changes", null, Tokens.For("admin")))
        {
            var list = (await changes.Content.ReadFromJsonAsync<List<RuleChange>>(Ct))!;
            Assert.Equal((0, 37), (list[0].PointsPerHour, list[0].Bonus));
            Assert.Equal(new Rule(type, 10, 5, null), list[0].Previous);
            Assert.Equal(adminId.ToString(), list[0].ChangedBy);
        }

        // The service verified next earns by the new rule: 0 per hour + 37, not 10 per hour + 5. The bonus comes with
        // counted hours only, and hours count in hundredths (36 s): real time must pass, since this stack's clock is real.
        var counted = checkedIn + TimeSpan.FromSeconds(40) - DateTimeOffset.UtcNow;
        if (counted > TimeSpan.Zero) await Task.Delay(counted, Ct);
        Assert.Equal(HttpStatusCode.OK, (await ScanAsync(activity, volunteerId, "check-out", await CodeAsync(activity, "check_out", organiserToken))).StatusCode);
        using var verified = await SendAsync(HttpMethod.Post, $"/api/v1/activities/{activity}/attendances/{volunteerId}/verify", new { approve = true }, organiserToken);
        Assert.True(verified.StatusCode == HttpStatusCode.OK, await verified.Content.ReadAsStringAsync(Ct));
        Assert.Equal(37L, (await verified.JsonAsync()).GetProperty("pointsAwarded").GetInt64());
        Assert.Equal(37L, await Kit.BalanceAsync(Volunteer, volunteerId));
        await page.Context.CloseAsync();
        await Kit.AssertLedgerInvariantAsync(console.Stack);
    }

    [Fact]
    public async Task A_nomination_approved_on_the_review_screen_appears_on_the_public_honour_board_and_a_rejection_needs_a_reason()
    {
        var county = new TestCounty(workersInGrid: 1);
        await console.Stack.ImportAsync(county);
        var volunteerId = await Kit.RegisterAsync(Volunteer, county.Grid, "光荣" + Guid.NewGuid().ToString("N")[..6]);
        var adminId = Guid.NewGuid();
        var admin = await console.AccountAsync("admin", null, adminId);
        var approved = await ProposeAsync(volunteerId, "连续三年义务清扫楼道，带动邻里参与", Tokens.For("organiser"));
        var rejected = await ProposeAsync(volunteerId, "疫情期间值守小区卡口", Tokens.For("organiser"));
        var own = await ProposeAsync(volunteerId, "组织老年人防诈骗讲座", Tokens.For("admin", subject: adminId.ToString()));

        var page = await SignInAsync(admin, "points/honour");
        var row = page.Locator($"[data-testid=pending] [data-entry='{approved}']");
        await row.WaitForAsync(new() { Timeout = 30_000 });
        await Browser.ScreenshotForDocsAsync(page, "console-points-honour.png");

        await row.Locator("[data-action=approve]").ClickAsync();
        await row.WaitForAsync(new() { State = WaitForSelectorState.Detached, Timeout = 30_000 });
        var red = await PublicRedListAsync();
        var published = Assert.Single(red, h => h.Id == approved);
        Assert.Equal("approved", published.Status);
        Assert.Equal(volunteerId, published.SubjectId);

        // A rejection without a reason is not sent; with one, it is kept and nothing is published.
        var second = page.Locator($"[data-testid=pending] [data-entry='{rejected}']");
        await second.Locator("[data-action=reject]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=honour-error]")).ToContainTextAsync("驳回须填写理由");
        Assert.Equal("proposed", await StatusAsync(rejected));
        await page.FillAsync($"#note-{rejected}", "事迹核实不足，请补充材料");
        await second.Locator("[data-action=reject]").ClickAsync();
        await second.WaitForAsync(new() { State = WaitForSelectorState.Detached, Timeout = 30_000 });
        Assert.Equal(("rejected", "事迹核实不足，请补充材料"), (await console.Stack.QueryAsync<(string, string)>("volunteer",
            "SELECT status, review_note FROM honour_board WHERE id = @rejected", new { rejected })).Single());
        Assert.DoesNotContain(await PublicRedListAsync(), h => h.Id == rejected);

        // What this admin proposed is refused by the service, in its words, and stays waiting.
        await page.Locator($"[data-testid=pending] [data-entry='{own}'] [data-action=approve]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=honour-error]")).ToContainTextAsync("Another admin must review what you proposed", new() { Timeout = 30_000 });
        Assert.Equal("proposed", await StatusAsync(own));
        await page.Context.CloseAsync();
    }

    // ---- steps through the service's API ----

    private async Task<IPage> SignInAsync(string userName, string path, bool phone = false)
    {
        var page = await console.SignInAsync(browser, userName, path, phone);
        page.SetDefaultTimeout(30_000);
        return page;
    }

    private static Task HasTextAsync(ILocator locator, string text) =>
        Assertions.Expect(locator).ToHaveTextAsync(text, new() { Timeout = 30_000 });

    private static async Task FindVolunteerAsync(IPage page, Guid volunteerId)
    {
        await page.FillAsync("#points-q", volunteerId.ToString());
        await page.PressAsync("#points-q", "Enter");
        await page.Locator($"[data-testid=volunteer][data-id='{volunteerId}']").WaitForAsync();
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, object? body, string token) =>
        Volunteer.SendAsync(method, url, body, token: token);

    private async Task<GoodsRow> GoodsAsync(string code)
    {
        using var response = await Volunteer.SendAsync(HttpMethod.Get, "/api/v1/supermarket/goods", role: null);
        return (await response.Content.ReadFromJsonAsync<List<GoodsRow>>(Ct))!.Single(g => g.Code == code);
    }

    private Task<long> RedemptionsAsync(Guid volunteerId) =>
        console.Stack.ScalarAsync<long>("volunteer", "SELECT count(*) FROM redemptions WHERE volunteer_id = @volunteerId", new { volunteerId });

    /// <summary>An activity under way (check-in is open now), published by the given organiser.</summary>
    private async Task<Guid> PublishAsync(TestCounty county, Guid organiserId, string type, string title)
    {
        var start = DateTimeOffset.UtcNow - TimeSpan.FromMinutes(10);
        using var response = await SendAsync(HttpMethod.Post, "/api/v1/activities",
            new { title, type, gridCode = county.Grid, startsAt = start, endsAt = start + TimeSpan.FromHours(3), capacity = 20 },
            Tokens.For("organiser", subject: organiserId.ToString()));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        return (await response.JsonAsync()).GetProperty("id").GetGuid();
    }

    private async Task SignUpAsync(Guid activity, Guid volunteerId)
    {
        using var response = await SendAsync(HttpMethod.Post, $"/api/v1/activities/{activity}/signups", null, Tokens.For("volunteer", subject: volunteerId.ToString()));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private async Task<string> CodeAsync(Guid activity, string purpose, string organiserToken)
    {
        using var response = await SendAsync(HttpMethod.Get, $"/api/v1/activities/{activity}/qr?purpose={purpose}", null, organiserToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("token").GetString()!;
    }

    /// <summary>What a volunteer's phone does with a scanned code: posts it, as the volunteer, to the activity's check-in or check-out.</summary>
    private Task<HttpResponseMessage> ScanAsync(Guid activity, Guid volunteerId, string action, string token) =>
        SendAsync(HttpMethod.Post, $"/api/v1/activities/{activity}/{action}", new { token }, Tokens.For("volunteer", subject: volunteerId.ToString()));

    private Task<string> AttendanceAsync(Guid activity, Guid volunteerId) =>
        console.Stack.ScalarAsync<string>("volunteer", "SELECT status FROM attendances WHERE activity_id = @activity AND volunteer_id = @volunteerId",
            new { activity, volunteerId });

    private async Task<Guid> ProposeAsync(Guid volunteerId, string reason, string token)
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/v1/honour-board", new { list = "red", subjectKind = "volunteer", subjectId = volunteerId, reason }, token);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("id").GetGuid();
    }

    private Task<string> StatusAsync(Guid id) =>
        console.Stack.ScalarAsync<string>("volunteer", "SELECT status FROM honour_board WHERE id = @id", new { id });

    /// <summary>The public red list, read as anyone reads it: without a token.</summary>
    private async Task<List<HonourRow>> PublicRedListAsync()
    {
        using var response = await Volunteer.SendAsync(HttpMethod.Get, "/api/v1/honour-board?list=red", role: null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<List<HonourRow>>(Ct))!;
    }

    // ---- reading the QR back ----

    private static async Task<string> TokenShownAsync(ILocator image) => (await image.GetAttributeAsync("data-token"))!;

    /// <summary>The activity and purpose a token names in its signed first part.</summary>
    private static (Guid Activity, string Purpose) Payload(string token)
    {
        var fields = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(token.Split('.')[0])).Split('.');
        return (Guid.ParseExact(fields[0], "N"), fields[1]);
    }

    /// <summary>
    /// Decodes the QR image as the browser drew it: its pixels are read from a canvas and given to ZXing, so what is
    /// checked is the picture on the screen, not the text beside it.
    /// </summary>
    private static async Task<string> DecodeAsync(ILocator image)
    {
        var pixels = await image.EvaluateAsync<JsonElement>("""
            async img => {
                // The page swaps the token and the picture in one render, but the browser decodes a new data: image
                // asynchronously; read the pixels only once the picture now in src is decoded (a swap mid-decode
                // rejects, so ask again).
                for (let i = 0; ; i++) {
                    try { await img.decode(); break; }
                    catch (e) { if (i >= 20) throw e; await new Promise(r => setTimeout(r, 100)); }
                }
                const canvas = document.createElement('canvas');
                canvas.width = img.naturalWidth;
                canvas.height = img.naturalHeight;
                const g = canvas.getContext('2d');
                g.drawImage(img, 0, 0);
                const data = g.getImageData(0, 0, canvas.width, canvas.height).data;
                let s = '';
                for (let i = 0; i < data.length; i += 0x8000) s += String.fromCharCode.apply(null, data.subarray(i, i + 0x8000));
                return { width: canvas.width, height: canvas.height, rgba: btoa(s) };
            }
            """);
        var width = pixels.GetProperty("width").GetInt32();
        var height = pixels.GetProperty("height").GetInt32();
        Assert.True(width > 0 && height > 0, "The QR image has no pixels.");
        var source = new RgbaLuminance(Convert.FromBase64String(pixels.GetProperty("rgba").GetString()!), width, height);
        var result = new QRCodeReader().decode(new BinaryBitmap(new HybridBinarizer(source)),
            new Dictionary<DecodeHintType, object> { [DecodeHintType.TRY_HARDER] = true });
        Assert.NotNull(result);
        return result.Text;
    }

    /// <summary>Luminance of RGBA pixels (transparent as white paper), for ZXing without System.Drawing.</summary>
    private sealed class RgbaLuminance : LuminanceSource
    {
        private readonly byte[] _luminance;

        public RgbaLuminance(byte[] rgba, int width, int height) : base(width, height)
        {
            _luminance = new byte[width * height];
            for (var i = 0; i < _luminance.Length; i++)
            {
                int r = rgba[4 * i], g = rgba[4 * i + 1], b = rgba[4 * i + 2], a = rgba[4 * i + 3];
                var y = (299 * r + 587 * g + 114 * b) / 1000;
                _luminance[i] = (byte)((y * a + 255 * (255 - a)) / 255);
            }
        }

        public override byte[] getRow(int y, byte[] row)
        {
            if (row is null || row.Length < Width) row = new byte[Width];
            Array.Copy(_luminance, y * Width, row, 0, Width);
            return row;
        }

        public override byte[] Matrix => _luminance;
    }
}
