using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;

namespace GovPlatform.ServiceDefaults.Messaging;

/// <summary>
/// Wakes this process's outbox relays when a transaction that wrote outbox rows has ended, so the commit itself needs
/// no NOTIFY.
/// </summary>
/// <remarks>
/// PostgreSQL makes every transaction that sent a NOTIFY take one cluster-wide lock at commit and hold it through its
/// WAL flush, so such commits cannot share a flush: under load each request's commit waited for the previous one's
/// fsync, in every database of the server. A relay in the writer's own process is told directly instead. A writer
/// with no relay of its own for that database (its relay turned off, or a tool) still sends the NOTIFY, so relays of
/// other instances wake at once for it; rows written by another instance that dies before publishing are found by the
/// next wake of any relay or by its poll.
/// <para>
/// A transaction counts as ended when its connection closes or, at the latest poll a few milliseconds later, when the
/// transaction reports itself completed. A wake for a rolled-back transaction just finds nothing to publish.
/// </para>
/// </remarks>
public static class OutboxWake
{
    private static readonly ConcurrentDictionary<string, ConcurrentDictionary<SemaphoreSlim, byte>> Relays = new();
    private static readonly ConcurrentDictionary<NpgsqlTransaction, Pending> Open = new(ReferenceEqualityComparer.Instance);
    private static readonly SemaphoreSlim Work = new(0, 1);
    private static int _watching;

    private sealed record Pending(string Key, NpgsqlConnection Connection, long Since);

    /// <summary>The longest a tracked transaction is waited for; after it the relays are woken anyway.</summary>
    private static readonly TimeSpan GiveUp = TimeSpan.FromMinutes(1);

    /// <summary>Registers a relay of this process for a database; dispose to unregister.</summary>
    internal static IDisposable Register(NpgsqlDataSource db, SemaphoreSlim wake)
    {
        var b = new NpgsqlConnectionStringBuilder(db.ConnectionString);
        var key = Key(b.Host, b.Port, b.Database);
        Relays.GetOrAdd(key, _ => new())[wake] = 0;
        return new Registration(key, wake);
    }

    /// <summary>
    /// Notes that <paramref name="tx"/> wrote outbox rows; false when no relay of this process serves its database, so
    /// the caller must NOTIFY.
    /// </summary>
    internal static bool Track(NpgsqlTransaction tx)
    {
        var conn = tx.Connection!;
        var key = Key(conn.Host, conn.Port, conn.Database);
        if (!Relays.TryGetValue(key, out var relays) || relays.IsEmpty) return false;
        var existing = Open.GetValueOrDefault(tx);
        // Another outbox row in a transaction already tracked (or a later one on the same connection, which ends after it).
        if (existing is not null && ReferenceEquals(existing.Connection, conn)) return true;
        // Npgsql reuses a pooled connection's transaction object: a tracked one seen on another connection has ended.
        Open[tx] = new Pending(key, conn, Stopwatch.GetTimestamp());
        if (existing is not null) Wake(existing.Key);
        conn.StateChange += Closed;
        if (Interlocked.Exchange(ref _watching, 1) == 0) _ = Task.Run(WatchAsync);
        if (Work.CurrentCount == 0) try { Work.Release(); } catch (SemaphoreFullException) { }
        return true;

        void Closed(object? sender, System.Data.StateChangeEventArgs e)
        {
            if (e.CurrentState != System.Data.ConnectionState.Closed) return;
            conn.StateChange -= Closed;
            if (Open.TryGetValue(tx, out var pending) && ReferenceEquals(pending.Connection, conn))
                Open.TryRemove(new KeyValuePair<NpgsqlTransaction, Pending>(tx, pending));
            Wake(key);
        }
    }

    private static string Key(string? host, int port, string? database) => $"{host}:{port}/{database}";

    private static void Wake(string key)
    {
        if (!Relays.TryGetValue(key, out var relays)) return;
        foreach (var wake in relays.Keys)
            if (wake.CurrentCount == 0) try { wake.Release(); } catch (SemaphoreFullException) { }
    }

    /// <summary>Catches transactions that ended while their connection stays open (a connection used for several).</summary>
    private static async Task WatchAsync()
    {
        while (true)
        {
            if (Open.IsEmpty)
            {
                await Work.WaitAsync();
                continue;
            }
            await Task.Delay(2);
            foreach (var (tx, pending) in Open)
            {
                if (Ended(tx) || Stopwatch.GetElapsedTime(pending.Since) > GiveUp)
                {
                    if (Open.TryRemove(new KeyValuePair<NpgsqlTransaction, Pending>(tx, pending))) Wake(pending.Key);
                }
            }
        }
    }

    private static bool Ended(NpgsqlTransaction tx)
    {
        try
        {
            // Null once committed or rolled back.
            return tx.Connection is null;
        }
        catch (ObjectDisposedException)
        {
            return true;
        }
    }

    private sealed class Registration(string key, SemaphoreSlim wake) : IDisposable
    {
        public void Dispose()
        {
            if (Relays.TryGetValue(key, out var relays)) relays.TryRemove(wake, out _);
        }
    }
}
