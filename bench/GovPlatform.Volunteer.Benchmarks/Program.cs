// Awards per second and redemptions per second (all on one contended item) through the volunteer
// service's own code (PointsBook.AwardAsync, Redemptions.ReserveAsync: Npgsql + Dapper, with
// their outbox writes), beside pgbench running the same statements on the same server. The ratio
// app/pgbench is the figure to watch; absolute numbers depend on the machine.
//
// A plain harness rather than BenchmarkDotNet: the question is throughput of many concurrent
// clients over a fixed time, which is what pgbench reports too, so both sides are measured alike.
//
//   source .local/env && dotnet run -c Release --project bench/GovPlatform.Volunteer.Benchmarks -- [--seconds 10] [--clients 8]
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Dapper;
using GovPlatform.ServiceDefaults.Data;
using GovPlatform.ServiceDefaults.GridCopy;
using GovPlatform.Volunteer.Extensions;
using GovPlatform.Volunteer.Points;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

var seconds = Arg("--seconds", 10);
var clients = Arg("--clients", 8);
const int People = 1000;

var server = Environment.GetEnvironmentVariable("GOV_POSTGRES")
    ?? throw new InvalidOperationException("GOV_POSTGRES is not set: source .local/env first.");
var target = new NpgsqlConnectionStringBuilder(server) { Database = "volunteer_bench", MaxPoolSize = clients + 4 };

await using (var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false }.ConnectionString))
{
    await admin.OpenAsync();
    await admin.ExecuteAsync("DROP DATABASE IF EXISTS volunteer_bench WITH (FORCE)");
    await admin.ExecuteAsync("CREATE DATABASE volunteer_bench");
}

await using var db = NpgsqlDataSource.Create(target.ConnectionString);
var migrator = new Migrator(db, new DatabaseSettings("volunteerdb", target.ConnectionString),
    [new Migrator.Source("gridcopy", typeof(GridNodesChangedConsumer).Assembly, "GridCopy.Migrations.")], NullLogger<Migrator>.Instance);
await migrator.MigrateAsync(migrator.SourcesFor(typeof(VolunteerApp).Assembly));

await using (var conn = await db.OpenConnectionAsync())
{
    // Deterministic ids, so pgbench can name the same people without a lookup.
    await conn.ExecuteAsync("""
        CREATE FUNCTION bench_id(n int) RETURNS uuid LANGUAGE sql IMMUTABLE
            AS $$ SELECT ('00000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid $$;
        CREATE FUNCTION bench_uuid(n bigint) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$ SELECT md5(n::text)::uuid $$;
        INSERT INTO volunteers (id, name, phone, grid_code, party_member, created_at)
        SELECT bench_id(n), '志愿者' || n, '139' || lpad(n::text, 8, '0'), 'BENCH-GRID', false, now() FROM generate_series(1, @People) n;
        INSERT INTO goods (code, name, price_points, stock, per_person_limit, created_at) VALUES ('BENCH', '大米 5kg', 1, 2000000000, NULL, now());
        """, new { People });
    for (var n = 1; n <= People; n++)
    {
        await using var tx = await conn.BeginTransactionAsync();
        await PointsBook.AwardAsync(tx, new PointsBook.Award(Id(n), 1_000_000_000, "bench seed", $"seed:{n}", "bench", DateTimeOffset.UtcNow), default);
        await tx.CommitAsync();
    }
}

var awards = await RunAsync("awards", async (conn, n) =>
{
    await using var tx = await conn.BeginTransactionAsync();
    await PointsBook.AwardAsync(tx, new PointsBook.Award(Id(n), 1, "bench", $"bench:{Guid.NewGuid()}", "bench", DateTimeOffset.UtcNow), default);
    await tx.CommitAsync();
});
var awardsBaseline = PgBench("award.sql");

var goods = new Redemptions.Goods("BENCH", "大米 5kg", 1, null);
var redemptions = await RunAsync("redemptions", async (conn, n) =>
{
    if (await Redemptions.ReserveAsync(conn, goods, Id(n), 1, "bench", DateTimeOffset.UtcNow, default) is not Redemptions.Reserved)
        throw new InvalidOperationException("A reservation failed in the benchmark.");
});
var redemptionsBaseline = PgBench("redeem.sql");

// Speed means nothing if the books are wrong: both sides' writes must leave them balanced.
await using (var conn = await db.OpenConnectionAsync())
{
    var check = await conn.QuerySingleAsync<(long Volunteers, long Total, long Unbalanced, long Mismatched, long Negative)>(
        GovPlatform.Volunteer.Apis.PointsApi.InvariantSql);
    if (check is not (_, 0, 0, 0, 0)) throw new InvalidOperationException($"The ledger invariant is broken after the run: {check}.");
    Console.WriteLine($"ledger invariant holds: {check.Volunteers} points on volunteer accounts, entries balanced, caches equal sums");
}

Console.WriteLine();
Console.WriteLine($"| scenario ({clients} clients, {seconds} s) | service code ops/s | pgbench tps, same SQL | ratio |");
Console.WriteLine("|---|---:|---:|---:|");
Console.WriteLine($"| award points | {awards:0} | {awardsBaseline:0} | {awards / awardsBaseline:0.00} |");
Console.WriteLine($"| redeem one contended item | {redemptions:0} | {redemptionsBaseline:0} | {redemptions / redemptionsBaseline:0.00} |");

return;

static Guid Id(int n) => Guid.Parse($"00000000-0000-0000-0000-{n:D12}");

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

async Task<double> RunAsync(string name, Func<NpgsqlConnection, int, Task> operation)
{
    long done = 0;
    using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
    var watch = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
    {
        while (!stop.IsCancellationRequested)
        {
            // A connection per operation from the pool, as a request handler takes one.
            await using var conn = await db.OpenConnectionAsync();
            await operation(conn, Random.Shared.Next(1, People + 1));
            Interlocked.Increment(ref done);
        }
    })));
    var rate = done / watch.Elapsed.TotalSeconds;
    Console.WriteLine($"{name}: {done} in {watch.Elapsed.TotalSeconds:0.0} s = {rate:0} /s");
    return rate;
}

double PgBench(string script)
{
    var start = new ProcessStartInfo("pgbench",
    [
        "-n", "-M", "simple", "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", Math.Min(clients, Environment.ProcessorCount).ToString(CultureInfo.InvariantCulture),
        "-T", seconds.ToString(CultureInfo.InvariantCulture), "-f", Path.Combine(AppContext.BaseDirectory, "pgbench", script),
        "-h", target.Host!, "-p", target.Port.ToString(CultureInfo.InvariantCulture), "-U", target.Username!, target.Database!,
    ]) { RedirectStandardOutput = true, RedirectStandardError = true };
    start.Environment["PGPASSWORD"] = target.Password;
    using var process = Process.Start(start)!;
    var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
    process.WaitForExit();
    var tps = Regex.Match(output, @"tps = ([\d.]+)");
    if (process.ExitCode != 0 || !tps.Success) throw new InvalidOperationException($"pgbench {script} failed:\n{output}");
    Console.WriteLine($"pgbench {script}: {tps.Groups[1].Value} tps");
    return double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture);
}
