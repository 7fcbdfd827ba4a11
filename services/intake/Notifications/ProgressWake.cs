using System.Collections.Concurrent;
using Npgsql;

namespace GovPlatform.Intake.Notifications;

/// <summary>
/// Wakes this process's <see cref="ProgressNotifier"/> when a transaction that owed progress texts has committed, so the
/// commit needs no NOTIFY.
/// </summary>
/// <remarks>
/// The timeline trigger (<c>R__owe_resident_notifications</c>) sends a NOTIFY for every step it records, and PostgreSQL
/// makes each transaction that sent one take a cluster-wide lock at commit and hold it through its WAL flush: every
/// filing and every "assigned" entry waited for the previous one's fsync, on the whole server. A writer whose own process
/// runs a notifier for the database sets <see cref="Setting"/> in its transaction (the trigger then skips the NOTIFY) and
/// calls <see cref="Wake(NpgsqlConnection)"/> after the commit. Writers that do not (and other processes) still NOTIFY;
/// a wake lost in a crash between the commit and the call costs only the notifier's poll
/// (<c>Residents:NotificationPoll</c>, 1 s): the texts are owed in the committed rows, never in the wake.
/// </remarks>
public static class ProgressWake
{
    /// <summary>The transaction-local setting the trigger reads; <see cref="InProcess"/> means "no NOTIFY, I wake the sender".</summary>
    public const string Setting = "govplatform.progress_wake";
    public const string InProcess = "in_process";

    private static readonly ConcurrentDictionary<string, ConcurrentDictionary<SemaphoreSlim, byte>> Notifiers = new();

    /// <summary>Registers a notifier of this process for a database; dispose to unregister.</summary>
    internal static IDisposable Register(NpgsqlDataSource db, SemaphoreSlim wake)
    {
        var key = Key(db);
        Notifiers.GetOrAdd(key, _ => new())[wake] = 0;
        return new Registration(key, wake);
    }

    /// <summary>True when a notifier of this process serves the connection's database, so the writer may skip the NOTIFY.</summary>
    public static bool Serves(NpgsqlConnection conn) => Notifiers.TryGetValue(Key(conn), out var n) && !n.IsEmpty;

    public static void Wake(NpgsqlConnection conn) => Wake(Key(conn));

    public static void Wake(NpgsqlDataSource db) => Wake(Key(db));

    private static void Wake(string key)
    {
        if (!Notifiers.TryGetValue(key, out var notifiers)) return;
        foreach (var wake in notifiers.Keys)
            if (wake.CurrentCount == 0) try { wake.Release(); } catch (SemaphoreFullException) { }
    }

    private static string Key(NpgsqlConnection conn) => $"{conn.Host}:{conn.Port}/{conn.Database}";

    private static string Key(NpgsqlDataSource db)
    {
        var b = new NpgsqlConnectionStringBuilder(db.ConnectionString);
        return $"{b.Host}:{b.Port}/{b.Database}";
    }

    private sealed class Registration(string key, SemaphoreSlim wake) : IDisposable
    {
        public void Dispose()
        {
            if (Notifiers.TryGetValue(key, out var notifiers)) notifiers.TryRemove(wake, out _);
        }
    }
}
