using System.Text.RegularExpressions;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults.GridCopy;
using GovPlatform.ServiceDefaults.Messaging;
using Npgsql;

namespace GovPlatform.Dispatch.Grid;

public sealed record GridImportRequest(IReadOnlyList<GridNodeInput> Nodes, IReadOnlyList<WorkerInput>? Workers = null);
/// <param name="Centre">Where the node is, when known (WGS-84 degrees).</param>
/// <param name="Boundary">A surveyed boundary ring of at least 3 points, when there is one.</param>
public sealed record GridNodeInput(string Code, string? ParentCode, string Level, string Name,
    GeoPoint? Centre = null, IReadOnlyList<GeoPoint>? Boundary = null);
public sealed record WorkerInput(string Name, string Phone, string Role, string NodeCode);
public sealed record GridImportResult(int Nodes, int Workers);

/// <summary>
/// Imports a grid tree (or part of one) in one transaction: validates it against itself and what is
/// already stored, writes nodes and workers, and publishes the change for intake's copy.
/// </summary>
public sealed partial class GridImporter(NpgsqlDataSource db, TimeProvider clock)
{
    public const int MaxNodesPerImport = 50_000;
    private const int NodesPerEvent = 2_000;

    [GeneratedRegex("^[A-Z0-9][A-Z0-9-]{0,63}$")]
    private static partial Regex CodePattern();

    [GeneratedRegex(@"^1[3-9]\d{9}$")]
    private static partial Regex MobilePattern();

    private static readonly Dictionary<string, string> RoleLevels = new()
    {
        ["grid_worker"] = GridLevels.Grid,
        ["grid_leader"] = GridLevels.Grid,
        ["building_leader"] = GridLevels.Building,
        ["community_cadre"] = GridLevels.Community,
    };

    // Property-style (not positional) because Dapper matches constructors by exact column type,
    // and Npgsql reports text[] as System.Array.
    private sealed record StoredNode
    {
        public required string Code { get; init; }
        public string? ParentCode { get; init; }
        public required string Level { get; init; }
        public required string[] Path { get; init; }
    }

