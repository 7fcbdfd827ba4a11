using Dapper;
using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults.Messaging;
using Npgsql;

namespace GovPlatform.Dispatch.Duty;

public sealed record DutyStatus(Guid WorkerId, string NodeCode, string Role, bool OnDuty, DateTimeOffset? LastHeartbeatAt, DateTimeOffset? HeartbeatDueBy);

/// <summary>
/// Records duty changes in Postgres (with <see cref="WorkerDutyChanged"/> through the outbox whenever duty
/// flips), then mirrors them into the Redis copy routing reads.
/// </summary>
public sealed class DutyDesk(NpgsqlDataSource db, DutyBoard board, DutyOptions options, TimeProvider clock)
{
    private sealed record Changed
    {
        public Guid Id { get; init; }
        public required string NodeCode { get; init; }
        public required string Role { get; init; }
        public bool WasOnDuty { get; init; }
        public bool OnDuty { get; init; }
        public DateTime? LastHeartbeatAt { get; init; }
    }

    /// <summary>A heartbeat puts its sender on duty and restarts their expiry; null when no such worker.</summary>
    public Task<DutyStatus?> HeartbeatAsync(Guid workerId, CancellationToken ct) => SetAsync(workerId, onDuty: true, heartbeat: true, ct);

    /// <summary>
    /// Sets duty by hand. A worker switching themselves on starts heartbeat monitoring; someone else
    /// (an admin, their leader) switching them on vouches for them, so no heartbeat is expected until they send one.
    /// </summary>
    public Task<DutyStatus?> SetDutyAsync(Guid workerId, bool onDuty, bool bySelf, CancellationToken ct) =>
        SetAsync(workerId, onDuty, heartbeat: onDuty && bySelf, ct);

    private async Task<DutyStatus?> SetAsync(Guid workerId, bool onDuty, bool heartbeat, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        const string sql = """
            UPDATE workers w
            SET on_duty = @onDuty,
                last_heartbeat_at = CASE WHEN @heartbeat THEN @now WHEN @onDuty THEN NULL ELSE w.last_heartbeat_at END
            FROM (SELECT id, on_duty FROM workers WHERE id = @workerId FOR UPDATE) old
            WHERE w.id = old.id
            RETURNING w.id, w.node_code AS NodeCode, w.role, old.on_duty AS WasOnDuty, w.on_duty AS OnDuty, w.last_heartbeat_at AS LastHeartbeatAt
            """;
        var row = await conn.QuerySingleOrDefaultAsync<Changed>(new CommandDefinition(sql, new { workerId, onDuty, heartbeat, now }, tx, cancellationToken: ct));
        if (row is null) return null;
        if (row.WasOnDuty != row.OnDuty)
            await Outbox.EnqueueAsync(tx, new WorkerDutyChanged(row.Id, row.NodeCode, row.Role, row.OnDuty, now), ct);
        await tx.CommitAsync(ct);

        DateTimeOffset? last = row.LastHeartbeatAt is { } hb ? new DateTimeOffset(hb, TimeSpan.Zero) : null;
        await board.SetDutyAsync(row.Id, row.OnDuty, last);
        return new DutyStatus(row.Id, row.NodeCode, row.Role, row.OnDuty, last, row.OnDuty ? last + options.HeartbeatExpiry : null);
    }

    private sealed record Unpublished
    {
        public Guid Id { get; init; }
        public required string NodeCode { get; init; }
        public required string Role { get; init; }
        public DateTime CreatedAt { get; init; }
    }

    /// <summary>
    /// Publishes the roster entry of workers imported before <see cref="WorkerRostered"/> existed, once, in batches
    /// claimed with SKIP LOCKED: on duty from the moment they were created (the roster's default; any flip since was
    /// published as it happened), so reporting counts their grid as covered. Returns how many were published.
    /// </summary>
    public async Task<int> PublishUnpublishedRosterAsync(int batchSize, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        const string sql = """
            UPDATE workers w SET roster_published = true
            FROM (SELECT id FROM workers WHERE NOT roster_published ORDER BY id LIMIT @batchSize FOR UPDATE SKIP LOCKED) u
            WHERE w.id = u.id
            RETURNING w.id, w.node_code AS NodeCode, w.role, w.created_at AS CreatedAt
            """;
        var rows = (await conn.QueryAsync<Unpublished>(new CommandDefinition(sql, new { batchSize }, tx, cancellationToken: ct))).AsList();
        foreach (var r in rows)
            await Outbox.EnqueueAsync(tx, new WorkerRostered(r.Id, r.NodeCode, r.Role, true, new DateTimeOffset(DateTime.SpecifyKind(r.CreatedAt, DateTimeKind.Utc))), ct);
        await tx.CommitAsync(ct);
        return rows.Count;
    }

    /// <summary>
    /// Takes off duty everyone whose heartbeat lapsed, in batches claimed with SKIP LOCKED so several
    /// instances can sweep side by side; returns how many flipped.
    /// </summary>
    public async Task<int> SweepLapsedAsync(int batchSize, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var cutoff = now - options.HeartbeatExpiry;
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        const string sql = """
            UPDATE workers w SET on_duty = false
            FROM (SELECT id FROM workers
                  WHERE on_duty AND last_heartbeat_at < @cutoff
                  ORDER BY id LIMIT @batchSize FOR UPDATE SKIP LOCKED) lapsed
            WHERE w.id = lapsed.id
            RETURNING w.id, w.node_code AS NodeCode, w.role, true AS WasOnDuty, false AS OnDuty, w.last_heartbeat_at AS LastHeartbeatAt
            """;
        var rows = (await conn.QueryAsync<Changed>(new CommandDefinition(sql, new { cutoff, batchSize }, tx, cancellationToken: ct))).AsList();
        foreach (var r in rows)
            await Outbox.EnqueueAsync(tx, new WorkerDutyChanged(r.Id, r.NodeCode, r.Role, false, now), ct);
        await tx.CommitAsync(ct);
        foreach (var r in rows)
            await board.SetDutyAsync(r.Id, false, null);
        return rows.Count;
    }
}

/// <summary>Builds the Redis copy at start-up, then records lapsed heartbeats; "now" is the injected <see cref="TimeProvider"/>.</summary>
public sealed class DutySweeper(DutyBoard board, DutyDesk desk, DutyOptions options, ILogger<DutySweeper> logger) : BackgroundService
{
    private const int BatchSize = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await board.EnsureBuiltAsync(stoppingToken);
        try
        {
            while (await desk.PublishUnpublishedRosterAsync(BatchSize, stoppingToken) == BatchSize) { }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Coverage figures wait for the next start (or import); duty itself is unaffected.
            logger.LogError(e, "Publishing the roster of workers imported earlier failed");
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await desk.SweepLapsedAsync(BatchSize, stoppingToken) == BatchSize) { }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Sweeping lapsed heartbeats failed; trying again next round");
            }
            try
            {
                await Task.Delay(options.SweepInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
