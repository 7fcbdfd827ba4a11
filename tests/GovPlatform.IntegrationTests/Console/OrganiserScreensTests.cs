using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GovPlatform.IntegrationTests.Infrastructure;
using Microsoft.Playwright;
using Kit = GovPlatform.IntegrationTests.Volunteer.VolunteerKit;

namespace GovPlatform.IntegrationTests.StaffConsole;

/// <summary>
/// The organisers' screens beside the points counter, in a real browser: proposing one of their volunteers for the red
/// list (then waiting in the admins' review queue) and verifying or rejecting the service checked out at their activity,
/// each checked through the volunteer service's API.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class OrganiserScreensTests(ConsoleStack console, Browser browser)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private HttpClient Volunteer => console.Stack.Client("volunteer");

    private async Task<JsonElement> OkAsync(HttpMethod method, string url, object? body, string token, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await Volunteer.SendAsync(method, url, body, token: token);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == expected, $"{method} {url} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>An activity under way, published by the organiser, with the volunteers signed up.</summary>
    private async Task<Guid> ActivityAsync(TestCounty county, string organiserToken, string title, params Guid[] volunteers)
    {
        var start = DateTimeOffset.UtcNow - TimeSpan.FromMinutes(10);
        var activity = (await OkAsync(HttpMethod.Post, "/api/v1/activities",
            new { title, type = "cleanup", gridCode = county.Grid, startsAt = start, endsAt = start + TimeSpan.FromHours(3), capacity = 20 },
            organiserToken, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        foreach (var v in volunteers)
            await OkAsync(HttpMethod.Post, $"/api/v1/activities/{activity}/signups", null, Tokens.For("volunteer", subject: v.ToString()), HttpStatusCode.Created);
        return activity;
    }

    private async Task ScanAsync(Guid activity, Guid volunteer, string action, string purpose, string organiserToken)
    {
        var token = (await OkAsync(HttpMethod.Get, $"/api/v1/activities/{activity}/qr?purpose={purpose}", null, organiserToken)).GetProperty("token").GetString();
        await OkAsync(HttpMethod.Post, $"/api/v1/activities/{activity}/{action}", new { token }, Tokens.For("volunteer", subject: volunteer.ToString()));
    }

    [Fact]
    public async Task An_organiser_proposes_a_volunteer_of_their_activity_for_the_red_list_and_it_waits_for_an_admins_review()
    {
        var county = new TestCounty(workersInGrid: 1);
        await console.Stack.ImportAsync(county);
        var name = "推荐" + Guid.NewGuid().ToString("N")[..6];
        var volunteerId = await Kit.RegisterAsync(Volunteer, county.Grid, name);
        var organiserId = Guid.NewGuid();
        var organiserToken = Tokens.For("organiser", subject: organiserId.ToString());
        await ActivityAsync(county, organiserToken, "楼道清扫", volunteerId);
        var organiser = await console.AccountAsync("organiser", null, organiserId);

        var page = await console.SignInAsync(browser, organiser, "points/honour/propose");
        page.SetDefaultTimeout(30_000);
        await page.FillAsync("#propose-q", name);
        await page.ClickAsync("[data-action=find]");
        await page.Locator($"[data-volunteer='{volunteerId}'] [data-action=choose]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=chosen]")).ToContainTextAsync(name);
        await page.FillAsync("#propose-reason", "连续三年义务清扫楼道，带动邻里参与");
        await page.ClickAsync("[data-action=propose]");
        var entry = page.Locator("[data-entry]").First;
        await Assertions.Expect(entry).ToHaveAttributeAsync("data-status", "proposed");
        await Browser.ScreenshotForDocsAsync(page, "console-points-propose.png");
        var id = Guid.Parse((await entry.GetAttributeAsync("data-entry"))!);

        var pending = await OkAsync(HttpMethod.Get, "/api/v1/honour-board/pending", null, Tokens.For("admin"));
        var waiting = Assert.Single(pending.EnumerateArray(), e => e.GetProperty("id").GetGuid() == id);
        Assert.Equal(volunteerId, waiting.GetProperty("subjectId").GetGuid());
        Assert.Equal("red", waiting.GetProperty("list").GetString());
        Assert.Equal("连续三年义务清扫楼道，带动邻里参与", waiting.GetProperty("reason").GetString());
        Assert.Equal(organiserId.ToString(), await console.Stack.ScalarAsync<string>("volunteer", "SELECT proposed_by FROM honour_board WHERE id = @id", new { id }));
        // Not published before the review.
        using var red = await Volunteer.SendAsync(HttpMethod.Get, "/api/v1/honour-board?list=red", role: null);
        Assert.DoesNotContain((await red.Content.ReadFromJsonAsync<JsonElement>(Ct)).EnumerateArray(), e => e.GetProperty("id").GetGuid() == id);

        // Someone outside the organiser's activities is not found, so cannot be proposed from here.
        var stranger = "旁人" + Guid.NewGuid().ToString("N")[..6];
        await Kit.RegisterAsync(Volunteer, county.Grid, stranger);
        await page.FillAsync("#propose-q", stranger);
        await page.ClickAsync("[data-action=find]");
        await page.Locator("[data-testid=propose-none]").WaitForAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_organiser_verifies_one_volunteers_service_and_rejects_anothers_with_a_reason()
    {
        var county = new TestCounty(workersInGrid: 1);
        await console.Stack.ImportAsync(county);
        var (kept, refused) = (await Kit.RegisterAsync(Volunteer, county.Grid, "核验" + Guid.NewGuid().ToString("N")[..6]),
            await Kit.RegisterAsync(Volunteer, county.Grid, "驳回" + Guid.NewGuid().ToString("N")[..6]));
        var organiserId = Guid.NewGuid();
        var organiserToken = Tokens.For("organiser", subject: organiserId.ToString());
        var activity = await ActivityAsync(county, organiserToken, "小区环境整治", kept, refused);
        foreach (var v in new[] { kept, refused })
        {
            await ScanAsync(activity, v, "check-in", "check_in", organiserToken);
            await ScanAsync(activity, v, "check-out", "check_out", organiserToken);
        }
        var organiser = await console.AccountAsync("organiser", null, organiserId);

        var page = await console.SignInAsync(browser, organiser, "points/activities");
        page.SetDefaultTimeout(30_000);
        await page.Locator($"[data-activity='{activity}'] [data-action=attendance]").ClickAsync();
        await page.WaitForURLAsync($"**/points/activities/{activity}/attendance");
        var first = page.Locator($"[data-volunteer='{kept}']");
        var second = page.Locator($"[data-volunteer='{refused}']");
        await Assertions.Expect(first).ToHaveAttributeAsync("data-status", "checked_out");

        await first.Locator("[data-action=verify]").ClickAsync();
        await Assertions.Expect(first).ToHaveAttributeAsync("data-status", "verified");
        // A rejection without a reason is not sent.
        await second.Locator("[data-action=reject]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=attendance-error]")).ToContainTextAsync("驳回须填写理由");
        await Assertions.Expect(second).ToHaveAttributeAsync("data-status", "checked_out");
        await page.FillAsync($"#reason-{refused}", "现场未见到本人");
        await second.Locator("[data-action=reject]").ClickAsync();
        await Assertions.Expect(second).ToHaveAttributeAsync("data-status", "rejected");
        await Browser.ScreenshotForDocsAsync(page, "console-points-attendance.png");

        var listed = (await OkAsync(HttpMethod.Get, $"/api/v1/activities/{activity}/attendances", null, organiserToken)).EnumerateArray().ToList();
        Assert.Equal("verified", listed.Single(a => a.GetProperty("volunteerId").GetGuid() == kept).GetProperty("status").GetString());
        var rejected = listed.Single(a => a.GetProperty("volunteerId").GetGuid() == refused);
        Assert.Equal(("rejected", "现场未见到本人"), (rejected.GetProperty("status").GetString(), rejected.GetProperty("verdictReason").GetString()));
        Assert.Equal(1L, await console.Stack.ScalarAsync<long>("volunteer",
            "SELECT count(*) FROM outbox_messages WHERE message_type LIKE '%ServiceRecorded' AND body->>'volunteerId' = @id", new { id = kept.ToString() }));

        // Another organiser neither sees nor verifies this activity's attendance.
        using var other = await Volunteer.SendAsync(HttpMethod.Get, $"/api/v1/activities/{activity}/attendances", token: Tokens.For("organiser", subject: Guid.NewGuid().ToString()));
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        await page.Context.CloseAsync();
    }
}
