using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace GovPlatform.ServiceDefaults.Messaging;

/// <summary>
/// The service's own small AMQP connection beside MassTransit's, for what MassTransit does not do on a
/// RabbitMQ without plugins: declaring the delay queues of <see cref="TtlRedelivery"/>, counting error
/// queues, and listing and replaying what sits in them. Opened on first use and opened again after a
/// failure, at most once per back-off step, so a broker that is down is not hammered.
/// </summary>
public sealed class BrokerAdmin(MessagingSettings settings, ILogger<BrokerAdmin> logger) : IAsyncDisposable
{
    /// <summary>MassTransit's header for how often a message was redelivered; delay queues keep it counting.</summary>
    public const string RedeliveryCountHeader = "MT-Redelivery-Count";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<string, bool> _declared = new(StringComparer.Ordinal);
    private readonly Backoff _backoff = Backoff.Reconnect();
    private IConnection? _connection;
    private DateTime _nextAttempt = DateTime.MinValue;

    /// <summary>The service's input queues, as MassTransit reports them ready.</summary>
    public ConcurrentDictionary<string, bool> InputQueues { get; } = new(StringComparer.Ordinal);

    public static string ErrorQueue(string inputQueue) => inputQueue + "_error";

    /// <summary>The queue a message waits in for <paramref name="delay"/> before it returns to <paramref name="inputQueue"/>.</summary>
    public static string DelayQueue(string inputQueue, TimeSpan delay) => $"{inputQueue}_delay_{(long)delay.TotalMilliseconds}ms";

    private async Task<IChannel> ChannelAsync(bool confirms, CancellationToken ct)
    {
        var connection = _connection;
        if (connection is not { IsOpen: true })
        {
            await _gate.WaitAsync(ct);
            try
            {
                connection = _connection;
                if (connection is not { IsOpen: true })
                {
                    if (DateTime.UtcNow < _nextAttempt)
                        throw new BrokerUnreachableException(new IOException("RabbitMQ was unreachable a moment ago; the next attempt waits for its back-off"));
                    if (connection is not null) await DisposeQuietlyAsync(connection);
                    _connection = null;
                    try
                    {
                        var factory = new ConnectionFactory
                        {
                            Uri = settings.Uri,
                            ClientProvidedName = $"{settings.ServiceName}-admin",
                            // Reconnection is ours (with back-off, on demand); the client's own would retry every 5 s forever.
                            AutomaticRecoveryEnabled = false,
                            RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
                        };
                        connection = await factory.CreateConnectionAsync(ct);
                        _connection = connection;
                        _backoff.Reset();
                        _declared.Clear();
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        _nextAttempt = DateTime.UtcNow + _backoff.Next();
                        logger.LogWarning("RabbitMQ admin connection failed ({Error}); next attempt after {Next:O}", e.GetType().Name, _nextAttempt);
                        throw;
                    }
                }
            }
            finally
            {
                _gate.Release();
            }
        }
        return await connection.CreateChannelAsync(new CreateChannelOptions(confirms, confirms), ct);
    }

