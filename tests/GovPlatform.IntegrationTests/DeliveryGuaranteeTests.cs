using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GovPlatform.Contracts;
using GovPlatform.IntegrationTests.Infrastructure;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace GovPlatform.IntegrationTests;

/// <summary>
/// The messaging guarantees: nothing acknowledged is lost, nothing delivered twice is applied twice,
/// failures end in error queues, and one trace follows a request across services.
/// </summary>
public sealed class DeliveryGuaranteeTests : IAsyncLifetime
{
    private TestStack _stack = null!;
    private readonly ActivityCollector _activities = new();
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _stack = await TestStack.CreateAsync();

    public async ValueTask DisposeAsync()
    {
        _activities.Dispose();
        await _stack.DisposeAsync();
    }

    private static RequestSubmitted Submitted(TestCounty county, Guid? requestId = null) => new(
        requestId ?? NewId.NextGuid(), "20261122-999999", "hotline", "drainage", "normal", county.Building,
        [county.District, $"{county.District}-01", county.Community, $"{county.Community}-C01", county.Grid, county.Building],
        null, null, DateTimeOffset.UtcNow);

    private Task PublishAsync(object message, Guid messageId) =>
        _stack.Provider("dispatch").GetRequiredService<IBus>().Publish(message, message.GetType(), ctx => ctx.MessageId = messageId, Ct);

    private Task<long> WorkOrdersFor(Guid requestId) =>
        _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM work_orders WHERE request_id = @requestId", new { requestId });

    private Task<long> AssignedEventsFor(Guid requestId) =>
        _stack.ScalarAsync<long>("dispatch",
            "SELECT count(*) FROM outbox_messages WHERE message_type LIKE '%WorkOrderAssigned' AND body->>'requestId' = @id",
            new { id = requestId.ToString() });

    [Fact]
    public async Task A_message_delivered_twice_creates_one_work_order()
    {
        _stack.Start("dispatch");
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var message = Submitted(county);
        var messageId = NewId.NextGuid();

        await PublishAsync(message, messageId);
        await PublishAsync(message, messageId);

        var handled = await Eventually.Get(() => Task.FromResult(
            _activities.Handled("RequestSubmittedConsumer", messageId) is { Count: 2 } both ? both : null), "both deliveries to be handled");
        Assert.Single(handled, a => a.GetTagItem("govplatform.duplicate") is true);
        Assert.Equal(1, await WorkOrdersFor(message.RequestId));
        Assert.Equal(1, await AssignedEventsFor(message.RequestId));

        // The same request under a new message id (a resubmission) still has one work order.
        var otherId = NewId.NextGuid();
        await PublishAsync(message, otherId);
        await Eventually.True(() => Task.FromResult(_activities.Handled("RequestSubmittedConsumer", otherId).Count == 1), "the resubmission to be handled");
        Assert.Equal(1, await WorkOrdersFor(message.RequestId));
        Assert.Equal(1, await AssignedEventsFor(message.RequestId));
    }

    [Fact]
    public async Task A_request_committed_but_not_yet_published_is_delivered_once_intake_restarts()
    {
        _stack.Start("dispatch");
        var relayOff = new Dictionary<string, string?> { ["Outbox:RelayEnabled"] = "false" };
        var intake = _stack.Start("intake", relayOff);
        var county = new TestCounty();
        await _stack.ImportAsync(county);

        var response = await intake.SendAsync(HttpMethod.Post, "/api/v1/requests", WalkingSkeletonTests.Body(county.Building));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<WalkingSkeletonTests.Submitted>(Ct))!.Id;
        Assert.Equal(1, await _stack.ScalarAsync<long>("intake",
            "SELECT count(*) FROM outbox_messages WHERE published_at IS NULL AND body->>'requestId' = @id", new { id = id.ToString() }));

        // The service dies between commit and publish, then comes back.
        await _stack.StopAsync("intake");
        _stack.Start("intake");

