// The whole pipeline under load, as an outsider sees it: intake, dispatch, volunteer and reporting run as their own
// processes (the Release builds ./run.sh starts in its plain mode), on the shared PostgreSQL, Redis and RabbitMQ but on
// private databases and a private RabbitMQ virtual host, with the demo county imported. Distinct requests (random
// building, category and text) go half through Open311 (form-encoded) and half through POST /api/v1/requests.
//   dotnet build AppHost/GovPlatform.AppHost.csproj -c Release -v q -nologo   (or the four services alone)
//   source .local/env && dotnet run -c Release --project bench/GovPlatform.Pipeline.Benchmarks -- [points=c1,c8,c32,r40] [seconds=20] [out.md]
// A point cN keeps N connections busy (closed loop) and is measured side by side with pgbench at N clients running every
// transaction one request causes; rN offers N requests a second whatever the answers (open loop). Each run drops its
// databases and virtual host at the end.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using GovPlatform.ServiceDefaults;
using Npgsql;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var points = (args.Length > 0 ? args[0] : "c1,c8,c32,r40").Split(',', StringSplitOptions.RemoveEmptyEntries);
var seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
var output = args.Length > 2 ? args[2] : null;
string Env(string name) => Environment.GetEnvironmentVariable(name) ?? throw new InvalidOperationException($"{name} is not set: source .local/env first.");

var root = FindRoot();
string[] services = ["intake", "dispatch", "volunteer", "reporting"];
var dlls = new Dictionary<string, string>
{
    ["intake"] = "GovPlatform.Intake", ["dispatch"] = "GovPlatform.Dispatch", ["volunteer"] = "GovPlatform.Volunteer", ["reporting"] = "GovPlatform.Reporting",
};
foreach (var svc in services)
    if (!File.Exists(Dll(svc)))
        throw new InvalidOperationException($"{Dll(svc)} is missing: build the services in Release first (dotnet build AppHost/GovPlatform.AppHost.csproj -c Release).");
string Dll(string svc) => Path.Combine(root, "services", svc, "bin", "Release", "net10.0", dlls[svc] + ".dll");

var id = Guid.NewGuid().ToString("N")[..8];
var vhost = $"govpipe-{id}";
var databases = services.ToDictionary(s => s, s => $"{s}_pipe_{id}");
var copies = new[] { "intake", "dispatch", "reporting" }.ToDictionary(s => s, s => $"{s}_pgb_{id}");
string Database(string name) => new NpgsqlConnectionStringBuilder(Env("GOV_POSTGRES")) { Database = name, Pooling = false }.ConnectionString;
// The benchmark's own queries on the run's databases go through one pooled connection per database that stays open, and
// each is counted, so the transactions it commits there (polls for the drain, backlog counts, statistics reads) can be
// taken out of the services' figures: a statement outside a transaction is one committed transaction.
var ownQueries = new ConcurrentDictionary<string, long>();
string Pooled(string name)
{
    ownQueries.AddOrUpdate(name, 1, (_, n) => n + 1);
    return new NpgsqlConnectionStringBuilder(Env("GOV_POSTGRES")) { Database = name, MaxPoolSize = 2, ConnectionIdleLifetime = 3600 }.ConnectionString;
}
var amqpRoot = new Uri(Env("ConnectionStrings__messaging"));
var amqp = new UriBuilder(amqpRoot) { Path = "/" + vhost }.Uri;
var signingKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
var auth = new AuthOptions { SigningKey = signingKey };
var ports = services.ToDictionary(s => s, _ => FreePort());
var settle = TimeSpan.FromSeconds(12);

using var rabbit = RabbitManagement(new Uri(Env("GOV_RABBITMQ_MANAGEMENT")));
(await rabbit.PutAsync($"vhosts/{vhost}", null)).EnsureSuccessStatusCode();
var rabbitUser = Uri.UnescapeDataString(amqpRoot.UserInfo.Split(':')[0]);
(await rabbit.PutAsJsonAsync($"permissions/{vhost}/{rabbitUser}", new { configure = ".*", write = ".*", read = ".*" })).EnsureSuccessStatusCode();

