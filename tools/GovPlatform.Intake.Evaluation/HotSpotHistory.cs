using System.Globalization;
using System.Text;
using System.Text.Json;
using Dapper;
using GovPlatform.Intake.Duplicates;
using GovPlatform.Intake.HotSpots;
using GovPlatform.ServiceDefaults.Data;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

/// <summary>
/// Replays the demo county's scripted history (eval/intake/hotspot-history.tsv, written by
/// tools/intake-corpus/generate_history.py) through the service's own duplicate finder and hot-spot detector,
/// request by request in the order filed, in a scratch database migrated exactly as intake's (dropped
/// afterwards), and compares the hot spots found with the recurring problems planted in it.
/// </summary>
static class HotSpotHistory
{
    /// <summary>The detector's settings before the per-level ones: three requests and topic 0.3 at every level.</summary>
    public static HotSpotOptions Before() => new()
    {
        GridMinRequests = null, CommunityMinRequests = null, CommunityTopicSimilarity = null, BuildingTopicSimilarity = null,
    };

    public sealed record Row(DateTimeOffset At, string Category, string Location, string Label, string Description);

    public sealed record Report(int Requests, int Linked, int Planted, int PlantedFound, int HotSpots, int FalseHotSpots,
        IReadOnlyList<string> Lines);