        await Eventually.True(async () => await WorkOrdersFor(id) == 1, "the work order after intake restarted");
        Assert.Equal(0, await _stack.ScalarAsync<long>("intake", "SELECT count(*) FROM outbox_messages WHERE published_at IS NULL"));
    }

    [Fact]
    public async Task The_relay_publishes_on_commit_without_waiting_for_its_poll()
    {
        _stack.Start("dispatch");
        // A poll interval far beyond the test's deadline: only the commit's NOTIFY can wake the relay.
        var intake = _stack.Start("intake", new Dictionary<string, string?> { ["Outbox:PollInterval"] = "01:00:00" });
        var county = new TestCounty();
        await _stack.ImportAsync(county);

        var response = await intake.SendAsync(HttpMethod.Post, "/api/v1/requests", WalkingSkeletonTests.Body(county.Building));
        var id = (await response.Content.ReadFromJsonAsync<WalkingSkeletonTests.Submitted>(Ct))!.Id;

        await Eventually.True(async () => await WorkOrdersFor(id) == 1, "the work order", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Several_relays_on_one_outbox_publish_each_row_exactly_once()
    {
        _stack.Start("intake", new Dictionary<string, string?> { ["Outbox:RelayEnabled"] = "false" });
        var county = new TestCounty();
        await using (var conn = await _stack.OpenAsync("intake"))
        await using (var tx = await conn.BeginTransactionAsync(Ct))
        {
            for (var i = 0; i < 1500; i++) await Outbox.EnqueueAsync(tx, Submitted(county), Ct);
            await tx.CommitAsync(Ct);
        }

        // Three relays start together on the same outbox, as three scaled-out instances would.
        var small = new Dictionary<string, string?> { ["Outbox:BatchSize"] = "50" };
        for (var i = 0; i < 3; i++) _stack.StartExtraInstance("intake", small);

        await Eventually.True(async () => await _stack.ScalarAsync<long>("intake",
            "SELECT count(*) FROM outbox_messages WHERE published_at IS NULL") == 0, "the outbox to drain");
        // attempts counts publishes: a row claimed by two relays would show 2.
        var attempts = await _stack.QueryAsync<int>("intake", "SELECT DISTINCT attempts FROM outbox_messages");
        Assert.Equal([1], attempts);
    }

    [Fact]
    public async Task A_message_that_keeps_failing_ends_in_the_error_queue_and_changes_nothing()
    {
        _stack.Start("dispatch");
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var poison = Submitted(county) with { LocationCode = null!, LocationPath = null! };

        await PublishAsync(poison, NewId.NextGuid());

        using var rabbit = TestServers.RabbitManagementClient();
        var errorQueue = await Eventually.Get(async () =>
        {
            var queues = await rabbit.GetFromJsonAsync<JsonElement>($"queues/{_stack.VirtualHost}", Ct);
            return queues.EnumerateArray()
                .Where(q => q.GetProperty("name").GetString()!.EndsWith("request-submitted_error", StringComparison.Ordinal)
                            && q.TryGetProperty("messages", out var n) && n.GetInt32() == 1)
                .Select(q => q.GetProperty("name").GetString()).FirstOrDefault();
        }, "the poison message in an error queue");
        Assert.StartsWith("dispatch-", errorQueue);
        Assert.Equal(0, await WorkOrdersFor(poison.RequestId));
        Assert.Equal(0, await _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM inbox_messages"));
    }

    [Fact]
    public async Task One_trace_spans_intakes_http_request_and_every_consumer_downstream()
    {
        _stack.StartAll();
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var traceId = System.Diagnostics.ActivityTraceId.CreateRandom();

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/requests")
        {
            Content = JsonContent.Create(WalkingSkeletonTests.Body(county.Building)),
        };
        request.Headers.Add("traceparent", $"00-{traceId}-{System.Diagnostics.ActivitySpanId.CreateRandom()}-01");
        var response = await _stack.Client("intake").SendAsync(request.WithBearer(Tokens.For("desk_operator")), Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);

        foreach (var consumer in new[] { "RequestSubmittedConsumer", "RequestSubmittedProjection", "WorkOrderAssignedProjection" })
        {
            await Eventually.True(() => Task.FromResult(_activities.Stopped.Any(a =>
                a.GetTagItem("govplatform.consumer") as string == consumer && a.TraceId == traceId)), $"{consumer} in trace {traceId}");
        }
    }
}
