using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using GovPlatform.Contracts;
using GovPlatform.IntegrationTests.Infrastructure;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace GovPlatform.IntegrationTests;

/// <summary>
/// A service's connection pool is bounded (Database:MaxPoolSize) and its consumers, across all their endpoints, run
/// no more deliveries at once than their share of it: a storm of more work than connections waits in the broker,
/// and every message is applied once, none failed on a pool wait, none lost.
/// </summary>
public sealed class ConnectionPoolTests : IAsyncLifetime
{
    private TestStack _stack = null!;
    private readonly ActivityCollector _activities = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _stack = await TestStack.CreateAsync();

    public async ValueTask DisposeAsync()
    {
        _activities.Dispose();
        await _stack.DisposeAsync();
    }

    [Fact]
    public async Task A_storm_of_more_requests_than_pooled_connections_is_assigned_once_each_without_a_failed_delivery()
    {
        const int pool = 6, requests = 240;
        _stack.Start("dispatch", new Dictionary<string, string?> { ["Database:MaxPoolSize"] = pool.ToString(CultureInfo.InvariantCulture) });
        var county = new TestCounty(workersInGrid: 4);
        await _stack.ImportAsync(county);
        var gate = _stack.Provider("dispatch").GetRequiredService<MessagingExtensions.ConsumerGate>();
        Assert.Equal(pool / 2, gate.Limit);

        // Published all at once: the request's consumer endpoint takes up to 16 deliveries, far more than the gate's
        // three and the six connections the pool may open.
        var driver = new DispatchDriver(_stack);
        var sent = Enumerable.Range(0, requests).Select(_ => (RequestId: NewId.NextGuid(), MessageId: NewId.NextGuid())).ToArray();
        await Task.WhenAll(sent.Select(s => driver.PublishAsync(Submitted(county, s.RequestId), s.MessageId)));

        var ids = sent.Select(s => s.RequestId).ToArray();
        var mostBackends = 0L;
        await Eventually.True(async () =>
        {
            // The service's own pool's backends (its readiness probe has a connection of its own, so has the relay's
            // listener, of SessionDatabase; this query is not the service's, and an autovacuum worker the storm's writes
            // start in the database is no client's).
            mostBackends = Math.Max(mostBackends, await _stack.ScalarAsync<long>("dispatch", """
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name <> 'readiness' AND application_name NOT LIKE '%session'
                  AND backend_type = 'client backend'
                """));
            return await _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM work_orders WHERE request_id = ANY(@ids)", new { ids }) == requests;
        }, $"{requests} work orders", TimeSpan.FromMinutes(4));

        // Each request assigned once, and handled in one delivery: a delivery that failed on a pool wait would have been
        // retried, and shown as a second handling span of the same message.
        Assert.Equal(0, await _stack.ScalarAsync<long>("dispatch",
            "SELECT count(*) FROM (SELECT request_id FROM work_orders WHERE request_id = ANY(@ids) GROUP BY request_id HAVING count(*) > 1) d", new { ids }));
        Assert.All(sent, s => Assert.Single(_activities.Handled("RequestSubmittedConsumer", s.MessageId)));
        // Dispatch's queues drained, and nothing went to an error queue.
        await Eventually.True(async () => await QueuedAsync() == 0, "dispatch's queues to drain");
        Assert.Empty(await ErrorQueuesAsync());

        Assert.InRange(gate.MostRunning, 2, gate.Limit);
        Assert.InRange(mostBackends, 1, pool);
    }

    private static RequestSubmitted Submitted(TestCounty county, Guid requestId) => new(
        requestId, $"20260101-{Random.Shared.Next(0, 999_999):D6}", "hotline", "parking", "normal", county.Building,
        [county.District, $"{county.District}-01", county.Community, $"{county.Community}-C01", county.Grid, county.Building],
        null, null, DateTimeOffset.UtcNow);

    private async Task<IReadOnlyList<JsonElement>> QueuesAsync()
    {
        using var rabbit = TestServers.RabbitManagementClient();
        return await rabbit.GetFromJsonAsync<List<JsonElement>>($"queues/{Uri.EscapeDataString(_stack.VirtualHost)}", Ct) ?? [];
    }

    /// <summary>Messages ready or unacknowledged in the stack's queues (the management API samples every few seconds).</summary>
    private async Task<long> QueuedAsync() =>
        (await QueuesAsync()).Sum(q => q.TryGetProperty("messages", out var n) && n.ValueKind == JsonValueKind.Number ? n.GetInt64() : 0);

    private async Task<IReadOnlyList<string>> ErrorQueuesAsync() =>
        (await QueuesAsync()).Select(q => q.GetProperty("name").GetString()!).Where(n => n.EndsWith("_error", StringComparison.Ordinal)).ToList();
}
