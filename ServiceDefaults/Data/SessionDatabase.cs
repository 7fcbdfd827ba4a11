using Npgsql;

namespace GovPlatform.ServiceDefaults.Data;

/// <summary>
/// The service database's connections for work that leaves state on its session: a listener's <c>LISTEN</c>, the
/// migrator's and the retention sweep's session advisory locks and settings. Its pool resets a connection before
/// its next use (Npgsql's DISCARD ALL), so that state never reaches anyone else; the service's own
/// <see cref="NpgsqlDataSource"/> skips the reset, which nothing on it needs (<see cref="PostgresExtensions"/>).
/// </summary>
/// <remarks>
/// Its backends are named <see cref="ApplicationName"/> in <c>pg_stat_activity</c>, so they can be told from the
/// pool's. It holds the listeners for as long as they listen (intake has three: the outbox relay's, the reference
/// cache's, the progress texts'); the rest of its use is brief and rare.
/// </remarks>
public sealed class SessionDatabase(NpgsqlDataSource source) : IAsyncDisposable
{
    /// <summary>The listeners a service runs, plus a sweep and the progress texts' claims.</summary>
    public const int PoolSize = 6;

    /// <summary>The application name of its backends (or appended to the connection string's).</summary>
    public const string ApplicationName = "session";

    public NpgsqlDataSource Source => source;

    public ValueTask DisposeAsync() => source.DisposeAsync();
}
