using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GovPlatform.Contracts;
using GovPlatform.IntegrationTests.Infrastructure;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;

namespace GovPlatform.IntegrationTests;

/// <summary>
/// Dispatch under load and faults, on the real servers: competing instances, redelivery, a hard
/// kill mid-stream, and intake's outcomes overtaking the request they belong to.
/// </summary>
public sealed class DispatchUnderLoadTests : IAsyncLifetime
{
    private TestStack _stack = null!;
    private readonly ActivityCollector _activities = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly TimeSpan Drain = TimeSpan.FromMinutes(4);

    /// <summary>Streams of near-identical test texts would otherwise be linked as duplicates and never reach dispatch.</summary>
    private static readonly Dictionary<string, string?> NoDuplicates = new() { ["Intake:Duplicates:TextSimilarity"] = "2" };

    public async ValueTask InitializeAsync() => _stack = await TestStack.CreateAsync();

    public async ValueTask DisposeAsync()
    {
        _activities.Dispose();
        await _stack.DisposeAsync();
    }

    [Fact]
    public async Task Two_instances_consuming_one_queue_assign_each_request_exactly_once()
    {
        const int workers = 5, requests = 300;
        var (ids, loads) = await RouteThroughTwoInstancesAsync(workers, requests);

        // Every worker was on duty the whole time, so nothing falls back to the leader or the community,
        // and every worker gets a share.
        Assert.All(loads, l => Assert.Equal("grid_worker", l.AssigneeKind));
        Assert.Equal(workers, loads.Count);
        Assert.Equal(ids.Count, loads.Sum(l => l.Orders));
    }

    // Routing locks the grid's workers in one statement and reads loads afterwards (from Redis, or
    // counted in a fresh statement), so a consumer that waited for the locks sees the order the
    // holder just committed.
    [Fact]
    public async Task Two_instances_routing_into_one_grid_at_once_keep_each_workers_share_fair()
    {
        const int workers = 5, requests = 300;
        var (_, loads) = await RouteThroughTwoInstancesAsync(workers, requests);

        // Balanced by open load: the least loaded worker takes the next request, whichever instance routes it.
        const int fair = requests / workers;
        Assert.All(loads, l => Assert.InRange(l.Orders, fair - 3, fair + 3));
    }

    private async Task<(List<Guid> Ids, IReadOnlyList<(Guid? AssigneeId, string AssigneeKind, long Orders)> Loads)> RouteThroughTwoInstancesAsync(
        int workers, int requests)
    {
        _stack.Start("dispatch");
        _stack.StartExtraInstance("dispatch");
        _stack.Start("intake", NoDuplicates);
        var county = new TestCounty(workersInGrid: workers);
        await _stack.ImportAsync(county);
        await ConsumersAsync("dispatch-request-submitted", 2);

        var ids = await SubmitThroughIntakeAsync(county, requests, parallel: 8);

        await AssertEachAssignedOnceAsync(ids);
        // Who routing gave each order to, from its one WorkOrderAssigned event: on a slow machine a worker may miss
        // the 1-minute accept clock and the order escalates to the community, which says nothing of routing.
        var loads = await _stack.QueryAsync<(Guid? AssigneeId, string AssigneeKind, long Orders)>("dispatch", """
            SELECT (body->>'assigneeId')::uuid, body->>'assigneeKind', count(*) FROM outbox_messages
            WHERE message_type = 'GovPlatform.Contracts.WorkOrderAssigned' AND (body->>'requestId')::uuid = ANY(@ids)
            GROUP BY 1, 2
            """, new { ids = ids.ToArray() });
        return (ids, loads);
    }

    [Fact]
    public async Task A_dispatch_instance_killed_mid_stream_loses_nothing()
    {
        _stack.Start("dispatch");
        _stack.Start("intake", NoDuplicates);
        var county = new TestCounty(workersInGrid: 3);
        await _stack.ImportAsync(county);
        await using var victim = await ServiceProcess.StartAsync(_stack, "dispatch");
        await ConsumersAsync("dispatch-request-submitted", 2);

        const int requests = 400;
        var submitting = SubmitThroughIntakeAsync(county, requests, parallel: 4);
        // Kill it once work is flowing, while it holds deliveries it has not acknowledged yet.
        await Eventually.True(async () => await _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM work_orders") >= 60,
            "the stream to be under way", Drain);
        await victim.KillAsync();
        var atKill = await _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM work_orders");
        var ids = await submitting;
        Assert.True(atKill < requests, $"the kill came after the stream ended ({atKill} orders)");

        await AssertEachAssignedOnceAsync(ids);
        await Eventually.True(async () => (await QueueAsync("dispatch-request-submitted")).GetProperty("messages").GetInt32() == 0,
            "the queue to drain");
        Assert.False(await QueueExistsAsync("dispatch-request-submitted_error"), "a request ended in the error queue");
    }

