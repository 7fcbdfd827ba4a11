// Requests per second and p50/p99 latency of POST /api/v1/requests under concurrent clients, side
// by side with pgbench running the same insert transaction on the same PostgreSQL, in one run.
//   source .local/env && dotnet run -c Release --project bench/GovPlatform.Intake.Benchmarks -- [clients=16] [seconds=20]
// It makes its own database and RabbitMQ virtual host and drops them afterwards.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Dapper;
using GovPlatform.Intake.Extensions;
using GovPlatform.Intake.Requests;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Npgsql;

var clients = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 16;
var seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
string Env(string name) => Environment.GetEnvironmentVariable(name) ?? throw new InvalidOperationException($"{name} is not set: source .local/env first.");

var id = Guid.NewGuid().ToString("N")[..8];
var database = $"intake_bench_{id}";
var vhost = $"govbench-{id}";
var postgres = new NpgsqlConnectionStringBuilder(Env("GOV_POSTGRES")) { Database = database, MaxPoolSize = 100 };
var amqp = new UriBuilder(Env("ConnectionStrings__messaging")) { Path = "/" + vhost }.Uri.ToString();
var signingKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

using var rabbit = RabbitManagement(new Uri(Env("GOV_RABBITMQ_MANAGEMENT")));
(await rabbit.PutAsync($"vhosts/{vhost}", null)).EnsureSuccessStatusCode();
var user = Uri.UnescapeDataString(new Uri(Env("ConnectionStrings__messaging")).UserInfo.Split(':')[0]);
(await rabbit.PutAsJsonAsync($"permissions/{vhost}/{user}", new { configure = ".*", write = ".*", read = ".*" })).EnsureSuccessStatusCode();

var host = new BenchHost(new Dictionary<string, string?>
{
    ["ConnectionStrings:intakedb"] = postgres.ConnectionString,
    ["ConnectionStrings:redis"] = Env("ConnectionStrings__redis"),
    ["ConnectionStrings:messaging"] = amqp,
    ["Auth:SigningKey"] = signingKey,
    ["Logging:LogLevel:Default"] = "Warning",
});
try
{
    var http = host.Start();
    http.Timeout = TimeSpan.FromSeconds(30);
    var buildings = await SeedGridAsync(postgres.ConnectionString);
    var token = PlatformTokens.Issue(new AuthOptions { SigningKey = signingKey }, "bench", "bench", [Roles.DeskOperator]);
    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

    Console.WriteLine($"clients {clients}, {seconds} s each, {Environment.ProcessorCount} cores, database {database}");
    await HttpLoadAsync(http, buildings, clients, TimeSpan.FromSeconds(3)); // warm-up: JIT, pools, plans
    var pg = await PgbenchAsync(postgres, clients, seconds);
    // Where each filing's time goes (FilingStages), for the measured run only: the host is in this process.
    var stages = new ConcurrentDictionary<string, ConcurrentQueue<double>>();
    using var listener = new MeterListener();
    listener.InstrumentPublished = (instrument, l) =>
    {
        if (instrument.Meter.Name == FilingStages.MeterName && instrument.Name == FilingStages.InstrumentName) l.EnableMeasurementEvents(instrument);
    };
    listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
    {
        foreach (var tag in tags)
            if (tag.Key == "stage") stages.GetOrAdd((string)tag.Value!, _ => new()).Enqueue(value);
    });
    listener.Start();
    var api = await HttpLoadAsync(http, buildings, clients, TimeSpan.FromSeconds(seconds));
    listener.Dispose();

    Console.WriteLine();
    Console.WriteLine("| run | transactions | per second | p50 ms | p99 ms |");
    Console.WriteLine("|---|---|---|---|---|");
    Console.WriteLine(pg.Row("pgbench, same insert transaction"));
    Console.WriteLine(api.Row("POST /api/v1/requests"));
    Console.WriteLine($"\nratio (API / pgbench requests per second): {api.PerSecond / pg.PerSecond:0.00}");

    // Stages in filing order; the total per POST is the sum of the means (a stage a filing skips counts zero for it).
    string[] order = [FilingStages.Validate, FilingStages.Place, FilingStages.Classify, FilingStages.Duplicates, FilingStages.Insert,
        FilingStages.Events, FilingStages.Commit];
    var filings = stages.TryGetValue(FilingStages.Commit, out var commits) ? commits.Count : 0;
    Console.WriteLine($"\nfiling stages over {filings} filings (ms):\n");
    Console.WriteLine("| stage | mean per filing | p50 | p99 |");
    Console.WriteLine("|---|---|---|---|");
    foreach (var stage in order.Where(stages.ContainsKey))
    {
        var values = stages[stage].ToList();
        values.Sort();
        double At(double q) => values[Math.Min(values.Count - 1, (int)(q * values.Count))];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {stage} | {values.Sum() / Math.Max(1, filings):0.00} | {At(0.5):0.00} | {At(0.99):0.00} |"));
    }
}
finally
{
    await host.DisposeAsync();
    await rabbit.DeleteAsync($"vhosts/{vhost}");
    await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Env("GOV_POSTGRES")) { Database = "postgres" }.ConnectionString);
    await admin.OpenAsync();
    await admin.ExecuteAsync($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
}

static HttpClient RabbitManagement(Uri uri) => new()
{
    BaseAddress = new Uri($"{uri.Scheme}://{uri.Host}:{uri.Port}/api/"),
    DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(uri.UserInfo)))) },
};

