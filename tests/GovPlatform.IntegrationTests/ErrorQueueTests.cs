using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.IntegrationTests.Infrastructure;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace GovPlatform.IntegrationTests;

/// <summary>
/// Nothing stays in an error queue by itself: a message that fails while its database is out is
/// redelivered later and applied once; what outlives the redelivery budget is counted in /health and can
/// be listed (without personal data) and replayed by an admin, and a replay is applied once.
/// </summary>
public sealed class ErrorQueueTests : IAsyncLifetime
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

    private static RequestSubmitted Submitted(TestCounty county) => new(
        NewId.NextGuid(), "20261206-888888", "hotline", "drainage", "normal", county.Building,
        [county.District, $"{county.District}-01", county.Community, $"{county.Community}-C01", county.Grid, county.Building],
        null, null, DateTimeOffset.UtcNow);

    private Task PublishAsync(object message, Guid messageId) =>
        _stack.Provider("dispatch").GetRequiredService<IBus>().Publish(message, message.GetType(), ctx => ctx.MessageId = messageId, Ct);

    private Task<long> WorkOrdersFor(Guid requestId) =>
        _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM work_orders WHERE request_id = @requestId", new { requestId });

    /// <summary>
    /// An outage of dispatch's database alone, on the shared server: no new connections to it and the open ones
    /// ended, as a crashed database looks to its clients. (The servers themselves are killed by <see cref="RecoveryTests"/>
    /// on servers of its own.)
    /// </summary>
    private async Task DatabaseOutageAsync(bool down)
    {
        await using var conn = new NpgsqlConnection(TestServers.PostgresDatabase("postgres"));
        await conn.OpenAsync(Ct);
        var db = _stack.Database("dispatch");
        await conn.ExecuteAsync($"ALTER DATABASE \"{db}\" ALLOW_CONNECTIONS {(down ? "false" : "true")}");
        // Only the platform's own sessions: a superuser's (a maintenance process the server happens to run on the database)
        // cannot be ended by this role, and the services never connect as one.
        if (down) await conn.ExecuteAsync("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = @db AND usename = current_user", new { db });
    }

    private async Task<long> QueueMessagesAsync(string suffix)
    {
        using var rabbit = TestServers.RabbitManagementClient();
        var queues = await rabbit.GetFromJsonAsync<JsonElement>($"queues/{_stack.VirtualHost}", Ct);
        return queues.EnumerateArray()
            .Where(q => q.GetProperty("name").GetString()!.EndsWith(suffix, StringComparison.Ordinal))
            .Sum(q => q.TryGetProperty("messages", out var n) ? n.GetInt64() : 0);
    }

    [Fact]
    public async Task A_message_that_failed_while_the_database_was_down_is_redelivered_later_and_applied_once()
    {
        _stack.Start("dispatch", new Dictionary<string, string?>
        {
            ["Messaging:RetryIntervalsMs"] = "20,50",
            ["Messaging:RedeliveryIntervals"] = "00:00:01,00:00:02,00:00:04,00:00:08,00:00:16",
        });
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var message = Submitted(county);
        var messageId = NewId.NextGuid();

        await DatabaseOutageAsync(down: true);
        await PublishAsync(message, messageId);
        // In-place retries are spent within the outage, so the message must have gone through a delay queue.
        await Eventually.True(() => Task.FromResult(_activities.Handled("RequestSubmittedConsumer", messageId).Count >= 6),
            "the in-place retries and a redelivery to fail during the outage");
        await DatabaseOutageAsync(down: false);

        await Eventually.True(async () => await WorkOrdersFor(message.RequestId) == 1, "the work order once the database is back");
        // Applied once, though it was delivered many times.
        await PublishAsync(message, messageId);
        await Eventually.True(() => Task.FromResult(_activities.Handled("RequestSubmittedConsumer", messageId)
            .Any(a => a.GetTagItem("govplatform.duplicate") is true)), "the late duplicate to be skipped by the inbox");
        Assert.Equal(1, await WorkOrdersFor(message.RequestId));
    }

    public sealed record ErrorQueue(string Queue, long Messages);
    public sealed record Listed(string Queue, List<JsonElement> Messages);
    public sealed record Replayed(string Queue, int Messages);

    [Fact]
    public async Task A_message_past_its_redelivery_budget_is_counted_listed_without_personal_data_and_a_replay_is_applied_once()
    {
        var dispatch = _stack.Start("dispatch", new Dictionary<string, string?>
        {
            ["Messaging:RetryIntervalsMs"] = "20",
            ["Messaging:RedeliveryIntervals"] = "00:00:01",
        });
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var message = Submitted(county);
        var messageId = NewId.NextGuid();

        // The database stays out longer than the whole budget, and the same message arrives twice meanwhile.
        await DatabaseOutageAsync(down: true);
        await PublishAsync(message, messageId);
        await PublishAsync(message, messageId);
        await Eventually.True(async () => await QueueMessagesAsync("request-submitted_error") == 2, "both deliveries in the error queue");
        await DatabaseOutageAsync(down: false);

        // Nothing takes it out by itself.
        Assert.Equal(0, await WorkOrdersFor(message.RequestId));

        // Visible: /health's detail and the admin API count it; the listing shows ids and failure, not the message.
        await Eventually.True(async () =>
        {
            var health = await dispatch.GetAsync("/health", Ct);
            var text = await health.Content.ReadAsStringAsync(Ct);
            // Still ready: a poisoned message is no reason to take the service out of rotation. The count is in the
            // error-queues check's description (where the health writer shows descriptions).
            return health.StatusCode == HttpStatusCode.OK && text.Contains("error-queues", StringComparison.Ordinal)
                   && (text.Contains("request-submitted_error=2", StringComparison.Ordinal) || !text.Contains("description", StringComparison.OrdinalIgnoreCase));
        }, "/health to count the error queue");
        var admin = Tokens.For("admin");
        using (var forbidden = new HttpRequestMessage(HttpMethod.Get, "/api/v1/admin/error-queues"))
            Assert.Equal(HttpStatusCode.Forbidden, (await dispatch.SendAsync(forbidden.WithBearer(Tokens.For("desk_operator")), Ct)).StatusCode);
        using (var list = new HttpRequestMessage(HttpMethod.Get, "/api/v1/admin/error-queues"))
        {
            var queues = await (await dispatch.SendAsync(list.WithBearer(admin), Ct)).Content.ReadFromJsonAsync<List<ErrorQueue>>(Ct);
            Assert.Contains(queues!, q => q.Queue.EndsWith("request-submitted_error", StringComparison.Ordinal) && q.Messages == 2);
        }
        var errorQueue = (await QueueNamesAsync()).Single(q => q.EndsWith("request-submitted_error", StringComparison.Ordinal));
        using (var peek = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/admin/error-queues/{errorQueue}"))
        {
            var response = await dispatch.SendAsync(peek.WithBearer(admin), Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var listed = JsonSerializer.Deserialize<Listed>(text, JsonSerializerOptions.Web)!;
            Assert.Equal(2, listed.Messages.Count);
            Assert.All(listed.Messages, m => Assert.Equal(messageId.ToString(), m.GetProperty("messageId").GetString()));
            Assert.All(listed.Messages, m => Assert.Equal("RequestSubmitted", m.GetProperty("messageType").GetString()));
            // The message's content (location, ticket) stays out of the listing.
            Assert.DoesNotContain(county.Building, text, StringComparison.Ordinal);
            Assert.DoesNotContain("20261206-888888", text, StringComparison.Ordinal);
        }
        // Listing takes nothing away.
        using (var again = new HttpRequestMessage(HttpMethod.Get, "/api/v1/admin/error-queues"))
        {
            var queues = await (await dispatch.SendAsync(again.WithBearer(admin), Ct)).Content.ReadFromJsonAsync<List<ErrorQueue>>(Ct);
            Assert.Contains(queues!, q => q.Queue == errorQueue && q.Messages == 2);
        }

        using (var replay = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/admin/error-queues/{errorQueue}/replay") { Content = JsonContent.Create(new { }) })
        {
            var response = await dispatch.SendAsync(replay.WithBearer(admin), Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
            Assert.Equal(2, JsonSerializer.Deserialize<Replayed>(text, JsonSerializerOptions.Web)!.Messages);
        }

        await Eventually.True(async () => await WorkOrdersFor(message.RequestId) == 1, "the replayed message's work order");
        await Eventually.True(() => Task.FromResult(_activities.Handled("RequestSubmittedConsumer", messageId)
            .Count(a => a.GetTagItem("govplatform.duplicate") is true) == 1), "the second replayed copy to be skipped by the inbox");
        Assert.Equal(1, await WorkOrdersFor(message.RequestId));
        await Eventually.True(async () => await QueueMessagesAsync("request-submitted_error") == 0, "the error queue to be empty");
    }

    private async Task<List<string>> QueueNamesAsync()
    {
        using var rabbit = TestServers.RabbitManagementClient();
        var queues = await rabbit.GetFromJsonAsync<JsonElement>($"queues/{_stack.VirtualHost}", Ct);
        return queues.EnumerateArray().Select(q => q.GetProperty("name").GetString()!).ToList();
    }
}
