using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GovPlatform.IntegrationTests.Infrastructure;
using static GovPlatform.IntegrationTests.Volunteer.VolunteerKit;

namespace GovPlatform.IntegrationTests.Volunteer;

/// <summary>Who sees what: volunteers themselves, organisers the people of their own activities, admins all; what is public.</summary>
public sealed class VolunteerAccessTests(SharedStack shared) : IAsyncLifetime
{
    private readonly TestStack _stack = shared.Stack;
    private readonly TestCounty _county = new();
    private HttpClient Api => _stack.Client("volunteer");
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await _stack.ImportAsync(_county);
    public async ValueTask DisposeAsync() => await AssertLedgerInvariantAsync(_stack);

    private static string As(Guid volunteerId) => Tokens.For("volunteer", subject: volunteerId.ToString());

    private async Task<JsonElement> CreatedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    [Fact]
    public async Task An_organiser_sees_and_acts_on_only_the_people_signed_up_to_their_own_activities()
    {
        var (mine, stranger) = (Tokens.For("organiser", subject: $"organiser-{Guid.NewGuid():N}"), Tokens.For("organiser", subject: $"organiser-{Guid.NewGuid():N}"));
        var start = DateTimeOffset.UtcNow.AddDays(1);
        var activity = (await CreatedAsync(await Api.SendAsync(HttpMethod.Post, "/api/v1/activities", new
        {
            title = "重阳节敬老义剪", type = "haircut", gridCode = _county.Grid, startsAt = start, endsAt = start.AddHours(2), capacity = 5,
        }, mine))).GetProperty("id").GetGuid();
        var (helper, outsider) = (await RegisterAsync(Api, _county.Grid), await RegisterAsync(Api, _county.Grid));
        Assert.Equal(HttpStatusCode.Created, (await Api.SendAsync(HttpMethod.Post, $"/api/v1/activities/{activity}/signups", null, As(helper))).StatusCode);
        foreach (var v in new[] { helper, outsider }) Assert.Equal(HttpStatusCode.Created, (await AwardAsync(Api, v, 40)).StatusCode);
        var item = $"G{Guid.NewGuid():N}"[..20];
        await CreatedAsync(await Api.SendAsync(HttpMethod.Post, "/api/v1/supermarket/goods", new { code = item, name = "食用油 5L", pricePoints = 10, stock = 10 }, Tokens.For("admin")));
        var helpersRedemption = (await CreatedAsync(await Api.SendAsync(HttpMethod.Post, "/api/v1/supermarket/redemptions", new { itemCode = item }, As(helper)))).GetProperty("id").GetGuid();
        var outsidersRedemption = (await CreatedAsync(await Api.SendAsync(HttpMethod.Post, "/api/v1/supermarket/redemptions", new { itemCode = item }, As(outsider)))).GetProperty("id").GetGuid();

        async Task<HttpStatusCode> Get(string url, string token) => (await Api.SendAsync(HttpMethod.Get, url, null, token)).StatusCode;

        // The organiser's own volunteer: visible.
        var account = await Api.SendAsync(HttpMethod.Get, $"/api/v1/points/accounts/{helper}", null, mine);
        Assert.Equal(HttpStatusCode.OK, account.StatusCode);
        Assert.Equal(30, (await account.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("balance").GetInt64());
        Assert.Equal(HttpStatusCode.OK, await Get($"/api/v1/volunteers/{helper}", mine));
        Assert.Equal(HttpStatusCode.OK, await Get($"/api/v1/volunteers/{helper}/service-records", mine));
        Assert.Equal(HttpStatusCode.OK, await Get($"/api/v1/supermarket/redemptions/{helpersRedemption}", mine));

        // Someone the organiser has no business with, and the organiser's volunteer seen by another organiser: refused.
        foreach (var (url, token) in new[]
                 {
                     ($"/api/v1/points/accounts/{outsider}", mine), ($"/api/v1/volunteers/{outsider}", mine),
                     ($"/api/v1/volunteers/{outsider}/service-records", mine), ($"/api/v1/supermarket/redemptions/{outsidersRedemption}", mine),
                     ($"/api/v1/supermarket/redemptions?volunteerId={outsider}", mine), ($"/api/v1/points/accounts/{helper}", stranger),
                 })
        {
            var refused = await Api.SendAsync(HttpMethod.Get, url, null, token);
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{url}: {refused.StatusCode}");
            Assert.Equal(403, (await ProblemAsync(refused)).GetProperty("status").GetInt32());
        }
        var listed = await (await Api.SendAsync(HttpMethod.Get, "/api/v1/supermarket/redemptions", null, mine)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal([helpersRedemption], listed.EnumerateArray().Select(r => r.GetProperty("id").GetGuid()));

        // Nor may the organiser mint, spend or refund the outsider's points.
        var award = await Api.SendAsync(HttpMethod.Post, "/api/v1/points/awards", new { volunteerId = outsider, points = 500, reason = "额外奖励", sourceKey = Guid.NewGuid().ToString() }, mine);
        var spend = await Api.SendAsync(HttpMethod.Post, "/api/v1/supermarket/redemptions", new { itemCode = item, volunteerId = outsider }, mine);
        var cancel = await Api.SendAsync(HttpMethod.Post, $"/api/v1/supermarket/redemptions/{outsidersRedemption}/cancel", null, mine);
        var cancelSignup = await Api.SendAsync(HttpMethod.Post, $"/api/v1/activities/{activity}/signups/{helper}/cancel", null, stranger);
        Assert.Equal([HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden],
            new[] { award.StatusCode, spend.StatusCode, cancel.StatusCode, cancelSignup.StatusCode });
        Assert.Equal(30, await BalanceAsync(Api, outsider));
        Assert.Equal("reserved", await _stack.ScalarAsync<string>("volunteer", "SELECT status FROM redemptions WHERE id = @outsidersRedemption", new { outsidersRedemption }));
        Assert.Equal("confirmed", await _stack.ScalarAsync<string>("volunteer",
            "SELECT status FROM signups WHERE activity_id = @activity AND volunteer_id = @helper", new { activity, helper }));

        // But the organiser may reward their own volunteer, and an admin sees everyone.
        Assert.Equal(HttpStatusCode.Created, (await Api.SendAsync(HttpMethod.Post, "/api/v1/points/awards",
            new { volunteerId = helper, points = 5, reason = "服务认真", sourceKey = Guid.NewGuid().ToString() }, mine)).StatusCode);
        Assert.Equal(35, await BalanceAsync(Api, helper));
        Assert.Equal(HttpStatusCode.OK, await Get($"/api/v1/points/accounts/{outsider}", Tokens.For("admin")));

        // Once the volunteer withdraws, the organiser has no business with them any more.
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(HttpMethod.Post, $"/api/v1/activities/{activity}/signups/{helper}/cancel", null, mine)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, await Get($"/api/v1/points/accounts/{helper}", mine));
    }

    [Fact]
    public async Task Registration_units_and_unit_figures_need_a_token_while_the_noticeboards_are_public()
    {
        var phone = Phone();
        object Resident() => new { name = "孙桂英", phone, gridCode = _county.Grid };

        var anonymous = await Api.PostAsJsonAsync("/api/v1/volunteers", Resident(), Ct);
        var byVolunteer = await Api.SendAsync(HttpMethod.Post, "/api/v1/volunteers", Resident(), Tokens.For("volunteer"));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, byVolunteer.StatusCode);
        Assert.Equal(0, await _stack.ScalarAsync<long>("volunteer", "SELECT count(*) FROM volunteers WHERE phone = @phone", new { phone }));
        var registered = await CreatedAsync(await Api.SendAsync(HttpMethod.Post, "/api/v1/volunteers", Resident(), Tokens.For("organiser")));
        Assert.Equal($"{phone[..3]}****{phone[7..]}", registered.GetProperty("phone").GetString());
        var twice = await Api.SendAsync(HttpMethod.Post, "/api/v1/volunteers", Resident(), Tokens.For("organiser"));
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        Assert.Equal(409, (await ProblemAsync(twice)).GetProperty("status").GetInt32());

        var unit = (await CreatedAsync(await Api.SendAsync(HttpMethod.Post, "/api/v1/units", new { name = $"县教育局{Guid.NewGuid():N}"[..16], kind = "government" }, Tokens.For("admin"))))
            .GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.Unauthorized, (await Api.GetAsync("/api/v1/units", Ct)).StatusCode);
        var units = await Api.SendAsync(HttpMethod.Get, "/api/v1/units", null, Tokens.For("volunteer"));
        Assert.Contains((await units.Content.ReadFromJsonAsync<JsonElement>(Ct)).EnumerateArray(), u => u.GetProperty("id").GetGuid() == unit);

