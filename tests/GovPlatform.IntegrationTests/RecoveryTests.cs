using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests;

/// <summary>
/// kill -9 of PostgreSQL, RabbitMQ and Redis, each in turn, under steady load: every service is ready
/// again within 30 s of the server's return, without a restart, and every acknowledged request has
/// exactly one work order and one fact in reporting. Runs on servers of its own (<see cref="PrivateServers"/>).
/// </summary>
public sealed class RecoveryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan RecoveryBudget = TimeSpan.FromSeconds(30);
    private PrivateServers _servers = null!;
    private PrivateStack _stack = null!;
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _servers = await PrivateServers.StartAsync();
        _stack = new PrivateStack(_servers);
        _stack.StartAll();
    }

    public async ValueTask DisposeAsync()
    {
        // The servers go even when the stack's start or stop failed: left up, they hold the ports the next run needs.
        try { if (_stack is not null) await _stack.DisposeAsync(); }
        finally { if (_servers is not null) await _servers.DisposeAsync(); }
    }

    private sealed class Load(HttpClient intake, string location)
    {
        public ConcurrentBag<Guid> Acknowledged { get; } = [];
        public ConcurrentDictionary<string, int> Answers { get; } = new();

        /// <summary>Five requests a second, each with its own idempotency key, retried with it until acknowledged or given up.</summary>
        public async Task RunAsync(CancellationToken stop)
        {
            var token = Tokens.For("desk_operator");
            var running = new List<Task>();
            using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
            try
            {
                while (await tick.WaitForNextTickAsync(stop)) running.Add(FileOneAsync(token, stop));
            }
            catch (OperationCanceledException) { }
            await Task.WhenAll(running);
        }

        private async Task FileOneAsync(string token, CancellationToken stop)
        {
            var key = Guid.NewGuid().ToString("N");
            for (var attempt = 0; attempt < 3 && !stop.IsCancellationRequested; attempt++)
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/requests")
                    {
                        Content = JsonContent.Create(WalkingSkeletonTests.Body(location)),
                    };
                    request.Headers.Add("Idempotency-Key", key);
                    using var response = await intake.SendAsync(request.WithBearer(token), CancellationToken.None);
                    Answers.AddOrUpdate(((int)response.StatusCode).ToString(), 1, (_, n) => n + 1);
                    if (response.IsSuccessStatusCode)
                    {
                        var filed = await response.Content.ReadFromJsonAsync<WalkingSkeletonTests.Submitted>(CancellationToken.None);
                        Acknowledged.Add(filed!.Id);
                        return;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    Answers.AddOrUpdate(e.GetType().Name, 1, (_, n) => n + 1);
                }
                // As a client following Retry-After: 1.
                await Task.Delay(1000, CancellationToken.None);
            }
        }
    }

    [Fact]
    public async Task After_each_server_is_killed_and_restarted_under_load_every_service_is_ready_within_30_s_and_nothing_is_lost_or_duplicated()
    {
        var county = new TestCounty();
        using (var import = new HttpRequestMessage(HttpMethod.Post, "/api/v1/grid/import") { Content = JsonContent.Create(county.Import) })
            (await _stack.Client("dispatch").SendAsync(import.WithBearer(Tokens.For("admin")), Ct)).EnsureSuccessStatusCode();
        foreach (var service in TestStack.Services.Where(s => s != "dispatch"))
            await Eventually.True(async () => await _stack.ScalarAsync<long>(service, "SELECT count(*) FROM grid_copy WHERE path[1] = @District",
                new { county.District }) == county.Import.Nodes.Count, $"{service}'s copy of the grid");

        // A grid, not a building: requests there are never linked as duplicates of each other, so each one filed is one work order.
        var load = new Load(_stack.Client("intake"), county.Grid);
        using var stopLoad = new CancellationTokenSource();
        var loadTask = load.RunAsync(stopLoad.Token);
        await Eventually.True(() => Task.FromResult(load.Acknowledged.Count >= 10), "the first requests under load");

        var measured = new Dictionary<string, TimeSpan>();
        measured["postgres"] = await KillAndRecoverAsync("postgres", _servers.KillPostgresAsync, _servers.StartPostgresAsync,
            unready: s => $"{s}db");
        measured["rabbitmq"] = await KillAndRecoverAsync("rabbitmq", _servers.KillRabbitAsync, _servers.StartRabbitNodeAsync,
            unready: _ => "rabbitmq");
        measured["redis"] = await KillAndRecoverAsync("redis", _servers.KillRedisAsync, _servers.StartRedisAsync,
            unready: _ => "redis");

        // Requests filed after the last recovery succeed too; the answers so far are written first, so a failure says what clients got.
        var before = load.Acknowledged.Count;
        output.WriteLine("answers before the last wait: " + string.Join(", ", load.Answers.OrderBy(a => a.Key).Select(a => $"{a.Key}={a.Value}")));
        await Eventually.True(() => Task.FromResult(load.Acknowledged.Count >= before + 10), "requests acknowledged after the last recovery");
        await stopLoad.CancelAsync();
        await loadTask;
        output.WriteLine("answers: " + string.Join(", ", load.Answers.OrderBy(a => a.Key).Select(a => $"{a.Key}={a.Value}")));
        output.WriteLine("recovery after the server was back: " + string.Join(", ", measured.Select(m => $"{m.Key} {m.Value.TotalSeconds:0.0} s")));

        var acknowledged = load.Acknowledged.Distinct().ToArray();
        Assert.Equal(load.Acknowledged.Count, acknowledged.Length);
        await Eventually.True(async () => await _stack.ScalarAsync<long>("dispatch",
                "SELECT count(DISTINCT request_id) FROM work_orders WHERE request_id = ANY(@acknowledged)", new { acknowledged }) == acknowledged.Length,
            "a work order for every acknowledged request", TimeSpan.FromSeconds(90));
        await Eventually.True(async () => await _stack.ScalarAsync<long>("reporting",
                "SELECT count(*) FROM request_facts WHERE request_id = ANY(@acknowledged) AND ticket_no IS NOT NULL AND assigned_at IS NOT NULL",
                new { acknowledged }) == acknowledged.Length,
            "every acknowledged request counted as submitted and assigned in reporting", TimeSpan.FromSeconds(90));

        // Nothing twice: one work order per request, and nothing intake stored is missing downstream (requests whose
        // answer was lost to a timeout were stored and must flow through like the rest).
        Assert.Empty(await _stack.QueryAsync<Guid>("dispatch", "SELECT request_id FROM work_orders GROUP BY request_id HAVING count(*) > 1"));
        var filed = await _stack.ScalarAsync<long>("intake", "SELECT count(*) FROM requests WHERE location_path[1] = @District", new { county.District });
        await Eventually.True(async () => await _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM work_orders") == filed,
            "a work order for every request intake stored", TimeSpan.FromSeconds(60));
        Assert.Equal(0L, await _stack.ScalarAsync<long>("intake", "SELECT count(*) FROM outbox_messages WHERE published_at IS NULL"));
        foreach (var (server, took) in measured)
            Assert.True(took <= RecoveryBudget, $"After {server} came back the services took {took.TotalSeconds:0.0} s to be ready (budget {RecoveryBudget.TotalSeconds} s).");
    }

    /// <summary>Kills a server, checks readiness names it while liveness stays up, restarts it and returns how long the services took to be ready again.</summary>
    private async Task<TimeSpan> KillAndRecoverAsync(string server, Func<Task> kill, Func<Task> start, Func<string, string> unready)
    {
        await kill();
        foreach (var service in TestStack.Services)
        {
            var check = unready(service);
            await Eventually.True(async () =>
            {
                var (status, checks) = await _stack.HealthAsync(service);
                return status == HttpStatusCode.ServiceUnavailable && checks.GetValueOrDefault(check) == "Unhealthy";
            }, $"{service}'s /health to be 503 naming {check} while {server} is down", TimeSpan.FromSeconds(20));
            Assert.Equal(HttpStatusCode.OK, (await _stack.HealthAsync(service, "/alive")).Status);
        }

        await start();
        var back = Stopwatch.StartNew();
        foreach (var service in TestStack.Services)
            await Eventually.True(async () => (await _stack.HealthAsync(service)).Status == HttpStatusCode.OK,
                $"{service} to be ready after {server} came back", TimeSpan.FromSeconds(60));
        output.WriteLine($"{server}: every service ready {back.Elapsed.TotalSeconds:0.0} s after it was back");
        return back.Elapsed;
    }
}
