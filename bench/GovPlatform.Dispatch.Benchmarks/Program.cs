// From intake's POST /api/v1/requests to dispatch's work order assigned, on the real servers.
//   source .local/env && dotnet run -c Release --project bench/GovPlatform.Dispatch.Benchmarks -- latency [rate=20] [seconds=60]
//   source .local/env && dotnet run -c Release --project bench/GovPlatform.Dispatch.Benchmarks -- storm [requests=65800] [seconds=600]
// latency: a steady open-loop rate; each request is timed from the POST being sent to its
//   WorkOrderAssigned arriving on a queue of the benchmark's own (no polling), side by side with a
//   bare publish→consume round trip on the same broker at the same rate.
// storm: one big city's day submitted over the given time, then the time until every accepted
//   request has its work order, counting lost and duplicated assignments in dispatch's database.
// Intake and dispatch run in this process on real Kestrel ports, as the integration tests host
// them; each run makes its own databases and RabbitMQ virtual host and drops them afterwards.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using GovPlatform.Dispatch.Benchmarks;
using GovPlatform.Contracts;
using GovPlatform.Dispatch.Extensions;
using GovPlatform.Dispatch.Grid;
using GovPlatform.Intake.Extensions;
using GovPlatform.ServiceDefaults;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Npgsql;

var mode = args.Length > 0 ? args[0] : "latency";
int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
string Env(string name) => Environment.GetEnvironmentVariable(name) ?? throw new InvalidOperationException($"{name} is not set: source .local/env first.");

var id = Guid.NewGuid().ToString("N")[..8];
var vhost = $"govbench-{id}";
var databases = new Dictionary<string, string> { ["intake"] = $"intake_bench_{id}", ["dispatch"] = $"dispatch_bench_{id}" };
string Database(string service) => new NpgsqlConnectionStringBuilder(Env("GOV_POSTGRES")) { Database = databases[service], MaxPoolSize = 100 }.ConnectionString;
var amqpRoot = new Uri(Env("ConnectionStrings__messaging"));
var amqp = new UriBuilder(amqpRoot) { Path = "/" + vhost }.Uri;
var signingKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

using var rabbit = RabbitManagement(new Uri(Env("GOV_RABBITMQ_MANAGEMENT")));
(await rabbit.PutAsync($"vhosts/{vhost}", null)).EnsureSuccessStatusCode();
var (user, password) = Credentials(amqpRoot);
(await rabbit.PutAsJsonAsync($"permissions/{vhost}/{user}", new { configure = ".*", write = ".*", read = ".*" })).EnsureSuccessStatusCode();

Dictionary<string, string?> Settings(string service) => new()
{
    [$"ConnectionStrings:{service}db"] = Database(service),
    ["ConnectionStrings:redis"] = Env("ConnectionStrings__redis"),
    ["ConnectionStrings:messaging"] = amqp.ToString(),
    ["Auth:SigningKey"] = signingKey,
    ["Logging:LogLevel:Default"] = "Warning",
    // Every benchmark request is a new problem: the duplicate search still runs, but links nothing.
    ["Intake:Duplicates:TextSimilarity"] = "2",
};

// The benchmark's own bus: WorkOrderAssigned lands on its queue, and the broker baseline's probes round-trip through it.
var arrivals = new ConcurrentDictionary<Guid, long>();
var probeArrivals = new ConcurrentDictionary<Guid, long>();
var probeBus = Bus.Factory.CreateUsingRabbitMq(cfg =>
{
    cfg.Host(amqp.Host, (ushort)(amqp.IsDefaultPort || amqp.Port < 0 ? 5672 : amqp.Port), vhost, h => { h.Username(user); h.Password(password); });
    cfg.ReceiveEndpoint("bench-work-order-assigned", e =>
        e.Handler<WorkOrderAssigned>(ctx => { arrivals.TryAdd(ctx.Message.RequestId, Stopwatch.GetTimestamp()); return Task.CompletedTask; }));
    cfg.ReceiveEndpoint("bench-probe", e =>
        e.Handler<BenchProbe>(ctx => { probeArrivals.TryAdd(ctx.Message.Id, Stopwatch.GetTimestamp()); return Task.CompletedTask; }));
});