    [Fact]
    public async Task A_dispatch_instance_restarted_after_a_kill_carries_on_where_the_killed_one_stopped()
    {
        _stack.Start("intake", NoDuplicates);
        _stack.Start("dispatch");
        var county = new TestCounty(workersInGrid: 2);
        await _stack.ImportAsync(county);
        // The in-process instance only serves the import; from here on the process alone consumes.
        await _stack.StopAsync("dispatch");
        var first = await ServiceProcess.StartAsync(_stack, "dispatch");
        await ConsumersAsync("dispatch-request-submitted", 1);

        var ids = await SubmitThroughIntakeAsync(county, 150, parallel: 4);
        await Eventually.True(async () => await _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM work_orders") >= 20,
            "the first instance to be working", Drain);
        await first.KillAsync();
        await first.DisposeAsync();
        await using var second = await ServiceProcess.StartAsync(_stack, "dispatch");

        await AssertEachAssignedOnceAsync(ids);
    }

    [Fact]
    public async Task Redelivered_close_and_reopen_change_the_order_once_and_a_stale_close_does_not_undo_the_reopen()
    {
        _stack.Start("dispatch");
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var driver = new DispatchDriver(_stack);
        var requestId = await driver.SubmitAsync(county);
        var orderId = await driver.OrderIdForAsync(requestId);

        var closeId = NewId.NextGuid();
        var close = new RequestClosed(requestId, "satisfied", DateTimeOffset.UtcNow);
        await driver.PublishAsync(close, closeId);
        await driver.PublishAsync(close, closeId);
        await HandledAsync("RequestClosedConsumer", closeId, 2);
        Assert.Equal("closed", (await driver.GetAsync(orderId)).GetProperty("status").GetString());

        var reopenId = NewId.NextGuid();
        var reopen = new RequestReopened(requestId, 1, "还是堵", DateTimeOffset.UtcNow);
        await driver.PublishAsync(reopen, reopenId);
        await driver.PublishAsync(reopen, reopenId);
        await HandledAsync("RequestReopenedConsumer", reopenId, 2);

        // The first close again, as a broker redelivers after a lost acknowledgement: already applied.
        await driver.PublishAsync(close, closeId);
        await HandledAsync("RequestClosedConsumer", closeId, 3);

        var order = await driver.GetAsync(orderId);
        Assert.Equal("assigned", order.GetProperty("status").GetString());
        Assert.Equal(["assigned", "closed", "reopened"], DispatchDriver.Actions(order));
        Assert.Single(await driver.EventsAsync("WorkOrderClosed", orderId));
        Assert.Single(await driver.EventsAsync("WorkOrderReopened", orderId));
    }

