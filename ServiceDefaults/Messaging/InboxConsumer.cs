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
/// <remarks>
/// A handler whose effect is already keyed by the fact it records (a unique key it inserts under with
/// <c>ON CONFLICT DO NOTHING</c> and returns on, a row it takes with <c>DELETE … RETURNING</c>, a column only ever set
/// from null) declares <see cref="IdempotentByItself"/>: it still runs in one transaction, but writes no inbox row.
/// The row would add nothing to its guarantee and costs an insert with two index entries, its deletion by retention
/// later, and, for a delivery that finds nothing to do, turns a read-only transaction into one that waits for a WAL flush.
/// </remarks>
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
        _handling = activity;

        var ct = context.CancellationToken;
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // A concurrent duplicate blocks on this row until the first commits, then inserts nothing.
        var first = IdempotentByItself || await conn.ExecuteAsync(new CommandDefinition(
            "INSERT INTO inbox_messages (message_id, consumer) VALUES (@messageId, @consumer) ON CONFLICT DO NOTHING",
            new { messageId, consumer }, tx, cancellationToken: ct)) == 1;
        if (first)
            await HandleAsync(context, tx);
        else
            activity?.SetTag("govplatform.duplicate", true);
        await tx.CommitAsync(ct);
        if (first) Committed();
    }

    /// <summary>Runs after the transaction of a delivery that was applied committed (a wake for a worker of this process, say).</summary>
    protected virtual void Committed() { }

    /// <summary>
    /// True when applying the same message twice (or the same fact under two message ids) changes nothing by the
    /// handler's own keys, so no inbox row is needed; every override says which key makes it so.
    /// </summary>
    protected virtual bool IdempotentByItself => false;

    // MassTransit makes a consumer per message (scoped), so the span belongs to this delivery.
    private Activity? _handling;

    /// <summary>
    /// For a handler <see cref="IdempotentByItself"/>: notes on the delivery's span that it changed nothing because
    /// its fact was already recorded, as the inbox notes a message it has seen.
    /// </summary>
    protected void NoteDuplicate() => _handling?.SetTag("govplatform.duplicate", true);

    /// <summary>Applies the message inside <paramref name="tx"/>; use <see cref="Outbox.EnqueueAsync{T}"/> for events.</summary>
    protected abstract Task HandleAsync(ConsumeContext<T> context, NpgsqlTransaction tx);
}
