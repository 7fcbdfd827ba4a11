using Dapper;
using GovPlatform.IntegrationTests.Infrastructure;
using GovPlatform.ServiceDefaults.Data;
using GovPlatform.ServiceDefaults.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace GovPlatform.IntegrationTests;

/// <summary>
/// A service's pool hands its connections on without Npgsql's reset (a transaction of its own at every use), so
/// nothing may leave session state on them: what does (the listeners' LISTEN, the migrator's and the retention
/// sweep's session advisory locks and settings) takes its connections from <see cref="SessionDatabase"/>, whose pool
/// resets them.
/// </summary>
public sealed class PooledSessionStateTests : IAsyncLifetime
{
    private const int Pool = 4;
    private TestStack _stack = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _stack = await TestStack.CreateAsync();
        // A small pool, so the test can hold every connection of it at once.
        _stack.Start("intake", new Dictionary<string, string?> { ["Database:MaxPoolSize"] = Pool.ToString(System.Globalization.CultureInfo.InvariantCulture) });
    }

    public async ValueTask DisposeAsync() => await _stack.DisposeAsync();

    private sealed record SessionState(int Pid, long Channels, long AdvisoryLocks, string CheckFunctionBodies, string WorkMem);

    private const string StateOfThisSession = """
        SELECT pg_backend_pid() AS Pid,
               (SELECT count(*) FROM pg_listening_channels()) AS Channels,
               (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()) AS AdvisoryLocks,
               current_setting('check_function_bodies') AS CheckFunctionBodies,
               current_setting('work_mem') AS WorkMem
        """;

    [Fact]
    public async Task Every_connection_of_the_pool_comes_without_a_listen_a_session_lock_or_a_setting_after_the_migrator_the_sweep_and_the_listeners_ran()
    {
        var provider = _stack.Provider("intake");
        var db = provider.GetRequiredService<NpgsqlDataSource>();
        Assert.True(new NpgsqlConnectionStringBuilder(db.ConnectionString).NoResetOnClose);
        Assert.False(new NpgsqlConnectionStringBuilder(provider.GetRequiredService<SessionDatabase>().Source.ConnectionString).NoResetOnClose);

        // The three listeners of intake (the outbox relay's, the reference cache's, the progress texts') are up, on
        // backends of the session pool.
        var listeners = await Eventually.Get(async () =>
        {
            var found = await _stack.QueryAsync<(int Pid, string App)>("intake", """
                SELECT pid, application_name FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'LISTEN %'
                """);
            return found.Count == 3 ? found : null;
        }, "intake's three listeners");
        Assert.All(listeners, l => Assert.EndsWith(SessionDatabase.ApplicationName, l.App, StringComparison.Ordinal));

        // The session-state users run once more now: a migration pass (session advisory lock, SET check_function_bodies)
        // and a retention sweep (session advisory lock).
        var migrator = provider.GetRequiredService<Migrator>();
        await migrator.MigrateAsync(migrator.SourcesFor(typeof(GovPlatform.Intake.IntakeOptions).Assembly), Ct);
        Assert.False((await provider.GetServices<IHostedService>().OfType<MessageRetention>().Single().SweepAsync(Ct)).Skipped);

        // Every connection the pool may open, held at once: none is a listener's, and none carries what those left.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(20));
        var connections = await Task.WhenAll(Enumerable.Range(0, Pool).Select(_ => db.OpenConnectionAsync(deadline.Token).AsTask()));
        try
        {
            foreach (var conn in connections)
            {
                var state = await conn.QuerySingleAsync<SessionState>(StateOfThisSession);
                Assert.Equal((0L, 0L, "on"), (state.Channels, state.AdvisoryLocks, state.CheckFunctionBodies));
                Assert.DoesNotContain(state.Pid, listeners.Select(l => l.Pid));
            }
        }
        finally
        {
            foreach (var conn in connections) await conn.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_session_connection_left_listening_locked_and_set_is_reset_before_its_next_use()
    {
        var session = _stack.Provider("intake").GetRequiredService<SessionDatabase>().Source;
        int pid;
        string defaultWorkMem;
        await using (var conn = await session.OpenConnectionAsync(Ct))
        {
            defaultWorkMem = (await conn.QuerySingleAsync<SessionState>(StateOfThisSession)).WorkMem;
            await conn.ExecuteAsync("LISTEN pooled_session_state_test; SELECT pg_advisory_lock(4242); SET check_function_bodies = off; SET work_mem = '7MB'");
            var left = await conn.QuerySingleAsync<SessionState>(StateOfThisSession);
            Assert.Equal((1L, 1L, "off", "7MB"), (left.Channels, left.AdvisoryLocks, left.CheckFunctionBodies, left.WorkMem));
            pid = left.Pid;
        }

        // The same backend again (the pool may hand out its other idle connections first), its session as new.
        SessionState? again = null;
        for (var i = 0; i < 4 * SessionDatabase.PoolSize && again is null; i++)
        {
            await using var conn = await session.OpenConnectionAsync(Ct);
            var state = await conn.QuerySingleAsync<SessionState>(StateOfThisSession);
            if (state.Pid == pid) again = state;
        }
        Assert.NotNull(again);
        Assert.Equal((0L, 0L, "on", defaultWorkMem), (again.Channels, again.AdvisoryLocks, again.CheckFunctionBodies, again.WorkMem));
    }
}
