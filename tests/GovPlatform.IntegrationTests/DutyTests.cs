using System.Net;
using System.Text.Json;
using GovPlatform.Contracts;
using GovPlatform.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace GovPlatform.IntegrationTests;

/// <summary>One dispatch whose clock the tests move and whose duty sweep looks often.</summary>
public sealed class DutyStack : IAsyncLifetime
{
    public FakeClock Clock { get; } = new();
    public TestStack Stack { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Stack = await TestStack.CreateAsync();
        Stack.Start("dispatch", new Dictionary<string, string?> { ["Duty:SweepInterval"] = "00:00:00.05" },
            services => services.AddSingleton<TimeProvider>(Clock));
    }

    public ValueTask DisposeAsync() => Stack.DisposeAsync();
}

/// <summary>
/// On-duty status and open load: Postgres holds the truth, Redis the copy routing reads; heartbeats keep a
/// worker on duty, a lapsed one takes them off (with an event), and routing never picks someone either says is off.
/// </summary>
public sealed class DutyTests(DutyStack fixture) : IClassFixture<DutyStack>
{
    private readonly TestStack _stack = fixture.Stack;
    private readonly FakeClock _clock = fixture.Clock;
    private readonly DispatchDriver _dispatch = new(fixture.Stack);
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private IDatabase Redis => _stack.Provider("dispatch").GetRequiredService<IConnectionMultiplexer>().GetDatabase();
    private string Key(string name) => $"dispatch:{_stack.Database("dispatch")}:{name}";

    private async Task<(TestCounty County, Guid[] Workers, Guid Leader)> CountyAsync(int workers = 2)
    {
        var county = new TestCounty(workers);
        await _stack.ImportAsync(county);
        var ids = new List<Guid>();
        foreach (var w in county.Import.Workers!.Where(w => w.Role == "grid_worker")) ids.Add(await _dispatch.WorkerIdAsync(w.Phone));
        var leader = await _dispatch.WorkerIdAsync(county.Import.Workers!.Single(w => w.Role == "grid_leader").Phone);
        // The copy exists once the sweeper has built it at start-up.
        await Eventually.True(async () => await Redis.KeyExistsAsync(Key("ready")), "the duty copy in Redis");
        return (county, ids.ToArray(), leader);
    }

    private static string WorkerToken(Guid id, string role = "grid_worker", string? scope = null) =>
        Tokens.For(role, scopeNode: scope, subject: id.ToString());

    private async Task<IReadOnlyList<JsonElement>> DutyEventsAsync(Guid workerId)
    {
        var bodies = await _stack.QueryAsync<string>("dispatch",
            "SELECT body::text FROM outbox_messages WHERE message_type = 'GovPlatform.Contracts.WorkerDutyChanged' AND body->>'workerId' = @id ORDER BY id",
            new { id = workerId.ToString() });
        return bodies.Select(b => JsonDocument.Parse(b).RootElement.Clone()).ToList();
    }

    private static JsonElement Explanation(JsonElement order) =>
        JsonDocument.Parse(order.GetProperty("history").EnumerateArray().First(h => h.GetProperty("action").GetString() == "assigned")
            .GetProperty("detail").GetString()!).RootElement.Clone();

