using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GovPlatform.Contracts;
using GovPlatform.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace GovPlatform.IntegrationTests.Reporting;

/// <summary>
/// Lives of requests driven through the real services, intake's and dispatch's HTTP APIs, with one test clock moved
/// by hand for all of them: nothing here is a hand-made event. Reporting then sees only what the services publish.
/// </summary>
/// <remarks>
/// Times are seconds after the clock's start (t). "noise" promises accept 1 min, on site 2 min, fix 3 min; every other
/// category keeps the defaults (1 min, 30 min, 1 h, plan 4 h). Grid G1 has two workers and a leader on duty from the
/// import on (none of them ever changes duty); grid G2 has nobody, so its orders start at the community. Parking and
/// noise start in the grid by the catalogue (compound tier), which dispatch asks intake for when it starts.
/// <code>
/// R1 parking  hotline      G1  accepted, on site t=0, fixed t=600; called back satisfied, closed.
/// R4 parking  qr_doorplate G1  t=600 repeats R1 (open): linked as its duplicate by intake.
/// R2 noise    wechat_group G1  filed t=600; nobody accepts within the minute: escalated at t=661 to the community,
///                              whose cadre accepts at t=661 (61 s after filing: late against the first promise),
///                              on site and fixed at t=661 (within 2 and 3 min); basically satisfied, closed.
/// R3 noise    hotline      G1  filed, accepted, on site t=661; the 3-minute fix runs out at t=841: escalated, the cadre
///                              fixes it at t=841.5 (late against the first promise); dissatisfied, reopened, fixed
///                              again 5 s later, then satisfied and closed.
/// R5 parking  walk_in      G1  filed, accepted, on site, fixed t=846.5; the callback did not reach the resident.
/// R6 parking  meeting      G1  filed and fixed t=846.5; dissatisfied, reopened, fixed again 5 s later, then not reached.
/// R7 parking  hotline      G2  filed t=851.5 at the community tier (nobody on duty in G2): accepted, judged complex on
///                              site, a plan formed at once; a three-party council scheduled for a day later and held
///                              early, when the clock has moved about 4 h.
/// R8 parking  grid_patrol  G1  filed t=851.5, nobody ever touches it: escalated to the community, the subdistrict and
///                              the county one minute at a time, then misses the county's accept, arrive, fix and plan clocks.
/// Mediation: three cases received, one agreed, one failed, one still open. Service orders: two placed and dispatched
/// (a party member, a member unit), one taken and completed.
/// </code>
/// </remarks>
public sealed class LiveScenario : IAsyncLifetime
{
    public FakeClock Clock { get; } = new();
    public TestStack Stack { get; private set; } = null!;
    public TestCounty County { get; } = new();
    public DateTimeOffset Start { get; private set; }
    public Dictionary<string, Guid> Requests { get; } = new();
    public double CouncilDays { get; private set; }
    public string From => Start.ToOffset(TimeSpan.FromHours(8)).AddDays(-1).ToString("yyyy-MM-dd");
    public string To => Clock.GetUtcNow().ToOffset(TimeSpan.FromHours(8)).AddDays(1).ToString("yyyy-MM-dd");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private DispatchDriver _dispatch = null!;
    private string Worker => Tokens.For("grid_worker", County.Grid);
    private string Cadre => Tokens.For("community_cadre", County.Community);