var processes = new Dictionary<string, Process>();
var report = new StringBuilder();
void Say(string line) { Console.WriteLine(line); report.AppendLine(line); }
try
{
    foreach (var svc in services) processes[svc] = StartService(svc);
    using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1000, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
    { Timeout = TimeSpan.FromSeconds(60) };
    foreach (var svc in services) await WaitHealthyAsync(http, svc);
    var admin = PlatformTokens.Issue(auth, "bench", "bench", [Roles.Admin, Roles.DeskOperator]);

    // The demo county, as ./run.sh loads it; intake validates locations and reporting places facts in grids from their copies.
    var county = await File.ReadAllTextAsync(Path.Combine(root, "services/dispatch/Seed/demo-county.json"));
    using (var import = new HttpRequestMessage(HttpMethod.Post, Url("dispatch", "/api/v1/grid/import")) { Content = new StringContent(county, Encoding.UTF8, "application/json") })
    {
        import.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin);
        (await http.SendAsync(import)).EnsureSuccessStatusCode();
    }
    // And its service levels, as ./run.sh sets them: under the migrations' default an order misses its 1-minute accept
    // clock and escalates while the next point runs, whose counters would then carry the earlier point's escalations.
    foreach (var line in await File.ReadAllLinesAsync(Path.Combine(root, "services/dispatch/Seed/service-levels.txt")))
    {
        var parts = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 3 || parts[0].StartsWith('#')) continue;
        using var put = new HttpRequestMessage(HttpMethod.Put, Url("dispatch", $"/api/v1/sla-policies/{Uri.EscapeDataString(parts[0])}/{Uri.EscapeDataString(parts[1])}"))
        { Content = new StringContent(parts[2], Encoding.UTF8, "application/json") };
        put.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin);
        (await http.SendAsync(put)).EnsureSuccessStatusCode();
    }
    var nodes = JsonDocument.Parse(county).RootElement.GetProperty("nodes").EnumerateArray().ToList();
    var buildings = nodes.Where(n => n.GetProperty("level").GetString() == "building").Select(n => n.GetProperty("code").GetString()!).ToArray();
    foreach (var svc in new[] { "intake", "reporting" })
        await Eventually(async () => await Scalar(databases[svc], "SELECT count(*) FROM grid_copy") >= nodes.Count, TimeSpan.FromMinutes(3), $"{svc}'s copy of the grid");

    var key = await IssueApiKeyAsync(http, admin);
    var categories = await CategoriesAsync(http, admin);
    var load = new Load(http, Url("intake", ""), admin, key, buildings, categories);
    Console.WriteLine($"pipeline {id}: {Environment.ProcessorCount} cores, load average {LoadAverage()}, {buildings.Length} buildings, {categories.Length} categories");

    await load.RunClosedAsync(8, TimeSpan.FromSeconds(5)); // warm-up: JIT, pools, prepared statements
    await DrainAsync(load.Accepted.Keys.ToArray(), TimeSpan.FromMinutes(3));
    await CopyForPgbenchAsync();

    var started = DateTime.UtcNow;
    Say($"## Pipeline benchmark, {started:yyyy-MM-dd HH:mm} UTC");
    Say("");
    Say($"{Environment.ProcessorCount} cores; load average at the start {LoadAverage()} (other work shared the machine: compare ratios, not absolute figures). " +
        $"{seconds} s per point; requests alternate Open311 (form-encoded) and POST /api/v1/requests.");
    Say("");
    Say("| point | accepted/s | failed | POST p50 / p99 ms | → assigned p50 / p99 ms | → counted in reporting p50 / p99 ms | backlog at end (unassigned / uncounted / outbox / queued) | drained after | pgbench req/s (intake / dispatch / reporting tps) | ratio |");
    Say("|---|---|---|---|---|---|---|---|---|---|");
    var cpuRows = new List<string>();
    var workRows = new List<string>();
    var databaseRows = new List<string>();
    var tableRows = new List<string>();
    var baselineRows = new List<string>();
    Work? idle = null;
    foreach (var point in points)
    {
        var closed = point.StartsWith('c');
        var n = int.Parse(point[1..], CultureInfo.InvariantCulture);
        load.Reset();
        // PostgreSQL publishes a backend's counters when it goes idle, at most once a second and otherwise within 10 s;
        // RabbitMQ samples its statistics every 5 s. Settle both before a snapshot, so it holds what came before it.
        await Task.Delay(settle);
        var workBefore = await WorkSnapshotAsync();
        if (idle is null)
        {
            // What the idle stack (relays' and clocks' polls) and the rest of the shared server cost per second, for reference.
            await Task.Delay(TimeSpan.FromSeconds(20));
            var idleEnd = await WorkSnapshotAsync();
            idle = idleEnd - workBefore;
            workBefore = idleEnd;
        }
        var before = CpuSnapshot();
        var clock = Stopwatch.StartNew();
        if (closed) await load.RunClosedAsync(n, TimeSpan.FromSeconds(seconds));
        else await load.RunOpenAsync(n, TimeSpan.FromSeconds(seconds));
        var offered = clock.Elapsed;
        var accepted = load.Accepted.ToArray();
        var tickets = accepted.Select(a => a.Key).ToArray();
        var backlog = await BacklogAsync(tickets);
        var drained = await DrainAsync(tickets, TimeSpan.FromMinutes(10));
        var drainedAfter = clock.Elapsed - offered;
        var after = CpuSnapshot();
        await Task.Delay(settle);
        var work = await WorkSnapshotAsync() - workBefore;

        var assignedAt = await TimesAsync(databases["dispatch"], "SELECT ticket_no, created_at FROM work_orders WHERE ticket_no = ANY(@tickets)", tickets);
        var countedAt = await CountedAtAsync(tickets);
        var posts = Stats.Of(accepted.Select(a => (a.Value.Answered - a.Value.Sent).TotalMilliseconds));
        var assigned = Stats.Of(accepted.Where(a => assignedAt.ContainsKey(a.Key)).Select(a => (assignedAt[a.Key] - a.Value.Sent).TotalMilliseconds));
        var counted = Stats.Of(accepted.Where(a => countedAt.ContainsKey(a.Key)).Select(a => (countedAt[a.Key] - a.Value.Sent).TotalMilliseconds));
        var rate = accepted.Length / offered.TotalSeconds;

        string ratio;
        try
        {
            var baseline = closed ? await PgbenchAsync(n, Math.Max(5, seconds / 3)) : null;
            ratio = baseline is { } b ? $"{b.Requests:0.0} ({b.Intake:0} / {b.Dispatch:0} / {b.Reporting:0}) | **{rate / b.Requests:0.00}** |" : "– | – |";
            if (baseline is not null) baselineRows.Add(BaselineRow(point, baseline));
        }
        catch (InvalidOperationException e)
        {
            // On a shared server pgbench may find no free connection slot: the pipeline's figures still stand.
            Console.WriteLine($"  pgbench at {n} clients failed: {e.Message.Split('\n').FirstOrDefault(l => l.Contains("FATAL", StringComparison.Ordinal)) ?? e.Message}");
            ratio = "pgbench failed (see the notes) | – |";
        }
        Say(string.Create(CultureInfo.InvariantCulture,
            $"| {(closed ? $"{n} connections" : $"{n}/s offered")} | {rate:0.0} | {load.Failures} | {posts.P50:0} / {posts.P99:0} | {assigned.P50:0} / {assigned.P99:0} | {counted.P50:0} / {counted.P99:0} | " +
            $"{backlog.Unassigned} / {backlog.Uncounted} / {backlog.Outbox} / {backlog.Queued} | {(drained ? $"{drainedAfter.TotalSeconds:0.0} s" : "not drained in 10 min")} | {ratio}"));
        if (assignedAt.Count != tickets.Length || countedAt.Count != tickets.Length)
            Console.WriteLine($"  {point}: {tickets.Length - assignedAt.Count} accepted requests without a work order, {tickets.Length - countedAt.Count} not counted");
        cpuRows.Add(CpuRow(point, before, after, accepted.Length));
        workRows.Add(WorkRow(point, work, idle, accepted.Length, CpuTotal(before, after, accepted.Length)));
        databaseRows.AddRange(DatabaseRows(point, work, accepted.Length));
        tableRows.AddRange(TableRows(point, work, accepted.Length));
    }
    Say("");
    Say("CPU per accepted request, ms, from /proc (utime + stime from the start of a point until its backlog drained; PostgreSQL = the backends " +
        "serving this run's databases; RabbitMQ is the whole broker, which other work shared):");
    Say("");
    Say("| point | intake | dispatch | volunteer | reporting | PostgreSQL | RabbitMQ | load generator | total | PostgreSQL backends of the run at the end |");
    Say("|---|---|---|---|---|---|---|---|---|---|");
    foreach (var row in cpuRows) Say(row);
    Say("");
    Say("Work per accepted request, from the servers' own counters (load-independent): transactions committed in the run's four databases " +
        "(pg_stat_database, less the benchmark's own queries; net of the idle stack's rate, raw and by database intake / dispatch / volunteer / reporting in brackets; read-only ones included), rows written there, WAL written by the whole PostgreSQL server (shared: " +
        "net of its idle rate measured before the first point, raw in brackets), messages published into and delivered from the run's " +
        "RabbitMQ virtual host, and CPU. From the start of a point until its backlog drained and the counters settled.");
    Say("");
    Say("| point | transactions committed net (raw: by database) | rows inserted / updated / deleted | WAL bytes net (raw) | RabbitMQ published / delivered (redelivered) | CPU ms |");
    Say("|---|---|---|---|---|---|");
    foreach (var row in workRows) Say(row);
    Say("");
    Say(string.Create(CultureInfo.InvariantCulture, $"Idle, per second over {idle?.Seconds ?? 0:0} s before the first point: {idle?.Commits / Math.Max(1, idle?.Seconds ?? 1):0.0} transactions in the run's databases, " +
        $"{idle?.WalBytes / Math.Max(1, idle?.Seconds ?? 1):0} WAL bytes on the whole server."));
    Say("");
    Say("| point | database | transactions committed | rolled back | rows inserted | updated | deleted |");
    Say("|---|---|---|---|---|---|---|");
    foreach (var row in databaseRows) Say(row);
    Say("");
    Say("Rows written per accepted request by table (tables with at least 0.05):");
    Say("");
    Say("| point | table | inserted | updated (of which HOT) | deleted |");
    Say("|---|---|---|---|---|");
    foreach (var row in tableRows) Say(row);
    if (baselineRows.Count > 0)
    {
        Say("");
        Say("pgbench, per whole request (one pass of each script), same counters. Each pass also commits the script's own " +
            "autocommitted look-ups (the sequence in all three, the location in reporting's): 4 of its transactions.");
        Say("");
        Say("| point | transactions committed (intake / dispatch / reporting = all) | rows inserted / updated / deleted | WAL bytes (whole server, raw) |");
        Say("|---|---|---|---|");
        foreach (var row in baselineRows) Say(row);
    }
    Say("");
    Say($"Load average at the end {LoadAverage()}.");
    if (output is not null) await File.AppendAllTextAsync(output, report + "\n");
}
finally
{
    foreach (var p in processes.Values)
    {
        try { if (!p.HasExited) { p.Kill(entireProcessTree: true); await p.WaitForExitAsync(); } } catch (InvalidOperationException) { }
    }
    await rabbit.DeleteAsync($"vhosts/{vhost}");
    NpgsqlConnection.ClearAllPools();
    await using var pg = new NpgsqlConnection(Database("postgres"));
    await pg.OpenAsync();
    foreach (var database in databases.Values.Concat(copies.Values))
        await pg.ExecuteAsync($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
}

// The servers' own counters for the run's databases (or the given ones), the server's WAL position and the virtual host's
// message counts. The benchmark's own queries are counted as they are sent; the statistics query in each database is
// one of them, counted for the span it opens, not the one it closes.
async Task<Work> WorkSnapshotAsync(string[]? names = null, bool rabbitToo = true)
{
    names ??= databases.Values.ToArray();
    var work = new Work { At = DateTime.UtcNow };
    await using (var pg = new NpgsqlConnection(Database("postgres")))
    {
        await pg.OpenAsync();
        work.WalBytes = await pg.ExecuteScalarAsync<long>("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint");
        const string perDatabase = """
            SELECT datname, xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted
            FROM pg_stat_database WHERE datname = ANY(@names)
            """;
        foreach (var d in await pg.QueryAsync<(string Name, long Commits, long Rollbacks, long Inserted, long Updated, long Deleted)>(perDatabase, new { names }))
            work.Databases[d.Name] = new DbWork(d.Commits, d.Rollbacks, d.Inserted, d.Updated, d.Deleted);
    }
    foreach (var name in names)
    {
        work.Own[name] = ownQueries.GetValueOrDefault(name);
        await using var conn = new NpgsqlConnection(Pooled(name));
        const string perTable = "SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del FROM pg_stat_user_tables";
        foreach (var t in await conn.QueryAsync<(string Name, long Inserted, long Updated, long Hot, long Deleted)>(perTable))
            work.Tables[$"{name[..name.IndexOf('_', StringComparison.Ordinal)]}.{t.Name}"] = new TableWork(t.Inserted, t.Updated, t.Hot, t.Deleted);
    }
    if (rabbitToo)
    {
        // The run's own virtual host rather than the broker's overview: other work shares the broker.
        var stats = JsonDocument.Parse(await rabbit.GetStringAsync($"vhosts/{Uri.EscapeDataString(vhost)}")).RootElement;
        if (stats.TryGetProperty("message_stats", out var m))
        {
            long Get(string field) => m.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;
            work.Published = Get("publish");
            work.Delivered = Get("deliver_get");
            work.Redelivered = Get("redeliver");
        }
    }
    return work;
}

string WorkRow(string point, Work work, Work? idle, int requests, double cpu)
{
    double r = Math.Max(1, requests);
    var inserted = work.Databases.Values.Sum(d => d.Inserted) / r;
    var updated = work.Databases.Values.Sum(d => d.Updated) / r;
    var deleted = work.Databases.Values.Sum(d => d.Deleted) / r;
    // The idle stack's own polls and, for WAL, the rest of the shared server, at the rates measured before the first point.
    var idleWal = idle is null || idle.Seconds <= 0 ? 0 : idle.WalBytes / idle.Seconds * work.Seconds;
    var idleCommits = idle is null || idle.Seconds <= 0 ? 0 : idle.Commits / idle.Seconds * work.Seconds;
    var perDb = string.Join(" / ", services.Select(s => (work.CommitsOf(databases[s]) / r).ToString("0.00", CultureInfo.InvariantCulture)));
    return string.Create(CultureInfo.InvariantCulture,
        $"| {point} | **{(work.Commits - idleCommits) / r:0.00}** ({work.Commits / r:0.00}: {perDb}) | {inserted:0.00} / {updated:0.00} / {deleted:0.00} | {(work.WalBytes - idleWal) / r:0} ({work.WalBytes / r:0}) | " +
        $"{work.Published / r:0.00} / {work.Delivered / r:0.00} ({work.Redelivered / r:0.00}) | {cpu:0.0} |");
}

IEnumerable<string> DatabaseRows(string point, Work work, int requests) => services.Select(s =>
{
    var d = work.PerRequest(databases[s], requests);
    return string.Create(CultureInfo.InvariantCulture,
        $"| {point} | {s} | {d.Commits:0.00} | {d.Rollbacks:0.00} | {d.Inserted:0.00} | {d.Updated:0.00} | {d.Deleted:0.00} |");
});

static IEnumerable<string> TableRows(string point, Work work, int requests)
{
    double r = Math.Max(1, requests);
    return work.Tables.Where(t => (t.Value.Inserted + t.Value.Updated + t.Value.Deleted) / r >= 0.05)
        .OrderByDescending(t => t.Value.Inserted + t.Value.Updated + t.Value.Deleted)
        .Select(t => string.Create(CultureInfo.InvariantCulture,
            $"| {point} | {t.Key} | {t.Value.Inserted / r:0.00} | {t.Value.Updated / r:0.00} ({t.Value.Hot / r:0.00}) | {t.Value.Deleted / r:0.00} |"));
}

static string BaselineRow(string point, Baseline b)
{
    var commits = b.Work.Sum(w => w.Commits);
    return string.Create(CultureInfo.InvariantCulture,
        $"| {point} | {string.Join(" / ", b.Work.Select(w => w.Commits.ToString("0.00", CultureInfo.InvariantCulture)))} = **{commits:0.00}** | " +
        $"{b.Work.Sum(w => w.Inserted):0.00} / {b.Work.Sum(w => w.Updated):0.00} / {b.Work.Sum(w => w.Deleted):0.00} | {b.WalBytes:0} |");
}

Process StartService(string svc)
{
    var logs = Path.Combine(root, ".local", "logs");
    Directory.CreateDirectory(logs);
    var info = new ProcessStartInfo("dotnet", [Dll(svc)])
    {
        WorkingDirectory = Path.Combine(root, "services", svc),
        RedirectStandardOutput = true,
        RedirectStandardError = true,
        UseShellExecute = false,
    };
    // The run's own databases, broker and signing key; everything else from .local/env as ./run.sh passes it.
    info.Environment[$"ConnectionStrings__{svc}db"] = new NpgsqlConnectionStringBuilder(Env("GOV_POSTGRES")) { Database = databases[svc] }.ConnectionString
        // For back-to-back runs of one build with a pool setting changed (e.g. "No Reset On Close=false"), which a
        // setting in the connection string overrides: unset, the services run as ./run.sh starts them.
        + (Environment.GetEnvironmentVariable("PIPELINE_DB_OPTIONS") is { Length: > 0 } options ? ";" + options : "");
    info.Environment["ConnectionStrings__messaging"] = amqp.ToString();
    info.Environment["Auth__SigningKey"] = signingKey;
    info.Environment.Remove("Auth__Authority");
    info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{ports[svc]}";
    // As ./run.sh starts them: its environment (Development unless ASPNETCORE_ENVIRONMENT says otherwise), the log levels
    // of the services' appsettings.json, and the runtime settings every build carries in its runtimeconfig.json
    // (Directory.Build.props). Anything else set here would measure a stack no one runs.
    info.Environment["ASPNETCORE_ENVIRONMENT"] = Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? "Development";
    info.Environment["OTEL_SERVICE_NAME"] = svc;
    // Every benchmark request is a new problem: the duplicate search still runs, but links nothing, so each becomes a work order.
    info.Environment["Intake__Duplicates__TextSimilarity"] = "2";
    foreach (var other in services) info.Environment[$"services__{other}__http__0"] = $"http://127.0.0.1:{ports[other]}";
    var process = Process.Start(info)!;
    var log = new StreamWriter(Path.Combine(logs, $"pipeline-{svc}.log")) { AutoFlush = true };
    process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
    process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    return process;
}

string Url(string svc, string path) => $"http://127.0.0.1:{ports[svc]}{path}";

async Task WaitHealthyAsync(HttpClient http, string svc) =>
    await Eventually(async () =>
    {
        if (processes[svc].HasExited) throw new InvalidOperationException($"{svc} stopped; see .local/logs/pipeline-{svc}.log");
        try { return (await http.GetAsync(Url(svc, "/health"))).IsSuccessStatusCode; }
        catch (HttpRequestException) { return false; }
    }, TimeSpan.FromMinutes(5), $"{svc} healthy");

async Task<string> IssueApiKeyAsync(HttpClient http, string token)
{
    using var request = new HttpRequestMessage(HttpMethod.Post, Url("intake", "/api/v1/api-keys"))
    { Content = JsonContent.Create(new { name = "压测系统", rateLimitPerMinute = 100_000 }) };
    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    using var response = await http.SendAsync(request);
    response.EnsureSuccessStatusCode();
    return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("key").GetString()!;
}

async Task<string[]> CategoriesAsync(HttpClient http, string token)
{
    using var request = new HttpRequestMessage(HttpMethod.Get, Url("intake", "/open311/v2/services.json"));
    using var response = await http.SendAsync(request);
    response.EnsureSuccessStatusCode();
    return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.EnumerateArray()
        .Select(s => s.GetProperty("service_code").GetString()!).ToArray();
}

// Backlog when the offered load stops: accepted requests still without a work order or not yet counted, events
// still in the four outboxes, and messages waiting in the run's queues.
async Task<(long Unassigned, long Uncounted, long Outbox, long Queued)> BacklogAsync(string[] tickets)
{
    var assigned = await Scalar(databases["dispatch"], "SELECT count(*) FROM work_orders WHERE ticket_no = ANY(@tickets)", new { tickets });
    var counted = await Scalar(databases["reporting"], "SELECT count(*) FROM request_facts WHERE ticket_no = ANY(@tickets)", new { tickets });
    long outbox = 0;
    foreach (var db in databases.Values) outbox += await Scalar(db, "SELECT count(*) FROM outbox_messages WHERE published_at IS NULL");
    long queued = 0;
    try
    {
        var queues = JsonDocument.Parse(await rabbit.GetStringAsync($"queues/{Uri.EscapeDataString(vhost)}?columns=name,messages")).RootElement;
        queued = queues.EnumerateArray().Where(q => !q.GetProperty("name").GetString()!.EndsWith("_error", StringComparison.Ordinal))
            .Sum(q => q.TryGetProperty("messages", out var m) ? m.GetInt64() : 0);
    }
    catch (HttpRequestException) { queued = -1; }
    return (tickets.Length - assigned, tickets.Length - counted, outbox, queued);
}

async Task<bool> DrainAsync(string[] tickets, TimeSpan timeout)
{
    try
    {
        await Eventually(async () =>
            await Scalar(databases["dispatch"], "SELECT count(*) FROM work_orders WHERE ticket_no = ANY(@tickets)", new { tickets }) == tickets.Length
            && await Scalar(databases["reporting"], "SELECT count(*) FROM request_facts WHERE ticket_no = ANY(@tickets) AND assigned_at IS NOT NULL", new { tickets }) == tickets.Length,
            timeout, "the pipeline to drain", poll: TimeSpan.FromMilliseconds(250));
        return true;
    }
    catch (TimeoutException) { return false; }
}

// When reporting counted a request: the start of the transaction in which its RequestSubmitted projection recorded the
// message in reporting's inbox (the message id is the one intake's outbox gave it).
async Task<Dictionary<string, DateTime>> CountedAtAsync(string[] tickets)
{
    await using var intake = new NpgsqlConnection(Pooled(databases["intake"]));
    var ids = (await intake.QueryAsync<(Guid MessageId, string Ticket)>(new CommandDefinition("""
        SELECT message_id, body->>'ticketNo' FROM outbox_messages
        WHERE message_type = 'GovPlatform.Contracts.RequestSubmitted' AND body->>'ticketNo' = ANY(@tickets)
        """, new { tickets }, commandTimeout: 300))).ToDictionary(x => x.MessageId, x => x.Ticket);
    await using var reporting = new NpgsqlConnection(Pooled(databases["reporting"]));
    var rows = await reporting.QueryAsync<(Guid MessageId, DateTime At)>(new CommandDefinition(
        "SELECT message_id, received_at FROM inbox_messages WHERE consumer = 'RequestSubmittedProjection' AND message_id = ANY(@keys)",
        new { keys = ids.Keys.ToArray() }, commandTimeout: 300));
    return rows.ToDictionary(r => ids[r.MessageId], r => DateTime.SpecifyKind(r.At, DateTimeKind.Utc));
}

async Task<Dictionary<string, DateTime>> TimesAsync(string database, string sql, string[] tickets)
{
    await using var conn = new NpgsqlConnection(Pooled(database));
    var rows = await conn.QueryAsync<(string Ticket, DateTime At)>(new CommandDefinition(sql, new { tickets }, commandTimeout: 300));
    return rows.GroupBy(r => r.Ticket).ToDictionary(g => g.Key, g => DateTime.SpecifyKind(g.Min(r => r.At), DateTimeKind.Utc));
}

// pgbench runs on copies of the run's databases (schema, the demo county, the warm-up's rows) so its rows never reach a
// relay; the copies are made with pg_dump once the county is loaded.
async Task CopyForPgbenchAsync()
{
    await using var pg = new NpgsqlConnection(Database("postgres"));
    await pg.OpenAsync();
    foreach (var (svc, copy) in copies)
    {
        await pg.ExecuteAsync($"CREATE DATABASE \"{copy}\"");
        await Shell($"pg_dump --no-owner --no-privileges -d {Quote(Conninfo(databases[svc]))} | psql -q -v ON_ERROR_STOP=1 -d {Quote(Conninfo(copy))} >/dev/null");
        await using var conn = new NpgsqlConnection(Database(copy));
        await conn.ExecuteAsync("CREATE SEQUENCE IF NOT EXISTS pgbench_seq; ANALYZE;");
    }
}

async Task<Baseline> PgbenchAsync(int clients, int secs)
{
    async Task<(double Tps, DbWorkPer Work, double Wal)> Run(string svc)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "pgbench", $"{svc}.sql");
        var grids = svc == "dispatch" ? await Scalar(copies[svc], "SELECT count(*) FROM grid_nodes WHERE level = 'grid'") : 0;
        var buildings = await Scalar(copies[svc], svc == "dispatch"
            ? "SELECT count(*) FROM grid_nodes WHERE level = 'building'" : "SELECT count(*) FROM grid_copy WHERE level = 'building'");
        var start = await WorkSnapshotAsync([copies[svc]], rabbitToo: false);
        var text = await Shell($"pgbench -n -M prepared -c {clients} -j {Math.Min(clients, 2)} -T {secs} -D buildings={buildings} -D grids={Math.Max(1, grids)} " +
            $"-f {Quote(script)} {Quote(Conninfo(copies[svc]))} 2>&1");
        var tps = Regex.Match(text, @"tps = ([0-9.]+) \(without initial connection time\)");
        if (!tps.Success) throw new InvalidOperationException($"pgbench {svc}: {text}");
        // pgbench's backends publish their counters as they exit.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var passes = long.Parse(Regex.Match(text, @"number of transactions actually processed: (\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
        var work = await WorkSnapshotAsync([copies[svc]], rabbitToo: false) - start;
        return (double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture), work.PerRequest(copies[svc], passes), work.WalBytes / (double)Math.Max(1, passes));
    }
    var intake = await Run("intake");
    var dispatch = await Run("dispatch");
    var reporting = await Run("reporting");
    // One request needs one pass of each script; run one after the other, whole requests per second are the harmonic sum.
    return new Baseline(1 / (1 / intake.Tps + 1 / dispatch.Tps + 1 / reporting.Tps), intake.Tps, dispatch.Tps, reporting.Tps,
        [intake.Work, dispatch.Work, reporting.Work], intake.Wal + dispatch.Wal + reporting.Wal);
}

