using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Dapper;
using GovPlatform.ServiceDefaults.Data;
using GovPlatform.ServiceDefaults.GridCopy;
using GovPlatform.ServiceDefaults.Messaging;
using Npgsql;

namespace GovPlatform.Intake.Reference;

/// <summary>A grid-copy node with the building and grid on its path, which filing a request needs.</summary>
/// <param name="CommunityCode">The community on the node's path, when known (hot-spot detection groups by it).</param>
public sealed record PlacedNode(GridCopyExtensions.CopiedNode Node, string? BuildingCode, string? GridCode, string? CommunityCode = null);

/// <summary>A catalogue entry as filing a request needs it.</summary>
public sealed record CatalogueEntry(string Code, string NameZh, bool Major, bool Active, IReadOnlyList<CategoryAttribute> Attributes);

/// <summary>A live API key as authentication needs it.</summary>
public sealed record ApiKeyEntry(Guid Id, string Name, int RateLimitPerMinute);

/// <summary>
/// The category catalogue, grid-copy nodes and live API keys in memory, so filing a request reads none of
/// those tables. All change rarely and only through this database, whose triggers NOTIFY on every change
/// (after commit, to every instance); <see cref="ReferenceCacheListener"/> turns those into
/// <see cref="Invalidate"/>. While nobody listens (start-up, a lost connection) nothing is
/// cached, so a missed notification can never leave a stale entry behind.
/// </summary>
/// <remarks>
/// A revoked or rotated API key is refused by every instance as soon as the revocation's NOTIFY reaches it
/// (milliseconds after the commit; <c>ApiKeyCacheTests</c> measures it across two instances). Keys are also
/// read again after <see cref="ApiKeyMaxAge"/>, which bounds how long a key can outlive its revocation even if
/// the listening connection hung without an error (a half-open TCP connection is noticed only by keepalives).
/// Unknown keys are never cached: a key issued a moment ago works at once, and guessed keys cannot fill memory.
/// </remarks>
public sealed class ReferenceCache
{
    /// <summary>A county has tens of thousands of nodes at most; past this the cache starts over rather than growing without bound.</summary>
    private const int MaxNodes = 200_000;

    /// <summary>Systems with keys are a few dozen; past this the key cache starts over.</summary>
    private const int MaxApiKeys = 10_000;

    /// <summary>The longest a cached key is trusted without reading its row again (see remarks).</summary>
    public static readonly TimeSpan ApiKeyMaxAge = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, PlacedNode> _nodes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (ApiKeyEntry Key, long ReadAt)> _apiKeys = new(StringComparer.Ordinal);
    private volatile IReadOnlyDictionary<string, CatalogueEntry>? _categories;
    private long _generation;
    private volatile bool _listening;

    public bool Listening => _listening;

    internal void SetListening(bool listening)
    {
        _listening = listening;
        Invalidate();
    }

    /// <summary>Forgets everything; loads that started before this call are not kept.</summary>
    public void Invalidate(string? table = null)
    {
        Interlocked.Increment(ref _generation);
        if (table is null or "categories") _categories = null;
        if (table is null or "grid_copy") _nodes.Clear();
        if (table is null or "api_keys") _apiKeys.Clear();
    }

    /// <summary>The live (unrevoked) key with this SHA-256, or null; see the remarks on revocation.</summary>
    public async ValueTask<ApiKeyEntry?> ApiKeyAsync(NpgsqlDataSource db, byte[] hash, CancellationToken ct)
    {
        var id = Convert.ToHexString(hash);
        if (_apiKeys.TryGetValue(id, out var cached) && Stopwatch.GetElapsedTime(cached.ReadAt) < ApiKeyMaxAge) return cached.Key;
        var generation = Interlocked.Read(ref _generation);
        const string sql = """
            SELECT id, name, rate_limit_per_minute AS RateLimitPerMinute
            FROM api_keys WHERE key_hash = @hash AND revoked_at IS NULL
            """;
        ApiKeyEntry? key;
        await using (var conn = await db.OpenConnectionAsync(ct))
            key = await conn.QuerySingleOrDefaultAsync<ApiKeyEntry>(new CommandDefinition(sql, new { hash }, cancellationToken: ct));
        if (key is null)
        {
            _apiKeys.TryRemove(id, out _);
            return null;
        }
        if (_listening)
        {
            if (_apiKeys.Count >= MaxApiKeys) _apiKeys.Clear();
            _apiKeys[id] = (key, Stopwatch.GetTimestamp());
            // A revocation between the read and the store must win: re-check after storing.
            if (Interlocked.Read(ref _generation) != generation) _apiKeys.TryRemove(id, out _);
        }
        return key;
    }