    public async ValueTask InitializeAsync()
    {
        Start = Clock.GetUtcNow();
        Stack = await TestStack.CreateAsync();
        void Timed(IServiceCollection s) => s.AddSingleton<TimeProvider>(Clock);
        Stack.Start("reporting", services: Timed);
        Stack.Start("intake", services: Timed);
        Stack.Start("dispatch", ClockStack.FastClocks, Timed);
        _dispatch = new DispatchDriver(Stack);
        await Stack.ImportAsync(County);
        using (var sla = await _dispatch.SendAsync(HttpMethod.Put, "/api/v1/sla-policies/noise", DispatchDriver.Admin,
                   new { acceptMinutes = 1, arriveMinutes = 2, resolveMinutes = 3, planMinutes = 240 }))
            Assert.True(sla.IsSuccessStatusCode, $"sla answered {(int)sla.StatusCode}");

        var b01 = County.Building;
        var b02 = $"{County.Grid}-B02";
        var b03 = $"{County.EmptyGrid}-B03";

        // R1 and its duplicate R4.
        var r1 = await FileAsync("R1", "hotline", "parking", b01, "1号楼门口车辆乱停，堵住单元出入口");
        var o1 = await _dispatch.OrderIdForAsync(r1);
        await ActAsync(o1, Worker, "accept", "arrive");
        Advance(600);
        await ActAsync(o1, Worker, ("resolve", new { resolution = "已疏通" }));
        await IntakeStatusAsync(r1, "resolved");
        var r4 = await FileAsync("R4", "qr_doorplate", "parking", b01, "1号楼门口车辆又乱停了，堵住单元出入口", expectStatus: "linked");
        await CallbackAsync(r1, "satisfied");

        // R2: accepted 61 s after filing, after the escalation the missed minute caused.
        var r2 = await FileAsync("R2", "wechat_group", "noise", b02, "夜间广场舞音响声音太大影响休息");
        var o2 = await _dispatch.OrderIdForAsync(r2);
        Advance(61);
        await EscalationsAsync(o2, 1);
        await ActAsync(o2, Cadre, "accept", "arrive");
        await ActAsync(o2, Cadre, ("resolve", new { resolution = "已劝导降低音量" }));
        await IntakeStatusAsync(r2, "resolved");
        await CallbackAsync(r2, "basically_satisfied");

        // R3: fixed half a second after its 3-minute promise, after the escalation the miss caused.
        var r3 = await FileAsync("R3", "hotline", "noise", b01, "楼上装修电钻声从早到晚不停");
        var o3 = await _dispatch.OrderIdForAsync(r3);
        await ActAsync(o3, Worker, "accept", "arrive");
        Advance(180.5);
        await EscalationsAsync(o3, 1);
        await ActAsync(o3, Cadre, "accept", "arrive");
        await ActAsync(o3, Cadre, ("resolve", new { resolution = "已协调装修时间" }));
        await IntakeStatusAsync(r3, "resolved");
        await CallbackAsync(r3, "dissatisfied");
        await OrderStatusAsync(o3, "assigned");
        Advance(5); // the second round happens later than the first, as it would
        await ActAsync(o3, Cadre, "accept", "arrive");
        await ActAsync(o3, Cadre, ("resolve", new { resolution = "装修队已书面承诺" }));
        await IntakeStatusAsync(r3, "resolved");
        await CallbackAsync(r3, "satisfied");

        // R5: the resident is not reached.
        var r5 = await FileAsync("R5", "walk_in", "parking", b02, "单元门口电动车乱停放");
        var o5 = await _dispatch.OrderIdForAsync(r5);
        await ActAsync(o5, Worker, "accept", "arrive");
        await ActAsync(o5, Worker, ("resolve", new { resolution = "已更换井盖" }));
        await IntakeStatusAsync(r5, "resolved");
        await CallbackAsync(r5, null);

        // R6: dissatisfied, reopened, fixed again, then not reached: the dissatisfied answer stands.
        var r6 = await FileAsync("R6", "meeting", "parking", b02, "地下车库车位被长期占用");
        var o6 = await _dispatch.OrderIdForAsync(r6);
        await ActAsync(o6, Worker, "accept", "arrive");
        await ActAsync(o6, Worker, ("resolve", new { resolution = "已冲洗" }));
        await IntakeStatusAsync(r6, "resolved");
        await CallbackAsync(r6, "dissatisfied");
        await OrderStatusAsync(o6, "assigned");
        Advance(5); // the second round happens later than the first, as it would
        await ActAsync(o6, Worker, "accept", "arrive");
        await ActAsync(o6, Worker, ("resolve", new { resolution = "已疏通管道" }));
        await IntakeStatusAsync(r6, "resolved");
        await CallbackAsync(r6, null);

        // R7: the community's from the start; a plan, and a council scheduled for tomorrow.
        var r7 = await FileAsync("R7", "hotline", "parking", b03, "三号楼门前僵尸车长期占道");
        var o7 = await _dispatch.OrderIdForAsync(r7);
        Assert.Equal("community", (await _dispatch.GetAsync(o7)).GetProperty("tier").GetString());
        await ActAsync(o7, Cadre, "accept", ("arrive", new { complex = true }),
            ("plan", new { plan = "联系环卫清掏并更换管道", dueAt = Clock.GetUtcNow().AddDays(2) }));
        using (var scheduled = await _dispatch.SendAsync(HttpMethod.Post, $"/api/v1/work-orders/{o7}/councils", Cadre,
                   new { kind = "three_party", scheduledAt = Clock.GetUtcNow().AddDays(1), place = "社区议事厅" }))
            Assert.True(scheduled.IsSuccessStatusCode, $"council answered {(int)scheduled.StatusCode}");
        var scheduledAt = Clock.GetUtcNow();
        var councilId = (await Stack.QueryAsync<Guid>("dispatch", "SELECT id FROM councils WHERE work_order_id = @o7", new { o7 })).Single();

        // R8: nobody touches it.
        var r8 = await FileAsync("R8", "grid_patrol", "parking", b02, "巡查发现路边车辆占用盲道");
        var o8 = await _dispatch.OrderIdForAsync(r8);
        for (var i = 1; i <= 3; i++)
        {
            Advance(62);
            await EscalationsAsync(o8, i);
        }
        Advance(62);
        await MissesAsync(o8, 4);
        Advance(4 * 3600);
        await MissesAsync(o8, 7);

        // The council is held early: before the day it was planned for.
        using (var held = await _dispatch.SendAsync(HttpMethod.Post, $"/api/v1/work-orders/{o7}/councils/{councilId}/record", Cadre, new
               {
                   attendees = new[]
                   {
                       new { party = "community_party", name = "王书记" }, new { party = "owners_committee", name = "业委会李主任" },
                       new { party = "property_company", name = "物业张经理" },
                   },
                   decision = "先行清掏，费用由维修基金列支",
               }))
            Assert.True(held.IsSuccessStatusCode, $"record answered {(int)held.StatusCode}");
        CouncilDays = (Clock.GetUtcNow() - scheduledAt).TotalDays;

        await MediationAsync();
        await ServiceOrdersAsync();
        await SettledAsync();
    }

