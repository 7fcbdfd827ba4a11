using System.Diagnostics;
using System.Net;
using GovPlatform.IntegrationTests.Infrastructure;
using GovPlatform.IntegrationTests.StaffConsole;
using Microsoft.Playwright;

namespace GovPlatform.IntegrationTests.Residents;

/// <summary>
/// A resident's one-key alarm, tapped on the doorplate page in one browser, shows as an alert on the open console
/// pages of the desk, the grid's board and the grid's worker in others, without a reload, within 2 s of the tap.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class AlarmConsoleBrowserTests(ConsoleStack console, Browser browser)
{
    /// <summary>The issue's budget from the resident's second tap to the alert on the staff's screens.</summary>
    private static readonly TimeSpan AlarmBudget = TimeSpan.FromSeconds(2);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static void Say(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    private static ILocator Alert(IPage page, string? ticket = null) =>
        page.Locator(ticket is null ? "[data-testid=alarm-alert] .alarm-item" : $"[data-testid=alarm-alert] .alarm-item[data-ticket='{ticket}']");

    [Fact]
    public async Task A_one_key_alarm_shows_on_the_desk_board_and_workers_console_within_2_s_of_the_residents_tap_and_not_to_another_grid()
    {
        var county = new TestCounty(workersInGrid: 1);
        await console.Stack.ImportAsync(county);
        var workerId = await console.Stack.ScalarAsync<Guid>("dispatch",
            "SELECT id FROM workers WHERE node_code = @Grid AND role = 'grid_worker'", new { county.Grid });
        var kit = new ResidentKit(console.Stack);
        var doorplate = await kit.IssueDoorplateAsync(county.Building, "1号楼");

        var desk = await console.SignInAsync(browser, await console.AccountAsync("desk_operator", county.District), "desk");
        var board = await console.SignInAsync(browser, await console.AccountAsync("grid_leader", county.Grid), "dispatcher");
        var worker = await console.SignInAsync(browser, await console.AccountAsync("grid_worker", county.Grid, workerId), "worker", phone: true);
        var otherGrid = await console.SignInAsync(browser, await console.AccountAsync("grid_worker", county.EmptyGrid), "worker", phone: true);
        var staff = new[] { ("desk", desk), ("board", board), ("worker", worker) };
        await board.Locator("[data-tier]").First.WaitForAsync();
        await worker.Locator("[data-testid=orders]:not([data-loaded='0'])").WaitForAsync();

        // A first critical request from the desk's API warms the path (intake's relay, the console's consumer, each
        // circuit's first push), as a console that has run for a while has it warm; its time is reported, not judged.
        var warm = Stopwatch.StartNew();
        using (var filed = await console.Stack.Client("intake").SendAsync(HttpMethod.Post, "/api/v1/requests",
                   new { channel = "hotline", category = "safety_hazard", urgency = "critical", description = "2号楼配电箱冒烟，有焦糊味", location = new { code = $"{county.Grid}-B02" } }))
        {
            Assert.Equal(HttpStatusCode.Created, filed.StatusCode);
            var warmTicket = (await filed.JsonAsync()).GetProperty("ticketNo").GetString()!;
            foreach (var (_, page) in staff) await Alert(page, warmTicket).WaitForAsync(new() { Timeout = 30_000 });
            Say($"warm-up critical request → alert on three pages: {warm.ElapsedMilliseconds} ms (cold path)");
            foreach (var (_, page) in staff) await Alert(page, warmTicket).Locator("[data-action=acknowledge]").ClickAsync();
            foreach (var (_, page) in staff) await Alert(page).WaitForAsync(new() { State = WaitForSelectorState.Detached });
        }

        // The resident, on a phone, at the doorplate, verified.
        var phone = ResidentKit.NewPhone();
        var session = await kit.VerifyAsync(phone);
        var resident = await browser.NewPageAsync(Browser.Phone, isMobile: true);
        var intake = console.Stack.Client("intake").BaseAddress!.ToString().TrimEnd('/');
        await resident.GotoAsync($"{intake}/r/?d={doorplate}");
        await resident.EvaluateAsync("([s, p]) => { localStorage.setItem('resident.session', s); localStorage.setItem('resident.phone', p); }", new[] { session, phone });
        await resident.ReloadAsync();
        await resident.Locator("#menu").WaitForAsync();
        await resident.ClickAsync("#alarm");

        // Timed inside the browsers, which share this machine's clock: the resident's page notes the tap as its click
        // handler sees it, and each staff page notes when the alert enters its document, so the figure holds no
        // Playwright polling. The test's own stopwatch (tap to Playwright seeing the alert) is reported beside it.
        foreach (var (_, page) in staff)
            await page.EvaluateAsync("""
                () => { window.alarmSeenAt = 0; new MutationObserver(() => {
                    if (!window.alarmSeenAt && document.querySelector('[data-testid=alarm-alert] .alarm-item')) window.alarmSeenAt = Date.now();
                  }).observe(document.body, { childList: true, subtree: true }); }
                """);
        await resident.EvaluateAsync("() => document.getElementById('alarm').addEventListener('click', () => { window.tappedAt = Date.now(); }, { capture: true })");
        var tap = Stopwatch.StartNew();
        var seen = staff.Select(async s =>
        {
            await Alert(s.Item2).WaitForAsync(new() { Timeout = 30_000 });
            return (s.Item1, tap.Elapsed);
        }).ToList();
        await resident.ClickAsync("#alarm");
        var polled = await Task.WhenAll(seen);
        var tappedAt = await resident.EvaluateAsync<double>("window.tappedAt");
        var arrivals = new List<(string, TimeSpan)>();
        foreach (var (name, page) in staff)
            arrivals.Add((name, TimeSpan.FromMilliseconds(await page.EvaluateAsync<double>("window.alarmSeenAt") - tappedAt)));
        Say("resident's tap → alert in the console page's document: " + string.Join(", ", arrivals.Select(a => $"{a.Item1} {a.Item2.TotalMilliseconds:F0} ms")));
        Say("the same as Playwright saw it: " + string.Join(", ", polled.Select(a => $"{a.Item1} {a.Item2.TotalMilliseconds:F0} ms")));

        await resident.Locator("#done").WaitForAsync();
        var ticket = (await resident.Locator("#done-ticket").InnerTextAsync()).Trim();
        foreach (var (_, page) in staff)
        {
            var alert = Alert(page, ticket);
            Assert.Equal(1, await alert.CountAsync());
            Assert.Contains("1号楼", await alert.InnerTextAsync());
            Assert.DoesNotContain(phone, await page.ContentAsync());
        }
        await Browser.ScreenshotForDocsAsync(board, "console-alarm.png");
        await Browser.ScreenshotForDocsAsync(worker, "console-alarm-worker.png");
        // A worker of the next grid is not told of an alarm outside their grid.
        Assert.Equal(0, await Alert(otherGrid).CountAsync());

        // It stays until someone acknowledges it on their own screen.
        await Alert(desk, ticket).Locator("[data-action=acknowledge]").ClickAsync();
        await Alert(desk, ticket).WaitForAsync(new() { State = WaitForSelectorState.Detached });
        Assert.Equal(1, await Alert(board, ticket).CountAsync());

        Assert.All(arrivals, a => Assert.True(a.Item2 > TimeSpan.Zero && a.Item2 < AlarmBudget,
            $"the alarm took {a.Item2.TotalMilliseconds:F0} ms to reach the {a.Item1}'s page: {string.Join(", ", arrivals.Select(x => $"{x.Item1} {x.Item2.TotalMilliseconds:F0}"))}"));
        foreach (var page in new[] { desk, board, worker, otherGrid, resident }) await page.Context.CloseAsync();
    }
}
