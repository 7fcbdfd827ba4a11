using System.Net;
using System.Text.Json;
using GovPlatform.Contracts;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests;

/// <summary>
/// The work order's life: assigned → accepted → on site → resolved (or plan formed) → closed after
/// the callback, plus return, transfer, suspension and reopening; illegal moves get a 409.
/// </summary>
public sealed class WorkOrderLifecycleTests(SharedStack shared)
{
    private readonly TestStack _stack = shared.Stack;
    private readonly DispatchDriver _dispatch = new(shared.Stack);
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(TestCounty County, Guid RequestId, Guid OrderId, string Worker)> AssignedOrderAsync()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var requestId = await _dispatch.SubmitAsync(county);
        var orderId = await _dispatch.OrderIdForAsync(requestId);
        return (county, requestId, orderId, Tokens.For("grid_worker", county.Grid, subject: "worker-" + Guid.NewGuid().ToString("N")[..8]));
    }

    private static string SubjectOf(string token) =>
        new System.IdentityModel.Tokens.Jwt.JwtSecurityTokenHandler().ReadJwtToken(token).Subject;

    [Fact]
    public async Task A_simple_problem_goes_from_assigned_to_closed_with_an_event_and_a_history_row_per_step()
    {
        var (_, requestId, orderId, worker) = await AssignedOrderAsync();

        Assert.Equal("accepted", (await _dispatch.ActOkAsync(orderId, "accept", worker)).GetProperty("status").GetString());
        Assert.Equal("on_site", (await _dispatch.ActOkAsync(orderId, "arrive", worker)).GetProperty("status").GetString());
        var resolved = await _dispatch.ActOkAsync(orderId, "resolve", worker, new { resolution = "疏通了下水道" });
        Assert.Equal("resolved", resolved.GetProperty("status").GetString());

        await _dispatch.PublishAsync(new RequestClosed(requestId, Satisfaction.Satisfied, DateTimeOffset.UtcNow));
        await Eventually.True(async () => (await _dispatch.GetAsync(orderId)).GetProperty("status").GetString() == "closed", "the order to close");

        var order = await _dispatch.GetAsync(orderId);
        Assert.Equal(["assigned", "accept", "arrive", "resolve", "closed"], DispatchDriver.Actions(order));
        var accept = order.GetProperty("history")[1];
        Assert.Equal(SubjectOf(worker), accept.GetProperty("actor").GetString());
        Assert.Equal("测试grid_worker", accept.GetProperty("actorName").GetString());

        var accepted = Assert.Single(await _dispatch.EventsAsync(nameof(WorkOrderAccepted), orderId));
        Assert.Equal(SubjectOf(worker), accepted.GetProperty("by").GetString());
        Assert.True(accepted.GetProperty("onTime").GetBoolean());
        Assert.True(Assert.Single(await _dispatch.EventsAsync(nameof(WorkOrderArrived), orderId)).GetProperty("onTime").GetBoolean());
        Assert.Equal("疏通了下水道", Assert.Single(await _dispatch.EventsAsync(nameof(WorkOrderResolved), orderId)).GetProperty("resolution").GetString());
        Assert.Single(await _dispatch.EventsAsync(nameof(WorkOrderClosed), orderId));
        // Closing stops every clock: nothing is left to fire.
        Assert.Equal(0, await _stack.ScalarAsync<long>("dispatch",
            "SELECT count(*) FROM work_order_deadlines WHERE work_order_id = @orderId AND state = 'pending'", new { orderId }));
    }

    [Fact]
    public async Task A_complex_problem_gets_a_plan_and_then_its_resolution()
    {
        var (_, _, orderId, worker) = await AssignedOrderAsync();
        await _dispatch.ActOkAsync(orderId, "accept", worker);
        await _dispatch.ActOkAsync(orderId, "arrive", worker, new { complex = true });

        var dueAt = DateTimeOffset.UtcNow.AddDays(3);
        var planned = await _dispatch.ActOkAsync(orderId, "plan", worker, new { plan = "联系物业更换主管道，三天内完成", dueAt });
        Assert.Equal(dueAt.UtcDateTime, planned.GetProperty("planDueAt").GetDateTime(), TimeSpan.FromMilliseconds(1));
        Assert.Equal("pending", await _stack.ScalarAsync<string>("dispatch",
            "SELECT state FROM work_order_deadlines WHERE work_order_id = @orderId AND clock = 'plan_due' AND abs(extract(epoch FROM due_at - @dueAt)) < 0.001",
            new { orderId, dueAt }));
        var resolved = await _dispatch.ActOkAsync(orderId, "resolve", worker, new { resolution = "主管道已更换" });

        Assert.Equal("plan_formed", planned.GetProperty("status").GetString());
        // Resolved before the plan's date: the plan's promise was kept and its clock is met.
        Assert.True(Assert.Single(await _dispatch.EventsAsync(nameof(WorkOrderResolved), orderId)).GetProperty("onTime").GetBoolean());
        Assert.Equal("met", await _stack.ScalarAsync<string>("dispatch",
            "SELECT state FROM work_order_deadlines WHERE work_order_id = @orderId AND clock = 'plan_due'", new { orderId }));
        Assert.Equal("resolved", resolved.GetProperty("status").GetString());
        Assert.Equal("联系物业更换主管道，三天内完成", Assert.Single(await _dispatch.EventsAsync(nameof(WorkOrderPlanFormed), orderId)).GetProperty("plan").GetString());
        // On site it was judged complex, so the one-hour fix clock was cancelled rather than met or missed.
        Assert.Equal("cancelled", await _stack.ScalarAsync<string>("dispatch",
            "SELECT state FROM work_order_deadlines WHERE work_order_id = @orderId AND clock = 'resolve'", new { orderId }));
    }

    [Fact]
    public async Task An_illegal_transition_gets_a_409_naming_the_current_state_and_changes_nothing()
    {
        var (county, _, orderId, worker) = await AssignedOrderAsync();
        var leader = Tokens.For("grid_leader", county.Grid);
        var cases = new (string Action, string Token, object? Body, string State)[]
        {
            ("resolve", worker, new { resolution = "x" }, "assigned"),
            ("arrive", worker, null, "assigned"),
            ("resume", leader, null, "assigned"),
        };
        foreach (var (action, token, body, state) in cases)
            await AssertConflictAsync(await _dispatch.ActAsync(orderId, action, token, body), state);

        await _dispatch.ActOkAsync(orderId, "accept", worker);
        await AssertConflictAsync(await _dispatch.ActAsync(orderId, "accept", worker), "accepted");
        await AssertConflictAsync(await _dispatch.ActAsync(orderId, "plan", worker, new { plan = "x", dueAt = DateTimeOffset.UtcNow.AddDays(1) }), "accepted");

        var order = await _dispatch.GetAsync(orderId);
        Assert.Equal("accepted", order.GetProperty("status").GetString());
        Assert.Equal(["assigned", "accept"], DispatchDriver.Actions(order));
        Assert.Single(await _dispatch.EventsAsync(nameof(WorkOrderAccepted), orderId));
    }

    private async Task AssertConflictAsync(HttpResponseMessage response, string state)
    {
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(state, problem.RootElement.GetProperty("currentState").GetString());
        Assert.Contains($"'{state}'", problem.RootElement.GetProperty("title").GetString());
    }

    [Fact]
    public async Task A_returned_order_goes_to_the_community_and_only_a_leader_may_transfer_it()
    {
        var (county, _, orderId, worker) = await AssignedOrderAsync();
        var returned = await _dispatch.ActOkAsync(orderId, "return", worker, new { reason = "不属于网格职责，需物业处理" });
        Assert.Equal("returned", returned.GetProperty("status").GetString());
        Assert.Equal("community", returned.GetProperty("assigneeKind").GetString());
        Assert.Equal("锦园社区", returned.GetProperty("assigneeName").GetString());

        var target = await _dispatch.WorkerIdAsync(county.Import.Workers![1].Phone);
        var byWorker = await _dispatch.ActAsync(orderId, "transfer", worker, new { toWorkerId = target, reason = "换人" });
        Assert.Equal(HttpStatusCode.Forbidden, byWorker.StatusCode);
        Assert.Equal("application/problem+json", byWorker.Content.Headers.ContentType?.MediaType);

        var leader = Tokens.For("grid_leader", county.Grid);
        var transferred = await _dispatch.ActOkAsync(orderId, "transfer", leader, new { toWorkerId = target, reason = "由网格员2处理" });
        Assert.Equal("assigned", transferred.GetProperty("status").GetString());
        Assert.Equal(target, transferred.GetProperty("assigneeId").GetGuid());
        var evt = Assert.Single(await _dispatch.EventsAsync(nameof(WorkOrderTransferred), orderId));
        Assert.Equal("由网格员2处理", evt.GetProperty("reason").GetString());
        Assert.Equal(target, evt.GetProperty("toId").GetGuid());
        Assert.Equal("不属于网格职责，需物业处理", Assert.Single(await _dispatch.EventsAsync(nameof(WorkOrderReturned), orderId)).GetProperty("reason").GetString());
        // The new assignee starts a new round with the full service level.
        Assert.Equal(4L, await _stack.ScalarAsync<long>("dispatch",
            "SELECT count(*) FROM work_order_deadlines WHERE work_order_id = @orderId AND round = 2 AND state = 'pending'", new { orderId }));
    }

    [Fact]
    public async Task A_transfer_of_an_escalated_order_keeps_its_tier_and_the_new_assignee_may_work_it()
    {
        var (county, _, orderId, _) = await AssignedOrderAsync();
        var cadre = Tokens.For("community_cadre", county.Community);
        Assert.Equal("community", (await _dispatch.ActOkAsync(orderId, "escalate", cadre, new { reason = "网格处理不了" })).GetProperty("tier").GetString());
        var targetId = await _dispatch.WorkerIdAsync(county.Import.Workers![1].Phone);

        var transferred = await _dispatch.ActOkAsync(orderId, "transfer", cadre, new { toWorkerId = targetId, reason = "社区指定网格员2跟进" });

        Assert.Equal(("community", "assigned", targetId), (transferred.GetProperty("tier").GetString(), transferred.GetProperty("status").GetString(),
            transferred.GetProperty("assigneeId").GetGuid()));
        // The new round's clocks run at the community tier, so a miss moves it to the subdistrict, not back through the compound.
        Assert.Equal(["community"], await _stack.QueryAsync<string>("dispatch",
            "SELECT DISTINCT tier FROM work_order_deadlines WHERE work_order_id = @orderId AND round = 2 AND state = 'pending'", new { orderId }));
        Assert.Equal(0, await _stack.ScalarAsync<long>("dispatch",
            "SELECT count(*) FROM work_order_deadlines WHERE work_order_id = @orderId AND tier = 'compound' AND state = 'pending'", new { orderId }));
        // The named assignee works it; another grid worker of the same grid still may not touch a community-tier order.
        using var byOther = await _dispatch.ActAsync(orderId, "accept", Tokens.For("grid_worker", county.Grid));
        Assert.Equal(HttpStatusCode.Forbidden, byOther.StatusCode);
        var assignee = Tokens.For("grid_worker", county.Grid, subject: targetId.ToString());
        var accepted = await _dispatch.ActOkAsync(orderId, "accept", assignee);
        Assert.Equal(("accepted", "community"), (accepted.GetProperty("status").GetString(), accepted.GetProperty("tier").GetString()));
        using var suspendByAssignee = await _dispatch.ActAsync(orderId, "suspend", assignee, new { reason = "等", until = DateTimeOffset.UtcNow.AddHours(1) });
        Assert.Equal(HttpStatusCode.Forbidden, suspendByAssignee.StatusCode);
    }

    [Fact]
    public async Task A_suspended_order_stops_its_clocks_refuses_work_and_resumes_where_it_was()
    {
        var (county, _, orderId, worker) = await AssignedOrderAsync();
        await _dispatch.ActOkAsync(orderId, "accept", worker);
        var leader = Tokens.For("grid_leader", county.Grid);
        var until = DateTimeOffset.UtcNow.AddDays(2);

        var suspended = await _dispatch.ActOkAsync(orderId, "suspend", leader, new { reason = "等待业委会表决", until });
        Assert.Equal("suspended", suspended.GetProperty("status").GetString());
        Assert.Equal(until.UtcDateTime, suspended.GetProperty("suspendedUntil").GetDateTime().ToUniversalTime(), TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, await _stack.ScalarAsync<long>("dispatch",
            "SELECT count(*) FROM work_order_deadlines WHERE work_order_id = @orderId AND state = 'pending' AND clock <> 'suspension'", new { orderId }));
        await AssertConflictAsync(await _dispatch.ActAsync(orderId, "arrive", worker), "suspended");

        var resumed = await _dispatch.ActOkAsync(orderId, "resume", leader);
        Assert.Equal("accepted", resumed.GetProperty("status").GetString());
        Assert.Equal("等待业委会表决", Assert.Single(await _dispatch.EventsAsync(nameof(WorkOrderSuspended), orderId)).GetProperty("reason").GetString());
        Assert.Single(await _dispatch.EventsAsync(nameof(WorkOrderResumed), orderId));
        Assert.Equal("on_site", (await _dispatch.ActOkAsync(orderId, "arrive", worker)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_reopened_request_reopens_its_order_once_however_often_the_reopen_arrives()
    {
        var (_, requestId, orderId, worker) = await AssignedOrderAsync();
        await _dispatch.ActOkAsync(orderId, "accept", worker);
        await _dispatch.ActOkAsync(orderId, "arrive", worker);
        await _dispatch.ActOkAsync(orderId, "resolve", worker, new { resolution = "已处理" });
        await _dispatch.PublishAsync(new RequestClosed(requestId, Satisfaction.Dissatisfied, DateTimeOffset.UtcNow));
        await Eventually.True(async () => (await _dispatch.GetAsync(orderId)).GetProperty("status").GetString() == "closed", "the order to close");

        var reopen = new RequestReopened(requestId, 1, "问题仍未解决", DateTimeOffset.UtcNow);
        await _dispatch.PublishAsync(reopen);
        await _dispatch.PublishAsync(reopen); // a resubmission under a new message id

        await Eventually.True(async () => (await _dispatch.GetAsync(orderId)).GetProperty("status").GetString() == "assigned", "the order to reopen");
        await Eventually.True(async () => await _stack.ScalarAsync<long>("dispatch",
            "SELECT count(*) FROM inbox_messages WHERE consumer = 'RequestReopenedConsumer'") >= 2, "both reopen deliveries");
        var order = await _dispatch.GetAsync(orderId);
        Assert.Equal(1, order.GetProperty("reopenCount").GetInt32());
        Assert.Equal(1, DispatchDriver.Actions(order).Count(a => a == "reopened"));
        Assert.Equal(1, Assert.Single(await _dispatch.EventsAsync(nameof(WorkOrderReopened), orderId)).GetProperty("reopenCount").GetInt32());
        // And the work can start again.
        Assert.Equal("accepted", (await _dispatch.ActOkAsync(orderId, "accept", worker)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Bad_action_bodies_get_a_400_naming_the_field_and_change_nothing()
    {
        var (county, _, orderId, worker) = await AssignedOrderAsync();
        var leader = Tokens.For("grid_leader", county.Grid);
        await _dispatch.ActOkAsync(orderId, "accept", worker);
        await _dispatch.ActOkAsync(orderId, "arrive", worker);
        var cases = new (string Action, string Token, object Body, string Field)[]
        {
            ("resolve", worker, new { resolution = "  " }, "resolution"),
            ("plan", worker, new { plan = new string('计', 2001), dueAt = DateTimeOffset.UtcNow.AddDays(1) }, "plan"),
            ("plan", worker, new { plan = "三天内更换主管道" }, "dueAt"),
            ("plan", worker, new { plan = "三天内更换主管道", dueAt = DateTimeOffset.UtcNow.AddMinutes(-1) }, "dueAt"),
            ("plan", worker, new { plan = "明年再说", dueAt = DateTimeOffset.UtcNow.AddDays(31) }, "dueAt"),
            ("return", worker, new { reason = "" }, "reason"),
            ("suspend", leader, new { reason = "等待", until = DateTimeOffset.UtcNow.AddMinutes(-1) }, "until"),
            ("suspend", leader, new { reason = "等待", until = DateTimeOffset.UtcNow.AddDays(31) }, "until"),
            ("transfer", leader, new { toWorkerId = Guid.NewGuid(), reason = "换人" }, "toWorkerId"),
        };
        foreach (var (action, token, body, field) in cases)
        {
            var response = await _dispatch.ActAsync(orderId, action, token, body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
            Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), $"expected '{field}' in {problem.RootElement}");
        }

        var order = await _dispatch.GetAsync(orderId);
        Assert.Equal("on_site", order.GetProperty("status").GetString());
        Assert.Equal(["assigned", "accept", "arrive"], DispatchDriver.Actions(order));
    }
}