    private void Advance(double seconds) => Clock.Advance(TimeSpan.FromSeconds(seconds));

    private async Task<Guid> FileAsync(string name, string channel, string category, string building, string description, string expectStatus = "submitted")
    {
        using var response = await Stack.Client("intake").SendAsync(HttpMethod.Post, "/api/v1/requests", new
        {
            channel, category, description, location = new { code = building }, reporter = new { phone = $"1380000{Requests.Count:D4}" },
        });
        var body = await response.JsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{name}: {body}");
        Assert.Equal(expectStatus, body.GetProperty("status").GetString());
        var id = body.GetProperty("id").GetGuid();
        Requests[name] = id;
        return id;
    }

    private Task ActAsync(Guid orderId, string token, params object[] steps) => ActStepsAsync(orderId, token, steps);

    private async Task ActStepsAsync(Guid orderId, string token, object[] steps)
    {
        foreach (var step in steps)
        {
            var (action, body) = step switch
            {
                string a => (a, (object?)null),
                System.Runtime.CompilerServices.ITuple t => ((string)t[0]!, t[1]),
                _ => throw new ArgumentException(step.ToString()),
            };
            if (action is "resolve" or "plan" && body is null) throw new ArgumentException(action);
            await _dispatch.ActOkAsync(orderId, action, token, body);
        }
    }

    private Task ActAsync(Guid orderId, string token, (string, object) step) => ActStepsAsync(orderId, token, [step]);

    private Task IntakeStatusAsync(Guid id, string status) => Eventually.True(async () =>
    {
        using var response = await Stack.Client("intake").SendAsync(HttpMethod.Get, $"/api/v1/requests/{id}");
        return (await response.JsonAsync()).GetProperty("status").GetString() == status;
    }, $"request {id} {status} in intake");

