using System.Net;
using System.Text.Json;
using GovPlatform.Contracts;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests;

/// <summary>The phone callback (电话回访): satisfied closes, dissatisfied reopens up to the limit, resolved and satisfied kept apart.</summary>
public sealed class CallbackTests(SharedStack shared)
{
    private readonly TestStack _stack = shared.Stack;
    private HttpClient Intake => _stack.Client("intake");

    private async Task<RequestTimelineTests.Filed> ResolvedRequestAsync()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var filed = await RequestTimelineTests.FileAndAssignAsync(_stack, county);
        await ResolveAsync(filed);
        return filed;
    }

    private async Task ResolveAsync(RequestTimelineTests.Filed filed)
    {
        await RequestTimelineTests.PublishAsync(_stack, new WorkOrderResolved(filed.WorkOrderId, filed.Id, "网格员1", "已修复", true, DateTimeOffset.UtcNow));
        await Eventually.True(async () => await RequestTimelineTests.StatusAsync(_stack, filed.Id) == "resolved", "the resolution");
    }

    private async Task<JsonElement> CallbackAsync(Guid id, object body, HttpStatusCode expected = HttpStatusCode.Created)
    {
        var response = await Intake.SendAsync(HttpMethod.Post, $"/api/v1/requests/{id}/callbacks", body);
        Assert.True(response.StatusCode == expected, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
        return await response.JsonAsync();
    }

    private async Task<JsonElement> RequestAsync(Guid id) => await (await Intake.SendAsync(HttpMethod.Get, $"/api/v1/requests/{id}")).JsonAsync();

    private Task<string[]> OutboxTypesAsync(Guid id) =>
        _stack.QueryAsync<string>("intake", "SELECT message_type FROM outbox_messages WHERE body->>'requestId' = @id ORDER BY id", new { id = id.ToString() })
            .ContinueWith(t => t.Result.Select(n => n[(n.LastIndexOf('.') + 1)..]).ToArray());

    [Fact]
    public async Task A_satisfied_resident_closes_the_request_and_the_desk_publishes_the_callback_and_the_closing()
    {
        var filed = await ResolvedRequestAsync();

        var callback = await CallbackAsync(filed.Id, new { reached = true, satisfaction = "satisfied", comment = "修得很及时，谢谢" });

        Assert.Equal("closed", callback.GetProperty("outcome").GetString());
        Assert.Equal("closed", callback.GetProperty("status").GetString());
        var request = await RequestAsync(filed.Id);
        Assert.Equal("closed", request.GetProperty("status").GetString());
        Assert.Equal("satisfied", request.GetProperty("satisfaction").GetString());
        Assert.NotEqual(JsonValueKind.Null, request.GetProperty("closedAt").ValueKind);
        var timeline = await RequestTimelineTests.TimelineAsync(_stack, filed.Id);
        Assert.Equal(["submitted", "assigned", "resolved", "callback", "closed"], timeline.Select(e => e.GetProperty("event").GetString()));
        Assert.Equal("修得很及时，谢谢", timeline[3].GetProperty("detail").GetProperty("comment").GetString());
        Assert.Equal(["RequestSubmitted", "CallbackRecorded", "RequestClosed"], await OutboxTypesAsync(filed.Id));
        var closed = await _stack.ScalarAsync<string>("intake",
            "SELECT body->>'satisfaction' FROM outbox_messages WHERE message_type LIKE '%RequestClosed' AND body->>'requestId' = @id", new { id = filed.Id.ToString() });
        Assert.Equal("satisfied", closed);

        // Dispatch closing its order afterwards is the same fact, not a second closing.
        using var activities = new ActivityCollector();
        var messageId = MassTransit.NewId.NextGuid();
        await RequestTimelineTests.PublishAsync(_stack, new WorkOrderClosed(filed.WorkOrderId, filed.Id, DateTimeOffset.UtcNow), messageId);
        await Eventually.True(() => Task.FromResult(activities.Handled("WorkOrderClosedTimeline", messageId).Count == 1), "dispatch's closing to be handled");
        Assert.Single(await RequestTimelineTests.TimelineAsync(_stack, filed.Id), e => e.GetProperty("event").GetString() == "closed");
        Assert.Equal("closed", (await RequestAsync(filed.Id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_dissatisfied_resident_reopens_the_request_up_to_the_limit_and_then_it_closes_as_dissatisfied()
    {
        var filed = await ResolvedRequestAsync();

        var first = await CallbackAsync(filed.Id, new { reached = true, satisfaction = "dissatisfied", comment = "还在漏" });
        Assert.Equal("reopened", first.GetProperty("outcome").GetString());
        Assert.Equal(1, first.GetProperty("reopenCount").GetInt32());
        Assert.Equal("reopened", (await RequestAsync(filed.Id)).GetProperty("status").GetString());
        // Dispatch's echo of the reopening carries the same count: no second entry.
        using var activities = new ActivityCollector();
        var echoId = MassTransit.NewId.NextGuid();
        await RequestTimelineTests.PublishAsync(_stack, new WorkOrderReopened(filed.WorkOrderId, filed.Id, 1, DateTimeOffset.UtcNow), echoId);
        await Eventually.True(() => Task.FromResult(activities.Handled("WorkOrderReopenedTimeline", echoId).Count == 1), "dispatch's echo to be handled");

        await ResolveAsync(filed);
        var second = await CallbackAsync(filed.Id, new { reached = true, satisfaction = "dissatisfied" });
        Assert.Equal("reopened", second.GetProperty("outcome").GetString());
        Assert.Equal(2, second.GetProperty("reopenCount").GetInt32());

        await ResolveAsync(filed);
        var third = await CallbackAsync(filed.Id, new { reached = true, satisfaction = "dissatisfied", comment = "不满意" });
        Assert.Equal("closed", third.GetProperty("outcome").GetString());
        Assert.Equal(2, third.GetProperty("reopenCount").GetInt32());

        var request = await RequestAsync(filed.Id);
        Assert.Equal("closed", request.GetProperty("status").GetString());
        Assert.Equal("dissatisfied", request.GetProperty("satisfaction").GetString());
        Assert.Equal(["RequestSubmitted", "CallbackRecorded", "RequestReopened", "CallbackRecorded", "RequestReopened", "CallbackRecorded", "RequestClosed"],
            await OutboxTypesAsync(filed.Id));
        var reopenCounts = await _stack.QueryAsync<string>("intake",
            "SELECT body->>'reopenCount' FROM outbox_messages WHERE message_type LIKE '%RequestReopened' AND body->>'requestId' = @id ORDER BY id", new { id = filed.Id.ToString() });
        Assert.Equal(["1", "2"], reopenCounts);
        var events = (await RequestTimelineTests.TimelineAsync(_stack, filed.Id)).Select(e => e.GetProperty("event").GetString()).ToArray();
        Assert.Equal(2, events.Count(e => e == "reopened"));
        Assert.Equal("closed", events[^1]);
    }

    [Fact]
    public async Task A_resident_not_reached_leaves_the_request_resolved_until_a_later_callback()
    {
        var filed = await ResolvedRequestAsync();

        var missed = await CallbackAsync(filed.Id, new { reached = false, comment = "无人接听" });
        Assert.Equal("pending", missed.GetProperty("outcome").GetString());
        Assert.Equal("resolved", (await RequestAsync(filed.Id)).GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, (await RequestAsync(filed.Id)).GetProperty("satisfaction").ValueKind);

        var reached = await CallbackAsync(filed.Id, new { reached = true, satisfaction = "basically_satisfied" });
        Assert.Equal("closed", reached.GetProperty("outcome").GetString());
        Assert.Equal("basically_satisfied", (await RequestAsync(filed.Id)).GetProperty("satisfaction").GetString());
        Assert.Equal(2, await _stack.ScalarAsync<long>("intake", "SELECT count(*) FROM request_callbacks WHERE request_id = @Id", new { filed.Id }));
    }

    [Fact]
    public async Task A_callback_before_resolution_or_after_closing_is_a_409_with_the_current_status()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var filed = await RequestTimelineTests.FileAndAssignAsync(_stack, county);

        var early = await CallbackAsync(filed.Id, new { reached = true, satisfaction = "satisfied" }, HttpStatusCode.Conflict);
        Assert.Equal("assigned", early.GetProperty("currentStatus").GetString());

        await ResolveAsync(filed);
        await CallbackAsync(filed.Id, new { reached = true, satisfaction = "satisfied" });
        var late = await CallbackAsync(filed.Id, new { reached = true, satisfaction = "dissatisfied" }, HttpStatusCode.Conflict);
        Assert.Equal("closed", late.GetProperty("currentStatus").GetString());
        Assert.Equal(1, await _stack.ScalarAsync<long>("intake", "SELECT count(*) FROM request_callbacks WHERE request_id = @Id", new { filed.Id }));
    }

    [Theory]
    [InlineData("""{"reached":true}""", "satisfaction")]
    [InlineData("""{"reached":true,"satisfaction":"happy"}""", "satisfaction")]
    [InlineData("""{"reached":false,"satisfaction":"satisfied"}""", "satisfaction")]
    [InlineData("""{"reached":true,"satisfaction":"satisfied","comment":"坏\u0000"}""", "comment")]
    public async Task A_bad_callback_gets_a_problem_naming_the_field_and_records_nothing(string json, string field)
    {
        var id = Guid.NewGuid();
        var response = await Intake.SendAsync(HttpMethod.Post, $"/api/v1/requests/{id}/callbacks",
            new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty(field, out _));
        Assert.Equal(0, await _stack.ScalarAsync<long>("intake", "SELECT count(*) FROM request_callbacks WHERE request_id = @id", new { id }));
    }

    [Fact]
    public async Task Only_desk_staff_record_callbacks_and_an_unknown_request_is_404()
    {
        var body = new { reached = true, satisfaction = "satisfied" };
        Assert.Equal(HttpStatusCode.Forbidden, (await Intake.SendAsync(HttpMethod.Post, $"/api/v1/requests/{Guid.NewGuid()}/callbacks", body, role: "grid_worker")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Intake.SendAsync(HttpMethod.Post, $"/api/v1/requests/{Guid.NewGuid()}/callbacks", body)).StatusCode);
    }
}