string Conninfo(string database)
{
    var b = new NpgsqlConnectionStringBuilder(Env("GOV_POSTGRES"));
    return $"host={b.Host} port={b.Port} user={b.Username} password={b.Password} dbname={database}";
}

static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";

static async Task<string> Shell(string command)
{
    var info = new ProcessStartInfo("bash", ["-o", "pipefail", "-c", command]) { RedirectStandardOutput = true, RedirectStandardError = true };
    using var p = Process.Start(info)!;
    var stdout = p.StandardOutput.ReadToEndAsync();
    var stderr = p.StandardError.ReadToEndAsync();
    await p.WaitForExitAsync();
    if (p.ExitCode != 0) throw new InvalidOperationException($"`{command.Split(' ')[0]}` failed ({p.ExitCode}): {await stderr}{await stdout}");
    return await stdout;
}

// CPU seconds by process from /proc: the services, this process, PostgreSQL's backends for the run's databases, the broker.
Dictionary<string, Dictionary<int, long>> CpuSnapshot()
{
    var result = services.ToDictionary(s => s, s => Ticks([processes[s].Id]));
    result["bench"] = Ticks([Environment.ProcessId]);
    using (var pg = new NpgsqlConnection(Database("postgres")))
    {
        var pids = pg.Query<int>("SELECT pid FROM pg_stat_activity WHERE datname = ANY(@names)", new { names = databases.Values.ToArray() }).ToArray();
        result["postgres"] = Ticks(pids);
    }
    var beam = Directory.EnumerateDirectories("/proc").Select(d => Path.GetFileName(d)).Where(d => d.All(char.IsDigit))
        .Select(int.Parse).Where(pid => { try { return File.ReadAllText($"/proc/{pid}/comm").Trim() == "beam.smp"; } catch (IOException) { return false; } catch (UnauthorizedAccessException) { return false; } })
        .ToArray();
    result["rabbitmq"] = Ticks(beam);
    return result;
}

