using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using Dapper;
using GovPlatform.Contracts;
using MassTransit;
using Npgsql;

namespace GovPlatform.ServiceDefaults.Messaging;

/// <summary>
/// Writes events into the service's outbox table inside the caller's transaction, so the state
/// change and the events describing it commit or roll back together.
/// </summary>
/// <remarks>
/// Hand-written with Dapper because MassTransit's transactional outbox needs
/// MassTransit.EntityFrameworkCore, which this environment's package mirror does not have.
/// </remarks>
public static class Outbox
{
    /// <summary>The LISTEN/NOTIFY channel that wakes relays of other processes; Postgres delivers it only on commit.</summary>
    public const string Channel = "outbox";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
    };

    public static async Task<Guid> EnqueueAsync<T>(NpgsqlTransaction tx, T message, CancellationToken ct = default)
        where T : class
    {
        // Sequential ids keep the unique index on message_id append-only.
        var messageId = NewId.NextGuid();
        const string insert = """
            INSERT INTO outbox_messages (message_id, message_type, body, trace_parent)
            VALUES (@messageId, @messageType, @body::jsonb, @traceParent)
            """;
        // A relay of this process is woken when the transaction ends (OutboxWake), which spares the commit the
        // NOTIFY's cluster-wide lock; without one here, relays elsewhere still need the NOTIFY.
        const string insertAndNotify = $"{insert};\nSELECT pg_notify('{Channel}', '');";
        var sql = OutboxWake.Track(tx) ? insert : insertAndNotify;
        await tx.Connection!.ExecuteAsync(new CommandDefinition(sql, new
        {
            messageId,
            messageType = ContractTypes.NameOf(typeof(T)),
            body = JsonSerializer.Serialize(message, Json),
            // The relay publishes later, outside this request; it restores this context so the
            // trace started here continues through the broker into every consumer.
            traceParent = Activity.Current?.Id,
        }, tx, cancellationToken: ct));
        return messageId;
    }

    /// <summary>The statement that wakes other processes' relays; see <see cref="Row.Notify"/>.</summary>
    public const string NotifySql = $"SELECT pg_notify('{Channel}', '')";

    /// <summary>
    /// An outbox row's columns, for a writer that inserts it within a statement of its own (a data-modifying CTE beside
    /// the state change it describes saves a round trip). The insert must be in <see cref="Prepare{T}"/>'s transaction.
    /// </summary>
    /// <param name="Notify">
    /// True when no relay of this process serves the database: the transaction must then also run <see cref="NotifySql"/>,
    /// or relays elsewhere learn of the row only at their next poll.
    /// </param>
    public sealed record Row(Guid MessageId, string MessageType, string Body, string? TraceParent, bool Notify);

    /// <summary>The row for <paramref name="message"/>, written by the caller in <paramref name="tx"/>; see <see cref="Row"/>.</summary>
    public static Row Prepare<T>(NpgsqlTransaction tx, T message) where T : class =>
        // Sequential ids keep the unique index on message_id append-only.
        new(NewId.NextGuid(), ContractTypes.NameOf(typeof(T)), JsonSerializer.Serialize(message, Json),
            // The relay publishes later, outside this request; it restores this context so the
            // trace started here continues through the broker into every consumer.
            Activity.Current?.Id,
            // A relay of this process is woken when the transaction ends (OutboxWake), which spares the commit the
            // NOTIFY's cluster-wide lock; without one here, relays elsewhere still need the NOTIFY.
            Notify: !OutboxWake.Track(tx));
}

/// <summary>Maps outbox rows to message types; only types of the contracts project may be published.</summary>
public static class ContractTypes
{
    private static readonly System.Reflection.Assembly Contracts = typeof(RequestSubmitted).Assembly;

    public static string NameOf(Type type) =>
        type.Assembly == Contracts
            ? type.FullName!
            : throw new ArgumentException($"{type} is not a message contract: events must be declared in GovPlatform.Contracts.");

    public static Type Resolve(string name) =>
        Contracts.GetType(name, throwOnError: false)
        ?? throw new InvalidOperationException($"Unknown message type '{name}' in the outbox.");
}