var dispatch = new BenchHost<DispatchApp>(Settings("dispatch"), "services/dispatch");
var intake = new BenchHost<IntakeApp>(Settings("intake"), "services/intake");
try
{
    await probeBus.StartAsync();
    var dispatchHttp = dispatch.Start();
    var intakeHttp = intake.Start();
    intakeHttp.Timeout = TimeSpan.FromSeconds(60);
    var auth = new AuthOptions { SigningKey = signingKey };
    dispatchHttp.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", PlatformTokens.Issue(auth, "bench", "bench", [Roles.Admin]));
    intakeHttp.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", PlatformTokens.Issue(auth, "bench", "bench", [Roles.DeskOperator]));

    var buildings = await ImportCityAsync(dispatchHttp, Database("intake"));
    Console.WriteLine($"{mode}: {Environment.ProcessorCount} cores, load average {LoadAverage()}, {buildings.Length} buildings, vhost {vhost}");
    await SubmitAsync(intakeHttp, buildings, 20, TimeSpan.FromSeconds(5), probe: false); // warm-up: JIT, pools, plans
    await Eventually(() => Task.FromResult(Submitted.Accepted.Keys.All(arrivals.ContainsKey)), TimeSpan.FromMinutes(2));

    if (mode == "latency") await LatencyAsync(intakeHttp, buildings, Arg(1, 20), Arg(2, 60));
    else if (mode == "storm") await StormAsync(intakeHttp, buildings, Arg(1, 65_800), Arg(2, 600));
    else throw new ArgumentException($"Unknown mode '{mode}': latency or storm.");
}
finally
{
    await intake.DisposeAsync();
    await dispatch.DisposeAsync();
    await probeBus.StopAsync();
    await rabbit.DeleteAsync($"vhosts/{vhost}");
    await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Env("GOV_POSTGRES")) { Database = "postgres" }.ConnectionString);
    await admin.OpenAsync();
    foreach (var database in databases.Values) await admin.ExecuteAsync($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
}

async Task LatencyAsync(HttpClient http, string[] buildings, int rate, int seconds)
{
    Submitted.Reset();
    arrivals.Clear();
    var sent = await SubmitAsync(http, buildings, rate, TimeSpan.FromSeconds(seconds), probe: true);
    await Eventually(() => Task.FromResult(Submitted.Accepted.Keys.All(arrivals.ContainsKey) && Submitted.Probes.Keys.All(probeArrivals.ContainsKey)),
        TimeSpan.FromMinutes(5));

    var endToEnd = Submitted.Accepted.Select(a => Ms(a.Value.Sent, arrivals[a.Key])).ToList();
    var posts = Submitted.Accepted.Select(a => Ms(a.Value.Sent, a.Value.Answered)).ToList();
    var broker = Submitted.Probes.Select(p => Ms(p.Value, probeArrivals[p.Key])).ToList();
    Console.WriteLine($"\n{sent} requests at {rate}/s for {seconds} s ({Submitted.Failures} failed), load average after {LoadAverage()}\n");
    Console.WriteLine("| measured | n | p50 ms | p95 ms | p99 ms |");
    Console.WriteLine("|---|---|---|---|---|");
    var e2e = Stats.Of(endToEnd);
    var post = Stats.Of(posts);
    var bare = Stats.Of(broker);
    Console.WriteLine(e2e.Row("POST sent → WorkOrderAssigned received (end to end)"));
    Console.WriteLine(post.Row("POST sent → 201 received (intake alone)"));
    Console.WriteLine(bare.Row("bare publish → consume on the same broker, same rate"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"\nend to end / intake POST: p50 {e2e.P50 / post.P50:0.0}×, p95 {e2e.P95 / post.P95:0.0}×, p99 {e2e.P99 / post.P99:0.0}×"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"end to end / bare broker round trip: p50 {e2e.P50 / bare.P50:0.0}×, p95 {e2e.P95 / bare.P95:0.0}×, p99 {e2e.P99 / bare.P99:0.0}×"));
}

