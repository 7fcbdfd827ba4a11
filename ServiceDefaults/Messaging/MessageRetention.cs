using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GovPlatform.ServiceDefaults.Messaging;

/// <summary>
/// Deletes published outbox rows and old inbox rows on a schedule (<see cref="RetentionOptions"/>), so the two
/// tables every transaction writes stay small.
/// </summary>
/// <remarks>
/// Off the hot path: one instance sweeps at a time (the others skip that round), each batch is one short
/// statement found through an index on the age column (platform migration V0002), and rows another transaction
/// holds are skipped rather than waited for.
/// </remarks>
public sealed class MessageRetention(
    NpgsqlDataSource dataSource, IOptions<RetentionOptions> options, TimeProvider time, ILogger<MessageRetention> logger)
    : BackgroundService
{
    // Same for every instance of a service; advisory locks are per database, so services do not share it.
    public const long SweepLockKey = 0x60_76_50_1A_7F_00_00_02;

    private const string DeletePublishedOutbox = """
        DELETE FROM outbox_messages WHERE id IN (
            SELECT id FROM outbox_messages
            WHERE published_at < @cutoff
            ORDER BY published_at
            LIMIT @batch
            FOR UPDATE SKIP LOCKED)
        """;

    private const string DeleteOldInbox = """
        DELETE FROM inbox_messages WHERE (message_id, consumer) IN (
            SELECT message_id, consumer FROM inbox_messages
            WHERE received_at < @cutoff
            ORDER BY received_at
            LIMIT @batch
            FOR UPDATE SKIP LOCKED)
        """;

    public sealed record Swept(long Outbox, long Inbox, bool Skipped);

    /// <summary>One sweep now; <see cref="Swept.Skipped"/> when another instance is sweeping.</summary>
    public async Task<Swept> SweepAsync(CancellationToken ct)
    {
        var o = options.Value;
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        if (!await conn.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT pg_try_advisory_lock(@SweepLockKey)", new { SweepLockKey }, cancellationToken: ct)))
            return new Swept(0, 0, Skipped: true);
        try
        {
            var now = time.GetUtcNow();
            var outbox = await DeleteInBatchesAsync(conn, DeletePublishedOutbox, now - o.OutboxPublishedAge, o.BatchSize, ct);
            var inbox = await DeleteInBatchesAsync(conn, DeleteOldInbox, now - o.InboxAge, o.BatchSize, ct);
            if (outbox + inbox > 0)
                logger.LogInformation("Retention deleted {Outbox} published outbox rows and {Inbox} inbox rows", outbox, inbox);
            return new Swept(outbox, inbox, Skipped: false);
        }
        finally
        {
            await conn.ExecuteAsync("SELECT pg_advisory_unlock(@SweepLockKey)", new { SweepLockKey });
        }
    }

    private static async Task<long> DeleteInBatchesAsync(NpgsqlConnection conn, string sql, DateTimeOffset cutoff, int batch, CancellationToken ct)
    {
        long total = 0;
        int deleted;
        do
        {
            deleted = await conn.ExecuteAsync(new CommandDefinition(sql, new { cutoff, batch }, cancellationToken: ct));
            total += deleted;
        } while (deleted == batch);
        return total;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (!o.Enabled) return;
        using var timer = new PeriodicTimer(o.Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                // The next round tries again; nothing is lost by deleting later.
                logger.LogWarning(e, "Retention sweep failed");
            }
        }
    }
}