    [Fact]
    public async Task A_close_that_overtakes_its_request_is_kept_and_applied_once_the_order_exists()
    {
        _stack.Start("dispatch");
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var driver = new DispatchDriver(_stack);
        var requestId = NewId.NextGuid();

        var closeId = NewId.NextGuid();
        await driver.PublishAsync(new RequestClosed(requestId, "satisfied", DateTimeOffset.UtcNow), closeId);
        await driver.PublishAsync(new RequestClosed(requestId, "satisfied", DateTimeOffset.UtcNow), closeId);
        await HandledAsync("RequestClosedConsumer", closeId, 2);
        Assert.Equal(0, await _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM work_orders WHERE request_id = @requestId", new { requestId }));
        Assert.Equal(1, await PendingAsync(requestId));

        await driver.PublishAsync(Submitted(county, requestId));

        var orderId = await driver.OrderIdForAsync(requestId);
        var order = await Eventually.Get(async () =>
        {
            var found = await driver.GetAsync(orderId);
            return found.GetProperty("status").GetString() == "closed" ? new[] { found } : null;
        }, "the order to be closed");
        var history = order[0].GetProperty("history").EnumerateArray().ToList();
        Assert.Equal(["assigned", "closed"], history.Select(h => h.GetProperty("action").GetString()));
        using (var detail = JsonDocument.Parse(history[1].GetProperty("detail").GetString()!))
            Assert.Equal("satisfied", detail.RootElement.GetProperty("satisfaction").GetString());
        // Applied when the order existed, not at intake's earlier time: it never closes before it opened.
        Assert.True(history[1].GetProperty("at").GetDateTimeOffset() >= history[0].GetProperty("at").GetDateTimeOffset());
        Assert.Single(await driver.EventsAsync("WorkOrderClosed", orderId));
        Assert.Equal(0, await PendingAsync(requestId));
        Assert.Equal(0, await _stack.ScalarAsync<long>("dispatch",
            "SELECT count(*) FROM work_order_deadlines WHERE work_order_id = @orderId AND state = 'pending'", new { orderId }));
    }

    [Fact]
    public async Task A_close_and_a_reopen_that_both_overtake_the_request_leave_it_reopened()
    {
        _stack.Start("dispatch");
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var driver = new DispatchDriver(_stack);
        var requestId = NewId.NextGuid();
        var closedAt = DateTimeOffset.UtcNow;

        // The reopen arrives first although the resident reopened after the close: intake's times order them.
        await driver.PublishAsync(new RequestReopened(requestId, 1, "没修好", closedAt.AddMinutes(5)));
        await driver.PublishAsync(new RequestClosed(requestId, "dissatisfied", closedAt));
        await Eventually.True(async () => await PendingAsync(requestId) == 2, "both outcomes to be kept");

        await driver.PublishAsync(Submitted(county, requestId));

        var orderId = await driver.OrderIdForAsync(requestId);
        var order = await Eventually.Get(async () =>
        {
            var found = await driver.GetAsync(orderId);
            return DispatchDriver.Actions(found).Count == 3 ? new[] { found } : null;
        }, "the order to take both outcomes");
        Assert.Equal(["assigned", "closed", "reopened"], DispatchDriver.Actions(order[0]));
        Assert.Equal("assigned", order[0].GetProperty("status").GetString());
        Assert.Equal(0, await PendingAsync(requestId));
    }

    [Fact]
    public async Task An_overtaking_close_is_part_of_the_orders_creation_and_applied_once_however_often_the_request_comes()
    {
        _stack.Start("dispatch");
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var driver = new DispatchDriver(_stack);
        var requestId = NewId.NextGuid();
        await driver.PublishAsync(new RequestClosed(requestId, "satisfied", DateTimeOffset.UtcNow));
        await Eventually.True(async () => await PendingAsync(requestId) == 1, "the close to be kept");

        var submitted = Submitted(county, requestId);
        var messageId = NewId.NextGuid();
        await driver.PublishAsync(submitted, messageId);
        // The first moment the order can be read it is closed already: the close commits with the order, not after it.
        var status = await Eventually.Get(async () => (await _stack.QueryAsync<string>("dispatch",
            "SELECT status FROM work_orders WHERE request_id = @requestId", new { requestId })).SingleOrDefault(), "the order");
        Assert.Equal("closed", status);
        Assert.Equal(0, await PendingAsync(requestId));

        // The same delivery again, and the same request under another message id: nothing more happens.
        var againId = NewId.NextGuid();
        await driver.PublishAsync(submitted, messageId);
        await driver.PublishAsync(submitted, againId);
        await HandledAsync("RequestSubmittedConsumer", messageId, 2);
        await HandledAsync("RequestSubmittedConsumer", againId, 1);
        var orderId = await driver.OrderIdForAsync(requestId);
        Assert.Equal(["assigned", "closed"], DispatchDriver.Actions(await driver.GetAsync(orderId)));
        Assert.Single(await driver.EventsAsync("WorkOrderAssigned", orderId));
        Assert.Single(await driver.EventsAsync("WorkOrderClosed", orderId));
    }

    [Fact]
    public async Task A_queue_an_earlier_release_left_for_its_own_WorkOrderAssigned_is_applied_once_no_consumer_is_left_then_deleted()
    {
        // Rounds are run by the test; the one at start finds no old queue.
        _stack.Start("dispatch", new Dictionary<string, string?> { ["Dispatch:RetiredQueuesInterval"] = "01:00:00" });
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var driver = new DispatchDriver(_stack);
        var requestId = NewId.NextGuid();
        await driver.PublishAsync(Submitted(county, requestId));
        var orderId = await driver.OrderIdForAsync(requestId);
        var assigned = Assert.Single(await driver.EventsAsync("WorkOrderAssigned", orderId));

        // As an earlier release left things: a close kept while the request was on its way but not taken when the order
        // was created, and the order's WorkOrderAssigned (twice: a redelivery) on the old queue, bound to the event.
        var close = JsonSerializer.Serialize(new RequestClosed(requestId, "satisfied", DateTimeOffset.UtcNow), GovPlatform.ServiceDefaults.Messaging.Outbox.Json);
        Assert.Equal(1, await _stack.ScalarAsync<long>("dispatch", """
            WITH kept AS (INSERT INTO pending_request_outcomes (request_id, kind, at, body) VALUES (@requestId, 'closed', now(), @close::jsonb) RETURNING 1)
            SELECT count(*) FROM kept
            """, new { requestId, close }));
        const string queue = "dispatch-pending-outcomes";
        var factory = new ConnectionFactory { Uri = new Uri(TestServers.AmqpFor(_stack.VirtualHost)) };
        await using var rabbit = await factory.CreateConnectionAsync(Ct);
        await using (var channel = await rabbit.CreateChannelAsync(cancellationToken: Ct))
        {
            await channel.ExchangeDeclareAsync(RetiredFollowUpQueuesEventExchange, "fanout", durable: true, autoDelete: false, cancellationToken: Ct);
            await channel.ExchangeDeclareAsync(queue, "fanout", durable: true, autoDelete: false, cancellationToken: Ct);
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, cancellationToken: Ct);
            await channel.QueueBindAsync(queue, queue, "", cancellationToken: Ct);
            await channel.ExchangeBindAsync(queue, RetiredFollowUpQueuesEventExchange, "", cancellationToken: Ct);
            var envelope = JsonSerializer.SerializeToUtf8Bytes(new
            {
                messageId = NewId.NextGuid(), messageType = new[] { "urn:message:GovPlatform.Contracts:WorkOrderAssigned" }, message = assigned,
            });
            await channel.BasicPublishAsync("", queue, mandatory: true, new BasicProperties { Persistent = true }, envelope, Ct);
            await channel.BasicPublishAsync("", queue, mandatory: true, new BasicProperties { Persistent = true }, envelope, Ct);
        }
        var retired = _stack.Provider("dispatch").GetRequiredService<GovPlatform.Dispatch.Consumers.RetiredFollowUpQueues>();

        // An instance of the earlier release still consumes it: the queue is its, and left alone.
        var earlier = await rabbit.CreateChannelAsync(cancellationToken: Ct);
        await earlier.BasicConsumeAsync(queue, autoAck: false, consumer: new RabbitMQ.Client.Events.AsyncEventingBasicConsumer(earlier), cancellationToken: Ct);
        await ConsumersAsync(queue, 1);
        Assert.Equal(0, await retired.RetireAsync(Ct));
        Assert.True(await QueueExistsAsync(queue));
        Assert.Equal(1, await PendingAsync(requestId));

        // Gone (its unacknowledged messages return to the queue): the copies are applied, once, and the queue deleted.
        await earlier.CloseAsync(Ct);
        await earlier.DisposeAsync();
        await ConsumersAsync(queue, 0);
        Assert.Equal(2, await retired.RetireAsync(Ct));
        Assert.Equal(0, await PendingAsync(requestId));
        Assert.Equal(["assigned", "closed"], DispatchDriver.Actions(await driver.GetAsync(orderId)));
        Assert.Single(await driver.EventsAsync("WorkOrderClosed", orderId));
        Assert.False(await QueueExistsAsync(queue));
        using (var management = TestServers.RabbitManagementClient())
        using (var exchange = await management.GetAsync($"exchanges/{Uri.EscapeDataString(_stack.VirtualHost)}/{queue}", Ct))
            Assert.Equal(HttpStatusCode.NotFound, exchange.StatusCode);
        Assert.Equal(0, await retired.RetireAsync(Ct));
    }

