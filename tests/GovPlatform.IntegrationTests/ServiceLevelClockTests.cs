using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GovPlatform.Contracts;
using GovPlatform.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace GovPlatform.IntegrationTests;

/// <summary>One dispatch whose clock the tests move; tests in this class run one after another, each in its own county.</summary>
public sealed class ClockStack : IAsyncLifetime
{
    public FakeClock Clock { get; } = new();
    public TestStack Stack { get; private set; } = null!;

    /// <summary>The scheduler looks often, so a due deadline is seen within a poll of moving the clock.</summary>
    public static readonly Dictionary<string, string?> FastClocks = new() { ["Clocks:PollInterval"] = "00:00:00.05" };

    public async ValueTask InitializeAsync()
    {
        Stack = await TestStack.CreateAsync();
        Stack.Start("dispatch", FastClocks, services => services.AddSingleton<TimeProvider>(Clock));
    }

    public ValueTask DisposeAsync() => Stack.DisposeAsync();
}

/// <summary>
/// Service-level clocks: deadlines live in Postgres, fire once, and every miss moves the order a
/// tier up (compound → community → subdistrict → county), each tier with its own clocks.
/// </summary>
public sealed class ServiceLevelClockTests(ClockStack fixture) : IClassFixture<ClockStack>
{
    private readonly TestStack _stack = fixture.Stack;
    private readonly FakeClock _clock = fixture.Clock;
    private readonly DispatchDriver _dispatch = new(fixture.Stack);
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    // A compound-tier category, so the order starts in the grid and every tier's clocks are ahead of it.
    private async Task<(TestCounty County, Guid OrderId)> AssignedOrderAsync(string category = "noise")
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        return (county, await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(county, category)));
    }

    private Task<IReadOnlyList<JsonElement>> MissedAsync(Guid orderId) => _dispatch.EventsAsync(nameof(DeadlineMissed), orderId);

    private async Task<string> TierAfterAsync(Guid orderId, int escalations)
    {
        await Eventually.True(async () => (await _dispatch.EventsAsync(nameof(WorkOrderEscalated), orderId)).Count == escalations,
            $"{escalations} escalation(s) of {orderId}");
        return (await _dispatch.GetAsync(orderId)).GetProperty("tier").GetString()!;
    }

    [Fact]
    public async Task When_the_accept_minute_passes_the_deadline_fires_once_and_the_community_gets_the_order()
    {
        var (_, orderId) = await AssignedOrderAsync();

        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal("compound", await TierAfterAsync(orderId, 0));
        _clock.Advance(TimeSpan.FromSeconds(31));

        Assert.Equal("community", await TierAfterAsync(orderId, 1));
        var missed = Assert.Single(await MissedAsync(orderId));
        Assert.Equal("accept", missed.GetProperty("clock").GetString());
        Assert.Equal("compound", missed.GetProperty("tier").GetString());
        var order = await _dispatch.GetAsync(orderId);
        Assert.Equal("assigned", order.GetProperty("status").GetString());
        Assert.Equal("community", order.GetProperty("assigneeKind").GetString());
        Assert.Equal("锦园社区", order.GetProperty("assigneeName").GetString());
        var escalated = order.GetProperty("history").EnumerateArray().Single(h => h.GetProperty("action").GetString() == "escalated");
        using var detail = JsonDocument.Parse(escalated.GetProperty("detail").GetString()!);
        Assert.Equal("community_cadre", detail.RootElement.GetProperty("responsibleRole").GetString());
        // The compound's other clocks were cancelled with the move, so they can never fire.
        Assert.Equal(0, await _stack.ScalarAsync<long>("dispatch",
            "SELECT count(*) FROM work_order_deadlines WHERE work_order_id = @orderId AND tier = 'compound' AND state = 'pending'", new { orderId }));
    }

    [Fact]
    public async Task A_missed_clock_at_every_tier_carries_the_order_up_to_the_county_and_no_further()
    {
        var (county, orderId) = await AssignedOrderAsync();

        var tiers = new List<string>();
        for (var i = 1; i <= 3; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(61));
            tiers.Add(await TierAfterAsync(orderId, i));
        }
        Assert.Equal(["community", "subdistrict", "county"], tiers);
        var escalations = await _dispatch.EventsAsync(nameof(WorkOrderEscalated), orderId);
        Assert.Equal(["湄江街道", "测试县"], escalations.Skip(1).Select(e => e.GetProperty("toName").GetString()));

        // At the county the next miss is recorded, but there is no tier left to move to.
        _clock.Advance(TimeSpan.FromSeconds(61));
        await Eventually.True(async () => (await MissedAsync(orderId)).Count == 4, "the county's missed accept");
        Assert.Equal("county", (await _dispatch.GetAsync(orderId)).GetProperty("tier").GetString());
        Assert.Equal(3, (await _dispatch.EventsAsync(nameof(WorkOrderEscalated), orderId)).Count);
        Assert.Equal(["compound", "community", "subdistrict", "county"], (await MissedAsync(orderId)).Select(m => m.GetProperty("tier").GetString()));
        // A cadre may no longer act on a county order; the county may.
        using var byCadre = await _dispatch.ActAsync(orderId, "accept", Tokens.For("community_cadre", county.Community));
        Assert.Equal(HttpStatusCode.Forbidden, byCadre.StatusCode);
        using var atTop = await _dispatch.ActAsync(orderId, "escalate", DispatchDriver.Admin, new { reason = "再上报" });
        Assert.Equal(HttpStatusCode.Conflict, atTop.StatusCode);
    }

    private async Task<IReadOnlyList<(string Clock, string Tier)>> MissesAsync(Guid orderId) =>
        (await MissedAsync(orderId)).Select(m => (m.GetProperty("clock").GetString()!, m.GetProperty("tier").GetString()!)).ToList();

    /// <summary>Proves the scheduler has looked since the clock last moved: a fresh order's accept minute fires.</summary>
    private async Task SchedulerHasRunAsync()
    {
        var (_, probe) = await AssignedOrderAsync();
        _clock.Advance(TimeSpan.FromSeconds(61));
        await TierAfterAsync(probe, 1);
    }

    [Theory]
    [InlineData("arrive", 30)]
    [InlineData("resolve", 60)]
    [InlineData("plan", 240)]
    public async Task A_missed_step_clock_at_the_compound_escalates_the_order_to_the_community(string clock, int minutes)
    {
        var (county, orderId) = await AssignedOrderAsync();
        var worker = Tokens.For("grid_worker", county.Grid);
        await _dispatch.ActOkAsync(orderId, "accept", worker);
        // Meeting every earlier step leaves only the clock under test to run out; judged complex, the fix clock gives way to the plan.
        if (clock != "arrive") await _dispatch.ActOkAsync(orderId, "arrive", worker, new { complex = clock == "plan" });

        _clock.Advance(TimeSpan.FromMinutes(minutes - 2));
        await SchedulerHasRunAsync(); // now a minute short of the deadline
        Assert.Empty(await MissedAsync(orderId));
        _clock.Advance(TimeSpan.FromSeconds(60));

        Assert.Equal("community", await TierAfterAsync(orderId, 1));
        Assert.Equal([(clock, "compound")], await MissesAsync(orderId));
        var escalated = Assert.Single(await _dispatch.EventsAsync(nameof(WorkOrderEscalated), orderId));
        Assert.Equal(("compound", "community"), (escalated.GetProperty("fromTier").GetString(), escalated.GetProperty("toTier").GetString()));
        Assert.Contains(clock, escalated.GetProperty("reason").GetString());
        Assert.Equal("assigned", (await _dispatch.GetAsync(orderId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Successive_misses_walk_the_order_from_the_compound_to_the_county_each_tier_clock_firing_once()
    {
        var (county, orderId) = await AssignedOrderAsync();
        var cadre = Tokens.For("community_cadre", county.Community);
        var officer = Tokens.For("subdistrict_officer", $"{county.District}-01");

        // Compound: nobody accepts within the minute.
        _clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal("community", await TierAfterAsync(orderId, 1));

        // Community: the cadre takes it and is on site, but the one-hour fix runs out.
        await _dispatch.ActOkAsync(orderId, "accept", cadre);
        await _dispatch.ActOkAsync(orderId, "arrive", cadre);
        _clock.Advance(TimeSpan.FromMinutes(60) + TimeSpan.FromSeconds(1));
        Assert.Equal("subdistrict", await TierAfterAsync(orderId, 2));

        // Subdistrict: judged complex on site, and no plan within half a day.
        await _dispatch.ActOkAsync(orderId, "accept", officer);
        await _dispatch.ActOkAsync(orderId, "arrive", officer, new { complex = true });
        _clock.Advance(TimeSpan.FromHours(4) + TimeSpan.FromSeconds(1));
        Assert.Equal("county", await TierAfterAsync(orderId, 3));

        // County: a plan is formed, and its own date is missed; there is no tier above.
        await _dispatch.ActOkAsync(orderId, "accept", DispatchDriver.Admin);
        await _dispatch.ActOkAsync(orderId, "arrive", DispatchDriver.Admin, new { complex = true });
        await _dispatch.ActOkAsync(orderId, "plan", DispatchDriver.Admin, new { plan = "县住建局牵头改造排水管网", dueAt = _clock.GetUtcNow().AddDays(2) });
        _clock.Advance(TimeSpan.FromDays(2) + TimeSpan.FromSeconds(1));
        await Eventually.True(async () => (await MissedAsync(orderId)).Count == 4, "the county's missed plan date");

        // Long after, nothing fired twice and nothing else fired.
        _clock.Advance(TimeSpan.FromDays(1));
        await SchedulerHasRunAsync();
        Assert.Equal([("accept", "compound"), ("resolve", "community"), ("plan", "subdistrict"), ("plan_due", "county")], await MissesAsync(orderId));
        var escalations = await _dispatch.EventsAsync(nameof(WorkOrderEscalated), orderId);
        Assert.Equal(["compound>community", "community>subdistrict", "subdistrict>county"],
            escalations.Select(e => $"{e.GetProperty("fromTier").GetString()}>{e.GetProperty("toTier").GetString()}"));
        var order = await _dispatch.GetAsync(orderId);
        Assert.Equal(("county", "plan_formed"), (order.GetProperty("tier").GetString(), order.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task A_formed_plan_that_misses_its_own_date_escalates_and_one_that_keeps_it_does_not()
    {
        var (county, orderId) = await AssignedOrderAsync();
        var (keptCounty, kept) = await AssignedOrderAsync();
        foreach (var (c, id) in new[] { (county, orderId), (keptCounty, kept) })
        {
            var worker = Tokens.For("grid_worker", c.Grid);
            await _dispatch.ActOkAsync(id, "accept", worker);
            await _dispatch.ActOkAsync(id, "arrive", worker, new { complex = true });
            var planned = await _dispatch.ActOkAsync(id, "plan", worker, new { plan = "联系物业更换主管道，三天内完成", dueAt = _clock.GetUtcNow().AddDays(3) });
            Assert.Equal("plan_formed", planned.GetProperty("status").GetString());
        }
        _clock.Advance(TimeSpan.FromDays(2));
        await _dispatch.ActOkAsync(kept, "resolve", Tokens.For("grid_worker", keptCounty.Grid), new { resolution = "主管道已更换" });

        // The half-day plan clock was met; only the plan's own date is left, and it does not stall unseen.
        _clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));

        Assert.Equal("community", await TierAfterAsync(orderId, 1));
        Assert.Equal([("plan_due", "compound")], await MissesAsync(orderId));
        var order = await _dispatch.GetAsync(orderId);
        Assert.Equal(("assigned", "community"), (order.GetProperty("status").GetString(), order.GetProperty("assigneeKind").GetString()));
        Assert.Equal(["accept", "arrive", "plan", "resolve"], await _stack.QueryAsync<string>("dispatch",
            "SELECT clock FROM work_order_deadlines WHERE work_order_id = @orderId AND tier = 'community' AND state = 'pending' ORDER BY clock", new { orderId }));
        await SchedulerHasRunAsync();
        Assert.Empty(await MissedAsync(kept));
        Assert.True(Assert.Single(await _dispatch.EventsAsync(nameof(WorkOrderResolved), kept)).GetProperty("onTime").GetBoolean());
    }

    [Fact]
    public async Task A_handler_may_escalate_on_request_and_the_new_tier_runs_its_own_clocks()
    {
        var (county, orderId) = await AssignedOrderAsync();
        var worker = Tokens.For("grid_worker", county.Grid);
        await _dispatch.ActOkAsync(orderId, "accept", worker);

        var escalated = await _dispatch.ActOkAsync(orderId, "escalate", worker, new { reason = "需要社区协调多方" });

        Assert.Equal("community", escalated.GetProperty("tier").GetString());
        var evt = Assert.Single(await _dispatch.EventsAsync(nameof(WorkOrderEscalated), orderId));
        Assert.Equal("需要社区协调多方", evt.GetProperty("reason").GetString());
        Assert.Equal("compound", evt.GetProperty("fromTier").GetString());
        Assert.Equal(["accept", "arrive", "plan", "resolve"], await _stack.QueryAsync<string>("dispatch",
            "SELECT clock FROM work_order_deadlines WHERE work_order_id = @orderId AND tier = 'community' AND state = 'pending' ORDER BY clock", new { orderId }));
        // The grid worker no longer answers for it.
        using var byWorker = await _dispatch.ActAsync(orderId, "accept", worker);
        Assert.Equal(HttpStatusCode.Forbidden, byWorker.StatusCode);
    }

    [Fact]
    public async Task Clocks_met_in_time_never_fire_and_the_events_say_on_time()
    {
        var (county, orderId) = await AssignedOrderAsync();
        var worker = Tokens.For("grid_worker", county.Grid);

        _clock.Advance(TimeSpan.FromSeconds(50));
        await _dispatch.ActOkAsync(orderId, "accept", worker);
        _clock.Advance(TimeSpan.FromMinutes(20));
        await _dispatch.ActOkAsync(orderId, "arrive", worker);
        _clock.Advance(TimeSpan.FromMinutes(30));
        await _dispatch.ActOkAsync(orderId, "resolve", worker, new { resolution = "已修复" });
        _clock.Advance(TimeSpan.FromHours(1));
        // Another order assigned after the jump shows the scheduler has run past this one's deadlines.
        var (_, later) = await AssignedOrderAsync();
        _clock.Advance(TimeSpan.FromSeconds(61));
        await TierAfterAsync(later, 1);

        Assert.Empty(await MissedAsync(orderId));
        Assert.Equal(0, await _stack.ScalarAsync<long>("dispatch",
            "SELECT count(*) FROM work_order_deadlines WHERE work_order_id = @orderId AND state IN ('pending', 'missed')", new { orderId }));
        Assert.True(Assert.Single(await _dispatch.EventsAsync(nameof(WorkOrderAccepted), orderId)).GetProperty("onTime").GetBoolean());
        Assert.True(Assert.Single(await _dispatch.EventsAsync(nameof(WorkOrderArrived), orderId)).GetProperty("onTime").GetBoolean());
        Assert.True(Assert.Single(await _dispatch.EventsAsync(nameof(WorkOrderResolved), orderId)).GetProperty("onTime").GetBoolean());
    }

    [Fact]
    public async Task A_category_policy_replaces_the_default_for_orders_assigned_after_it()
    {
        using var set = await _dispatch.SendAsync(HttpMethod.Put, "/api/v1/sla-policies/parking", DispatchDriver.Admin,
            new { acceptMinutes = 5, arriveMinutes = 60, resolveMinutes = 120, planMinutes = 480 });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        using var bad = await _dispatch.SendAsync(HttpMethod.Put, "/api/v1/sla-policies/parking", DispatchDriver.Admin,
            new { acceptMinutes = 0, arriveMinutes = 60, resolveMinutes = 120, planMinutes = 480 });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("acceptMinutes", await bad.Content.ReadAsStringAsync(Ct));
        var (_, parking) = await AssignedOrderAsync("parking");
        var (_, noise) = await AssignedOrderAsync("noise");

        _clock.Advance(TimeSpan.FromSeconds(61));
        await TierAfterAsync(noise, 1);
        Assert.Empty(await MissedAsync(parking));
        _clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal("community", await TierAfterAsync(parking, 1));

        using var list = await _dispatch.SendAsync(HttpMethod.Get, "/api/v1/sla-policies", DispatchDriver.Admin);
        var policies = await list.Content.ReadFromJsonAsync<JsonElement>(Ct);
        // The default for every urgency (the 'proactive' level is a default of its own, for proactive orders).
        var defaults = policies.EnumerateArray().Single(p => p.GetProperty("category").GetString() == "*" && p.GetProperty("urgency").GetString() == "*");
        Assert.Equal([1, 30, 60, 240], new[] { "acceptMinutes", "arriveMinutes", "resolveMinutes", "planMinutes" }.Select(f => defaults.GetProperty(f).GetInt32()));
    }

    [Fact]
    public async Task A_suspension_stops_the_clocks_until_its_limit_then_the_order_resumes_by_itself()
    {
        var (county, orderId) = await AssignedOrderAsync();
        var leader = Tokens.For("grid_leader", county.Grid);
        _clock.Advance(TimeSpan.FromSeconds(40));
        await _dispatch.ActOkAsync(orderId, "suspend", leader, new { reason = "居民外出，约定一个半小时后上门", until = _clock.GetUtcNow().AddMinutes(90) });

        _clock.Advance(TimeSpan.FromMinutes(59));
        var (_, probe) = await AssignedOrderAsync();
        _clock.Advance(TimeSpan.FromSeconds(61));
        await TierAfterAsync(probe, 1); // the scheduler has looked since the jump
        Assert.Empty(await MissedAsync(orderId));
        Assert.Equal("suspended", (await _dispatch.GetAsync(orderId)).GetProperty("status").GetString());

        // Past the limit the order resumes by itself, with the 20 s of its accept minute it had left.
        _clock.Advance(TimeSpan.FromMinutes(30));
        await Eventually.True(async () => (await _dispatch.GetAsync(orderId)).GetProperty("status").GetString() == "assigned", "the order to resume at its limit");
        var resumed = Assert.Single(await _dispatch.EventsAsync(nameof(WorkOrderResumed), orderId));
        Assert.Equal("dispatch", resumed.GetProperty("by").GetString());
        Assert.Empty(await MissedAsync(orderId));
        _clock.Advance(TimeSpan.FromSeconds(21));
        Assert.Equal("community", await TierAfterAsync(orderId, 1));
    }
}

/// <summary>Deadlines fire exactly once across restarts and with several dispatch instances.</summary>
public sealed class ServiceLevelClockFaultTests : IAsyncLifetime
{
    private TestStack _stack = null!;
    private readonly FakeClock _clock = new();
    private DispatchDriver _dispatch = null!;

    public async ValueTask InitializeAsync()
    {
        _stack = await TestStack.CreateAsync();
        _dispatch = new DispatchDriver(_stack);
    }

    public ValueTask DisposeAsync() => _stack.DisposeAsync();

    private void UseClock(IServiceCollection services) => services.AddSingleton<TimeProvider>(_clock);

    [Fact]
    public async Task A_deadline_that_falls_due_while_dispatch_is_down_fires_once_when_it_is_back()
    {
        _stack.Start("dispatch", ClockStack.FastClocks, UseClock);
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var orderId = await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(county));

        await _stack.StopAsync("dispatch");
        _clock.Advance(TimeSpan.FromMinutes(2));
        _stack.Start("dispatch", ClockStack.FastClocks, UseClock);

        await Eventually.True(async () => (await _dispatch.EventsAsync(nameof(WorkOrderEscalated), orderId)).Count == 1, "the escalation after the restart");
        var missed = Assert.Single(await _dispatch.EventsAsync(nameof(DeadlineMissed), orderId));
        Assert.Equal("accept", missed.GetProperty("clock").GetString());
        Assert.Equal("community", (await _dispatch.GetAsync(orderId)).GetProperty("tier").GetString());
    }

    [Fact]
    public async Task Two_dispatch_instances_fire_each_deadline_exactly_once()
    {
        _stack.Start("dispatch", ClockStack.FastClocks, UseClock);
        _stack.StartExtraInstance("dispatch", ClockStack.FastClocks, UseClock);
        var county = new TestCounty(workersInGrid: 3);
        await _stack.ImportAsync(county);
        var requests = new List<Guid>();
        for (var i = 0; i < 40; i++) requests.Add(await _dispatch.SubmitAsync(county));
        var orders = new List<Guid>();
        foreach (var r in requests) orders.Add(await _dispatch.OrderIdForAsync(r));

        _clock.Advance(TimeSpan.FromSeconds(61));

        await Eventually.True(async () => await _stack.ScalarAsync<long>("dispatch",
            "SELECT count(*) FROM work_orders WHERE id = ANY(@orders) AND tier = 'community'", new { orders = orders.ToArray() }) == orders.Count,
            "every order to reach the community");
        var perOrder = await _stack.QueryAsync<long>("dispatch", """
            SELECT count(m.id) FROM unnest(@orders::uuid[]) AS o(id)
            LEFT JOIN outbox_messages m ON m.message_type = 'GovPlatform.Contracts.DeadlineMissed' AND m.body->>'workOrderId' = o.id::text
            GROUP BY o.id
            """, new { orders = orders.ToArray() });
        Assert.Equal(orders.Count, perOrder.Count);
        Assert.All(perOrder, n => Assert.Equal(1, n));
        Assert.Equal(orders.Count, await _stack.ScalarAsync<long>("dispatch",
            "SELECT count(*) FROM outbox_messages WHERE message_type = 'GovPlatform.Contracts.WorkOrderEscalated'"));
    }
}