        Assert.Equal(HttpStatusCode.Unauthorized, (await Api.GetAsync("/api/v1/units/figures", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Api.SendAsync(HttpMethod.Get, "/api/v1/units/figures", null, Tokens.For("volunteer"))).StatusCode);
        var figures = await Api.SendAsync(HttpMethod.Get, "/api/v1/units/figures", null, Tokens.For("leader"));
        Assert.Equal(0, (await figures.Content.ReadFromJsonAsync<JsonElement>(Ct)).EnumerateArray()
            .Single(u => u.GetProperty("unitId").GetGuid() == unit).GetProperty("membersReported").GetInt32());

        // The community noticeboard: rankings and the red and black lists are public, with names masked.
        var volunteer = registered.GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.Created, (await AwardAsync(Api, volunteer, 9000)).StatusCode);
        var name = await Eventually.Get(async () =>
        {
            var rows = await Api.GetFromJsonAsync<JsonElement>("/api/v1/leaderboards/person?top=100", Ct);
            return rows.EnumerateArray().Where(r => r.GetProperty("id").GetString() == volunteer.ToString()).Select(r => r.GetProperty("name").GetString()).FirstOrDefault();
        }, "the volunteer on the public leaderboard");
        Assert.Equal("孙**", name);
        var honour = await Api.GetAsync("/api/v1/honour-board?list=red", Ct);
        Assert.Equal(HttpStatusCode.OK, honour.StatusCode);
        Assert.Equal(JsonValueKind.Array, (await honour.Content.ReadFromJsonAsync<JsonElement>(Ct)).ValueKind);
    }
}
