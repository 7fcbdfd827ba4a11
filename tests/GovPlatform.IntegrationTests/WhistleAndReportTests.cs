using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GovPlatform.Contracts;
using GovPlatform.Dispatch.Bodies;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests;

/// <summary>
/// Whistle and report (吹哨报到): the community calls departments in, each reports in within 30
/// minutes and records what it did; a silent department is escalated to the county, once.
/// </summary>
public sealed class WhistleAndReportTests(ClockStack fixture) : IClassFixture<ClockStack>
{
    private readonly TestStack _stack = fixture.Stack;
    private readonly FakeClock _clock = fixture.Clock;
    private readonly DispatchDriver _dispatch = new(fixture.Stack);
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Department(string code) => Tokens.For("department", department: code);

    private async Task<(TestCounty County, Guid OrderId, string Cadre)> OrderAsync()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var orderId = await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(county, "fire_escape"));
        return (county, orderId, Tokens.For("community_cadre", county.Community));
    }

    private async Task<Guid> BlowAsync(Guid orderId, string token, params string[] departments)
    {
        using var response = await _dispatch.SendAsync(HttpMethod.Post, $"/api/v1/work-orders/{orderId}/whistles", token,
            new { departments, reason = "消防通道被占用，需多部门联合处置" });
        var calls = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(response.IsSuccessStatusCode, calls.ToString());
        return calls[0].GetProperty("whistleId").GetGuid();
    }

    private Task<HttpResponseMessage> AnswerAsync(Guid orderId, Guid whistleId, string department, string? action = null) =>
        _dispatch.SendAsync(HttpMethod.Post, $"/api/v1/work-orders/{orderId}/whistles/{whistleId}/{(action is null ? "report" : "act")}",
            Department(department), action is null ? null : new { action });

    [Fact]
    public async Task A_whistled_department_sees_the_order_reports_in_and_records_what_it_did()
    {
        var (county, orderId, cadre) = await OrderAsync();
        using var hidden = await _dispatch.SendAsync(HttpMethod.Get, $"/api/v1/work-orders/{orderId}", Department(Departments.Fire));
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);

        var whistleId = await BlowAsync(orderId, cadre, Departments.Fire, Departments.CityManagement);

        Assert.Equal("fire_escape", (await _dispatch.GetAsync(orderId, Department(Departments.Fire))).GetProperty("category").GetString());
        using var police = await _dispatch.SendAsync(HttpMethod.Get, $"/api/v1/work-orders/{orderId}", Department(Departments.Police));
        Assert.Equal(HttpStatusCode.NotFound, police.StatusCode);
        using var policeReports = await AnswerAsync(orderId, whistleId, Departments.Police);
        Assert.Equal(HttpStatusCode.NotFound, policeReports.StatusCode);

        using var actsFirst = await AnswerAsync(orderId, whistleId, Departments.CityManagement, "清理杂物");
        Assert.Equal(HttpStatusCode.Conflict, actsFirst.StatusCode);
        Assert.Contains("awaiting_report", await actsFirst.Content.ReadAsStringAsync(Ct));
        using var reported = await AnswerAsync(orderId, whistleId, Departments.Fire);
        Assert.Equal(HttpStatusCode.OK, reported.StatusCode);
        using var again = await AnswerAsync(orderId, whistleId, Departments.Fire);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        using var acted = await AnswerAsync(orderId, whistleId, Departments.Fire, "当天下午清空消防通道，约谈物业");
        Assert.Equal(HttpStatusCode.OK, acted.StatusCode);

        var blown = Assert.Single(await _dispatch.EventsAsync(nameof(WhistleBlown), orderId));
        Assert.Equal(["fire", "city_management"], blown.GetProperty("departments").EnumerateArray().Select(d => d.GetString()));
        Assert.Equal("community", blown.GetProperty("tier").GetString());
        Assert.Equal(blown.GetProperty("at").GetDateTimeOffset().AddMinutes(30), blown.GetProperty("reportDueAt").GetDateTimeOffset());
        var report = Assert.Single(await _dispatch.EventsAsync(nameof(DepartmentReported), orderId));
        Assert.False(report.GetProperty("late").GetBoolean());
        Assert.Equal("当天下午清空消防通道，约谈物业", Assert.Single(await _dispatch.EventsAsync(nameof(DepartmentActed), orderId)).GetProperty("action").GetString());
        Assert.Contains("whistle_blown", DispatchDriver.Actions(await _dispatch.GetAsync(orderId)));
        // A grid worker cannot blow the whistle; an unknown department is refused by name.
        using var byWorker = await _dispatch.SendAsync(HttpMethod.Post, $"/api/v1/work-orders/{orderId}/whistles",
            Tokens.For("grid_worker", county.Grid), new { departments = new[] { "water" }, reason = "x" });
        Assert.Equal(HttpStatusCode.Forbidden, byWorker.StatusCode);
        using var unknown = await _dispatch.SendAsync(HttpMethod.Post, $"/api/v1/work-orders/{orderId}/whistles", cadre,
            new { departments = new[] { "navy" }, reason = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("departments", await unknown.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task A_department_silent_for_30_minutes_is_escalated_to_the_county_once_and_a_later_report_is_late()
    {
        var (_, orderId, cadre) = await OrderAsync();
        var whistleId = await BlowAsync(orderId, cadre, Departments.Fire, Departments.Police);
        (await AnswerAsync(orderId, whistleId, Departments.Fire)).EnsureSuccessStatusCode();

        _clock.Advance(TimeSpan.FromMinutes(28));
        var (_, probeOrder, _) = await OrderAsync();
        _clock.Advance(TimeSpan.FromSeconds(61));
        await Eventually.True(async () => (await _dispatch.EventsAsync(nameof(DeadlineMissed), probeOrder)).Count == 1, "the scheduler to pass minute 29");
        Assert.Empty(await _dispatch.EventsAsync(nameof(DepartmentReportMissed), orderId));

        _clock.Advance(TimeSpan.FromMinutes(1));
        var missed = await Eventually.Get(async () => (await _dispatch.EventsAsync(nameof(DepartmentReportMissed), orderId)) is { Count: 1 } one ? one : null,
            "the police's missed report");
        Assert.Equal("police", missed[0].GetProperty("department").GetString());
        var history = (await _dispatch.GetAsync(orderId)).GetProperty("history").EnumerateArray()
            .Single(h => h.GetProperty("action").GetString() == "department_report_missed");
        Assert.Contains("\"escalatedTo\":\"county\"", history.GetProperty("detail").GetString()!.Replace(" ", ""));

        (await AnswerAsync(orderId, whistleId, Departments.Police)).EnsureSuccessStatusCode();
        var reports = await _dispatch.EventsAsync(nameof(DepartmentReported), orderId);
        Assert.Equal([false, true], reports.Select(r => r.GetProperty("late").GetBoolean()));
        _clock.Advance(TimeSpan.FromMinutes(31));
        var (_, laterProbe, _) = await OrderAsync();
        _clock.Advance(TimeSpan.FromSeconds(61));
        await Eventually.True(async () => (await _dispatch.EventsAsync(nameof(DeadlineMissed), laterProbe)).Count == 1, "the scheduler to run again");
        Assert.Single(await _dispatch.EventsAsync(nameof(DepartmentReportMissed), orderId));
    }

    [Fact]
    public async Task A_silent_department_moves_the_order_to_the_county_tier_whose_own_clock_then_runs()
    {
        var (county, orderId, cadre) = await OrderAsync();
        var worker = Tokens.For("grid_worker", county.Grid);
        // The compound keeps its own clocks, so only the department's silence can move the order.
        await _dispatch.ActOkAsync(orderId, "accept", worker);
        await _dispatch.ActOkAsync(orderId, "arrive", worker, new { complex = true });
        await BlowAsync(orderId, cadre, Departments.Housing);

        _clock.Advance(TimeSpan.FromMinutes(30) + TimeSpan.FromSeconds(1));

        var escalation = await Eventually.Get(async () => (await _dispatch.EventsAsync(nameof(WorkOrderEscalated), orderId)) is { Count: 1 } one ? one : null,
            "the silent department's escalation");
        Assert.Equal("compound", escalation[0].GetProperty("fromTier").GetString());
        Assert.Equal("county", escalation[0].GetProperty("toTier").GetString());
        Assert.Equal("测试县", escalation[0].GetProperty("toName").GetString());
        Assert.Contains("housing", escalation[0].GetProperty("reason").GetString());
        var order = await _dispatch.GetAsync(orderId);
        Assert.Equal("county", order.GetProperty("tier").GetString());
        Assert.Equal(("assigned", "county"), (order.GetProperty("status").GetString(), order.GetProperty("assigneeKind").GetString()));
        Assert.Equal(["department_report_missed", "escalated"], DispatchDriver.Actions(order).TakeLast(2));
        Assert.Empty(await _dispatch.EventsAsync(nameof(DeadlineMissed), orderId));
        Assert.Equal(0, await _stack.ScalarAsync<long>("dispatch",
            "SELECT count(*) FROM work_order_deadlines WHERE work_order_id = @orderId AND tier = 'compound' AND state = 'pending'", new { orderId }));
        using var byCadre = await _dispatch.ActAsync(orderId, "accept", cadre);
        Assert.Equal(HttpStatusCode.Forbidden, byCadre.StatusCode);

        // The county's accept minute is its own clock: it fires once, and there is no tier above to move to.
        _clock.Advance(TimeSpan.FromSeconds(61));
        var missed = await Eventually.Get(async () => (await _dispatch.EventsAsync(nameof(DeadlineMissed), orderId)) is { Count: 1 } one ? one : null,
            "the county's missed accept");
        Assert.Equal(("accept", "county"), (missed[0].GetProperty("clock").GetString(), missed[0].GetProperty("tier").GetString()));
        Assert.Single(await _dispatch.EventsAsync(nameof(WorkOrderEscalated), orderId));
    }

    [Fact]
    public async Task Whistles_reach_the_departments_in_the_registry_and_refuse_any_other()
    {
        var (_, orderId, cadre) = await OrderAsync();
        var code = "market_" + Guid.NewGuid().ToString("N")[..8];
        using var imported = await _dispatch.SendAsync(HttpMethod.Post, "/api/v1/bodies/import", DispatchDriver.Admin,
            new BodiesImportRequest(Departments: [new BodyInput(code, "市场监督管理局", "孙科长", "13900005555")]));
        imported.EnsureSuccessStatusCode();

        using var unknown = await _dispatch.SendAsync(HttpMethod.Post, $"/api/v1/work-orders/{orderId}/whistles", cadre,
            new { departments = new[] { Departments.Fire, "navy" }, reason = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        var problem = await unknown.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Contains("'navy'", problem.GetProperty("errors").GetProperty("departments")[0].GetString());
        Assert.Equal(0, await _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM whistles WHERE work_order_id = @orderId", new { orderId }));

        // A department the county imported is called in like the seeded ones, and answers for itself.
        var whistleId = await BlowAsync(orderId, cadre, code, Departments.Water);
        Assert.Equal("fire_escape", (await _dispatch.GetAsync(orderId, Department(code))).GetProperty("category").GetString());
        using var reported = await AnswerAsync(orderId, whistleId, code);
        Assert.Equal(HttpStatusCode.OK, reported.StatusCode);
        Assert.Equal(code, Assert.Single(await _dispatch.EventsAsync(nameof(DepartmentReported), orderId)).GetProperty("department").GetString());
    }
}