    [Fact]
    public async Task When_a_heartbeat_lapses_the_worker_goes_off_duty_with_an_event_and_gets_no_new_work()
    {
        var (county, workers, _) = await CountyAsync();
        var (first, second) = (workers[0], workers[1]);

        using var beat = await _dispatch.SendAsync(HttpMethod.Post, "/api/v1/workers/me/heartbeat", WorkerToken(first));
        var status = await beat.JsonAsync();
        Assert.Equal(HttpStatusCode.OK, beat.StatusCode);
        Assert.True(status.GetProperty("onDuty").GetBoolean());
        Assert.Equal(_clock.GetUtcNow().AddMinutes(10), status.GetProperty("heartbeatDueBy").GetDateTimeOffset(), TimeSpan.FromMilliseconds(1));
        Assert.StartsWith("on:", (string?)await Redis.HashGetAsync(Key("duty"), first.ToString()));
        Assert.Empty(await DutyEventsAsync(first)); // already on duty by the roster: nothing flipped

        _clock.Advance(TimeSpan.FromMinutes(11));

        var off = await Eventually.Get(async () => (await DutyEventsAsync(first)).SingleOrDefault() is { ValueKind: JsonValueKind.Object } e ? new[] { e } : null,
            "the lapsed heartbeat's WorkerDutyChanged");
        Assert.False(off[0].GetProperty("onDuty").GetBoolean());
        Assert.Equal(county.Grid, off[0].GetProperty("nodeCode").GetString());
        Assert.False(await _stack.ScalarAsync<bool>("dispatch", "SELECT on_duty FROM workers WHERE id = @first", new { first }));
        Assert.Equal("off", (string?)await Redis.HashGetAsync(Key("duty"), first.ToString()));

        for (var i = 0; i < 3; i++)
        {
            var order = await _dispatch.OrderForAsync(await _dispatch.SubmitAsync(county));
            Assert.Equal(second, order.GetProperty("assigneeId").GetGuid());
        }
        var lastOrder = await _dispatch.GetAsync(await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(county)));
        var excluded = Explanation(lastOrder).GetProperty("candidates").EnumerateArray().Single(c => c.GetProperty("id").GetGuid() == first);
        Assert.False(excluded.GetProperty("eligible").GetBoolean());
        Assert.Equal("off duty", excluded.GetProperty("excludedBecause").GetString());

