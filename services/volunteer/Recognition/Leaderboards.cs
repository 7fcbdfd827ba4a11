using Dapper;
using GovPlatform.ServiceDefaults.Data;
using Npgsql;
using StackExchange.Redis;

namespace GovPlatform.Volunteer.Recognition;

/// <summary>
/// Leaderboards of points earned (awards and corrections; spending does not lower a rank) by
/// person, team, unit and grid, kept in Redis sorted sets and fed from the ledger.
/// </summary>
/// <remarks>
/// Each pass reads the ledger entries of transactions older than the oldest one still running
/// (<c>pg_snapshot_xmin</c>): those can never gain another row, so reading [checkpoint, horizon)
/// sees every entry exactly once, whatever order transactions commit in. The increments and the
/// new checkpoint go to Redis in one MULTI guarded by the old checkpoint, so two instances never
/// apply a range twice. With no checkpoint (Redis empty or flushed) a pass starts from zero:
/// the boards are rebuilt from the whole ledger. Teams, units and grids are those the person
/// belongs to when the entry is read.
/// </remarks>
public sealed class Leaderboards(NpgsqlDataSource db, IConnectionMultiplexer redis, DatabaseSettings settings)
{
    public static readonly string[] Boards = ["person", "team", "unit", "grid"];

    // Keys carry the database name: several deployments (and test stacks) may share one Redis.
    private readonly string _prefix = $"volunteer:{new NpgsqlConnectionStringBuilder(settings.ConnectionString).Database}:leaderboard:";

    public RedisKey Key(string board) => _prefix + board;
    public RedisKey Checkpoint => _prefix + "checkpoint";

    public sealed record Score(string Member, long Points);
    private sealed record Row(string Board, string Member, long Points);

    private const string Earned = """
        WITH e AS (
            SELECT e.volunteer_id, p.amount AS points
            FROM ledger_entries e JOIN ledger_postings p ON p.entry_id = e.id AND p.account = 'volunteer:' || e.volunteer_id
            WHERE e.kind IN ('award', 'correction') AND e.tx_id >= @from::xid8 AND e.tx_id < @to::xid8
        )
        SELECT 'person' AS Board, volunteer_id::text AS Member, sum(points)::bigint AS Points FROM e GROUP BY volunteer_id
        UNION ALL
        SELECT 'grid', v.grid_code, sum(e.points)::bigint FROM e JOIN volunteers v ON v.id = e.volunteer_id GROUP BY v.grid_code
        UNION ALL
        SELECT 'unit', r.unit_id::text, sum(e.points)::bigint FROM e JOIN party_member_reports r ON r.volunteer_id = e.volunteer_id GROUP BY r.unit_id
        UNION ALL
        SELECT 'team', m.team_id::text, sum(e.points)::bigint FROM e JOIN team_members m ON m.volunteer_id = e.volunteer_id GROUP BY m.team_id
        """;

    private const string Horizon = "SELECT pg_snapshot_xmin(pg_current_snapshot())::text";

    /// <summary>Applies the ledger entries not yet on the boards; returns how many board lines changed (0 when another instance won).</summary>
    public async Task<int> CatchUpAsync(CancellationToken ct)
    {
        var redisDb = redis.GetDatabase();
        var checkpoint = (string?)await redisDb.StringGetAsync(Checkpoint);
        await using var conn = await db.OpenConnectionAsync(ct);
        var horizon = await conn.ExecuteScalarAsync<string>(new CommandDefinition(Horizon, cancellationToken: ct));
        if (checkpoint is not null && ulong.Parse(horizon!) <= ulong.Parse(checkpoint)) return 0;
        var rows = (await conn.QueryAsync<Row>(new CommandDefinition(Earned, new { from = checkpoint ?? "0", to = horizon }, cancellationToken: ct))).AsList();

        var tran = redisDb.CreateTransaction();
        tran.AddCondition(checkpoint is null ? Condition.KeyNotExists(Checkpoint) : Condition.StringEqual(Checkpoint, checkpoint));
        if (checkpoint is null) _ = tran.KeyDeleteAsync(Boards.Select(Key).ToArray());
        foreach (var row in rows) _ = tran.SortedSetIncrementAsync(Key(row.Board), row.Member, row.Points);
        _ = tran.StringSetAsync(Checkpoint, horizon);
        return await tran.ExecuteAsync() ? rows.Count : 0;
    }

    /// <summary>Forgets the boards so the next pass rebuilds them from the whole ledger.</summary>
    public async Task ResetAsync() =>
        await redis.GetDatabase().KeyDeleteAsync([.. Boards.Select(Key), Checkpoint]);

    public async Task<IReadOnlyList<Score>> TopAsync(string board, int top, CancellationToken ct)
    {
        try
        {
            await CatchUpAsync(ct);
            var entries = await redis.GetDatabase().SortedSetRangeByRankWithScoresAsync(Key(board), 0, top - 1, Order.Descending);
            return entries.Select(e => new Score(e.Element!, (long)e.Score)).ToList();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Redis holds derived data only: without it, the same figures come from the ledger, just slower.
            await using var conn = await db.OpenConnectionAsync(ct);
            var horizon = await conn.ExecuteScalarAsync<string>(new CommandDefinition(Horizon, cancellationToken: ct));
            var rows = await conn.QueryAsync<Row>(new CommandDefinition(Earned, new { from = "0", to = horizon }, cancellationToken: ct));
            return rows.Where(r => r.Board == board).OrderByDescending(r => r.Points).ThenByDescending(r => r.Member, StringComparer.Ordinal)
                .Take(top).Select(r => new Score(r.Member, r.Points)).ToList();
        }
    }
}

/// <summary>Keeps the boards current between reads.</summary>
public sealed class LeaderboardProjector(Leaderboards boards, IConfiguration config, ILogger<LeaderboardProjector> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(config.GetValue("Volunteer:LeaderboardInterval", TimeSpan.FromSeconds(5)));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try { await boards.CatchUpAsync(stoppingToken); }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Leaderboard catch-up failed; the next tick retries");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
