using Dapper;
using GovPlatform.ServiceDefaults.Data;
using Npgsql;

namespace GovPlatform.Reporting.Projections;

/// <summary>
/// Applies the projections' events in groups: each group is one transaction that writes the inbox rows of its events
/// in one statement and applies the events that were new (and every event of a projection idempotent by its own keys,
/// which writes no inbox row), so a busy queue costs one commit (one WAL flush) per group instead of one per event.
/// Each consumer waits for its own event's group to commit before its message is acknowledged, so the inbox's
/// promise holds as before: an event is applied once, in the transaction that records it (or, without an inbox row,
/// as often as it is delivered, which its own keys make harmless), and a failed group applies nothing. A group that fails is applied again one event per transaction, so one bad event fails
/// only itself (and goes through the retries and error queue as it would alone). The order of events within a
/// group does not matter: every projection tolerates any order.
/// </summary>
public sealed class ProjectionWriter : IDisposable
{
    /// <summary>One event waiting for its group. <see cref="Apply"/> runs inside the group's transaction.</summary>
    public sealed class Pending(Guid messageId, string consumer, Func<NpgsqlTransaction, CancellationToken, Task> apply, Action applied,
        Guid? orderKey = null, bool inbox = true)
    {
        public Guid MessageId { get; } = messageId;
        /// <summary>
        /// False for a projection idempotent by its own keys: no inbox row is written and the event is applied on every
        /// delivery (so it always counts as applied).
        /// </summary>
        public bool Inbox { get; } = inbox;
        /// <summary>The row the event changes first (its request), if it names one: a group applies its events in this order.</summary>
        public Guid? OrderKey { get; } = orderKey;
        public string Consumer { get; } = consumer;
        public Func<NpgsqlTransaction, CancellationToken, Task> Apply { get; } = apply;
        /// <summary>Called once the event's transaction has committed with it applied (not for a duplicate).</summary>
        public Action Applied { get; } = applied;
        /// <summary>True when applied, false when the inbox already had it; faulted when its transaction failed.</summary>
        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly NpgsqlDataSource _db;
    private long _groupsSplit;
    private readonly GroupWriters<Pending> _writers;

    public ProjectionWriter(NpgsqlDataSource db, IConfiguration configuration, ILogger<ProjectionWriter> logger)
    {
        _db = db;
        // At most this many events per transaction. A writer never waits to fill a group: it takes what is queued when it
        // is free, so at low load a group is the one event that just arrived (no added latency), and under load the
        // queue grows while the writers are busy and each next group takes up to this many. Groups of 16 on four writers
        // are the default since they were measured in the whole stack (pipeline benchmark, docs/reporting.md): before
        // the roll-ups were written at commit in one key order (R__rollups_apply.sql), groups deadlocked on the roll-up
        // rows, and one event per transaction was the default; in the reporting benchmark (1 M requests) four writers of
        // up to 16 applied 1.7 times the events per second of four single-event writers, with a fifth of their roll-up
        // row writes and a seventh of their commits per event. Reporting:ProjectionGroup = 1 restores one event per
        // transaction.
        _writers = new GroupWriters<Pending>(configuration.GetValue("Reporting:ProjectionWriters", 4),
            configuration.GetValue("Reporting:ProjectionGroup", 16), WriteGroupAsync,
            fail: (one, e) => one.Done.TrySetException(e),
            split: (group, e) =>
            {
                // A deadlock with another group, or one event that cannot be applied: each on its own, so only a bad
                // event fails.
                Interlocked.Increment(ref _groupsSplit);
                logger.LogWarning(e, "A group of {Count} events failed ({Error}); applying them one by one", group.Count, e.Message);
            });
    }

    /// <summary>
    /// Groups that failed and were applied again one event per transaction since start: a deadlock between groups
    /// shows here (the roll-ups are written in one global order at commit, so it should stay 0 under any load).
    /// </summary>
    public long GroupsSplit => Interlocked.Read(ref _groupsSplit);

    /// <summary>Ends the writers once the events queued so far are applied (the host's shutdown).</summary>
    public void Dispose() => _writers.Dispose();

    /// <summary>Queues the event and waits until its group commits: true when applied, false for a duplicate.</summary>
    public async Task<bool> ApplyAsync(Pending pending, CancellationToken ct)
    {
        await _writers.EnqueueAsync(pending, ct);
        // A consumer cancelled while waiting leaves its message unacknowledged: if its group commits after all, the
        // redelivery finds the inbox row and changes nothing.
        return await pending.Done.Task.WaitAsync(ct);
    }

    private const string LockRequests = """
        SELECT count(pg_advisory_xact_lock(hashtextextended(r::text, 0)))
        FROM (SELECT r FROM unnest(@requests) AS r ORDER BY r) AS ordered
        """;

    private async Task WriteGroupAsync(IReadOnlyList<Pending> group)
    {
        var fresh = new HashSet<(Guid, string)>();
        var applied = new List<Pending>(group.Count);
        await using (var conn = await _db.OpenConnectionAsync())
        await using (var tx = await conn.BeginTransactionAsync())
        {
            // Rows in key order, so two groups holding the same redelivered ids cannot deadlock on the inbox; a
            // concurrent duplicate waits for the first commit, then inserts nothing. An id twice in one group is
            // inserted (and applied) once.
            var keys = group.Where(p => p.Inbox).Select(p => (p.MessageId, p.Consumer)).Distinct().OrderBy(k => k.MessageId).ThenBy(k => k.Consumer, StringComparer.Ordinal).ToArray();
            if (keys.Length > 0)
            {
                var inserted = await conn.QueryAsync<(Guid, string)>(new CommandDefinition("""
                    INSERT INTO inbox_messages (message_id, consumer)
                    SELECT m, c FROM unnest(@ids, @consumers) WITH ORDINALITY AS k(m, c, i) ORDER BY i
                    ON CONFLICT DO NOTHING
                    RETURNING message_id, consumer
                    """, new { ids = keys.Select(k => k.MessageId).ToArray(), consumers = keys.Select(k => k.Consumer).ToArray() }, tx));
                fresh.UnionWith(inserted);
            }
            // One request's events apply one transaction at a time: several projections read what another wrote for the
            // same request (a resolution is judged by a plan or a missed clock recorded before it), and a statement
            // that waited on the fact row's lock acts on values read before the wait. The lock comes before any
            // projection's statement, so each of them starts after the other transaction's commit and sees it. Keys
            // in one order, so two groups cannot deadlock on them.
            var requests = group.Where(p => p.OrderKey is not null && (!p.Inbox || fresh.Contains((p.MessageId, p.Consumer))))
                .Select(p => p.OrderKey!.Value).Distinct().ToArray();
            if (requests.Length > 0)
                await conn.ExecuteAsync(new CommandDefinition(LockRequests, new { requests }, tx));
            // Events in their rows' order (a stable sort: one request's events keep their arrival order), so two
            // groups lock the request_facts rows they share in the same order; the roll-up rows are written at
            // commit in their own order (R__rollups_apply.sql). Keyless events first.
            foreach (var p in group.OrderBy(p => p.OrderKey ?? Guid.Empty))
            {
                // An event without an inbox row is applied on every delivery: its own keys make a repeat change nothing.
                if (p.Inbox && !fresh.Remove((p.MessageId, p.Consumer))) continue;
                await p.Apply(tx, CancellationToken.None);
                applied.Add(p);
            }
            await tx.CommitAsync();
        }
        foreach (var p in applied) p.Applied();
        var set = applied.ToHashSet();
        foreach (var p in group) p.Done.TrySetResult(set.Contains(p));
    }
}
