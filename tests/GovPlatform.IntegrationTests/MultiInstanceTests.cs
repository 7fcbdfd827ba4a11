using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GovPlatform.IntegrationTests.Infrastructure;
using GovPlatform.IntegrationTests.Volunteer;
using Microsoft.Extensions.DependencyInjection;

namespace GovPlatform.IntegrationTests;

/// <summary>
/// A scaled-out deployment: two instances of every service on the same databases, Redis and broker, as
/// Kubernetes runs them with replicas: 2. One instance of each is an in-process host (the survivor, whose
/// clock the test moves), the other its own operating-system process, killed with SIGKILL while
/// messages are in flight, as a node that dies takes its pods with it.
/// </summary>
public sealed class MultiInstanceTests : IAsyncLifetime
{
    private TestStack _stack = null!;
    private readonly FakeClock _clock = new();
    private readonly List<ServiceProcess> _victims = [];
    private readonly Dictionary<string, HttpClient> _victimClients = new();
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] Scaled = ["dispatch", "intake", "volunteer", "reporting"];

    // Every test request describes its own problem: with duplicate detection on, similar texts would be linked, not dispatched.
    private static readonly Dictionary<string, string?> NoDuplicates = new() { ["Intake:Duplicates:TextSimilarity"] = "2" };

    private static readonly TimeSpan Drain = TimeSpan.FromMinutes(2);

    public async ValueTask InitializeAsync() => _stack = await TestStack.CreateAsync();

    public async ValueTask DisposeAsync()
    {
        foreach (var victim in _victims) await victim.DisposeAsync();
        foreach (var client in _victimClients.Values) client.Dispose();
        await _stack.DisposeAsync();
    }

    private static Dictionary<string, string?> SettingsOf(string service) => service switch
    {
        "dispatch" => ClockStack.FastClocks,
        "intake" => NoDuplicates,
        _ => [],
    };

    private HttpClient Survivor(string service) => _stack.Client(service);
    private HttpClient Victim(string service) => _victimClients[service];

    /// <summary>Alternates between the two instances, as a load balancer spreads calls.</summary>
    private HttpClient Either(string service, int i) => i % 2 == 0 || !_victimClients.ContainsKey(service) ? Survivor(service) : Victim(service);

    [Fact]
    public async Task Two_instances_of_every_service_do_each_thing_once_and_the_survivor_drains_the_rest_after_one_is_killed()
    {
        var watch = Stopwatch.StartNew();
        foreach (var service in Scaled)
        {
            _stack.Start(service, SettingsOf(service), service == "dispatch" ? s => s.AddSingleton<TimeProvider>(_clock) : null);
        }
        var county = new TestCounty(workersInGrid: 3);
        await _stack.ImportAsync(county);
        // The second instances start together; each answers /health before it is used.
        var started = await Task.WhenAll(Scaled.Select(s => ServiceProcess.StartAsync(_stack, s, SettingsOf(s))));
        foreach (var (service, process) in Scaled.Zip(started))
        {
            _victims.Add(process);
            _victimClients[service] = new HttpClient { BaseAddress = process.Address, Timeout = TimeSpan.FromSeconds(60) };
        }
        // The second instances built nothing of their own: their copies of the tree are the survivors' tables.
        var dispatch = new DispatchDriver(_stack);
        var workers = new List<Guid>();
        foreach (var w in county.Import.Workers!.Where(w => w.Role == "grid_worker")) workers.Add(await dispatch.WorkerIdAsync(w.Phone));
        var offDuty = workers[0];

        // Duty state: set through one instance, seen by the other (Postgres holds it, Redis the copy routing reads).
        using (var set = await Victim("dispatch").SendAsync(HttpMethod.Post, $"/api/v1/workers/{offDuty}/duty", new { onDuty = false }, role: "admin"))
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var seen = await (await Survivor("dispatch").SendAsync(HttpMethod.Get, $"/api/v1/workers?under={county.Grid}", role: "admin")).JsonAsync();
        Assert.False(seen.EnumerateArray().Single(w => w.GetProperty("id").GetGuid() == offDuty).GetProperty("onDuty").GetBoolean());

        await AssertRateLimitIsSharedAsync();

        // Points: volunteers, goods, and awards each sent to both instances at once with the same source key.
        var volunteers = new List<Guid>();
        for (var i = 0; i < 6; i++) volunteers.Add(await VolunteerKit.RegisterAsync(Survivor("volunteer"), county.Grid));
        var item = $"G{Guid.NewGuid():N}"[..20];
        using (var goods = await Survivor("volunteer").SendAsync(HttpMethod.Post, "/api/v1/supermarket/goods",
                   new { code = item, name = "洗衣液 2kg", pricePoints = 10, stock = 1000 }, role: "admin"))
            Assert.Equal(HttpStatusCode.Created, goods.StatusCode);
        var awardKeys = new ConcurrentBag<string>();

        async Task AwardTwiceAsync(Guid volunteerId, string sourceKey)
        {
            awardKeys.Add(sourceKey);
            var both = await Task.WhenAll(new[] { Survivor("volunteer"), Victim("volunteer") }.Select(c => c.SendAsync(HttpMethod.Post,
                "/api/v1/points/awards", new { volunteerId, points = 10, reason = "志愿服务奖励", sourceKey }, role: "admin")));
            Assert.All(both, r => Assert.True(r.IsSuccessStatusCode, $"an award answered {(int)r.StatusCode}"));
            foreach (var r in both) r.Dispose();
        }

        // Phase one: load on both instances of every service.
        var acknowledged = new ConcurrentBag<Guid>();
        var load = Stopwatch.StartNew();
        await SubmitAsync(county, 0, 30, acknowledged);
        foreach (var v in volunteers)
            for (var a = 0; a < 3; a++) await AwardTwiceAsync(v, $"multi:{v}:{a}");
        // Each volunteer holds 30 points and tries four 10-point redemptions, two on each instance, at once.
        var redeemed = await Task.WhenAll(volunteers.SelectMany(v => Enumerable.Range(0, 4).Select(async i =>
        {
            using var r = await Either("volunteer", i).SendAsync(HttpMethod.Post, "/api/v1/supermarket/redemptions",
                new { itemCode = item, quantity = 1 }, token: Tokens.For("volunteer", subject: v.ToString()));
            Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, $"a redemption answered {(int)r.StatusCode}");
            return r.StatusCode == HttpStatusCode.Created;
        })));
        Assert.Equal(volunteers.Count * 3, redeemed.Count(ok => ok));

        // The second instance of every service dies at once, with relays, consumers and clocks mid-work.
        await Task.WhenAll(_victims.Select(v => v.KillAsync()));
        var killedAt = load.Elapsed;
        _victimClients.Clear();

        // Phase two: the survivors take the rest, including a retry of an award the dead instance may have taken.
        await SubmitAsync(county, 30, 30, acknowledged);
        foreach (var v in volunteers)
        {
            await AwardTwiceAsyncSurvivorOnly(v, $"multi:{v}:0");
            await AwardTwiceAsyncSurvivorOnly(v, $"multi:{v}:3");
        }
        async Task AwardTwiceAsyncSurvivorOnly(Guid volunteerId, string sourceKey)
        {
            awardKeys.Add(sourceKey);
            using var r = await Survivor("volunteer").SendAsync(HttpMethod.Post, "/api/v1/points/awards",
                new { volunteerId, points = 10, reason = "志愿服务奖励", sourceKey }, role: "admin");
            Assert.True(r.IsSuccessStatusCode, $"an award answered {(int)r.StatusCode}");
        }

        // Every request stored has exactly one work order, and none went to the worker taken off duty.
        var stored = await _stack.QueryAsync<Guid>("intake", "SELECT id FROM requests WHERE location_path[1] = @District", new { county.District });
        Assert.Superset(acknowledged.ToHashSet(), stored.ToHashSet());
        Assert.Equal(60, stored.Count);
        var ids = stored.ToArray();
        await Eventually.True(async () => await _stack.ScalarAsync<long>("dispatch",
            "SELECT count(*) FROM work_orders WHERE request_id = ANY(@ids)", new { ids }) == ids.Length, "a work order for every request", Drain);
        var perRequest = await _stack.QueryAsync<long>("dispatch", """
            SELECT count(o.id) FROM unnest(@ids::uuid[]) AS r(id) LEFT JOIN work_orders o ON o.request_id = r.id GROUP BY r.id
            """, new { ids });
        Assert.All(perRequest, n => Assert.Equal(1, n));
        var assigned = await _stack.QueryAsync<(string RequestId, long Events)>("dispatch", """
            SELECT body->>'requestId', count(*) FROM outbox_messages WHERE message_type = 'GovPlatform.Contracts.WorkOrderAssigned' GROUP BY 1
            """);
        Assert.Equal(ids.Length, assigned.Count);
        Assert.All(assigned, a => Assert.Equal(1, a.Events));
        Assert.Equal(0, await _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM work_orders WHERE assignee_id = @offDuty", new { offDuty }));

        // Deadlines: both instances fired them while both ran (the dead one by the wall clock, so some orders have
        // climbed already); now the survivor's clock passes every deadline set so far and it fires whatever is due.
        _clock.Advance(DateTimeOffset.UtcNow - _clock.GetUtcNow() + TimeSpan.FromSeconds(61));
        var now = _clock.GetUtcNow();
        await Eventually.True(async () => await _stack.ScalarAsync<long>("dispatch",
            "SELECT count(*) FROM work_order_deadlines WHERE state = 'pending' AND due_at <= @now", new { now }) == 0
            && await _stack.ScalarAsync<long>("dispatch",
                "SELECT count(*) FROM work_orders WHERE request_id = ANY(@ids) AND tier = 'compound'", new { ids }) == 0,
            "every due deadline to fire and every order to leave the compound", Drain);
        // Each deadline fired once: one DeadlineMissed per missed row, none for the same order, clock and tier twice,
        // one escalation per miss, and every order missed its compound's accept minute exactly once.
        var missedRows = await _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM work_order_deadlines WHERE state = 'missed'");
        var missed = await _stack.QueryAsync<(string Key, long Fired)>("dispatch", """
            SELECT concat_ws(' ', body->>'workOrderId', body->>'clock', body->>'tier'), count(*) FROM outbox_messages
            WHERE message_type = 'GovPlatform.Contracts.DeadlineMissed' GROUP BY 1
            """);
        Assert.All(missed, m => Assert.Equal(1, m.Fired));
        Assert.Equal(missedRows, missed.Count);
        // A miss at the county, the top, escalates no further.
        var escalating = await _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM work_order_deadlines WHERE state = 'missed' AND tier <> 'county'");
        Assert.Equal(escalating, await _stack.ScalarAsync<long>("dispatch",
            "SELECT count(*) FROM outbox_messages WHERE message_type = 'GovPlatform.Contracts.WorkOrderEscalated'"));
        Assert.Equal(ids.Length, missed.Count(m => m.Key.EndsWith(" accept compound", StringComparison.Ordinal)));

        // Points: each award once (a source key sent four times is one entry), each successful redemption once.
        var keys = awardKeys.Distinct().ToArray();
        var volunteerIds = volunteers.ToArray();
        Assert.Equal(keys.Length, await _stack.ScalarAsync<long>("volunteer",
            "SELECT count(*) FROM ledger_entries WHERE kind = 'award' AND volunteer_id = ANY(@volunteerIds)", new { volunteerIds }));
        Assert.Equal(volunteers.Count * 3, await _stack.ScalarAsync<long>("volunteer",
            "SELECT count(*) FROM redemptions WHERE status = 'reserved'"));
        Assert.Equal(volunteers.Count * 3, await _stack.ScalarAsync<long>("volunteer",
            "SELECT count(*) FROM ledger_entries WHERE kind = 'redemption'"));
        foreach (var v in volunteers) Assert.Equal(10, await VolunteerKit.BalanceAsync(Survivor("volunteer"), v));
        await VolunteerKit.AssertLedgerInvariantAsync(_stack);

        // The survivors drained everything: no outbox row unpublished, no message left in any queue or error queue.
        foreach (var service in Scaled)
        {
            await Eventually.True(async () => await _stack.ScalarAsync<long>(service,
                "SELECT count(*) FROM outbox_messages WHERE published_at IS NULL") == 0, $"{service}'s outbox to drain", Drain);
        }

        // Reporting counted each thing once, whichever instance consumed it. Caught up means every kind of event asserted
        // below has arrived: the queues drain in no particular order across kinds.
        await Eventually.True(async () => await _stack.ScalarAsync<long>("reporting",
            "SELECT count(*) FROM deadline_misses WHERE request_id = ANY(@ids)", new { ids }) == missedRows
            && await _stack.ScalarAsync<long>("reporting", "SELECT count(*) FROM points_movements") == keys.Length + volunteers.Count * 3
            && await _stack.ScalarAsync<long>("reporting",
                "SELECT count(*) FROM request_facts WHERE request_id = ANY(@ids) AND assigned_at IS NOT NULL", new { ids }) >= ids.Length
            && await _stack.ScalarAsync<long>("reporting", "SELECT count(*) FROM escalations WHERE request_id = ANY(@ids)", new { ids }) >= escalating,
            "reporting to catch up", Drain);
        Assert.Equal(ids.Length, await _stack.ScalarAsync<long>("reporting",
            "SELECT count(*) FROM request_facts WHERE request_id = ANY(@ids) AND assigned_at IS NOT NULL", new { ids }));
        Assert.Equal(escalating, await _stack.ScalarAsync<long>("reporting",
            "SELECT count(*) FROM escalations WHERE request_id = ANY(@ids)", new { ids }));
        Assert.Equal(10L * keys.Length - 10L * volunteers.Count * 3, await _stack.ScalarAsync<long>("reporting",
            "SELECT coalesce(sum(points), 0)::bigint FROM points_movements"));
        using (var counts = await Survivor("reporting").SendAsync(HttpMethod.Get, $"/api/v1/stats/requests-by-grid?under={county.District}", role: "leader"))
        {
            var grid = await counts.Content.ReadFromJsonAsync<List<WalkingSkeletonTests.GridCount>>(Ct);
            Assert.Equal(ids.Length, grid!.Sum(g => g.Count));
        }
        await AssertQueuesEmptyAsync();

        TestContext.Current.SendDiagnosticMessage(
            $"two instances: second instances killed {killedAt.TotalSeconds:F1} s into the load; whole test {watch.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>A key's per-minute limit counts calls on every instance (the window lives in Redis).</summary>
    private async Task AssertRateLimitIsSharedAsync()
    {
        var (_, key) = await IntakeAccessTests.IssueKeyAsync(Survivor("intake"), "two-instances", ratePerMinute: 4);
        // Fixed one-minute windows: start well inside one, so the six calls below share it.
        var intoMinute = DateTimeOffset.UtcNow.Second;
        if (intoMinute > 45) await Task.Delay(TimeSpan.FromSeconds(61 - intoMinute), Ct);
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            // Bodies that fail validation count too, and store nothing.
            using var r = await Either("intake", i).SendAsync(HttpMethod.Post, "/api/v1/requests", IntakeAccessTests.Body("NOWHERE"), role: null, apiKey: key);
            answers.Add(r.StatusCode);
        }
        Assert.Equal([HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest,
            HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], answers);
    }

    private async Task SubmitAsync(TestCounty county, int from, int count, ConcurrentBag<Guid> acknowledged)
    {
        await Parallel.ForEachAsync(Enumerable.Range(from, count), new ParallelOptions { MaxDegreeOfParallelism = 6, CancellationToken = Ct },
            async (i, _) =>
            {
                var body = new
                {
                    channel = "hotline",
                    category = "parking",
                    description = $"{i}号楼门口车位被占",
                    location = new { code = county.Building },
                    reporter = new { name = "张三", phone = $"138{20_000_000 + i:D8}" },
                };
                using var response = await Either("intake", i).SendAsync(HttpMethod.Post, "/api/v1/requests", body);
                var text = await response.Content.ReadAsStringAsync(Ct);
                Assert.True(response.StatusCode == HttpStatusCode.Created, $"submission {i} answered {(int)response.StatusCode}: {text}");
                acknowledged.Add(JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid());
            });
    }

    private async Task AssertQueuesEmptyAsync()
    {
        using var rabbit = TestServers.RabbitManagementClient();
        // The management API's counts lag the broker by a few seconds.
        await Eventually.True(async () =>
        {
            var queues = await rabbit.GetFromJsonAsync<JsonElement>($"queues/{_stack.VirtualHost}", Ct);
            return queues.EnumerateArray().All(q => q.TryGetProperty("messages", out var n) && n.GetInt64() == 0);
        }, "every queue (error queues included) to be empty", Drain);
    }
}