    public static IReadOnlyList<Row> Read(string path) =>
        File.ReadLines(path, Encoding.UTF8)
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('\t', 5))
            .Select(p => new Row(DateTimeOffset.Parse(p[0], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
                p[1], p[2], p[3], p[4]))
            .ToList();

    private sealed record Node(string Code, string? ParentCode, string Level, string Name);

    /// <summary>Runs the history with the given settings; <paramref name="server"/> is any database on the server (a scratch one is made beside it).</summary>
    public static async Task<Report> RunAsync(string root, string server, HotSpotOptions options, string file = "hotspot-history.tsv")
    {
        var history = Read(Path.Combine(root, "eval/intake", file));
        var nodes = ReadGrid(Path.Combine(root, "services/dispatch/Seed/demo-county.json"));
        var paths = new Dictionary<string, string[]>();
        string[] PathOf(string code) => paths.TryGetValue(code, out var p) ? p
            : paths[code] = nodes[code].ParentCode is { } parent ? [.. PathOf(parent), code] : [code];

        var scratch = new NpgsqlConnectionStringBuilder(server)
        {
            Database = $"intake_hotspot_history_{Guid.NewGuid():N}"[..40], Pooling = false,
        }.ConnectionString;
        var admin = new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false }.ConnectionString;
        try
        {
            await using (var dataSource = NpgsqlDataSource.Create(scratch))
            {
                // The same sets of scripts, in the same order, as intake applies at start (Extensions.cs: grid copy, attachments).
                var migrator = new Migrator(dataSource, new DatabaseSettings("intakedb", scratch),
                    [
                        new Migrator.Source("gridcopy", typeof(Migrator).Assembly, "GridCopy.Migrations."),
                        new Migrator.Source("attachments", typeof(Migrator).Assembly, "Attachments.Migrations."),
                    ],
                    NullLogger<Migrator>.Instance);
                await migrator.MigrateAsync(migrator.SourcesFor(typeof(HotSpotDetector).Assembly));
            }
            await using var conn = new NpgsqlConnection(scratch);
            await conn.OpenAsync();
            const string grid = """
                INSERT INTO grid_copy (code, parent_code, level, name, path, changed_at)
                SELECT code, parent_code, level, name, string_to_array(path, '/'), @at
                FROM unnest(@codes::text[], @parents::text[], @levels::text[], @names::text[], @paths::text[])
                    AS n(code, parent_code, level, name, path)
                """;
            var all = nodes.Values.ToList();
            await conn.ExecuteAsync(grid, new
            {
                codes = all.Select(n => n.Code).ToArray(), parents = all.Select(n => n.ParentCode).ToArray(),
                levels = all.Select(n => n.Level).ToArray(), names = all.Select(n => n.Name).ToArray(),
                paths = all.Select(n => string.Join('/', PathOf(n.Code))).ToArray(), at = history[0].At.UtcDateTime,
            });

            var labels = new Dictionary<Guid, string>();
            var duplicates = new DuplicateOptions();
            var linked = 0;
            var ticket = 0;
            foreach (var row in history)
            {
                var path = PathOf(row.Location);
                var building = path.FirstOrDefault(c => nodes[c].Level == "building");
                var gridCode = path.FirstOrDefault(c => nodes[c].Level == "grid");
                await using var tx = await conn.BeginTransactionAsync();
                // As a filing does (RequestsApi): the duplicate search first, then the row, then the detector for an original.
                var original = await DuplicateFinder.FindAsync(tx, duplicates, row.Category, building, gridCode ?? row.Location,
                    null, null, row.Description, row.At, CancellationToken.None);
                var id = MassTransit.NewId.NextGuid();
                labels[id] = row.Label;
                const string insert = """
                    INSERT INTO requests (id, ticket_no, channel, category, urgency, description, location_code, location_path,
                                          status, submitted_at, updated_at, classified_by, building_code, original_id)
                    VALUES (@id, @ticketNo, 'hotline', @category, 'normal', @description, @location, @path,
                            @status, @at, @at, 'reporter', @building, @originalId)
                    """;
                await conn.ExecuteAsync(new CommandDefinition(insert, new
                {
                    id, ticketNo = $"{row.At.ToOffset(TimeSpan.FromHours(8)):yyyyMMdd}-{++ticket:000000}", row.Category, row.Description,
                    row.Location, path, status = original is null ? "submitted" : "linked", at = row.At.UtcDateTime, building,
                    originalId = original?.Id,
                }, tx));
                if (original is null)
                    await HotSpotDetector.DetectAsync(tx, options, new FiledRequest(id, row.Category, row.Description, path, building, gridCode, row.At),
                        CancellationToken.None);
                else linked++;
                await tx.CommitAsync();
            }

            const string found = """
                SELECT h.id, h.category, h.place_level AS Level, h.place_code AS Place, h.topic, h.detected_at AS DetectedAt,
                       array_agg(hr.request_id ORDER BY r.submitted_at) AS Requests
                FROM hot_spots h JOIN hot_spot_requests hr ON hr.hot_spot_id = h.id JOIN requests r ON r.id = hr.request_id
                GROUP BY h.id ORDER BY h.detected_at
                """;
            var spots = (await conn.QueryAsync<Found>(found)).ToList();
            return Compare(history, labels, spots, linked);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var drop = new NpgsqlConnection(admin);
            await drop.OpenAsync();
            var name = new NpgsqlConnectionStringBuilder(scratch).Database!;
            await drop.ExecuteAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        }
    }

    private sealed record Found
    {
        public Guid Id { get; init; }
        public required string Category { get; init; }
        public required string Level { get; init; }
        public required string Place { get; init; }
        public required string[] Topic { get; init; }
        public DateTime DetectedAt { get; init; }
        public required Guid[] Requests { get; init; }
    }

    /// <summary>
    /// A hot spot finds the planted problem that most of its requests belong to (more than half); one that no planted
    /// problem dominates is false. A planted problem is found when at least one hot spot finds it.
    /// </summary>
    private static Report Compare(IReadOnlyList<Row> history, Dictionary<Guid, string> labels, List<Found> spots, int linked)
    {
        var planted = history.Where(r => r.Label.StartsWith('P')).GroupBy(r => r.Label).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        var lines = new List<string>();
        var foundPlanted = new HashSet<string>();
        var falseCount = 0;
        foreach (var spot in spots)
        {
            var members = spot.Requests.Select(r => labels[r]).ToList();
            var top = members.GroupBy(l => l).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First();
            var hit = top.Key.StartsWith('P') && top.Count() * 2 > members.Count;
            if (hit) foundPlanted.Add(top.Key);
            else falseCount++;
            var first = hit ? planted.Single(p => p.Key == top.Key).Min(r => r.At) : default;
            lines.Add($"  {(hit ? top.Key : "FALSE"),-5} {spot.Category,-17} {spot.Level,-9} {spot.Place,-22} {spot.DetectedAt:yyyy-MM-dd}" +
                (hit ? $" ({(spot.DetectedAt - first.UtcDateTime).TotalDays:0} days after the first report)" : "") +
                $"  requests: {string.Join(" ", members.GroupBy(l => l).Select(g => $"{g.Key}×{g.Count()}"))}  topic: {string.Join(" ", spot.Topic)}");
        }
        foreach (var missed in planted.Where(p => !foundPlanted.Contains(p.Key)))
            lines.Add($"  MISSED {missed.Key} {missed.First().Category}: {missed.Count()} reports from {missed.Min(r => r.At):yyyy-MM-dd} to {missed.Max(r => r.At):yyyy-MM-dd}");
        return new Report(history.Count, linked, planted.Count, foundPlanted.Count, spots.Count, falseCount, lines);
    }

    private static Dictionary<string, Node> ReadGrid(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path, Encoding.UTF8));
        return doc.RootElement.GetProperty("nodes").EnumerateArray()
            .Select(n => new Node(n.GetProperty("code").GetString()!,
                n.GetProperty("parentCode").ValueKind == JsonValueKind.Null ? null : n.GetProperty("parentCode").GetString(),
                n.GetProperty("level").GetString()!, n.GetProperty("name").GetString()!))
            .ToDictionary(n => n.Code);
    }
}
