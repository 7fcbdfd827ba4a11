using System.Net;
using System.Text.Json;
using GovPlatform.Contracts;
using GovPlatform.IntegrationTests.Infrastructure;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace GovPlatform.IntegrationTests;

/// <summary>
/// A request's timeline from dispatch's events, its status following the timeline, and the
/// resident's look-up by ticket and phone digits. Dispatch does not publish every lifecycle event
/// yet, so the tests publish them onto the bus as dispatch would.
/// </summary>
public sealed class RequestTimelineTests(SharedStack shared)
{
    private readonly TestStack _stack = shared.Stack;
    private HttpClient Intake => _stack.Client("intake");

    internal sealed record Filed(Guid Id, string TicketNo, Guid WorkOrderId);

    /// <summary>Files a request and waits for dispatch's real assignment to reach its timeline.</summary>
    internal static async Task<Filed> FileAndAssignAsync(TestStack stack, TestCounty county, string phone = "13812345678")
    {
        var response = await stack.Client("intake").SendAsync(HttpMethod.Post, "/api/v1/requests", new
        {
            channel = "hotline", category = "roof_leak", description = "顶楼漏水，雨天客厅滴水", location = new { code = county.Building },
            reporter = new { name = "赵六", phone },
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.JsonAsync();
        var id = created.GetProperty("id").GetGuid();
        var assigned = await Eventually.Get(async () =>
            (await TimelineAsync(stack, id)).FirstOrDefault(e => e.GetProperty("event").GetString() == "assigned") is { ValueKind: JsonValueKind.Object } e ? (object)e : null,
            "dispatch's assignment on the timeline");
        return new Filed(id, created.GetProperty("ticketNo").GetString()!, ((JsonElement)assigned).GetProperty("detail").GetProperty("workOrderId").GetGuid());
    }

    internal static async Task<JsonElement[]> TimelineAsync(TestStack stack, Guid id) =>
        (await (await stack.Client("intake").SendAsync(HttpMethod.Get, $"/api/v1/requests/{id}/timeline")).JsonAsync()).EnumerateArray().ToArray();

    internal static async Task<string> StatusAsync(TestStack stack, Guid id) =>
        (await (await stack.Client("intake").SendAsync(HttpMethod.Get, $"/api/v1/requests/{id}")).JsonAsync()).GetProperty("status").GetString()!;

    /// <summary>Publishes as dispatch would: through the broker, with a message id.</summary>
    internal static Task PublishAsync(TestStack stack, object message, Guid? messageId = null) =>
        stack.Provider("intake").GetRequiredService<IBus>().Publish(message, message.GetType(),
            ctx => ctx.MessageId = messageId ?? NewId.NextGuid(), TestContext.Current.CancellationToken);

    private static string[] Events(JsonElement[] timeline) => timeline.Select(e => e.GetProperty("event").GetString()!).ToArray();

    [Fact]
    public async Task Dispatchs_events_build_the_timeline_in_order_and_the_status_follows_it()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var filed = await FileAndAssignAsync(_stack, county);
        Assert.Equal("assigned", await StatusAsync(_stack, filed.Id));
        var (wo, rid, t) = (filed.WorkOrderId, filed.Id, DateTimeOffset.UtcNow);

        await PublishAsync(_stack, new WorkOrderAccepted(wo, rid, "网格员1", true, t.AddSeconds(1)));
        await PublishAsync(_stack, new WorkOrderArrived(wo, rid, "网格员1", true, t.AddMinutes(20)));
        await PublishAsync(_stack, new WorkOrderEscalated(wo, rid, Tiers.Compound, Tiers.Community, "需要社区协调维修基金", "锦园社区", t.AddMinutes(50)));
        await PublishAsync(_stack, new WhistleBlown(NewId.NextGuid(), wo, rid, "湄江街道", Tiers.Subdistrict, [Departments.Housing], t.AddHours(3), t.AddHours(1)));
        await PublishAsync(_stack, new WorkOrderPlanFormed(wo, rid, "社区书记", "住建部门牵头屋面防水维修", true, t.AddHours(2)));
        await PublishAsync(_stack, new WorkOrderResolved(wo, rid, "住建局", "屋面防水层已修复", true, t.AddHours(5)));

        var timeline = await Eventually.Get(async () => await TimelineAsync(_stack, rid) is { Length: 8 } all ? all : null, "eight timeline entries");

        Assert.Equal(["submitted", "assigned", "accepted", "on_site", "escalated", "whistled", "plan_formed", "resolved"], Events(timeline));
        Assert.Equal("community", timeline[4].GetProperty("detail").GetProperty("toTier").GetString());
        Assert.Equal(["housing"], timeline[5].GetProperty("detail").GetProperty("departments").EnumerateArray().Select(d => d.GetString()));
        Assert.Equal("屋面防水层已修复", timeline[7].GetProperty("detail").GetProperty("resolution").GetString());
        Assert.Equal("网格员1", timeline[2].GetProperty("actor").GetString());
        Assert.Equal(t.AddMinutes(20).UtcDateTime, timeline[3].GetProperty("at").GetDateTime().ToUniversalTime(), TimeSpan.FromMilliseconds(1));
        Assert.Equal("resolved", await StatusAsync(_stack, rid));
    }

    [Fact]
    public async Task An_event_that_arrives_late_takes_its_place_in_time_and_does_not_move_the_status_back()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var filed = await FileAndAssignAsync(_stack, county);
        var t = DateTimeOffset.UtcNow;

        await PublishAsync(_stack, new WorkOrderResolved(filed.WorkOrderId, filed.Id, "网格员1", "已疏通", true, t.AddMinutes(40)));
        await Eventually.True(async () => await StatusAsync(_stack, filed.Id) == "resolved", "the resolution");
        await PublishAsync(_stack, new WorkOrderAccepted(filed.WorkOrderId, filed.Id, "网格员1", true, t.AddMinutes(1)));

        var timeline = await Eventually.Get(async () => await TimelineAsync(_stack, filed.Id) is { Length: 4 } all ? all : null, "the late acceptance");
        Assert.Equal(["submitted", "assigned", "accepted", "resolved"], Events(timeline));
        Assert.Equal("resolved", await StatusAsync(_stack, filed.Id));
    }

