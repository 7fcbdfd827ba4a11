using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GovPlatform.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using static GovPlatform.IntegrationTests.Volunteer.VolunteerKit;

namespace GovPlatform.IntegrationTests.Volunteer;

/// <summary>Leaderboards in Redis fed from the ledger, and the red and black lists (红黑榜).</summary>
public sealed class RecognitionTests(SharedStack shared) : IAsyncLifetime
{
    private readonly TestStack _stack = shared.Stack;
    private readonly TestCounty _county = new();
    private HttpClient Api => _stack.Client("volunteer");
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await _stack.ImportAsync(_county);
    public async ValueTask DisposeAsync() => await AssertLedgerInvariantAsync(_stack);

    private async Task<Guid> CreateAsync(string url, object body)
    {
        var response = await Api.SendAsync(HttpMethod.Post, url, body, Tokens.For("admin"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
    }

    /// <summary>The points of the given members on a board, once every one of them shows the expected figure.</summary>
    private Task<Dictionary<string, (long Points, string Name)>> BoardAsync(string board, Dictionary<string, long> expected) =>
        Eventually.Get(async () =>
        {
            var rows = await Api.GetFromJsonAsync<JsonElement>($"/api/v1/leaderboards/{board}?top=100", Ct);
            var ours = rows.EnumerateArray().Where(r => expected.ContainsKey(r.GetProperty("id").GetString()!))
                .ToDictionary(r => r.GetProperty("id").GetString()!, r => (r.GetProperty("points").GetInt64(), r.GetProperty("name").GetString()!));
            return expected.All(e => ours.TryGetValue(e.Key, out var v) && v.Item1 == e.Value) ? ours : null;
        }, $"the {board} leaderboard");

    [Fact]
    public async Task Leaderboards_rank_people_teams_units_and_grids_by_points_earned_and_are_rebuilt_when_redis_is_emptied()
    {
        var (unitA, unitB) = (await CreateAsync("/api/v1/units", new { name = $"县司法局{Guid.NewGuid():N}"[..16], kind = "government" }),
                              await CreateAsync("/api/v1/units", new { name = $"供电公司{Guid.NewGuid():N}"[..16], kind = "enterprise" }));
        var a = await RegisterAsync(Api, _county.Grid, name: "陈红梅", partyMember: true);
        var b = await RegisterAsync(Api, _county.Grid, name: "刘强", partyMember: true);
        var c = await RegisterAsync(Api, _county.Grid, name: "周敏");
        foreach (var (who, unit) in new[] { (a, unitA), (b, unitB) })
            Assert.Equal(HttpStatusCode.Created, (await Api.SendAsync(HttpMethod.Put, $"/api/v1/volunteers/{who}/double-report",
                new { unitId = unit, communityCode = _county.Community }, Tokens.For("admin"))).StatusCode);
        var team = await CreateAsync("/api/v1/teams", new { name = "夜巡队", kind = "night_patrol", communityCode = _county.Community, leaderId = a });
        await Api.SendAsync(HttpMethod.Post, $"/api/v1/teams/{team}/members", new { volunteerId = c }, Tokens.For("admin"));
        await AwardAsync(Api, a, 5000);
        await AwardAsync(Api, b, 3000);
        await AwardAsync(Api, c, 2500);
        // Large figures so these people rank in the top 100 of a ledger other tests share.
        // A correction counts (it fixes what was earned); spending would not.
        await Api.SendAsync(HttpMethod.Post, "/api/v1/points/corrections", new { volunteerId = c, points = -500, reason = "重复计分" }, Tokens.For("admin"));

        var people = await BoardAsync("person", new() { [$"{a}"] = 5000, [$"{b}"] = 3000, [$"{c}"] = 2000 });
        await BoardAsync("team", new() { [$"{team}"] = 7000 });
        await BoardAsync("unit", new() { [$"{unitA}"] = 5000, [$"{unitB}"] = 3000 });
        await BoardAsync("grid", new() { [_county.Grid] = 10000 });
        Assert.Equal("陈**", people[$"{a}"].Name);

        // Redis loses everything of this deployment: the boards come back from the ledger.
        var redis = _stack.Provider("volunteer").GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        var prefix = $"volunteer:{_stack.Database("volunteer")}:leaderboard:";
        await redis.KeyDeleteAsync(new[] { "person", "team", "unit", "grid", "checkpoint" }.Select(k => (RedisKey)(prefix + k)).ToArray());
        Assert.Null(await redis.SortedSetScoreAsync(prefix + "person", a.ToString()));

        await BoardAsync("person", new() { [$"{a}"] = 5000, [$"{b}"] = 3000, [$"{c}"] = 2000 });
        await BoardAsync("team", new() { [$"{team}"] = 7000 });
        Assert.Equal(5000, await redis.SortedSetScoreAsync(prefix + "person", a.ToString()));

        var bad = await Api.GetAsync("/api/v1/leaderboards/building?top=1000", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(["board", "top"], (await ProblemAsync(bad)).GetProperty("errors").EnumerateObject().Select(p => p.Name).Order());
    }

    [Fact]
    public async Task A_red_or_black_list_entry_is_published_only_after_another_admin_approves_it()
    {
        var volunteer = await RegisterAsync(Api, _county.Grid, name: "黄志强");
        var proposer = Tokens.For("organiser", subject: "organiser-li");
        var proposed = await Api.SendAsync(HttpMethod.Post, "/api/v1/honour-board",
            new { list = "red", subjectKind = "volunteer", subjectId = volunteer, reason = "连续三个月参加夜间巡逻" }, proposer);
        Assert.Equal(HttpStatusCode.Created, proposed.StatusCode);
        var id = (await proposed.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();

        var before = await Api.GetFromJsonAsync<JsonElement>("/api/v1/honour-board?list=red", Ct);
        var selfReview = await Api.SendAsync(HttpMethod.Post, $"/api/v1/honour-board/{id}/review", new { approve = true }, Tokens.For("admin", subject: "organiser-li"));
        var approved = await Api.SendAsync(HttpMethod.Post, $"/api/v1/honour-board/{id}/review", new { approve = true, note = "属实" }, Tokens.For("admin", subject: "admin-zhang"));
        var again = await Api.SendAsync(HttpMethod.Post, $"/api/v1/honour-board/{id}/review", new { approve = false }, Tokens.For("admin", subject: "admin-wu"));
        var after = await Api.GetFromJsonAsync<JsonElement>("/api/v1/honour-board?list=red", Ct);
        var bad = await Api.SendAsync(HttpMethod.Post, "/api/v1/honour-board", new { list = "green", subjectKind = "unit", subjectId = Guid.NewGuid(), reason = "" }, proposer);

        Assert.DoesNotContain(before.EnumerateArray(), e => e.GetProperty("id").GetGuid() == id);
        Assert.Equal(HttpStatusCode.Forbidden, selfReview.StatusCode);
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("approved", (await ProblemAsync(again)).GetProperty("status").GetString());
        var published = Assert.Single(after.EnumerateArray(), e => e.GetProperty("id").GetGuid() == id);
        Assert.Equal("黄**", published.GetProperty("subjectName").GetString());
        Assert.Equal("连续三个月参加夜间巡逻", published.GetProperty("reason").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(["list", "reason", "subjectId"], (await ProblemAsync(bad)).GetProperty("errors").EnumerateObject().Select(p => p.Name).Order());
    }
}