    private const string RetiredFollowUpQueuesEventExchange = GovPlatform.Dispatch.Consumers.RetiredFollowUpQueues.EventExchange;

    [Fact]
    public async Task Closes_racing_their_requests_submission_are_never_lost()
    {
        _stack.Start("dispatch");
        _stack.StartExtraInstance("dispatch");
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var driver = new DispatchDriver(_stack);
        var ids = Enumerable.Range(0, 120).Select(_ => NewId.NextGuid()).ToList();

        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct }, async (id, _) =>
            await Task.WhenAll(
                driver.PublishAsync(Submitted(county, id)),
                driver.PublishAsync(new RequestClosed(id, "satisfied", DateTimeOffset.UtcNow))));

        await Eventually.True(async () => await _stack.ScalarAsync<long>("dispatch",
            "SELECT count(*) FROM work_orders WHERE request_id = ANY(@ids) AND status = 'closed'", new { ids = ids.ToArray() }) == ids.Count,
            "every order to be closed", Drain);
        Assert.Equal(ids.Count, await _stack.ScalarAsync<long>("dispatch", """
            SELECT count(DISTINCT body->>'requestId') FROM outbox_messages
            WHERE message_type = 'GovPlatform.Contracts.WorkOrderClosed' AND body->>'requestId' = ANY(@ids)
            """, new { ids = ids.Select(i => i.ToString()).ToArray() }));
        Assert.Equal(ids.Count, await _stack.ScalarAsync<long>("dispatch",
            "SELECT count(*) FROM outbox_messages WHERE message_type = 'GovPlatform.Contracts.WorkOrderClosed'"));
        Assert.Equal(0, await _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM pending_request_outcomes"));
    }

    private static RequestSubmitted Submitted(TestCounty county, Guid requestId) => new(
        requestId, $"20260101-{Random.Shared.Next(0, 999_999):D6}", "hotline", "parking", "normal", county.Building,
        [county.District, $"{county.District}-01", county.Community, $"{county.Community}-C01", county.Grid, county.Building],
        null, null, DateTimeOffset.UtcNow);

    private async Task<List<Guid>> SubmitThroughIntakeAsync(TestCounty county, int count, int parallel)
    {
        var ids = new ConcurrentBag<Guid>();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = Ct },
            async (i, _) =>
            {
                var body = new
                {
                    channel = "hotline",
                    category = "parking",
                    description = $"{i}号楼门口车位被占",
                    location = new { code = county.Building },
                    reporter = new { name = "张三", phone = $"138{10_000_000 + i:D8}" },
                };
                using var response = await _stack.Client("intake").SendAsync(HttpMethod.Post, "/api/v1/requests", body);
                var text = await response.Content.ReadAsStringAsync(Ct);
                Assert.True(response.StatusCode == HttpStatusCode.Created, $"submission {i} answered {(int)response.StatusCode}: {text}");
                ids.Add(JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid());
            });
        return ids.ToList();
    }

    /// <summary>Every request has its work order, one assignment in its history and one WorkOrderAssigned event.</summary>
    private async Task AssertEachAssignedOnceAsync(IReadOnlyCollection<Guid> ids)
    {
        var array = ids.ToArray();
        await Eventually.True(async () => await _stack.ScalarAsync<long>("dispatch",
            "SELECT count(*) FROM work_orders WHERE request_id = ANY(@array)", new { array }) == ids.Count,
            $"work orders for all {ids.Count} requests", Drain);
        Assert.Equal(ids.Count, await _stack.ScalarAsync<long>("dispatch", """
            SELECT count(*) FROM work_order_history h JOIN work_orders o ON o.id = h.work_order_id
            WHERE o.request_id = ANY(@array) AND h.action = 'assigned'
            """, new { array }));
        var events = await _stack.QueryAsync<(string RequestId, long Events)>("dispatch", """
            SELECT body->>'requestId', count(*) FROM outbox_messages
            WHERE message_type = 'GovPlatform.Contracts.WorkOrderAssigned' GROUP BY 1
            """);
        Assert.Equal(ids.Select(i => i.ToString()).Order(), events.Select(e => e.RequestId).Order());
        Assert.All(events, e => Assert.Equal(1, e.Events));
    }

    private Task<long> PendingAsync(Guid requestId) =>
        _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM pending_request_outcomes WHERE request_id = @requestId", new { requestId });

    private Task HandledAsync(string consumer, Guid messageId, int times) =>
        Eventually.True(() => Task.FromResult(_activities.Handled(consumer, messageId).Count >= times), $"{consumer} to handle {messageId} {times}×");

    private async Task ConsumersAsync(string queue, int count) =>
        await Eventually.True(async () => (await QueueAsync(queue)) is { ValueKind: JsonValueKind.Object } q
                                          && q.TryGetProperty("consumers", out var n) && n.GetInt32() == count,
            $"{count} consumers on {queue}", TimeSpan.FromMinutes(1));

    private async Task<JsonElement> QueueAsync(string queue)
    {
        using var rabbit = TestServers.RabbitManagementClient();
        using var response = await rabbit.GetAsync($"queues/{Uri.EscapeDataString(_stack.VirtualHost)}/{queue}", Ct);
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>(Ct) : default;
    }

    private async Task<bool> QueueExistsAsync(string queue)
    {
        using var rabbit = TestServers.RabbitManagementClient();
        using var response = await rabbit.GetAsync($"queues/{Uri.EscapeDataString(_stack.VirtualHost)}/{queue}", Ct);
        return response.IsSuccessStatusCode;
    }
}
