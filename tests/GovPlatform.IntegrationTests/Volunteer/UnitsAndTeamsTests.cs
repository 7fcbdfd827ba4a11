using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GovPlatform.IntegrationTests.Infrastructure;
using static GovPlatform.IntegrationTests.Volunteer.VolunteerKit;

namespace GovPlatform.IntegrationTests.Volunteer;

/// <summary>Units, double reporting (双报到) and service teams.</summary>
public sealed class UnitsAndTeamsTests(SharedStack shared) : IAsyncLifetime
{
    private readonly TestStack _stack = shared.Stack;
    private readonly TestCounty _county = new();
    private HttpClient Api => _stack.Client("volunteer");
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await _stack.ImportAsync(_county);
    public async ValueTask DisposeAsync() => await AssertLedgerInvariantAsync(_stack);

    private async Task<Guid> UnitAsync(string kind = "government")
    {
        var response = await Api.SendAsync(HttpMethod.Post, "/api/v1/units", new { name = $"县民政局-{Guid.NewGuid():N}"[..20], kind }, Tokens.For("admin"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
    }

    private Task<HttpResponseMessage> ReportAsync(Guid volunteerId, Guid unitId, string communityCode) =>
        Api.SendAsync(HttpMethod.Put, $"/api/v1/volunteers/{volunteerId}/double-report", new { unitId, communityCode },
            Tokens.For("volunteer", subject: volunteerId.ToString()));

    private Task<long> ReportedEventsAsync(Guid volunteerId) =>
        _stack.ScalarAsync<long>("volunteer", "SELECT count(*) FROM outbox_messages WHERE message_type LIKE '%PartyMemberReported' AND body->>'volunteerId' = @id",
            new { id = volunteerId.ToString() });

    [Fact]
    public async Task A_party_member_reports_to_their_unit_and_home_community_once_and_a_job_change_replaces_the_unit()
    {
        var (unit, newUnit) = (await UnitAsync(), await UnitAsync("enterprise"));
        var member = await RegisterAsync(Api, _county.Grid, partyMember: true);

        var first = await ReportAsync(member, unit, _county.Community);
        var repeat = await ReportAsync(member, unit, _county.Community);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var report = await first.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(unit, report.GetProperty("unitId").GetGuid());
        Assert.Equal(_county.Community, report.GetProperty("communityCode").GetString());
        Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
        Assert.Equal(1, await ReportedEventsAsync(member));

        var moved = await ReportAsync(member, newUnit, _county.Community);
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        Assert.Equal(newUnit, (await moved.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("unitId").GetGuid());
        Assert.Equal(2, await ReportedEventsAsync(member));

        // Points awarded from now on carry the unit, so reporting can rank units.
        await AwardAsync(Api, member, 5);
        using var awarded = JsonDocument.Parse(await _stack.ScalarAsync<string>("volunteer",
            "SELECT body::text FROM outbox_messages WHERE message_type LIKE '%PointsAwarded' AND body->>'volunteerId' = @id", new { id = member.ToString() }));
        Assert.Equal(newUnit, awarded.RootElement.GetProperty("unitId").GetGuid());

        var units = await (await Api.SendAsync(HttpMethod.Get, "/api/v1/units", null, Tokens.For("volunteer", subject: member.ToString()))).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(1, units.EnumerateArray().Single(u => u.GetProperty("id").GetGuid() == newUnit).GetProperty("membersReported").GetInt32());
        Assert.Equal(0, units.EnumerateArray().Single(u => u.GetProperty("id").GetGuid() == unit).GetProperty("membersReported").GetInt32());
    }

    [Fact]
    public async Task Double_reporting_is_refused_to_non_members_to_other_communities_and_for_someone_else()
    {
        var unit = await UnitAsync();
        var resident = await RegisterAsync(Api, _county.Grid, partyMember: false);
        var member = await RegisterAsync(Api, _county.Grid, partyMember: true);
        var elsewhere = new TestCounty();
        await _stack.ImportAsync(elsewhere);

        var notMember = await ReportAsync(resident, unit, _county.Community);
        var wrongPlace = await Api.SendAsync(HttpMethod.Put, $"/api/v1/volunteers/{member}/double-report",
            new { unitId = Guid.NewGuid(), communityCode = elsewhere.Community }, Tokens.For("volunteer", subject: member.ToString()));
        var forSomeoneElse = await Api.SendAsync(HttpMethod.Put, $"/api/v1/volunteers/{member}/double-report",
            new { unitId = unit, communityCode = _county.Community }, Tokens.For("volunteer", subject: resident.ToString()));

        Assert.Equal(HttpStatusCode.Conflict, notMember.StatusCode);
        Assert.False((await ProblemAsync(notMember)).GetProperty("partyMember").GetBoolean());
        Assert.Equal(HttpStatusCode.BadRequest, wrongPlace.StatusCode);
        Assert.Equal(["communityCode", "unitId"], (await ProblemAsync(wrongPlace)).GetProperty("errors").EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(HttpStatusCode.Forbidden, forSomeoneElse.StatusCode);
        Assert.Equal(0, await _stack.ScalarAsync<long>("volunteer", "SELECT count(*) FROM party_member_reports WHERE volunteer_id IN (@resident, @member)", new { resident, member }));
    }

    [Fact]
    public async Task A_team_has_its_leader_as_first_member_and_lists_members_with_masked_names()
    {
        var leader = await RegisterAsync(Api, _county.Grid, name: "王建国", partyMember: true);
        var member = await RegisterAsync(Api, _county.Grid, name: "赵丽");
        var organiser = Tokens.For("organiser");

        var created = await Api.SendAsync(HttpMethod.Post, "/api/v1/teams", new { name = "红色服务队", kind = "red_service", communityCode = _county.Community, leaderId = leader }, organiser);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var teamId = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        await Api.SendAsync(HttpMethod.Post, $"/api/v1/teams/{teamId}/members", new { volunteerId = member }, organiser);
        var twice = await Api.SendAsync(HttpMethod.Post, $"/api/v1/teams/{teamId}/members", new { volunteerId = member }, organiser);
        var duplicateName = await Api.SendAsync(HttpMethod.Post, "/api/v1/teams", new { name = "红色服务队", kind = "night_patrol", communityCode = _county.Community, leaderId = member }, organiser);
        var bad = await Api.SendAsync(HttpMethod.Post, "/api/v1/teams", new { name = "", kind = "choir", communityCode = _county.Grid, leaderId = Guid.NewGuid() }, organiser);
        var byVolunteer = await Api.SendAsync(HttpMethod.Post, "/api/v1/teams", new { name = "自封队", kind = "other", communityCode = _county.Community, leaderId = member },
            Tokens.For("volunteer", subject: member.ToString()));

        Assert.Equal(HttpStatusCode.OK, twice.StatusCode);
        var team = await twice.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var members = team.GetProperty("members").EnumerateArray().Select(m => (m.GetProperty("name").GetString(), m.GetProperty("leader").GetBoolean())).ToList();
        Assert.Equal([("王**", true), ("赵*", false)], members);
        Assert.Equal(HttpStatusCode.Conflict, duplicateName.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(["communityCode", "kind", "leaderId", "name"], (await ProblemAsync(bad)).GetProperty("errors").EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(HttpStatusCode.Forbidden, byVolunteer.StatusCode);
        Assert.Equal(1, await _stack.ScalarAsync<long>("volunteer", "SELECT count(*) FROM teams WHERE community_code = @c", new { c = _county.Community }));
    }
}