static Dictionary<int, long> Ticks(IEnumerable<int> pids)
{
    var result = new Dictionary<int, long>();
    foreach (var pid in pids)
    {
        try
        {
            // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            result[pid] = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
    return result;
}

static double CpuTotal(Dictionary<string, Dictionary<int, long>> before, Dictionary<string, Dictionary<int, long>> after, int requests) =>
    after.Keys.Sum(what => after[what].Sum(p => p.Value - before[what].GetValueOrDefault(p.Key))) * 10.0 / Math.Max(1, requests);

static string CpuRow(string point, Dictionary<string, Dictionary<int, long>> before, Dictionary<string, Dictionary<int, long>> after, int requests)
{
    // USER_HZ is 100 on Linux: a tick is 10 ms. A process absent before (a new backend) started from zero.
    double Ms(string what) => after[what].Sum(p => p.Value - before[what].GetValueOrDefault(p.Key)) * 10.0 / Math.Max(1, requests);
    string[] columns = ["intake", "dispatch", "volunteer", "reporting", "postgres", "rabbitmq", "bench"];
    var values = columns.Select(Ms).ToArray();
    return $"| {point} | {string.Join(" | ", values.Select(v => v.ToString("0.00", CultureInfo.InvariantCulture)))} | {values.Sum():0.00} | {after["postgres"].Count} |";
}

async Task<long> Scalar(string database, string sql, object? param = null)
{
    await using var conn = new NpgsqlConnection(Pooled(database));
    await conn.OpenAsync();
    return await conn.ExecuteScalarAsync<long>(new CommandDefinition(sql, param, commandTimeout: 300));
}

static async Task Eventually(Func<Task<bool>> condition, TimeSpan timeout, string what, TimeSpan? poll = null)
{
    var deadline = Stopwatch.StartNew();
    while (!await condition())
    {
        if (deadline.Elapsed > timeout) throw new TimeoutException($"Waited {timeout} for {what}.");
        await Task.Delay(poll ?? TimeSpan.FromMilliseconds(200));
    }
}

static int FreePort()
{
    using var socket = new TcpListener(IPAddress.Loopback, 0);
    socket.Start();
    return ((IPEndPoint)socket.LocalEndpoint).Port;
}

static string FindRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "GovPlatform.sln"))) return dir.FullName;
    throw new InvalidOperationException("Run from inside the repository.");
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