    private Task OrderStatusAsync(Guid orderId, string status) =>
        Eventually.True(async () => (await _dispatch.GetAsync(orderId)).GetProperty("status").GetString() == status, $"order {orderId} {status}");

    private Task EscalationsAsync(Guid orderId, int count) =>
        Eventually.True(async () => (await _dispatch.EventsAsync(nameof(WorkOrderEscalated), orderId)).Count == count, $"{count} escalation(s) of {orderId}");

    private Task MissesAsync(Guid orderId, int count) =>
        Eventually.True(async () => (await _dispatch.EventsAsync(nameof(DeadlineMissed), orderId)).Count == count, $"{count} missed clock(s) of {orderId}");

    private async Task CallbackAsync(Guid id, string? satisfaction)
    {
        using var response = await Stack.Client("intake").SendAsync(HttpMethod.Post, $"/api/v1/requests/{id}/callbacks",
            satisfaction is null ? new { reached = false } : (object)new { reached = true, satisfaction });
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"callback: {await response.Content.ReadAsStringAsync(Ct)}");
    }

    private async Task<JsonElement> PostOkAsync(string url, string token, object body)
    {
        using var response = await _dispatch.SendAsync(HttpMethod.Post, url, token, body);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"{url} answered {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task MediationAsync()
    {
        async Task<Guid> OpenAsync(string summary) => (await PostOkAsync("/api/v1/mediation-cases", Cadre, new
        {
            kind = "neighbour", communityCode = County.Community, summary,
            parties = new[] { new { name = "张三丰", role = "楼上住户" }, new { name = "李四光", role = "楼下住户" } },
            mediator = new { kind = "talk_point", name = "老王说事点", volunteerIds = Array.Empty<Guid>() },
        })).GetProperty("id").GetGuid();
        Task SessionAsync(Guid id) => PostOkAsync($"/api/v1/mediation-cases/{id}/sessions", Cadre, new
        {
            heldAt = Clock.GetUtcNow().AddMinutes(-30), place = "老王说事点", attendees = new[] { "张三丰", "李四光" }, notes = "双方陈述",
        });
        var agreed = await OpenAsync("楼上漏水渗到楼下，维修费用争执");
        var failed = await OpenAsync("车位占用争执");
        await OpenAsync("宠物扰邻");
        await SessionAsync(agreed);
        await SessionAsync(failed);
        await PostOkAsync($"/api/v1/mediation-cases/{agreed}/close", Cadre,
            new { outcome = "agreement", agreementSignedAt = Clock.GetUtcNow().AddMinutes(-5), note = "楼上承担七成" });
        await PostOkAsync($"/api/v1/mediation-cases/{failed}/close", Cadre, new { outcome = "failed", note = "一方拒绝" });
    }

    private async Task ServiceOrdersAsync()
    {
        var item = (await PostOkAsync($"/api/v1/communities/{County.Community}/service-menu", Cadre,
            new { title = "上门理发", description = "为行动不便的老人上门理发", points = 5 })).GetProperty("id").GetGuid();
        async Task<Guid> PlaceAsync() => (await PostOkAsync("/api/v1/service-orders", Tokens.For("desk_operator"),
            new { menuItemId = item, orderer = new { kind = "resident", name = "王奶奶", contact = "13900001111" } })).GetProperty("id").GetGuid();
        var done = await PlaceAsync();
        var waiting = await PlaceAsync();
        await PostOkAsync($"/api/v1/service-orders/{done}/dispatch", Cadre, new { takerKind = "party_member", takerName = "刘建国", takerId = Guid.NewGuid() });
        await PostOkAsync($"/api/v1/service-orders/{done}/take", Cadre, new { });
        await PostOkAsync($"/api/v1/service-orders/{done}/complete", Cadre, new { result = "已为王奶奶理发" });
        await PostOkAsync($"/api/v1/service-orders/{waiting}/dispatch", Cadre, new { takerKind = "member_unit", takerName = "县供电公司" });
    }

    /// <summary>Waits until reporting has applied everything the lives published that today's and tomorrow's figures share.</summary>
    private async Task SettledAsync()
    {
        const string settled = """
            SELECT (SELECT count(*) FROM request_facts WHERE submitted_at IS NOT NULL AND request_id = ANY(@ids)) = 8
               AND (SELECT count(*) FROM request_facts WHERE closed_at IS NOT NULL AND request_id = ANY(@ids)) = 3
               AND (SELECT count(*) FROM request_facts WHERE satisfaction IS NOT NULL AND request_id = ANY(@ids)) = 4
               AND (SELECT count(*) FROM request_facts WHERE satisfaction = 'satisfied' AND request_id = ANY(@ids)) = 2
               AND (SELECT count(*) FROM request_facts WHERE reopen_count > 0 AND request_id = ANY(@ids)) = 2
               AND (SELECT count(*) FROM request_facts WHERE plan_at IS NOT NULL AND request_id = ANY(@ids)) = 1
               AND (SELECT count(*) FROM request_facts WHERE accepted_at IS NOT NULL AND arrived_at IS NOT NULL AND request_id = ANY(@ids)) = 6
               AND (SELECT count(*) FROM request_facts WHERE resolved_at IS NOT NULL AND request_id = ANY(@ids)) = 5
               AND (SELECT count(*) FROM deadline_misses WHERE request_id = ANY(@ids)) = 9
               AND (SELECT count(*) FROM escalations WHERE request_id = ANY(@ids)) = 5
               AND (SELECT count(*) FROM councils WHERE held_at IS NOT NULL AND scheduled_at IS NOT NULL AND request_id = ANY(@ids)) = 1
               AND (SELECT count(*) FROM mediation_cases WHERE community_code = @Community) = 3
               AND (SELECT count(*) FROM mediation_cases WHERE community_code = @Community AND closed_at IS NOT NULL) = 2
               AND (SELECT count(*) FROM service_orders WHERE community_code = @Community AND dispatched_at IS NOT NULL) = 2
               AND (SELECT count(*) FROM service_orders WHERE community_code = @Community AND completed_at IS NOT NULL) = 1
            """;
        var ids = Requests.Values.ToArray();
        await Eventually.True(() => Stack.ScalarAsync<bool>("reporting", settled, new { ids, County.Community }), "reporting to apply the lives");
    }

    public ValueTask DisposeAsync() => Stack.DisposeAsync();
}

