using System.Diagnostics;
using System.Text.Json;
using Dapper;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace GovPlatform.ServiceDefaults.Messaging;

public sealed class OutboxOptions
{
    /// <summary>Turned off only by tests that need a service to stop between commit and publish.</summary>
    public bool RelayEnabled { get; set; } = true;
    public int BatchSize { get; set; } = 200;
    /// <summary>Safety net for a missed wake (e.g. rows written while no relay ran, or by an instance that died); wakes are the hot path.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>The longest wait between attempts while PostgreSQL or RabbitMQ is unreachable; waits start at 0.5 s and double up to it.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(5);
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>
    /// After this many failed publishes a row is parked (kept, logged, visible) instead of retried forever. Only
    /// failures of the row itself count (it no longer deserializes, its type is unknown): while the broker is
    /// unreachable nothing is counted, or an outage of a few minutes would park every event written meanwhile.
    /// </summary>
    public int MaxAttempts { get; set; } = 20;
}

/// <summary>
/// Publishes committed outbox rows to RabbitMQ with publisher confirms, then marks them published.
/// </summary>
/// <remarks>
/// Wakes as soon as a transaction of this process that wrote outbox rows ends (<see cref="OutboxWake"/>), or on the
/// NOTIFY a writer without a relay of its own sends at commit, so there is no polling delay on the hot path.
/// Several instances can run: each claims a batch with <c>FOR UPDATE SKIP LOCKED</c>, so no row is published by two
/// relays at once. A crash between
/// the broker's confirm and the commit republishes that batch with the same message ids, which
/// consumers' inboxes absorb: delivery is at least once, effects exactly once.
/// <para>
/// While PostgreSQL or RabbitMQ is unreachable the relay waits with exponential back-off and jitter
/// (0.5 s doubling to <see cref="OutboxOptions.RetryDelay"/>) instead of retrying on a fixed beat, and
/// does not claim rows while the bus is down, so an outage costs neither a connection storm nor events.
/// </para>
/// </remarks>
public sealed class OutboxRelay(NpgsqlDataSource db, Data.SessionDatabase session, IBusControl bus, OutboxOptions options, ILogger<OutboxRelay> logger)
    : BackgroundService
{
    private record Row(long Id, Guid MessageId, string MessageType, string Body, string? TraceParent);

    /// <summary>A publish that failed because the broker did not take it, not because of the row: it is not counted.</summary>
    private sealed record Failure(string Error, bool Transient);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.RelayEnabled)
        {
            logger.LogWarning("Outbox relay is disabled: events stay in the outbox until a relay runs");
            return;
        }

        var backoff = new Backoff(TimeSpan.FromMilliseconds(500), options.RetryDelay);
        // Woken by this process's writers when their transactions end, and by other processes' NOTIFYs.
        using var wake = new SemaphoreSlim(0, 1);
        using var registration = OutboxWake.Register(db, wake);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // LISTEN stays on its session: a connection of the pool that resets it (SessionDatabase).
                await using var listener = await session.Source.OpenConnectionAsync(stoppingToken);
                await listener.ExecuteAsync($"LISTEN {Outbox.Channel}");
                using var listening = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var listen = ListenAsync(listener, wake, listening.Token);
                try
                {
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        // A listener that lost PostgreSQL ends this round like any other failure.
                        if (listen.IsCompleted) await listen;
                        if (bus.CheckHealth().Status != BusHealthStatus.Healthy)
                        {
                            // Nothing can be published: wait for the bus (MassTransit reconnects it) rather than claim
                            // rows on every wake only to fail them.
                            if (!await backoff.WaitAsync(stoppingToken)) return;
                            continue;
                        }
                        int claimed, failed;
                        do
                        {
                            (claimed, failed) = await PublishClaimedAsync(stoppingToken);
                            // A full batch means more may be waiting: drain before sleeping, unless the broker refused.
                        } while (claimed == options.BatchSize && failed == 0);
                        if (failed > 0)
                        {
                            if (!await backoff.WaitAsync(stoppingToken)) return;
                            continue;
                        }
                        backoff.Reset();
                        await wake.WaitAsync(options.PollInterval, stoppingToken);
                    }
                }
                finally
                {
                    // The listener stops before its connection is closed under it.
                    await listening.CancelAsync();
                    try { await listen; }
                    catch (Exception) { /* cancelled, or already reported through the loop */ }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                var delay = backoff.Next();
                // One line per failure without the stack: during an outage this repeats every few seconds.
                logger.LogWarning("Outbox relay lost PostgreSQL ({Error}); retrying in {Delay}", e.GetType().Name, delay);
                try { await Task.Delay(delay, stoppingToken); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    /// <summary>Turns every NOTIFY on the listener's connection into a wake of the relay's loop.</summary>
    private static async Task ListenAsync(NpgsqlConnection listener, SemaphoreSlim wake, CancellationToken ct)
    {
        await Task.Yield();
        while (!ct.IsCancellationRequested)
        {
            await listener.WaitAsync(ct);
            if (wake.CurrentCount == 0) try { wake.Release(); } catch (SemaphoreFullException) { }
        }
    }

    /// <summary>Publishes one batch; returns how many rows it claimed.</summary>
    public async Task<int> PublishBatchAsync(CancellationToken ct) => (await PublishClaimedAsync(ct)).Claimed;

    private async Task<(int Claimed, int Failed)> PublishClaimedAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        const string claim = """
            SELECT id, message_id AS MessageId, message_type AS MessageType, body::text AS Body, trace_parent AS TraceParent
            FROM outbox_messages
            WHERE published_at IS NULL AND attempts < @MaxAttempts
            ORDER BY id
            LIMIT @BatchSize
            FOR UPDATE SKIP LOCKED
            """;
        var rows = (await conn.QueryAsync<Row>(new CommandDefinition(claim, new { options.MaxAttempts, options.BatchSize }, tx, cancellationToken: ct))).AsList();
        if (rows.Count == 0) return (0, 0);

        // Publish the batch concurrently so broker confirms overlap; consumers never rely on order.
        var results = await Task.WhenAll(rows.Select(row => TryPublishAsync(row, ct)));
        var published = rows.Where((_, i) => results[i] is null).Select(r => r.Id).ToArray();
        // The marks need not wait for the WAL flush: a mark lost in a crash only republishes its rows under the same
        // message ids, which the consumers' inboxes absorb, as after a crash between the broker's confirm and the commit.
        const string mark = """
            SET LOCAL synchronous_commit = off;
            UPDATE outbox_messages SET published_at = now(), attempts = attempts + 1 WHERE id = ANY(@published);
            """;
        await conn.ExecuteAsync(new CommandDefinition(mark, new { published }, tx, cancellationToken: ct));
        foreach (var (row, failure) in rows.Zip(results).Where(p => p.Second is not null))
        {
            var attempts = await conn.ExecuteScalarAsync<int>(new CommandDefinition(
                "UPDATE outbox_messages SET attempts = attempts + @counted, last_error = @Error WHERE id = @Id RETURNING attempts",
                new { row.Id, failure!.Error, counted = failure.Transient ? 0 : 1 }, tx, cancellationToken: ct));
            if (attempts >= options.MaxAttempts)
                logger.LogCritical("Outbox message {MessageId} ({Type}) parked after {Attempts} failed publishes: {Error}",
                    row.MessageId, row.MessageType, attempts, failure.Error);
        }
        await tx.CommitAsync(ct);
        return (rows.Count, rows.Count - published.Length);
    }

    private async Task<Failure?> TryPublishAsync(Row row, CancellationToken ct)
    {
        try
        {
            var type = ContractTypes.Resolve(row.MessageType);
            var message = JsonSerializer.Deserialize(row.Body, type, Outbox.Json)
                ?? throw new InvalidOperationException("Outbox body deserialized to null.");
            ActivityContext.TryParse(row.TraceParent, null, out var parent);
            using var activity = Telemetry.Messaging.StartActivity($"outbox publish {type.Name}", ActivityKind.Producer, parent);
            activity?.SetTag("messaging.message.id", row.MessageId);

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.PublishTimeout);
            // With publisher confirms on, this completes only once the broker has the message.
            await bus.Publish(message, type, ctx => ctx.MessageId = row.MessageId, timeout.Token);
            return null;
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // A row that cannot be turned into its message fails the same way every time; anything else is the
            // broker (unreachable, a timed-out confirm) and is retried without counting.
            var ofTheRow = e is JsonException or InvalidOperationException or NotSupportedException or ArgumentException;
            if (ofTheRow) logger.LogWarning(e, "Publishing outbox message {MessageId} failed", row.MessageId);
            else logger.LogDebug("Publishing outbox message {MessageId} failed: {Error}", row.MessageId, e.GetType().Name);
            return new Failure(e.Message, Transient: !ofTheRow);
        }
    }
}