static HttpClient RabbitManagement(Uri uri) => new()
{
    BaseAddress = new Uri($"{uri.Scheme}://{uri.Host}:{uri.Port}/api/"),
    DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(uri.UserInfo)))) },
};

internal sealed record Baseline(double Requests, double Intake, double Dispatch, double Reporting, DbWorkPer[] Work, double WalBytes);

/// <summary>One database's counters from pg_stat_database.</summary>
internal sealed record DbWork(long Commits, long Rollbacks, long Inserted, long Updated, long Deleted)
{
    public static DbWork operator -(DbWork a, DbWork b) =>
        new(a.Commits - b.Commits, a.Rollbacks - b.Rollbacks, a.Inserted - b.Inserted, a.Updated - b.Updated, a.Deleted - b.Deleted);
}

internal sealed record DbWorkPer(double Commits, double Rollbacks, double Inserted, double Updated, double Deleted);

internal sealed record TableWork(long Inserted, long Updated, long Hot, long Deleted)
{
    public static TableWork operator -(TableWork a, TableWork b) => new(a.Inserted - b.Inserted, a.Updated - b.Updated, a.Hot - b.Hot, a.Deleted - b.Deleted);
}

/// <summary>
/// What PostgreSQL and RabbitMQ counted at one moment (or, as a difference, over a span): per database, per table, the
/// server's WAL position, the virtual host's messages, and how many of its own queries the benchmark sent to each database.
/// </summary>
internal sealed class Work
{
    public DateTime At { get; init; }
    public double Seconds { get; init; }
    public long WalBytes { get; set; }
    public long Published { get; set; }
    public long Delivered { get; set; }
    public long Redelivered { get; set; }
    public Dictionary<string, DbWork> Databases { get; } = [];
    public Dictionary<string, TableWork> Tables { get; } = [];
    public Dictionary<string, long> Own { get; } = [];