async Task StormAsync(HttpClient http, string[] buildings, int requests, int seconds)
{
    Submitted.Reset();
    arrivals.Clear();
    var rate = requests / (double)seconds;
    var started = Stopwatch.StartNew();
    var sent = await SubmitAsync(http, buildings, rate, TimeSpan.FromSeconds(seconds), probe: false, limit: requests);
    var submitted = started.Elapsed;
    var accepted = Submitted.Accepted.Keys.ToArray();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"\nsubmitted {sent} ({accepted.Length} accepted, {Submitted.Failures} failed) in {submitted.TotalSeconds:0.0} s, target {rate:0.0}/s"));

    long assigned = 0;
    var deadline = TimeSpan.FromMinutes(30) + submitted;
    while (started.Elapsed < deadline)
    {
        assigned = await Scalar("dispatch", "SELECT count(*) FROM work_orders WHERE request_id = ANY(@accepted)", new { accepted });
        if (assigned == accepted.Length) break;
        await Task.Delay(1000);
    }
    var allAssigned = started.Elapsed;
    var lost = accepted.Length - assigned;
    var duplicatedOrders = await Scalar("dispatch", "SELECT count(*) FROM (SELECT request_id FROM work_orders GROUP BY 1 HAVING count(*) > 1) d");
    var duplicatedAssignments = await Scalar("dispatch", """
        SELECT count(*) FROM (SELECT body->>'requestId' FROM outbox_messages
                              WHERE message_type = 'GovPlatform.Contracts.WorkOrderAssigned' GROUP BY 1 HAVING count(*) > 1) d
        """);
    var known = accepted.Concat(Submitted.WarmUp).ToArray();
    var strays = await Scalar("dispatch", "SELECT count(*) FROM work_orders WHERE NOT request_id = ANY(@known)", new { known });
    var endToEnd = Stats.Of(Submitted.Accepted.Where(a => arrivals.ContainsKey(a.Key)).Select(a => Ms(a.Value.Sent, arrivals[a.Key])).ToList());
    var posts = Stats.Of(Submitted.Accepted.Select(a => Ms(a.Value.Sent, a.Value.Answered)).ToList());

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""

        | storm | value |
        |---|---|
        | requests asked / accepted (201) / failed | {requests} / {accepted.Length} / {Submitted.Failures} |
        | submission phase | {submitted.TotalSeconds:0.0} s ({accepted.Length / submitted.TotalSeconds:0.0}/s achieved) |
        | all assigned after the first POST | {allAssigned.TotalSeconds:0.0} s |
        | all assigned after the last POST | {(allAssigned - submitted).TotalSeconds:0.0} s |
        | lost (accepted, no work order) | {lost} |
        | duplicated (requests with >1 work order / >1 WorkOrderAssigned) | {duplicatedOrders} / {duplicatedAssignments} |
        | work orders for requests never accepted | {strays} |
        | POST latency p50 / p95 / p99 | {posts.P50:0} / {posts.P95:0} / {posts.P99:0} ms |
        | end-to-end latency p50 / p95 / p99 | {endToEnd.P50:0} / {endToEnd.P95:0} / {endToEnd.P99:0} ms |
        | load average after | {LoadAverage()} |
        """));
    if (lost != 0 || duplicatedOrders != 0 || duplicatedAssignments != 0 || strays != 0)
    {
        Console.WriteLine("FAILED: lost or duplicated work");
        Environment.ExitCode = 1;
    }
}

// Open loop: request i is sent at start + i/rate whether or not earlier ones were answered, as
// residents do not wait for each other; a cap on requests in flight keeps sockets bounded.
async Task<int> SubmitAsync(HttpClient http, string[] buildings, double rate, TimeSpan duration, bool probe, int? limit = null)
{
    var total = limit ?? (int)(rate * duration.TotalSeconds);
    using var inFlight = new SemaphoreSlim(256);
    var tasks = new List<Task>(total);
    var clock = Stopwatch.StartNew();
    for (var i = 0; i < total; i++)
    {
        var due = TimeSpan.FromSeconds(i / rate);
        if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
        await inFlight.WaitAsync();
        var n = i;
        tasks.Add(Task.Run(async () =>
        {
            try
            {
                if (probe) await ProbeAsync();
                await PostAsync(http, buildings, n);
            }
            finally
            {
                inFlight.Release();
            }
        }));
    }
    await Task.WhenAll(tasks);
    return total;
}

async Task ProbeAsync()
{
    var probeId = NewId.NextGuid();
    Submitted.Probes[probeId] = Stopwatch.GetTimestamp();
    await probeBus.Publish(new BenchProbe(probeId));
}

static async Task PostAsync(HttpClient http, string[] buildings, int n)
{
    // Only the catalogue's compound-tier categories, which start in the grid: dispatch asks intake for the catalogue at
    // start, so a community or subdistrict category (drainage, water supply, street lights ...) would go straight to
    // that tier's body and skip the worker selection this measures. The property company's categories (greening,
    // stairwell clutter, roof leaks, property service) fall back to the grid here, since the city has no companies.
    string[] categories = ["parking", "noise", "greening", "stairwell_clutter", "roof_leak", "property_service"];
    var body = new
    {
        channel = "hotline",
        category = categories[n % categories.Length],
        description = $"压测诉求 {n} 号：{Guid.NewGuid():N}",
        location = new { code = buildings[n % buildings.Length] },
        reporter = new { name = "张三", phone = $"138{10_000_000 + n % 89_999_999:D8}" },
    };
    var sent = Stopwatch.GetTimestamp();
    try
    {
        using var response = await http.PostAsJsonAsync("/api/v1/requests", body);
        var answered = Stopwatch.GetTimestamp();
        if (!response.IsSuccessStatusCode)
        {
            Submitted.Fail($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            return;
        }
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Submitted.Accepted[json.RootElement.GetProperty("id").GetGuid()] = (sent, answered);
    }
    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
    {
        Submitted.Fail(e.Message);
    }
}

// A city: 10 communities, 5 grids each with 3 workers and a leader, 4 buildings per grid.
async Task<string[]> ImportCityAsync(HttpClient dispatchHttp, string intakeDb)
{
    var nodes = new List<GridNodeInput> { new("BCITY", null, "district", "压测市辖区"), new("BCITY-01", "BCITY", "subdistrict", "压测街道") };
    var workers = new List<WorkerInput>();
    var buildings = new List<string>();
    var phone = 0;
    for (var c = 1; c <= 10; c++)
    {
        var community = $"BCITY-01-{c:D2}";
        nodes.Add(new(community, "BCITY-01", "community", $"第{c}社区"));
        nodes.Add(new($"{community}-C01", community, "compound", $"第{c}小区"));
        workers.Add(new($"书记{c}", $"137{++phone:D8}", "community_cadre", community));
        for (var g = 1; g <= 5; g++)
        {
            var grid = $"{community}-C01-G{g}";
            nodes.Add(new(grid, $"{community}-C01", "grid", $"第{g}网格"));
            workers.Add(new($"网格长{c}-{g}", $"138{++phone:D8}", "grid_leader", grid));
            for (var w = 1; w <= 3; w++) workers.Add(new($"网格员{c}-{g}-{w}", $"139{++phone:D8}", "grid_worker", grid));
            for (var b = 1; b <= 4; b++)
            {
                nodes.Add(new($"{grid}-B{b:D2}", grid, "building", $"{b}号楼"));
                buildings.Add($"{grid}-B{b:D2}");
            }
        }
    }
    (await dispatchHttp.PostAsJsonAsync("/api/v1/grid/import", new GridImportRequest(nodes, workers))).EnsureSuccessStatusCode();
    // Intake validates locations against its copy of the tree, filled from dispatch's events.
    await Eventually(async () => await Scalar("intake", "SELECT count(*) FROM grid_copy WHERE path[1] = 'BCITY'") == nodes.Count, TimeSpan.FromMinutes(2));
    return [.. buildings];
}

async Task<long> Scalar(string service, string sql, object? param = null)
{
    await using var conn = new NpgsqlConnection(Database(service));
    await conn.OpenAsync();
    return await conn.ExecuteScalarAsync<long>(new CommandDefinition(sql, param, commandTimeout: 300));
}

static async Task Eventually(Func<Task<bool>> condition, TimeSpan timeout)
{
    var deadline = Stopwatch.StartNew();
    while (!await condition())
    {
        if (deadline.Elapsed > timeout) throw new TimeoutException("The benchmark's services did not catch up in time.");
        await Task.Delay(50);
    }
}

static double Ms(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

static (string User, string Password) Credentials(Uri uri)
{
    if (string.IsNullOrEmpty(uri.UserInfo)) return ("guest", "guest");
    var parts = uri.UserInfo.Split(':', 2);
    return (Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "");
}

static HttpClient RabbitManagement(Uri uri) => new()
{
    BaseAddress = new Uri($"{uri.Scheme}://{uri.Host}:{uri.Port}/api/"),
    DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(uri.UserInfo)))) },
};

namespace GovPlatform.Dispatch.Benchmarks
{
    /// <summary>The broker baseline's message: no database, no outbox, just publish and consume.</summary>
    public sealed record BenchProbe(Guid Id);
}

internal static class Submitted
{
    public static readonly ConcurrentDictionary<Guid, (long Sent, long Answered)> Accepted = new();
    public static readonly ConcurrentDictionary<Guid, long> Probes = new();
    private static int _failures;
    public static int Failures => _failures;

    public static void Fail(string why)
    {
        if (Interlocked.Increment(ref _failures) <= 5) Console.WriteLine($"  failed: {why}");
    }

    /// <summary>Requests of the warm-up: theirs are the only work orders a run may hold besides its own.</summary>
    public static readonly ConcurrentBag<Guid> WarmUp = [];

    public static void Reset()
    {
        foreach (var id in Accepted.Keys) WarmUp.Add(id);
        Accepted.Clear();
        Probes.Clear();
        _failures = 0;
    }
}

internal sealed record Stats(int Count, double P50, double P95, double P99)
{
    public static Stats Of(List<double> values)
    {
        values.Sort();
        double At(double q) => values.Count == 0 ? double.NaN : values[Math.Min(values.Count - 1, (int)(q * values.Count))];
        return new Stats(values.Count, At(0.50), At(0.95), At(0.99));
    }

    public string Row(string name) => string.Create(CultureInfo.InvariantCulture, $"| {name} | {Count} | {P50:0.0} | {P95:0.0} | {P99:0.0} |");
}

/// <summary>A service in this process on a real Kestrel port, as the integration tests host it.</summary>
internal sealed class BenchHost<TApp> : WebApplicationFactory<TApp> where TApp : class
{
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private readonly string _contentRoot;

    public BenchHost(IReadOnlyDictionary<string, string?> settings, string contentRoot)
    {
        _settings = settings;
        _contentRoot = contentRoot;
        UseKestrel(0);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSolutionRelativeContentRoot(_contentRoot, "GovPlatform.sln");
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
    }

    public HttpClient Start()
    {
        StartServer();
        return CreateClient();
    }
}
