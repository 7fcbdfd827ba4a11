using Dapper;
using Npgsql;
using StackExchange.Redis;

namespace GovPlatform.Dispatch.Duty;

public sealed class DutyOptions
{
    /// <summary>A worker whose last heartbeat is older than this is off duty (the sweep records it; routing already skips them).</summary>
    public TimeSpan HeartbeatExpiry { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>How often lapsed heartbeats are looked for (real time: it only decides how soon a lapse is recorded).</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>What Redis says of one worker: duty, last heartbeat and open load; null parts were not in Redis.</summary>
public sealed record DutyEntry(bool? OnDuty, DateTimeOffset? LastHeartbeat, long? OpenLoad);

/// <summary>
/// The copy of on-duty status and open load that routing reads, kept in Redis. Postgres is the source of
/// truth (<c>workers.on_duty</c>, <c>workers.last_heartbeat_at</c>, open <c>work_orders</c>); the copy is
/// rebuilt from it whenever its marker key is missing (a fresh or flushed Redis, a first start).
/// Every write here follows the Postgres write it mirrors; a failed Redis call is logged and routing
/// falls back to Postgres, since the copy only ever narrows who may be picked.
/// </summary>
public sealed class DutyBoard(IConnectionMultiplexer redis, NpgsqlDataSource db, ILogger<DutyBoard> logger)
{
    // Keys carry the database name, so services on separate databases sharing one Redis never mix.
    private readonly string _prefix = $"dispatch:{new NpgsqlConnectionStringBuilder(db.ConnectionString).Database}:";
    private RedisKey DutyKey => _prefix + "duty";
    private RedisKey LoadKey => _prefix + "load";
    private RedisKey ReadyKey => _prefix + "ready";

    private IDatabase Redis => redis.GetDatabase();

    /// <summary>"off", "on" (by the roster, no heartbeat yet) or "on:&lt;unix ms of the last heartbeat&gt;".</summary>
    private static string DutyValue(bool onDuty, DateTimeOffset? lastHeartbeat) =>
        !onDuty ? "off" : lastHeartbeat is { } hb ? $"on:{hb.ToUnixTimeMilliseconds()}" : "on";

    private static (bool OnDuty, DateTimeOffset? LastHeartbeat) ParseDuty(string value) =>
        value == "off" ? (false, null)
        : value.StartsWith("on:", StringComparison.Ordinal) && long.TryParse(value.AsSpan(3), out var ms) ? (true, DateTimeOffset.FromUnixTimeMilliseconds(ms))
        : (true, null);

    /// <summary>Rebuilds the copy from Postgres when its marker is missing; false when Redis cannot be reached.</summary>
    public async Task<bool> EnsureBuiltAsync(CancellationToken ct)
    {
        try
        {
            if (await Redis.KeyExistsAsync(ReadyKey)) return true;
            await RebuildAsync(ct);
            return true;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            logger.LogWarning(e, "Redis is unreachable; routing reads duty and load from Postgres");
            return false;
        }
    }

    private async Task RebuildAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var workers = await conn.QueryAsync<(Guid Id, bool OnDuty, DateTime? LastHeartbeat, long Load)>(new CommandDefinition("""
            SELECT w.id, w.on_duty, w.last_heartbeat_at, coalesce(l.n, 0)
            FROM workers w
            LEFT JOIN (SELECT assignee_id, count(*) AS n FROM work_orders
                       WHERE assignee_id IS NOT NULL AND status NOT IN ('resolved', 'closed') GROUP BY assignee_id) l
                   ON l.assignee_id = w.id
            """, cancellationToken: ct));
        var r = Redis;
        foreach (var chunk in workers.Chunk(5_000))
        {
            await r.HashSetAsync(DutyKey, chunk.Select(w => new HashEntry(w.Id.ToString(),
                DutyValue(w.OnDuty, w.LastHeartbeat is { } hb ? new DateTimeOffset(hb, TimeSpan.Zero) : null))).ToArray());
            await r.HashSetAsync(LoadKey, chunk.Select(w => new HashEntry(w.Id.ToString(), w.Load)).ToArray());
        }
        await r.StringSetAsync(ReadyKey, DateTimeOffset.UtcNow.ToString("O"));
        logger.LogInformation("Rebuilt the duty and load copy in Redis from Postgres ({Workers} workers)", workers.Count());
    }

    /// <summary>What Redis holds for these workers, or null when Redis cannot be reached.</summary>
    public async Task<IReadOnlyDictionary<Guid, DutyEntry>?> ReadAsync(IReadOnlyList<Guid> ids, CancellationToken ct)
    {
        if (ids.Count == 0 || !await EnsureBuiltAsync(ct)) return ids.Count == 0 ? new Dictionary<Guid, DutyEntry>() : null;
        try
        {
            var fields = ids.Select(id => (RedisValue)id.ToString()).ToArray();
            var duty = await Redis.HashGetAsync(DutyKey, fields);
            var load = await Redis.HashGetAsync(LoadKey, fields);
            var result = new Dictionary<Guid, DutyEntry>();
            for (var i = 0; i < ids.Count; i++)
            {
                var parsed = duty[i].IsNull ? ((bool?)null, (DateTimeOffset?)null) : ParseDuty(duty[i]!);
                result[ids[i]] = new DutyEntry(parsed.Item1, parsed.Item2, load[i].IsNull ? null : (long)load[i]);
            }
            return result;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            logger.LogWarning(e, "Redis is unreachable; routing reads duty and load from Postgres");
            return null;
        }
    }

    public Task SetDutyAsync(Guid workerId, bool onDuty, DateTimeOffset? lastHeartbeat) =>
        Try(() => Redis.HashSetAsync(DutyKey, workerId.ToString(), DutyValue(onDuty, lastHeartbeat)));

    public Task AddLoadAsync(Guid workerId, long by) => Try(() => Redis.HashIncrementAsync(LoadKey, workerId.ToString(), by));

    public Task SetLoadsAsync(IEnumerable<(Guid WorkerId, long Load)> loads) =>
        Try(() => Redis.HashSetAsync(LoadKey, loads.Select(l => new HashEntry(l.WorkerId.ToString(), l.Load)).ToArray()));

    private async Task Try(Func<Task> write)
    {
        try
        {
            await write();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // The copy may now be stale; dropping the marker makes the next reader rebuild it from Postgres.
            logger.LogWarning(e, "A write to the duty copy in Redis failed; it will be rebuilt");
            try { await Redis.KeyDeleteAsync(ReadyKey); } catch (Exception again) when (again is RedisException or TimeoutException) { }
        }
    }
}