    /// <summary>Transactions the services committed: the benchmark's own autocommitted queries taken out.</summary>
    public long CommitsOf(string db) => Databases.TryGetValue(db, out var d) ? d.Commits - Own.GetValueOrDefault(db) : 0;
    public long Commits => Databases.Keys.Sum(CommitsOf);

    public DbWorkPer PerRequest(string db, long requests)
    {
        var d = Databases.GetValueOrDefault(db) ?? new DbWork(0, 0, 0, 0, 0);
        double r = Math.Max(1, requests);
        return new DbWorkPer(CommitsOf(db) / r, d.Rollbacks / r, d.Inserted / r, d.Updated / r, d.Deleted / r);
    }

    public static Work operator -(Work a, Work b)
    {
        var result = new Work
        {
            At = a.At, Seconds = (a.At - b.At).TotalSeconds, WalBytes = a.WalBytes - b.WalBytes,
            Published = a.Published - b.Published, Delivered = a.Delivered - b.Delivered, Redelivered = a.Redelivered - b.Redelivered,
        };
        foreach (var (db, d) in a.Databases) result.Databases[db] = d - (b.Databases.GetValueOrDefault(db) ?? new DbWork(0, 0, 0, 0, 0));
        foreach (var (t, w) in a.Tables) result.Tables[t] = w - (b.Tables.GetValueOrDefault(t) ?? new TableWork(0, 0, 0, 0));
        foreach (var (db, n) in a.Own) result.Own[db] = n - b.Own.GetValueOrDefault(db);
        return result;
    }
}