// The grid copy is normally filled from dispatch's events; the benchmark writes a small tree directly.
static async Task<string[]> SeedGridAsync(string connectionString)
{
    await using var conn = new NpgsqlConnection(connectionString);
    await conn.OpenAsync();
    var nodes = new List<(string Code, string? Parent, string Level, string[] Path)>
    {
        ("BENCH", null, "district", ["BENCH"]),
        ("BENCH-01", "BENCH", "subdistrict", ["BENCH", "BENCH-01"]),
        ("BENCH-01-01", "BENCH-01", "community", ["BENCH", "BENCH-01", "BENCH-01-01"]),
        ("BENCH-01-01-C01", "BENCH-01-01", "compound", ["BENCH", "BENCH-01", "BENCH-01-01", "BENCH-01-01-C01"]),
        ("BENCH-01-01-C01-G1", "BENCH-01-01-C01", "grid", ["BENCH", "BENCH-01", "BENCH-01-01", "BENCH-01-01-C01", "BENCH-01-01-C01-G1"]),
    };
    var buildings = Enumerable.Range(1, 20).Select(i => $"BENCH-01-01-C01-G1-B{i:D2}").ToArray();
    nodes.AddRange(buildings.Select(b => (b, (string?)"BENCH-01-01-C01-G1", "building", new[] { "BENCH", "BENCH-01", "BENCH-01-01", "BENCH-01-01-C01", "BENCH-01-01-C01-G1", b })));
    foreach (var n in nodes)
        await conn.ExecuteAsync("INSERT INTO grid_copy (code, parent_code, level, name, path, changed_at) VALUES (@Code, @Parent, @Level, @Code, @Path, now())",
            new { n.Code, n.Parent, n.Level, n.Path });
    return buildings;
}

static async Task<Result> HttpLoadAsync(HttpClient http, string[] buildings, int clients, TimeSpan duration)
{
    string[] categories = ["parking", "drainage", "water_supply", "street_light", "greening", "stairwell_clutter", "fire_escape", "thrown_objects",
        "roof_leak", "noise", "neighbour_dispute", "property_service", "public_repair", "safety_hazard", "anti_fraud_legal", "elderly_disabled"];
    var latencies = new List<double>[clients];
    var failures = 0;
    var stop = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
    {
        var mine = latencies[c] = [];
        var random = new Random(c);
        while (stop.Elapsed < duration)
        {
            // Distinct texts, places and categories, so no request is linked as a duplicate of another.
            var body = new
            {
                channel = "hotline", category = categories[random.Next(categories.Length)],
                description = $"压测请求 {Guid.NewGuid():N} 第{random.Next()}号",
                location = new { code = buildings[random.Next(buildings.Length)] },
                reporter = new { name = "张三", phone = $"138{random.Next(10_000_000, 99_999_999)}" },
            };
            var started = Stopwatch.GetTimestamp();
            using var response = await http.PostAsJsonAsync("/api/v1/requests", body);
            mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (!response.IsSuccessStatusCode) Interlocked.Increment(ref failures);
        }
    }));
    if (failures > 0) Console.WriteLine($"  {failures} requests failed");
    return Result.Of(latencies.SelectMany(l => l).ToList(), stop.Elapsed.TotalSeconds);
}

static async Task<Result> PgbenchAsync(NpgsqlConnectionStringBuilder pg, int clients, int seconds)
{
    var dir = Directory.CreateTempSubdirectory("pgbench");
    var start = new ProcessStartInfo("pgbench")
    {
        ArgumentList = { "-n", "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", Math.Min(clients, Environment.ProcessorCount).ToString(CultureInfo.InvariantCulture),
                         "-T", seconds.ToString(CultureInfo.InvariantCulture), "-l", "--log-prefix", Path.Combine(dir.FullName, "tx"),
                         "-f", Path.Combine(AppContext.BaseDirectory, "submit.pgbench.sql"), pg.Database! },
        Environment = { ["PGHOST"] = pg.Host, ["PGPORT"] = pg.Port.ToString(CultureInfo.InvariantCulture), ["PGUSER"] = pg.Username, ["PGPASSWORD"] = pg.Password },
        RedirectStandardOutput = true, RedirectStandardError = true,
    };
    using var process = Process.Start(start)!;
    var output = await process.StandardOutput.ReadToEndAsync();
    var errors = await process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    if (process.ExitCode != 0) throw new InvalidOperationException($"pgbench failed: {errors}\n{output}");
    // Per-transaction log lines: client_id transaction_no latency_us script_no epoch_s epoch_us.
    var latencies = Directory.GetFiles(dir.FullName).SelectMany(File.ReadLines)
        .Select(l => double.Parse(l.Split(' ')[2], CultureInfo.InvariantCulture) / 1000).ToList();
    dir.Delete(recursive: true);
    return Result.Of(latencies, seconds);
}

internal sealed record Result(int Count, double PerSecond, double P50, double P99)
{
    public static Result Of(List<double> latencies, double seconds)
    {
        latencies.Sort();
        double At(double q) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)(q * latencies.Count))];
        return new Result(latencies.Count, latencies.Count / seconds, At(0.50), At(0.99));
    }

    public string Row(string name) => string.Create(CultureInfo.InvariantCulture, $"| {name} | {Count} | {PerSecond:0} | {P50:0.0} | {P99:0.0} |");
}

/// <summary>Intake in this process on a real Kestrel port, as the integration tests host it.</summary>
internal sealed class BenchHost : WebApplicationFactory<IntakeApp>
{
    private readonly IReadOnlyDictionary<string, string?> _settings;
    public BenchHost(IReadOnlyDictionary<string, string?> settings) { _settings = settings; UseKestrel(0); }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSolutionRelativeContentRoot("services/intake", "GovPlatform.sln");
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
    }

    public HttpClient Start()
    {
        StartServer();
        return CreateClient();
    }
}
