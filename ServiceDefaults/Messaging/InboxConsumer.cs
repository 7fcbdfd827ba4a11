using System.Diagnostics;
using Dapper;
using MassTransit;
using Npgsql;

namespace GovPlatform.ServiceDefaults.Messaging;

/// <summary>
/// Base for consumers that change the service's database: the inbox row, the state change and
/// any outgoing events commit in one transaction, so a message delivered twice changes nothing
/// the second time, and a crash before commit leaves the message to be redelivered.
/// </summary>
public abstract class InboxConsumer<T>(NpgsqlDataSource db) : IConsumer<T> where T : class
{
    public async Task Consume(ConsumeContext<T> context)
    {
        var messageId = context.MessageId
            ?? throw new InvalidOperationException($"{typeof(T).Name} arrived without a MessageId, so it cannot be deduplicated.");
        var consumer = GetType().Name;
        using var activity = Telemetry.Messaging.StartActivity($"handle {typeof(T).Name}", ActivityKind.Consumer);
        activity?.SetTag("messaging.message.id", messageId);
        activity?.SetTag("govplatform.consumer", consumer);

        var ct = context.CancellationToken;
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // A concurrent duplicate blocks on this row until the first commits, then inserts nothing.
        var first = await conn.ExecuteAsync(new CommandDefinition(
            "INSERT INTO inbox_messages (message_id, consumer) VALUES (@messageId, @consumer) ON CONFLICT DO NOTHING",
            new { messageId, consumer }, tx, cancellationToken: ct)) == 1;
        if (first)
            await HandleAsync(context, tx);
        else
            activity?.SetTag("govplatform.duplicate", true);
        await tx.CommitAsync(ct);
    }

    /// <summary>Applies the message inside <paramref name="tx"/>; use <see cref="Outbox.EnqueueAsync{T}"/> for events.</summary>
    protected abstract Task HandleAsync(ConsumeContext<T> context, NpgsqlTransaction tx);
}