    private sealed record NodeRow
    {
        public required string Code { get; init; }
        public string? ParentCode { get; init; }
        public required string Level { get; init; }
        public required string Name { get; init; }
        public required string[] Path { get; init; }
        public string? BuildingCode { get; init; }
        public string? GridCode { get; init; }
        public string? CommunityCode { get; init; }
    }

    /// <summary>A node of the grid copy by code; null when dispatch has not published it (never cached, so a new node is seen at once).</summary>
    public async ValueTask<PlacedNode?> GridNodeAsync(NpgsqlConnection conn, string code, CancellationToken ct)
    {
        if (_nodes.TryGetValue(code, out var cached)) return cached;
        var generation = Interlocked.Read(ref _generation);
        const string sql = """
            SELECT n.code, n.parent_code AS ParentCode, n.level, n.name, n.path,
                   (SELECT b.code FROM grid_copy b WHERE b.code = ANY (n.path) AND b.level = 'building' LIMIT 1) AS BuildingCode,
                   (SELECT g.code FROM grid_copy g WHERE g.code = ANY (n.path) AND g.level = 'grid' LIMIT 1) AS GridCode
                   , (SELECT c.code FROM grid_copy c WHERE c.code = ANY (n.path) AND c.level = 'community' LIMIT 1) AS CommunityCode
            FROM grid_copy n WHERE n.code = @code
            """;
        var row = await conn.QuerySingleOrDefaultAsync<NodeRow>(new CommandDefinition(sql, new { code }, cancellationToken: ct));
        if (row is null) return null;
        var placed = new PlacedNode(new GridCopyExtensions.CopiedNode
        {
            Code = row.Code, ParentCode = row.ParentCode, Level = row.Level, Name = row.Name, Path = row.Path,
        }, row.BuildingCode, row.GridCode, row.CommunityCode);
        if (_listening)
        {
            if (_nodes.Count >= MaxNodes) _nodes.Clear();
            _nodes[code] = placed;
            // An invalidation between the read and the store must win: re-check after storing.
            if (Interlocked.Read(ref _generation) != generation) _nodes.TryRemove(code, out _);
        }
        return placed;
    }

    private sealed record CategoryRow(string Code, string NameZh, bool Major, bool Active, string Attributes);

    /// <summary>A category of the catalogue by code, active or not; null when unknown.</summary>
    public async ValueTask<CatalogueEntry?> CategoryAsync(NpgsqlConnection conn, string code, CancellationToken ct)
    {
        var all = _categories;
        if (all is null)
        {
            var generation = Interlocked.Read(ref _generation);
            var rows = await conn.QueryAsync<CategoryRow>(new CommandDefinition(
                "SELECT code, name_zh AS NameZh, parent_code IS NULL AS Major, active, attributes::text AS Attributes FROM categories", cancellationToken: ct));
            all = rows.ToDictionary(r => r.Code, r => new CatalogueEntry(r.Code, r.NameZh, r.Major, r.Active,
                JsonSerializer.Deserialize<List<CategoryAttribute>>(r.Attributes, Outbox.Json) ?? []), StringComparer.Ordinal);
            if (_listening && Interlocked.Read(ref _generation) == generation)
            {
                _categories = all;
                if (Interlocked.Read(ref _generation) != generation) _categories = null;
            }
        }
        return all.GetValueOrDefault(code);
    }
}

/// <summary>
/// Listens for the reference tables' change notifications on a connection of its own and clears the
/// cache on each; on a lost connection it stops caching until it listens again.
/// </summary>
public sealed class ReferenceCacheListener(SessionDatabase session, ReferenceCache cache, ILogger<ReferenceCacheListener> logger) : BackgroundService
{
    public const string Channel = "intake_reference";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // LISTEN stays on its session: a connection of the pool that resets it.
                await using var conn = await session.Source.OpenConnectionAsync(stoppingToken);
                conn.Notification += (_, e) => cache.Invalidate(e.Payload.Length == 0 ? null : e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", conn)) await listen.ExecuteNonQueryAsync(stoppingToken);
                cache.SetListening(true);
                while (true) await conn.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException or IOException)
            {
                cache.SetListening(false);
                logger.LogWarning(e, "Lost the reference-data notifications; filing reads the tables until they are back");
                // Back off before reconnecting, so a database that is down is not hammered.
                try { await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken); }
                catch (OperationCanceledException) { break; }
            }
        }
        cache.SetListening(false);
    }
}