    [Fact]
    public async Task The_same_event_delivered_twice_or_republished_adds_one_entry()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var filed = await FileAndAssignAsync(_stack, county);
        var accepted = new WorkOrderAccepted(filed.WorkOrderId, filed.Id, "网格员2", false, DateTimeOffset.UtcNow);
        var (messageId, republishedId) = (NewId.NextGuid(), NewId.NextGuid());
        using var activities = new ActivityCollector();

        await PublishAsync(_stack, accepted, messageId);
        await PublishAsync(_stack, accepted, messageId);
        await PublishAsync(_stack, accepted, republishedId);

        await Eventually.True(() => Task.FromResult(activities.Handled("WorkOrderAcceptedTimeline", messageId).Count == 2
                                                    && activities.Handled("WorkOrderAcceptedTimeline", republishedId).Count == 1),
            "all three deliveries to be handled");
        Assert.Equal(["submitted", "assigned", "accepted"], Events(await TimelineAsync(_stack, filed.Id)));
        Assert.Equal("accepted", await StatusAsync(_stack, filed.Id));
    }

    [Fact]
    public async Task Dispatchs_real_lifecycle_reaches_the_timeline_and_a_dissatisfied_callback_reopens_the_work_order()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var dispatch = new DispatchDriver(_stack);
        var worker = Tokens.For("grid_worker", county.Grid, subject: "worker-" + Guid.NewGuid().ToString("N")[..8]);
        var filed = await FileAndAssignAsync(_stack, county);
        async Task WaitForStatusAsync(string status) =>
            await Eventually.True(async () => await StatusAsync(_stack, filed.Id) == status, $"intake's status {status}");

        // The grid worker works the order over dispatch's HTTP API; intake hears it through the events.
        await dispatch.ActOkAsync(filed.WorkOrderId, "accept", worker);
        await WaitForStatusAsync("accepted");
        await dispatch.ActOkAsync(filed.WorkOrderId, "arrive", worker);
        await WaitForStatusAsync("on_site");
        await dispatch.ActOkAsync(filed.WorkOrderId, "resolve", worker, new { resolution = "更换了顶楼防水层" });
        await WaitForStatusAsync("resolved");
        var resolved = (await TimelineAsync(_stack, filed.Id)).Single(e => e.GetProperty("event").GetString() == "resolved");
        Assert.Equal("更换了顶楼防水层", resolved.GetProperty("detail").GetProperty("resolution").GetString());
        Assert.Equal(["submitted", "assigned", "accepted", "on_site", "resolved"], Events(await TimelineAsync(_stack, filed.Id)));

        var dissatisfied = await Intake.SendAsync(HttpMethod.Post, $"/api/v1/requests/{filed.Id}/callbacks",
            new { reached = true, satisfaction = "dissatisfied", comment = "下雨还是漏" });
        Assert.Equal(HttpStatusCode.Created, dissatisfied.StatusCode);

        // Dispatch reopens the same order; its WorkOrderReopened echo adds no second reopening at intake.
        await Eventually.True(async () => (await dispatch.GetAsync(filed.WorkOrderId)).GetProperty("reopenCount").GetInt32() == 1, "dispatch to reopen the order");
        Assert.Equal("assigned", (await dispatch.GetAsync(filed.WorkOrderId)).GetProperty("status").GetString());
        await Eventually.True(async () => (await dispatch.EventsAsync(nameof(WorkOrderReopened), filed.WorkOrderId)).Count == 1, "dispatch's WorkOrderReopened");
        await dispatch.ActOkAsync(filed.WorkOrderId, "accept", worker);
        await WaitForStatusAsync("accepted");
        Assert.Single(await TimelineAsync(_stack, filed.Id), e => e.GetProperty("event").GetString() == "reopened");

        // The second round ends with a satisfied callback, which closes the order too.
        await dispatch.ActOkAsync(filed.WorkOrderId, "arrive", worker);
        await dispatch.ActOkAsync(filed.WorkOrderId, "resolve", worker, new { resolution = "重新做了防水" });
        await WaitForStatusAsync("resolved");
        var satisfied = await Intake.SendAsync(HttpMethod.Post, $"/api/v1/requests/{filed.Id}/callbacks", new { reached = true, satisfaction = "satisfied" });
        Assert.Equal(HttpStatusCode.Created, satisfied.StatusCode);
        await Eventually.True(async () => (await dispatch.GetAsync(filed.WorkOrderId)).GetProperty("status").GetString() == "closed", "dispatch to close the order");
        Assert.Equal("closed", await StatusAsync(_stack, filed.Id));
        // Whether dispatch re-announces the assignment of a reopened order is dispatch's business: later assignments are left out.
        var events = Events(await TimelineAsync(_stack, filed.Id));
        Assert.Equal(["submitted", "assigned", "accepted", "on_site", "resolved", "callback", "reopened", "accepted", "on_site", "resolved", "callback", "closed"],
            events.Where((e, i) => e != "assigned" || i == 1).ToArray());
    }

    [Fact]
    public async Task A_resident_follows_a_request_by_ticket_and_the_last_four_phone_digits_without_logging_in()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var filed = await FileAndAssignAsync(_stack, county, phone: "13700004321");
        await PublishAsync(_stack, new WorkOrderAccepted(filed.WorkOrderId, filed.Id, "网格员1", true, DateTimeOffset.UtcNow));
        await Eventually.True(async () => await StatusAsync(_stack, filed.Id) == "accepted", "the acceptance");

        var response = await Intake.SendAsync(HttpMethod.Get, $"/api/v1/requests/lookup?ticket={filed.TicketNo}&phoneLast4=4321", role: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var view = await response.JsonAsync();
        Assert.Equal(filed.TicketNo, view.GetProperty("ticketNo").GetString());
        Assert.Equal("accepted", view.GetProperty("status").GetString());
        Assert.Equal("房屋漏水", view.GetProperty("categoryName").GetString());
        Assert.Equal("137****4321", view.GetProperty("reporterPhone").GetString());
        Assert.Equal(["submitted", "assigned", "accepted"], Events(view.GetProperty("timeline").EnumerateArray().ToArray()));
        Assert.DoesNotContain("13700004321", view.GetRawText());
        Assert.DoesNotContain("赵六", view.GetRawText());
    }

    [Fact]
    public async Task Wrong_phone_digits_get_the_same_404_as_an_unknown_ticket_and_repeated_guesses_are_refused()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var filed = await FileAndAssignAsync(_stack, county, phone: "13700001234");
        Task<HttpResponseMessage> Lookup(string ticket, string digits) =>
            Intake.SendAsync(HttpMethod.Get, $"/api/v1/requests/lookup?ticket={ticket}&phoneLast4={digits}", role: null);

        var unknown = await Lookup("19990101-000001", "1234");
        var wrong = await Lookup(filed.TicketNo, "9999");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, wrong.StatusCode);
        Assert.Equal((await unknown.JsonAsync()).GetProperty("title").GetString(), (await wrong.JsonAsync()).GetProperty("title").GetString());

        for (var i = 0; i < 4; i++) Assert.Equal(HttpStatusCode.NotFound, (await Lookup(filed.TicketNo, $"000{i}")).StatusCode);
        var refused = await Lookup(filed.TicketNo, "1234");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("ticket=abc&phoneLast4=1234", "ticket")]
    [InlineData("ticket=20261122-000001&phoneLast4=12a4", "phoneLast4")]
    [InlineData("ticket=20261122-000001", "phoneLast4")]
    public async Task A_malformed_look_up_gets_a_problem_naming_the_parameter(string query, string field)
    {
        var response = await Intake.SendAsync(HttpMethod.Get, $"/api/v1/requests/lookup?{query}", role: null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task The_staff_timeline_needs_a_staff_role_and_a_known_request()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await Intake.SendAsync(HttpMethod.Get, $"/api/v1/requests/{Guid.NewGuid()}/timeline", role: null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Intake.SendAsync(HttpMethod.Get, $"/api/v1/requests/{Guid.NewGuid()}/timeline")).StatusCode);
    }
}