        using var back = await _dispatch.SendAsync(HttpMethod.Post, "/api/v1/workers/me/heartbeat", WorkerToken(first));
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        var events = await DutyEventsAsync(first);
        Assert.Equal(new[] { false, true }, events.Select(e => e.GetProperty("onDuty").GetBoolean()));
    }

    [Fact]
    public async Task Routing_never_picks_someone_the_redis_copy_says_is_off_or_lapsed_even_when_postgres_says_on_duty()
    {
        var (county, workers, leader) = await CountyAsync();
        await Redis.HashSetAsync(Key("duty"), workers[0].ToString(), "off");
        var lapsed = _clock.GetUtcNow().AddMinutes(-20).ToUnixTimeMilliseconds();
        await Redis.HashSetAsync(Key("duty"), workers[1].ToString(), $"on:{lapsed}");

        var order = await _dispatch.GetAsync(await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(county)));

        Assert.Equal("grid_leader", order.GetProperty("assigneeKind").GetString());
        Assert.Equal(leader, order.GetProperty("assigneeId").GetGuid());
        var explanation = Explanation(order);
        Assert.Equal("redis", explanation.GetProperty("dutySource").GetString());
        var reasons = explanation.GetProperty("candidates").EnumerateArray()
            .ToDictionary(c => c.GetProperty("id").GetGuid(), c => c.GetProperty("excludedBecause").GetString());
        Assert.Equal("off duty in the duty copy (Redis)", reasons[workers[0]]);
        Assert.StartsWith("heartbeat lapsed in the duty copy", reasons[workers[1]]);
        Assert.Null(reasons[leader]);
    }

    [Fact]
    public async Task Concurrent_assignments_in_one_grid_see_each_others_load_and_the_redis_counters_match_postgres()
    {
        var (county, workers, _) = await CountyAsync();

        var requests = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => _dispatch.SubmitAsync(county)));
        var orders = await Task.WhenAll(requests.Select(_dispatch.OrderForAsync));

        var perWorker = orders.GroupBy(o => o.GetProperty("assigneeId").GetGuid()).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(5, perWorker[workers[0]]);
        Assert.Equal(5, perWorker[workers[1]]);
        foreach (var w in workers)
            Assert.Equal(5, (long)await Redis.HashGetAsync(Key("load"), w.ToString()));
    }

    [Fact]
    public async Task A_closed_order_brings_its_workers_load_down_and_a_lost_copy_is_rebuilt_from_postgres()
    {
        var (county, workers, _) = await CountyAsync();
        var firstRequest = await _dispatch.SubmitAsync(county);
        var first = await _dispatch.OrderForAsync(firstRequest);
        var second = await _dispatch.OrderForAsync(await _dispatch.SubmitAsync(county));
        Assert.NotEqual(first.GetProperty("assigneeId").GetGuid(), second.GetProperty("assigneeId").GetGuid());
        var busy = first.GetProperty("assigneeId").GetGuid();
        Assert.Equal(1, (long)await Redis.HashGetAsync(Key("load"), busy.ToString()));

        await _dispatch.PublishAsync(new RequestClosed(firstRequest, "satisfied", DateTimeOffset.UtcNow));
        await Eventually.True(async () => (long)await Redis.HashGetAsync(Key("load"), busy.ToString()) == 0, "the closed order's load to leave Redis");

        await Redis.KeyDeleteAsync([Key("duty"), Key("load"), Key("ready")]);
        var third = await _dispatch.OrderForAsync(await _dispatch.SubmitAsync(county));

        Assert.Equal(busy, third.GetProperty("assigneeId").GetGuid()); // the one whose order was closed has none open
        Assert.True(await Redis.KeyExistsAsync(Key("ready")));
        foreach (var w in workers)
        {
            var open = await _stack.ScalarAsync<long>("dispatch",
                "SELECT count(*) FROM work_orders WHERE assignee_id = @w AND status NOT IN ('resolved', 'closed')", new { w });
            Assert.Equal(open, (long)await Redis.HashGetAsync(Key("load"), w.ToString()));
            Assert.Equal(1, open);
        }
    }

    [Fact]
    public async Task Only_the_worker_their_leader_or_an_admin_may_change_their_duty()
    {
        var (county, workers, leader) = await CountyAsync();
        var target = workers[0];

        using var byColleague = await _dispatch.SendAsync(HttpMethod.Post, $"/api/v1/workers/{target}/duty", WorkerToken(workers[1]), new { onDuty = false });
        using var otherGridLeader = await _dispatch.SendAsync(HttpMethod.Post, $"/api/v1/workers/{target}/duty",
            WorkerToken(Guid.NewGuid(), "grid_leader", county.EmptyGrid), new { onDuty = false });
        using var noValue = await _dispatch.SendAsync(HttpMethod.Post, $"/api/v1/workers/{target}/duty", DispatchDriver.Admin, new { });
        using var stranger = await _dispatch.SendAsync(HttpMethod.Post, "/api/v1/workers/me/heartbeat", WorkerToken(Guid.NewGuid()));

        Assert.Equal(HttpStatusCode.Forbidden, byColleague.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherGridLeader.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noValue.StatusCode);
        Assert.True((await noValue.JsonAsync()).GetProperty("errors").TryGetProperty("onDuty", out _));
        Assert.Equal(HttpStatusCode.NotFound, stranger.StatusCode);
        Assert.Empty(await DutyEventsAsync(target));

        using var byLeader = await _dispatch.SendAsync(HttpMethod.Post, $"/api/v1/workers/{target}/duty",
            WorkerToken(leader, "grid_leader", county.Grid), new { onDuty = false });
        Assert.Equal(HttpStatusCode.OK, byLeader.StatusCode);
        Assert.False((await byLeader.JsonAsync()).GetProperty("onDuty").GetBoolean());
        var e = Assert.Single(await DutyEventsAsync(target));
        Assert.False(e.GetProperty("onDuty").GetBoolean());
        Assert.Equal("grid_worker", e.GetProperty("role").GetString());

        using var list = await _dispatch.SendAsync(HttpMethod.Get, $"/api/v1/workers?under={county.Grid}", WorkerToken(leader, "grid_leader", county.Grid));
        var listed = (await list.JsonAsync()).EnumerateArray().Single(w => w.GetProperty("id").GetGuid() == target);
        Assert.False(listed.GetProperty("onDuty").GetBoolean());
        Assert.Contains("****", listed.GetProperty("phone").GetString());
    }
}
