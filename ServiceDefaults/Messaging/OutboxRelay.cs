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
    /// <summary>Safety net for a missed notification (e.g. rows written while no relay ran); NOTIFY is the hot path.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>After this many failed publishes a row is parked (kept, logged, visible) instead of retried forever.</summary>
    public int MaxAttempts { get; set; } = 20;
}

/// <summary>
/// Publishes committed outbox rows to RabbitMQ with publisher confirms, then marks them published.
/// </summary>
/// <remarks>
/// Wakes on the NOTIFY sent by <see cref="Outbox.EnqueueAsync{T}"/> at commit, so there is no
/// polling delay on the hot path. Several instances can run: each claims a batch with
/// <c>FOR UPDATE SKIP LOCKED</c>, so no row is published by two relays at once. A crash between
/// the broker's confirm and the commit republishes that batch with the same message ids, which
/// consumers' inboxes absorb: delivery is at least once, effects exactly once.
/// </remarks>
public sealed class OutboxRelay(NpgsqlDataSource db, IBus bus, OutboxOptions options, ILogger<OutboxRelay> logger)
    : BackgroundService
{
    private record Row(long Id, Guid MessageId, string MessageType, string Body, string? TraceParent);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.RelayEnabled)
        {
            logger.LogWarning("Outbox relay is disabled: events stay in the outbox until a relay runs");
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var listener = await db.OpenConnectionAsync(stoppingToken);
                await listener.ExecuteAsync($"LISTEN {Outbox.Channel}");
                while (!stoppingToken.IsCancellationRequested)
                {
                    while (await PublishBatchAsync(stoppingToken) == options.BatchSize)
                    {
                        // A full batch means more may be waiting: drain before sleeping.
                    }
                    await listener.WaitAsync(options.PollInterval, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Outbox relay failed; retrying in {Delay}", options.RetryDelay);
                try { await Task.Delay(options.RetryDelay, stoppingToken); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    /// <summary>Publishes one batch; returns how many rows it claimed.</summary>
    public async Task<int> PublishBatchAsync(CancellationToken ct)
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
        if (rows.Count == 0) return 0;

        // Publish the batch concurrently so broker confirms overlap; consumers never rely on order.
        var results = await Task.WhenAll(rows.Select(row => TryPublishAsync(row, ct)));
        var published = rows.Where((_, i) => results[i] is null).Select(r => r.Id).ToArray();
        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE outbox_messages SET published_at = now(), attempts = attempts + 1 WHERE id = ANY(@published)",
            new { published }, tx, cancellationToken: ct));
        foreach (var (row, error) in rows.Zip(results).Where(p => p.Second is not null))
        {
            var attempts = await conn.ExecuteScalarAsync<int>(new CommandDefinition(
                "UPDATE outbox_messages SET attempts = attempts + 1, last_error = @error WHERE id = @Id RETURNING attempts",
                new { row.Id, error }, tx, cancellationToken: ct));
            if (attempts >= options.MaxAttempts)
                logger.LogCritical("Outbox message {MessageId} ({Type}) parked after {Attempts} failed publishes: {Error}",
                    row.MessageId, row.MessageType, attempts, error);
        }
        await tx.CommitAsync(ct);
        return rows.Count;
    }

    private async Task<string?> TryPublishAsync(Row row, CancellationToken ct)
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
            logger.LogWarning(e, "Publishing outbox message {MessageId} failed", row.MessageId);
            return e.Message;
        }
    }
}