/// <summary>Distinct requests, half through Open311's form and half through the JSON API, keyed by ticket number.</summary>
internal sealed class Load(HttpClient http, string intake, string token, string apiKey, string[] buildings, string[] categories)
{
    public ConcurrentDictionary<string, (DateTime Sent, DateTime Answered)> Accepted { get; } = new();
    private int _failures, _sequence;
    public int Failures => _failures;

    public void Reset()
    {
        Accepted.Clear();
        _failures = 0;
    }

    public async Task RunClosedAsync(int connections, TimeSpan duration)
    {
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed < duration) await PostAsync();
        })));
    }

    // Open loop: request i is due at i / rate whether or not earlier ones were answered, as residents do not wait for each other.
    public async Task RunOpenAsync(int rate, TimeSpan duration)
    {
        var total = (int)(rate * duration.TotalSeconds);
        var tasks = new List<Task>(total);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < total; i++)
        {
            var due = TimeSpan.FromSeconds(i / (double)rate);
            if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
            tasks.Add(Task.Run(PostAsync));
        }
        await Task.WhenAll(tasks);
    }

    private async Task PostAsync()
    {
        var n = Interlocked.Increment(ref _sequence);
        var building = buildings[Random.Shared.Next(buildings.Length)];
        var category = categories[Random.Shared.Next(categories.Length)];
        var description = $"压测诉求{n}：{building}附近{Guid.NewGuid():N}";
        var phone = $"139{Random.Shared.Next(0, 99_999_999):D8}";
        using var request = n % 2 == 0
            ? new HttpRequestMessage(HttpMethod.Post, $"{intake}/open311/v2/requests.json")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["api_key"] = apiKey, ["service_code"] = category, ["address_id"] = building, ["description"] = description, ["phone"] = phone,
                }),
            }
            : new HttpRequestMessage(HttpMethod.Post, $"{intake}/api/v1/requests")
            {
                Content = JsonContent.Create(new
                {
                    channel = "hotline", category, description, location = new { code = building }, reporter = new { name = "张三", phone },
                }),
                Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) },
            };
        var sent = DateTime.UtcNow;
        try
        {
            using var response = await http.SendAsync(request);
            var answered = DateTime.UtcNow;
            var body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                if (Interlocked.Increment(ref _failures) <= 5) Console.WriteLine($"  failed: {(int)response.StatusCode} {body[..Math.Min(300, body.Length)]}");
                return;
            }
            var json = JsonDocument.Parse(body).RootElement;
            var ticket = json.ValueKind == JsonValueKind.Array ? json[0].GetProperty("service_request_id").GetString()! : json.GetProperty("ticketNo").GetString()!;
            Accepted[ticket] = (sent, answered);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            if (Interlocked.Increment(ref _failures) <= 5) Console.WriteLine($"  failed: {e.Message}");
        }
    }
}

internal sealed record Stats(int Count, double P50, double P99)
{
    public static Stats Of(IEnumerable<double> source)
    {
        var values = source.ToList();
        values.Sort();
        double At(double q) => values.Count == 0 ? double.NaN : values[Math.Min(values.Count - 1, (int)(q * values.Count))];
        return new Stats(values.Count, At(0.50), At(0.99));
    }
}