/// <summary>
/// Every figure of reporting for the lives of <see cref="LiveScenario"/>, computed by hand from docs/metrics.md, and every
/// breakdown adding up to its total.
/// </summary>
public sealed class LiveScenarioTests(LiveScenario scenario) : IClassFixture<LiveScenario>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly string Leader = Tokens.For("leader");

    private async Task<JsonElement> GetAsync(string path, string? extra = null)
    {
        var url = $"{path}?from={scenario.From}&to={scenario.To}&under={scenario.County.District}{extra}";
        using var response = await scenario.Stack.Client("reporting").SendAsync(HttpMethod.Get, url, token: Leader);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"{url}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static (long N, long D) Rate(JsonElement rate) => (rate.GetProperty("numerator").GetInt64(), rate.GetProperty("denominator").GetInt64());
    private static long L(JsonElement e, string name) => e.GetProperty(name).GetInt64();

    [Fact]
    public async Task A_step_late_against_the_first_promise_stays_late_after_the_escalation_it_caused()
    {
        var t = (await GetAsync("/api/v1/kpis")).GetProperty("totals");

        // Accepted on time: R1, R3, R5, R6, R7; R2 was accepted 61 s after filing (1-minute promise), R8 never.
        Assert.Equal((5, 7), Rate(t.GetProperty("acceptOnTimeRate")));
        // Fixed on time: R1, R2, R5, R6; R3 was fixed 180.5 s after filing (3-minute promise), R8 missed every clock.
        Assert.Equal((4, 6), Rate(t.GetProperty("resolveOnTimeRate")));

        // The heat table, the trend and the ranking say the same for the grid both lived in.
        var tree = await GetAsync("/api/v1/kpis/tree");
        var g1 = tree.EnumerateArray().Single(n => n.GetProperty("code").GetString() == scenario.County.Grid);
        Assert.Equal((4, 6), Rate(g1.GetProperty("resolveOnTimeRate")));
        var trend = (await GetAsync("/api/v1/kpis/trend", "&bucket=month")).EnumerateArray().ToList();
        Assert.Equal((4, 6), (trend.Sum(p => L(p, "resolveOnTime")), trend.Sum(p => L(p, "resolveEnded"))));
        var ranking = await GetAsync("/api/v1/rankings", "&level=grid&metric=resolve_on_time&minCount=1");
        var ranked = ranking.GetProperty("entries").EnumerateArray().Single(e => e.GetProperty("code").GetString() == scenario.County.Grid);
        Assert.Equal((4, 6), (L(ranked, "numerator"), L(ranked, "denominator")));
    }

    [Fact]
    public async Task Each_tier_is_judged_on_its_own_clocks_apart_from_the_first_promise()
    {
        var k = await GetAsync("/api/v1/kpis");
        var byTier = k.GetProperty("clocksByTier").EnumerateArray()
            .ToDictionary(c => $"{c.GetProperty("tier").GetString()}/{c.GetProperty("clock").GetString()}", c => (L(c, "onTime"), L(c, "ended")));

        Assert.Equal(new Dictionary<string, (long, long)>
        {
            // The compound: R2 and R8 missed the minute; R3 missed its 3-minute fix; R2 and R8 left before arriving.
            ["compound/accept"] = (4, 6), ["compound/arrive"] = (4, 4), ["compound/resolve"] = (3, 4),
            // The community kept its own fresh minutes for R2 and R3 (late against the first promise) and R7;
            // R8 passed through it untouched. R7's plan (judged complex) was formed at once.
            ["community/accept"] = (3, 4), ["community/arrive"] = (3, 3), ["community/resolve"] = (2, 2), ["community/plan"] = (1, 1),
            ["subdistrict/accept"] = (0, 1),
            // At the county R8 missed every clock but the plan's: nobody judged it complex.
            ["county/accept"] = (0, 1), ["county/arrive"] = (0, 1), ["county/resolve"] = (0, 1),
        }, byTier);
    }

    [Fact]
    public async Task A_duplicate_filed_through_another_channel_counts_in_its_own_channel()
    {
        var k = await GetAsync("/api/v1/kpis");
        var channels = k.GetProperty("byChannel").EnumerateArray().ToDictionary(c => c.GetProperty("key").GetString()!, c => (L(c, "requests"), L(c, "resolved")));

        Assert.Equal(new Dictionary<string, (long, long)>
        {
            ["hotline"] = (3, 2), ["wechat_group"] = (1, 1), ["qr_doorplate"] = (1, 0), ["walk_in"] = (1, 1), ["meeting"] = (1, 1), ["grid_patrol"] = (1, 0),
        }, channels);
        // QR doorplates: one request, and it was a duplicate.
        var qr = await GetAsync("/api/v1/kpis", "&channel=qr_doorplate");
        Assert.Equal((1, 1), Rate(qr.GetProperty("totals").GetProperty("duplicateRate")));
    }

    [Fact]
    public async Task A_grid_with_workers_on_duty_from_the_start_is_covered()
    {
        var coverage = (await GetAsync("/api/v1/kpis")).GetProperty("gridCoverage");
        // G1's workers were on duty from the import on and never changed; G2 has nobody.
        Assert.Equal((2, 1), (L(coverage, "grids"), L(coverage, "covered")));
    }

    [Fact]
    public async Task Every_figure_equals_the_hand_arithmetic()
    {
        var k = await GetAsync("/api/v1/kpis");
        var t = k.GetProperty("totals");

        // Eight requests, R4 a duplicate: seven own.
        Assert.Equal((8, 1, 7), (L(t, "requests"), L(t, "duplicates"), L(t, "own")));
        Assert.Equal((1, 8), Rate(t.GetProperty("duplicateRate")));
        Assert.Equal((6, 7), Rate(t.GetProperty("responseRate")));         // all but R8
        Assert.Equal((5, 7), Rate(t.GetProperty("resolutionRate")));       // R1 R2 R3 R5 R6
        Assert.Equal(3, L(t, "closed"));                                    // R1 R2 R3
        // Answers: R1 satisfied, R2 basically, R3 satisfied at last, R6 dissatisfied; R5 never reached.
        Assert.Equal((3, 4), Rate(t.GetProperty("satisfactionRate")));
        Assert.Equal((2, 5), Rate(t.GetProperty("reopenRate")));           // R3, R6 of five resolved
        Assert.Equal((5, 7), Rate(t.GetProperty("acceptOnTimeRate")));
        // On site on time: everyone who arrived (R2 at 61 s of a 2-minute promise); R8 missed the county's clock.
        Assert.Equal((6, 7), Rate(t.GetProperty("arriveOnTimeRate")));
        // The plan clock: R7's plan, formed at once. R8's plan clock ran out at the county, but nobody ever judged it
        // complex (nobody touched it), so it is no plan that was late.
        Assert.Equal((1, 1), Rate(t.GetProperty("planOnTimeRate")));
        Assert.Equal((4, 6), Rate(t.GetProperty("resolveOnTimeRate")));
        Assert.Equal((0, 0), Rate(t.GetProperty("planKeptRate")));
        // First fixes after filing: R1 600 s, R2 61 s, R3 180.5 s, R5 and R6 at once.
        double[] minutes = [0, 0, 61 / 60.0, 180.5 / 60, 600 / 60.0];
        Assert.Equal(minutes.Average(), t.GetProperty("averageHandlingMinutes").GetDouble(), 3);
        Assert.Equal(minutes[3] + 0.6 * (minutes[4] - minutes[3]), t.GetProperty("p90HandlingMinutes").GetDouble(), 3);
        Assert.Equal((0, 1), (L(t, "whistles"), L(t, "councils")));

        var categories = k.GetProperty("byCategory").EnumerateArray().ToDictionary(c => c.GetProperty("key").GetString()!, c => (L(c, "requests"), L(c, "resolved")));
        Assert.Equal(new Dictionary<string, (long, long)> { ["parking"] = (6, 3), ["noise"] = (2, 2) }, categories);
        var tiers = k.GetProperty("escalationsByTier").EnumerateArray().ToDictionary(e => e.GetProperty("tier").GetString()!, e => (L(e, "escalations"), L(e, "requests")));
        Assert.Equal(new Dictionary<string, (long, long)> { ["community"] = (3, 3), ["subdistrict"] = (1, 1), ["county"] = (1, 1) }, tiers);

        var council = Assert.Single(k.GetProperty("councilsByKind").EnumerateArray());
        Assert.Equal(("three_party", 1L, 1L, 0L), (council.GetProperty("kind").GetString(), L(council, "scheduled"), L(council, "held"), L(council, "open")));
        // Held early (before the day it was planned for), about four hours after it was scheduled: not 0.
        Assert.Equal(scenario.CouncilDays, council.GetProperty("averageDaysToHeld").GetDouble(), 4);
        Assert.True(council.GetProperty("averageDaysToHeld").GetDouble() > 0.1);

        var m = k.GetProperty("mediation");
        Assert.Equal((3, 2, 1), (L(m, "opened"), L(m, "closed"), L(m, "agreements")));
        Assert.Equal((1, 2), Rate(m.GetProperty("success")));

        var so = k.GetProperty("serviceOrders");
        Assert.Equal((2, 2, 1, 1), (L(so, "placed"), L(so, "dispatched"), L(so, "taken"), L(so, "completed")));
        Assert.Equal((2, 2), Rate(so.GetProperty("dispatchRate")));
        Assert.Equal((1, 2), Rate(so.GetProperty("takeRate")));
        Assert.Equal((1, 2), Rate(so.GetProperty("completionRate")));
        var takers = k.GetProperty("serviceOrdersByTaker").EnumerateArray()
            .ToDictionary(x => x.GetProperty("takerKind").GetString()!, x => (L(x, "dispatched"), L(x, "completed")));
        Assert.Equal(new Dictionary<string, (long, long)> { ["party_member"] = (1, 1), ["member_unit"] = (1, 0) }, takers);

        var coverage = k.GetProperty("gridCoverage");
        Assert.Equal((1, 2), Rate(coverage.GetProperty("rate")));

        // The heat table: G1 holds R1-R3, R5, R6, R8; G2 holds R7.
        var tree = (await GetAsync("/api/v1/kpis/tree")).EnumerateArray().ToDictionary(n => n.GetProperty("code").GetString()!);
        var g1 = tree[scenario.County.Grid];
        Assert.Equal((6, 5, 5, 4, 3), (L(g1, "own"), L(g1, "accepted"), L(g1, "resolved"), L(g1, "rated"), L(g1, "satisfied")));
        var g2 = tree[scenario.County.EmptyGrid];
        Assert.Equal((1, 1, 0, 0, 0L), (L(g2, "own"), L(g2, "accepted"), L(g2, "resolved"), L(g2, "resolveOnTime"), L(g2, "resolveEnded")));
    }

    [Fact]
    public async Task Every_breakdown_adds_up_to_its_total()
    {
        var k = await GetAsync("/api/v1/kpis");
        var t = k.GetProperty("totals");
        foreach (var breakdown in new[] { "byChannel", "byCategory" })
        {
            var rows = k.GetProperty(breakdown).EnumerateArray().ToList();
            Assert.Equal(L(t, "requests"), rows.Sum(r => L(r, "requests")));
            Assert.Equal(L(t, "resolved"), rows.Sum(r => L(r, "resolved")));
            Assert.DoesNotContain(rows, r => r.GetProperty("key").GetString() == "unknown");
        }
        var tiers = k.GetProperty("escalationsByTier").EnumerateArray().Sum(e => L(e, "escalations"));
        Assert.Equal(await scenario.Stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM outbox_messages WHERE message_type LIKE '%WorkOrderEscalated'"), tiers);
        Assert.Equal(L(t, "councils"), k.GetProperty("councilsByKind").EnumerateArray().Sum(c => L(c, "held")));
        var so = k.GetProperty("serviceOrders");
        Assert.Equal(L(so, "placed"), k.GetProperty("serviceOrdersByCommunity").EnumerateArray().Sum(c => L(c, "placed")));
        Assert.Equal(L(so, "completed"), k.GetProperty("serviceOrdersByTaker").EnumerateArray().Sum(c => L(c, "completed")));

        // Every channel's and category's own figures, asked for one at a time, add up to the totals.
        foreach (var (dimension, breakdown) in new[] { ("channel", "byChannel"), ("category", "byCategory") })
        {
            var sums = new long[6];
            foreach (var row in k.GetProperty(breakdown).EnumerateArray())
            {
                var part = (await GetAsync("/api/v1/kpis", $"&{dimension}={row.GetProperty("key").GetString()}")).GetProperty("totals");
                long[] values = [L(part, "requests"), L(part, "own"), L(part, "resolved"), Rate(part.GetProperty("acceptOnTimeRate")).N,
                    Rate(part.GetProperty("resolveOnTimeRate")).N, Rate(part.GetProperty("resolveOnTimeRate")).D];
                for (var i = 0; i < sums.Length; i++) sums[i] += values[i];
            }
            Assert.Equal([L(t, "requests"), L(t, "own"), L(t, "resolved"), Rate(t.GetProperty("acceptOnTimeRate")).N,
                Rate(t.GetProperty("resolveOnTimeRate")).N, Rate(t.GetProperty("resolveOnTimeRate")).D], sums);
        }

        // The heat table's county row, the trend and the places under it.
        var tree = (await GetAsync("/api/v1/kpis/tree")).EnumerateArray().ToList();
        var grids = tree.Where(n => n.GetProperty("level").GetString() == "grid").ToList();
        Assert.Equal(L(t, "own"), grids.Sum(g => L(g, "own")));
        Assert.Equal(Rate(t.GetProperty("resolveOnTimeRate")), (grids.Sum(g => L(g, "resolveOnTime")), grids.Sum(g => L(g, "resolveEnded"))));
        var trend = (await GetAsync("/api/v1/kpis/trend", "&bucket=day")).EnumerateArray().ToList();
        Assert.Equal((L(t, "requests"), L(t, "resolved")), (trend.Sum(p => L(p, "requests")), trend.Sum(p => L(p, "resolved"))));
    }
}