    /// <summary>Messages waiting in a queue; 0 when the queue does not exist (nothing ever failed there).</summary>
    public async Task<long> CountAsync(string queue, CancellationToken ct)
    {
        await using var channel = await ChannelAsync(false, ct);
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue, ct)).MessageCount;
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            return 0;
        }
    }

    /// <summary>Message counts of every input queue's error queue.</summary>
    public async Task<IReadOnlyDictionary<string, long>> ErrorCountsAsync(CancellationToken ct)
    {
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var queue in InputQueues.Keys) counts[ErrorQueue(queue)] = await CountAsync(ErrorQueue(queue), ct);
        return counts;
    }

    /// <summary>
    /// Puts a message consumed from <paramref name="inputQueue"/> into the delay queue that returns it
    /// there after <paramref name="delay"/>, with its redelivery count raised by one.
    /// </summary>
    public async Task DelayAsync(string inputQueue, TimeSpan delay, IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body,
        CancellationToken ct)
    {
        var delayQueue = DelayQueue(inputQueue, delay);
        await using var channel = await ChannelAsync(true, ct);
        if (!_declared.ContainsKey(delayQueue))
        {
            // Per-queue TTL (one queue per step, so every message in it expires in arrival order) and a dead-letter
            // exchange: the endpoint's own exchange, which MassTransit binds to the input queue.
            await channel.QueueDeclareAsync(delayQueue, durable: true, exclusive: false, autoDelete: false,
                arguments: new Dictionary<string, object?>
                {
                    ["x-message-ttl"] = (long)delay.TotalMilliseconds,
                    ["x-dead-letter-exchange"] = inputQueue,
                }, cancellationToken: ct);
            _declared[delayQueue] = true;
        }
        var props = new BasicProperties(properties) { Persistent = true };
        var headers = props.Headers is null ? new Dictionary<string, object?>() : new Dictionary<string, object?>(props.Headers);
        var count = Math.Max(RedeliveryCount(properties), EnvelopeRedeliveryCount(body)) + 1;
        headers[RedeliveryCountHeader] = count;
        body = WithEnvelopeRedeliveryCount(body, count);
        // RabbitMQ adds x-death on each dead-lettering; a copy from the client would only confuse its bookkeeping.
        headers.Remove("x-death");
        props.Headers = headers;
        // The default exchange routes by queue name; the channel waits for the broker's confirm.
        await channel.BasicPublishAsync("", delayQueue, mandatory: true, props, body, ct);
    }

    /// <summary>
    /// MassTransit reads a message's headers from its JSON envelope, not from the transport, when the envelope
    /// serializer is used (as here): the redelivery count must be written there too, or every redelivery would
    /// look like the first and the budget would never run out.
    /// </summary>
    private static ReadOnlyMemory<byte> WithEnvelopeRedeliveryCount(ReadOnlyMemory<byte> body, int? count)
    {
        if (Envelope(body) is not { } envelope) return body;
        var headers = envelope["headers"] as JsonObject;
        if (headers is null)
        {
            if (count is null) return body;
            envelope["headers"] = headers = new JsonObject();
        }
        foreach (var key in headers.Select(h => h.Key).Where(k => k.Equals(RedeliveryCountHeader, StringComparison.OrdinalIgnoreCase)).ToList())
            headers.Remove(key);
        if (count is { } n) headers[RedeliveryCountHeader] = n;
        return Encoding.UTF8.GetBytes(envelope.ToJsonString());
    }

    private static int EnvelopeRedeliveryCount(ReadOnlyMemory<byte> body)
    {
        if (Envelope(body)?["headers"] is not JsonObject headers) return 0;
        var value = headers.FirstOrDefault(h => h.Key.Equals(RedeliveryCountHeader, StringComparison.OrdinalIgnoreCase)).Value;
        return value switch
        {
            JsonValue v when v.TryGetValue<int>(out var i) => i,
            JsonValue v when v.TryGetValue<string>(out var text) && int.TryParse(text, out var parsed) => parsed,
            _ => 0,
        };
    }

    /// <summary>MassTransit's envelope (an object with a <c>message</c>), or null for any other body.</summary>
    private static JsonObject? Envelope(ReadOnlyMemory<byte> body)
    {
        try
        {
            return JsonNode.Parse(body.Span) is JsonObject o && o.ContainsKey("message") ? o : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static int RedeliveryCount(IReadOnlyBasicProperties properties) =>
        properties.Headers?.TryGetValue(RedeliveryCountHeader, out var v) == true ? v switch
        {
            int i => i,
            long l => (int)l,
            byte[] b when int.TryParse(Encoding.UTF8.GetString(b), out var parsed) => parsed,
            string s when int.TryParse(s, out var parsed) => parsed,
            _ => 0,
        } : 0;

    /// <summary>One error-queued message as an operator may see it: identifiers and the failure's type, never the body.</summary>
    public sealed record ErrorQueuedMessage(string? MessageId, string? MessageType, string? ExceptionType, DateTimeOffset? FaultedAt, int Redeliveries);

    /// <summary>Reads up to <paramref name="limit"/> messages of an error queue without taking them (they return unacknowledged).</summary>
    public async Task<IReadOnlyList<ErrorQueuedMessage>> PeekAsync(string errorQueue, int limit, CancellationToken ct)
    {
        var list = new List<ErrorQueuedMessage>();
        await using var channel = await ChannelAsync(false, ct);
        try
        {
            for (var i = 0; i < limit; i++)
            {
                var got = await channel.BasicGetAsync(errorQueue, autoAck: false, ct);
                if (got is null) break;
                list.Add(Describe(got.BasicProperties, got.Body));
            }
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
        }
        // Closing the channel returns every unacknowledged message to the queue.
        return list;
    }

    /// <summary>
    /// Moves messages of <paramref name="errorQueue"/> back to its input queue (all, or the one with
    /// <paramref name="messageId"/>), with their fault headers and redelivery count cleared, so they get a
    /// full new retry budget. The message id stays, so an inbox that already applied it skips it.
    /// </summary>
    public async Task<int> ReplayAsync(string errorQueue, string? messageId, int limit, CancellationToken ct)
    {
        if (!errorQueue.EndsWith("_error", StringComparison.Ordinal)) throw new ArgumentException("Not an error queue.", nameof(errorQueue));
        var inputQueue = errorQueue[..^"_error".Length];
        var replayed = 0;
        await using var channel = await ChannelAsync(true, ct);
        try
        {
            for (var seen = 0; seen < limit; seen++)
            {
                var got = await channel.BasicGetAsync(errorQueue, autoAck: false, ct);
                if (got is null) break;
                if (messageId is not null && got.BasicProperties.MessageId != messageId) continue;
                var props = new BasicProperties(got.BasicProperties);
                if (props.Headers is not null)
                    props.Headers = props.Headers
                        .Where(h => !h.Key.StartsWith("MT-Fault-", StringComparison.Ordinal) && h.Key is not "x-death" and not RedeliveryCountHeader
                                    && !h.Key.StartsWith("MT-Reason", StringComparison.Ordinal))
                        .ToDictionary(h => h.Key, h => h.Value);
                // A full new budget: the count goes from the envelope too, where MassTransit reads it.
                await channel.BasicPublishAsync("", inputQueue, mandatory: true, props, WithEnvelopeRedeliveryCount(got.Body, null), ct);
                await channel.BasicAckAsync(got.DeliveryTag, multiple: false, ct);
                replayed++;
                if (messageId is not null) break;
            }
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
        }
        return replayed;
    }

    private static ErrorQueuedMessage Describe(IReadOnlyBasicProperties p, ReadOnlyMemory<byte> body)
    {
        string? Header(string name) => p.Headers?.TryGetValue(name, out var v) == true
            ? v switch { byte[] b => Encoding.UTF8.GetString(b), null => null, _ => v.ToString() }
            : null;
        // Only the contract's name from the envelope (URNs of our own contracts carry no personal data); the
        // message itself may hold residents' names and phones, so it is never shown.
        string? messageType = null;
        try
        {
            using var envelope = System.Text.Json.JsonDocument.Parse(body);
            if (envelope.RootElement.TryGetProperty("messageType", out var types) && types.GetArrayLength() > 0)
                messageType = types[0].GetString();
        }
        catch (System.Text.Json.JsonException) { }
        if (messageType is not null && messageType.StartsWith("urn:message:", StringComparison.Ordinal))
            messageType = messageType[(messageType.LastIndexOf(':') + 1)..];
        return new ErrorQueuedMessage(p.MessageId, messageType, Header("MT-Fault-ExceptionType"),
            DateTimeOffset.TryParse(Header("MT-Fault-Timestamp"), System.Globalization.CultureInfo.InvariantCulture, out var at) ? at : null,
            Math.Max(RedeliveryCount(p), EnvelopeRedeliveryCount(body)));
    }

    private static async Task DisposeQuietlyAsync(IConnection connection)
    {
        try { await connection.DisposeAsync(); }
        catch (Exception) { /* already broken: nothing to close */ }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is { } c) await DisposeQuietlyAsync(c);
        _gate.Dispose();
    }
}

/// <summary>What the messaging components need to know about the broker and the service.</summary>
public sealed record MessagingSettings(Uri Uri, string ServiceName, IReadOnlyList<TimeSpan> RedeliveryIntervals);
