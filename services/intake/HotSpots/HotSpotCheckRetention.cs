using Dapper;
using GovPlatform.ServiceDefaults;
using Npgsql;

namespace GovPlatform.Intake.HotSpots;

/// <summary>
/// Deletes the rows of <c>hot_spot_checks</c> older than <see cref="HotSpotOptions.CheckRetention"/> (the detection
/// window plus a margin), so the table holds weeks of requests rather than every request ever filed. Why older checks
/// are not needed: HotSpotDetectionConsumer's remarks.
/// </summary>
/// <remarks>
/// Off the hot path: each batch is one short statement that starts from the oldest row (index V0023) and skips rows
/// another transaction holds; instances sweeping at the same time share the work instead of waiting on each other.
/// The age is the database's clock, the one that wrote <c>checked_at</c>.
/// </remarks>
public sealed class HotSpotCheckRetention(NpgsqlDataSource db, IntakeOptions options, ILogger<HotSpotCheckRetention> logger) : BackgroundService
{
    /// <summary>Deletes every check older than the retention, a batch per statement; returns how many went.</summary>
    public static async Task<long> SweepAsync(NpgsqlDataSource db, HotSpotOptions options, CancellationToken ct)
    {
        const string delete = """
            DELETE FROM hot_spot_checks WHERE request_id IN (
                SELECT request_id FROM hot_spot_checks
                WHERE checked_at < now() - @retention
                ORDER BY checked_at
                LIMIT @batch
                FOR UPDATE SKIP LOCKED)
            """;
        await using var conn = await db.OpenConnectionAsync(ct);
        long total = 0;
        int deleted;
        do
        {
            deleted = await conn.ExecuteAsync(new CommandDefinition(delete,
                new { retention = options.CheckRetention, batch = options.CheckRetentionBatch }, cancellationToken: ct));
            total += deleted;
        } while (deleted == options.CheckRetentionBatch);
        return total;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.HotSpots.CheckRetentionInterval);
        do
        {
            try
            {
                var deleted = await SweepAsync(db, options.HotSpots, stoppingToken);
                if (deleted > 0) logger.LogInformation("Deleted {Count} hot-spot checks past the detection window", deleted);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                // Nothing depends on the rows going now: the next round deletes them.
                logger.LogWarning(e, "The hot-spot check sweep failed; it runs again at the next interval");
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        } while (await timer.NextTickAsync(stoppingToken));
    }
}