    /// <returns>The result, or validation errors keyed by field path (nothing is stored then).</returns>
    public async Task<(GridImportResult? Result, Dictionary<string, string[]> Errors)> ImportAsync(GridImportRequest request, CancellationToken ct)
    {
        var errors = new Dictionary<string, List<string>>();
        void Error(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list)) errors[field] = list = [];
            list.Add(message);
        }
        var workers = request.Workers ?? [];
        if (request.Nodes.Count == 0 && workers.Count == 0) Error("nodes", "Nothing to import: give nodes, workers or both.");
        if (request.Nodes.Count > MaxNodesPerImport) Error("nodes", $"At most {MaxNodesPerImport} nodes per import; split larger trees by subdistrict.");
        if (errors.Count > 0) return (null, Freeze(errors));

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // Imports take turns, so each one validates against a tree nobody else is changing.
        await conn.ExecuteAsync(new CommandDefinition("LOCK TABLE grid_nodes IN SHARE ROW EXCLUSIVE MODE", transaction: tx, cancellationToken: ct));

        var referenced = request.Nodes.Select(n => n.Code)
            .Concat(request.Nodes.Select(n => n.ParentCode).OfType<string>())
            .Concat(workers.Select(w => w.NodeCode))
            .Distinct().ToArray();
        var stored = (await conn.QueryAsync<StoredNode>(new CommandDefinition(
                "SELECT code, parent_code AS ParentCode, level, path FROM grid_nodes WHERE code = ANY(@referenced)",
                new { referenced }, tx, cancellationToken: ct)))
            .ToDictionary(n => n.Code);

        var batch = new Dictionary<string, GridNodeInput>();
        for (var i = 0; i < request.Nodes.Count; i++)
        {
            var n = request.Nodes[i];
            var at = $"nodes[{i}]";
            if (!CodePattern().IsMatch(n.Code)) Error($"{at}.code", $"'{n.Code}' is not a valid code: 1-64 characters of A-Z, 0-9 and '-'.");
            else if (!batch.TryAdd(n.Code, n)) Error($"{at}.code", $"Code '{n.Code}' appears twice in this import.");
            if (GridLevels.Depth(n.Level) < 0) Error($"{at}.level", $"Unknown level '{n.Level}'; expected one of {string.Join(", ", GridLevels.Ordered)}.");
            if (string.IsNullOrWhiteSpace(n.Name) || n.Name.Length > 200) Error($"{at}.name", "A name of 1-200 characters is required.");
            if (n.Centre is not null && !Geo.IsValid(n.Centre)) Error($"{at}.centre", "A centre needs a latitude between -90 and 90 and a longitude between -180 and 180.");
            if (n.Boundary is not null)
            {
                if (n.Boundary.Count < 3) Error($"{at}.boundary", "A boundary ring needs at least 3 points.");
                for (var j = 0; j < n.Boundary.Count; j++)
                    if (n.Boundary[j] is null || !Geo.IsValid(n.Boundary[j])) Error($"{at}.boundary[{j}]", "Not a valid latitude/longitude.");
            }
            if (n.ParentCode is null && n.Level != GridLevels.District) Error($"{at}.parentCode", "Only a district may have no parent.");
            if (n.ParentCode is not null && !batch.ContainsKey(n.ParentCode) && !stored.ContainsKey(n.ParentCode)
                && !request.Nodes.Any(o => o.Code == n.ParentCode))
                Error($"{at}.parentCode", $"Parent '{n.ParentCode}' is neither in this import nor already stored (an orphan).");
            if (stored.TryGetValue(n.Code, out var existing) && (existing.ParentCode != n.ParentCode || existing.Level != n.Level))
                Error($"{at}", $"'{n.Code}' already exists under '{existing.ParentCode}' as {existing.Level}; an import may rename nodes but not move them.");
        }

        // Paths from the top down; a parent chain inside the batch that loops is a cycle.
        var paths = new Dictionary<string, string[]>();
        string[]? PathOf(string code, HashSet<string> visiting)
        {
            if (paths.TryGetValue(code, out var known)) return known;
            if (!batch.TryGetValue(code, out var node)) return stored.TryGetValue(code, out var s) ? s.Path : null;
            if (!visiting.Add(code)) return null;
            string[]? path = node.ParentCode is null ? [code]
                : PathOf(node.ParentCode, visiting) is { } parent ? [.. parent, code] : null;
            if (path is not null) paths[code] = path;
            return path;
        }
        string LevelOf(string code) => batch.TryGetValue(code, out var b) ? b.Level : stored[code].Level;

        for (var i = 0; i < request.Nodes.Count && errors.Count == 0; i++)
        {
            var n = request.Nodes[i];
            if (PathOf(n.Code, []) is null)
                Error($"nodes[{i}].parentCode", $"'{n.Code}' is its own ancestor: the parent chain forms a cycle.");
            else if (n.ParentCode is not null && GridLevels.Depth(LevelOf(n.ParentCode)) >= GridLevels.Depth(n.Level))
                Error($"nodes[{i}].level", $"A {n.Level} cannot sit under a {LevelOf(n.ParentCode)}: levels must go down the tree.");
        }

        for (var i = 0; i < workers.Count; i++)
        {
            var w = workers[i];
            var at = $"workers[{i}]";
            if (string.IsNullOrWhiteSpace(w.Name) || w.Name.Length > 100) Error($"{at}.name", "A name of 1-100 characters is required.");
            if (!MobilePattern().IsMatch(w.Phone)) Error($"{at}.phone", "Expected an 11-digit mainland mobile number.");
            if (!RoleLevels.TryGetValue(w.Role, out var level)) Error($"{at}.role", $"Unknown role '{w.Role}'; expected one of {string.Join(", ", RoleLevels.Keys)}.");
            else if (!batch.ContainsKey(w.NodeCode) && !stored.ContainsKey(w.NodeCode)) Error($"{at}.nodeCode", $"Unknown node '{w.NodeCode}'.");
            else if (LevelOf(w.NodeCode) != level) Error($"{at}.nodeCode", $"A {w.Role} belongs to a {level}, but '{w.NodeCode}' is a {LevelOf(w.NodeCode)}.");
        }
        if (errors.Count > 0) return (null, Freeze(errors));

        var now = clock.GetUtcNow();
        const string upsertNodes = """
            INSERT INTO grid_nodes AS g (code, parent_code, level, name, path, updated_at,
                                         centre_lat, centre_lon, boundary, min_lat, max_lat, min_lon, max_lon)
            SELECT n.code, n.parent_code, n.level, n.name, string_to_array(n.path, '/'), @now,
                   n.lat, n.lon, string_to_array(n.ring, ',')::float8[], n.min_lat, n.max_lat, n.min_lon, n.max_lon
            FROM unnest(@codes::text[], @parents::text[], @levels::text[], @names::text[], @paths::text[],
                        @lats::float8[], @lons::float8[], @rings::text[],
                        @minLats::float8[], @maxLats::float8[], @minLons::float8[], @maxLons::float8[])
                AS n(code, parent_code, level, name, path, lat, lon, ring, min_lat, max_lat, min_lon, max_lon)
            ON CONFLICT (code) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at,
                centre_lat = coalesce(excluded.centre_lat, g.centre_lat), centre_lon = coalesce(excluded.centre_lon, g.centre_lon),
                boundary = coalesce(excluded.boundary, g.boundary), min_lat = coalesce(excluded.min_lat, g.min_lat),
                max_lat = coalesce(excluded.max_lat, g.max_lat), min_lon = coalesce(excluded.min_lon, g.min_lon),
                max_lon = coalesce(excluded.max_lon, g.max_lon)
            """;
        var nodes = request.Nodes;
        var bounds = nodes.Select(n => n.Boundary is { Count: >= 3 } b ? Geo.Bounds(b) : ((double, double, double, double)?)null).ToArray();
        await conn.ExecuteAsync(new CommandDefinition(upsertNodes, new
        {
            lats = nodes.Select(n => n.Centre?.Lat).ToArray(),
            lons = nodes.Select(n => n.Centre?.Lon).ToArray(),
            // A ring travels as text (lat,lon,lat,lon...) because a text[] of rings can be unnested in step, a ragged float8[][] cannot.
            rings = nodes.Select(n => n.Boundary is { Count: >= 3 } b
                ? string.Join(',', Geo.Flatten(b).Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))) : null).ToArray(),
            minLats = bounds.Select(b => b?.Item1).ToArray(),
            maxLats = bounds.Select(b => b?.Item2).ToArray(),
            minLons = bounds.Select(b => b?.Item3).ToArray(),
            maxLons = bounds.Select(b => b?.Item4).ToArray(),
            codes = nodes.Select(n => n.Code).ToArray(),
            parents = nodes.Select(n => n.ParentCode).ToArray(),
            levels = nodes.Select(n => n.Level).ToArray(),
            names = nodes.Select(n => n.Name).ToArray(),
            paths = nodes.Select(n => string.Join('/', paths[n.Code])).ToArray(),
            now,
        }, tx, cancellationToken: ct));

        // A worker is identified by phone: importing the same roster twice updates, never duplicates.
        const string upsertWorkers = """
            INSERT INTO workers AS w (id, name, phone, role, node_code, roster_published)
            SELECT gen_random_uuid(), x.name, x.phone, x.role, x.node_code, true
            FROM unnest(@names::text[], @phones::text[], @roles::text[], @nodeCodes::text[]) AS x(name, phone, role, node_code)
            ON CONFLICT (phone) DO UPDATE SET name = excluded.name, role = excluded.role, node_code = excluded.node_code, roster_published = true
            RETURNING w.id AS Id, w.node_code AS NodeCode, w.role AS Role, w.on_duty AS OnDuty
            """;
        if (workers.Count > 0)
        {
            var rostered = await conn.QueryAsync<Rostered>(new CommandDefinition(upsertWorkers, new
            {
                names = workers.Select(w => w.Name).ToArray(),
                phones = workers.Select(w => w.Phone).ToArray(),
                roles = workers.Select(w => w.Role).ToArray(),
                nodeCodes = workers.Select(w => w.NodeCode).ToArray(),
            }, tx, cancellationToken: ct));
            // Each worker's place and duty as they stand: a new worker is on duty by the roster and may never flip duty, so
            // without this reporting would never learn that their grid is staffed (grid coverage).
            foreach (var w in rostered)
                await Outbox.EnqueueAsync(tx, new WorkerRostered(w.Id, w.NodeCode, w.Role, w.OnDuty, now), ct);
        }

        foreach (var chunk in nodes.Chunk(NodesPerEvent))
        {
            var changed = chunk.Select(n => new GridNode(n.Code, n.ParentCode, n.Level, n.Name, paths[n.Code], n.Centre, n.Boundary)).ToArray();
            await Outbox.EnqueueAsync(tx, new GridNodesChanged(changed, now), ct);
        }
        await tx.CommitAsync(ct);
        return (new GridImportResult(nodes.Count, workers.Count), []);
    }

    private sealed record Rostered
    {
        public Guid Id { get; init; }
        public required string NodeCode { get; init; }
        public required string Role { get; init; }
        public bool OnDuty { get; init; }
    }

    private static Dictionary<string, string[]> Freeze(Dictionary<string, List<string>> errors) =>
        errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
}
