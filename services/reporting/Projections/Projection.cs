using System.Diagnostics;
using System.Diagnostics.Metrics;
using Dapper;
using GovPlatform.ServiceDefaults;
using MassTransit;
using Npgsql;

namespace GovPlatform.Reporting.Projections;

/// <summary>
/// Reporting's own meter: how far the figures trail the events (lag) and how many events the
/// projections apply. ServiceDefaults exports every meter named GovPlatform.*.
/// </summary>
public sealed class ReportingMetrics : IDisposable
{
    public const string MeterName = "GovPlatform.Reporting";
    public const string LagInstrument = "govplatform.reporting.projection.lag";
    public const string AppliedInstrument = "govplatform.reporting.projection.applied";

    private readonly Meter _meter = new(MeterName);
    private readonly Histogram<double> _lag;
    private readonly Counter<long> _applied;

    public ReportingMetrics()
    {
        _lag = _meter.CreateHistogram<double>(LagInstrument, "s",
            "Time from the moment an event happened (its own timestamp) to its effect on the read models");
        _applied = _meter.CreateCounter<long>(AppliedInstrument, "{event}", "Events applied to the read models (duplicates excluded)");
    }

    public void Applied(string eventType, TimeSpan lag)
    {
        var tag = new KeyValuePair<string, object?>("event", eventType);
        // A negative lag means the publisher's clock runs ahead of ours; recording it as 0 keeps
        // the histogram honest about what we can measure.
        _lag.Record(Math.Max(0, lag.TotalSeconds), tag);
        _applied.Add(1, tag);
    }

    public void Dispose() => _meter.Dispose();
}

/// <summary>What every projection needs, bundled so each projection's constructor stays one line.</summary>
public sealed record Projector(NpgsqlDataSource Db, ReportingMetrics Metrics, TimeProvider Time, ProjectionWriter Writer);

/// <summary>
/// A projection of one event type into the read models. The inbox makes redelivery a no-op; the
/// SQL of each projection is written to be a no-op on replay too (natural keys, least/greatest,
/// newest-wins), so the read models can be rebuilt by replaying events in any order. A projection whose SQL alone
/// makes a second delivery change nothing, whatever was applied between the two, says so with
/// <see cref="IdempotentByItself"/> and writes no inbox row.
/// The event is applied by the <see cref="ProjectionWriter"/>, in one transaction with its inbox row and with the
/// other events that arrived meanwhile; its message is acknowledged only once that transaction has committed.
/// </summary>
public abstract class Projection<T>(Projector p) : IConsumer<T> where T : class
{
    /// <summary>
    /// The request an event is about, when it names one: the writer applies a group's events in this order, so two
    /// groups take the request_facts rows (and the other per-request rows) they share in the same order.
    /// </summary>
    private static readonly Func<T, Guid>? RequestIdOf =
        typeof(T).GetProperty("RequestId") is { } property && property.PropertyType == typeof(Guid)
            ? message => (Guid)property.GetValue(message)!
            : null;

    protected abstract DateTimeOffset OccurredAt(T message);

    protected abstract Task ApplyAsync(T message, NpgsqlTransaction tx, CancellationToken ct);

    /// <summary>
    /// True when applying the event again, at any later time and after any other events, leaves every read model as
    /// it was (rows keyed by the event's own key with ON CONFLICT DO NOTHING, first-wins and newest-wins columns by the
    /// event's own timestamps, sets, flags that only turn one way), so the event needs no inbox row: the row would add
    /// nothing to the guarantee and costs an insert with its index entries and its deletion by retention later.
    /// Counters (+ 1) never qualify unless what they count is itself a row the event inserts. Every override says which
    /// key makes it so; ProjectionGroupTests delivers each such event again after a later one and checks nothing moved.
    /// Such a delivery is applied (and counted by the applied counter) every time it comes.
    /// </summary>
    protected virtual bool IdempotentByItself => false;

    public async Task Consume(ConsumeContext<T> context)
    {
        var messageId = context.MessageId
            ?? throw new InvalidOperationException($"{typeof(T).Name} arrived without a MessageId, so it cannot be deduplicated.");
        var consumer = GetType().Name;
        using var activity = Telemetry.Messaging.StartActivity($"handle {typeof(T).Name}", ActivityKind.Consumer);
        activity?.SetTag("messaging.message.id", messageId);
        activity?.SetTag("govplatform.consumer", consumer);
        var message = context.Message;
        bool applied;
        try
        {
            applied = await p.Writer.ApplyAsync(new ProjectionWriter.Pending(messageId, consumer,
                (tx, ct) => ApplyAsync(message, tx, ct),
                // Recorded once the transaction has committed, so an event applied again alone after its group failed counts once.
                () => p.Metrics.Applied(typeof(T).Name, p.Time.GetUtcNow() - OccurredAt(message)),
                RequestIdOf?.Invoke(message), inbox: !IdempotentByItself), context.CancellationToken);
        }
        catch (Exception e)
        {
            // A span that ended in error is a delivery that applied nothing (its retry comes as another span).
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            throw;
        }
        if (!applied) activity?.SetTag("govplatform.duplicate", true);
    }

    protected static Task ExecuteAsync(NpgsqlTransaction tx, string sql, object param, CancellationToken ct) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition(sql, param, tx, cancellationToken: ct));

    /// <summary>Npgsql writes only UTC offsets to timestamptz; publishers may send any offset.</summary>
    protected static DateTimeOffset Utc(DateTimeOffset at) => at.ToUniversalTime();
}

/// <summary>SQL fragments shared by the request_facts projections.</summary>
public static class Facts
{
    /// <summary>True when the incoming event is newer than the one that set the current status (rank breaks ties).</summary>
    public const string Newer = "(f.status_at IS NULL OR (excluded.status_at, excluded.status_rank) > (f.status_at, f.status_rank))";

    /// <summary>Status follows the newest event, so a late old event never moves it backwards.</summary>
    public const string StatusSet = $"""
        status = CASE WHEN {Newer} THEN excluded.status ELSE f.status END,
        status_rank = CASE WHEN {Newer} THEN excluded.status_rank ELSE f.status_rank END,
        status_at = CASE WHEN {Newer} THEN excluded.status_at ELSE f.status_at END,
        updated_at = now()
        """;

    /// <summary>Ranks break ties between events with the same timestamp; strings so they can be spliced into SQL constants.</summary>
    public static class Rank
    {
        public const string Submitted = "1", Duplicate = "1", Assigned = "2", Returned = "2", Transferred = "2", Reopened = "2",
            Accepted = "3", Arrived = "4", Suspended = "4", Resumed = "4", PlanFormed = "5", Resolved = "6", Closed = "7";
    }
}
