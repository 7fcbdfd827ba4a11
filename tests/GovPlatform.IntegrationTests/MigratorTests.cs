using Dapper;
using GovPlatform.Dispatch.Extensions;
using GovPlatform.IntegrationTests.Infrastructure;
using GovPlatform.ServiceDefaults.Data;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace GovPlatform.IntegrationTests;

public sealed class MigratorTests : IAsyncLifetime
{
    private readonly string _database = $"migrator_{Guid.NewGuid():N}"[..24];
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await using var conn = new NpgsqlConnection(TestServers.PostgresDatabase("postgres"));
        await conn.ExecuteAsync($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)");
    }

    private (Migrator Migrator, NpgsqlDataSource Source) NewMigrator()
    {
        var cs = TestServers.PostgresDatabase(_database);
        var source = NpgsqlDataSource.Create(cs);
        return (new Migrator(source, new DatabaseSettings("test", cs), [], NullLogger<Migrator>.Instance), source);
    }

    private static IReadOnlyList<Migrator.Script> DispatchScripts(Migrator m) => m.ScriptsFor(typeof(DispatchApp).Assembly);

    [Fact]
    public async Task Migrators_starting_at_once_all_succeed_and_apply_each_script_once()
    {
        var instances = Enumerable.Range(0, 4).Select(_ => NewMigrator()).ToList();
        var scripts = DispatchScripts(instances[0].Migrator);

        var applied = await Task.WhenAll(instances.Select(i => i.Migrator.MigrateAsync(scripts, Ct)));

        Assert.Equal(scripts.Count, applied.Sum());
        await using var conn = await instances[0].Source.OpenConnectionAsync(Ct);
        var journal = (await conn.QueryAsync<string>("SELECT id FROM schema_migrations ORDER BY id")).ToList();
        Assert.Equal(scripts.Select(s => s.Id).Order(StringComparer.Ordinal), journal);
        Assert.Contains("platform/0001_outbox_inbox.sql", journal);
        Assert.Contains("service/0001_grid_and_work_orders.sql", journal);
        foreach (var i in instances) await i.Source.DisposeAsync();
    }

    [Fact]
    public async Task Running_again_applies_only_new_scripts()
    {
        var (migrator, source) = NewMigrator();
        await using var _ = source;
        var scripts = DispatchScripts(migrator);
        await migrator.MigrateAsync(scripts, Ct);

        var again = await migrator.MigrateAsync(scripts, Ct);
        var withNew = await migrator.MigrateAsync([.. scripts, new Migrator.Script("service/9999_extra.sql", "CREATE TABLE extra (id int)")], Ct);

        Assert.Equal(0, again);
        Assert.Equal(1, withNew);
    }

    [Fact]
    public async Task A_script_changed_after_it_was_applied_stops_the_migration()
    {
        var (migrator, source) = NewMigrator();
        await using var _ = source;
        await migrator.MigrateAsync([new Migrator.Script("service/0001_a.sql", "CREATE TABLE a (id int)")], Ct);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            migrator.MigrateAsync([new Migrator.Script("service/0001_a.sql", "CREATE TABLE a (id bigint)")], Ct));

        Assert.Contains("service/0001_a.sql was changed after it was applied", error.Message);
    }

    [Fact]
    public async Task A_failing_script_leaves_no_trace_and_is_retried_next_time()
    {
        var (migrator, source) = NewMigrator();
        await using var _ = source;
        Migrator.Script good = new("service/0001_ok.sql", "CREATE TABLE ok (id int)");

        await Assert.ThrowsAsync<PostgresException>(() => migrator.MigrateAsync(
            [good, new Migrator.Script("service/0002_bad.sql", "CREATE TABLE half (id int); SELECT no_such_function();")], Ct));
        await using var conn = await source.OpenConnectionAsync(Ct);
        Assert.Equal(["service/0001_ok.sql"], await conn.QueryAsync<string>("SELECT id FROM schema_migrations"));
        Assert.False(await conn.ExecuteScalarAsync<bool>("SELECT to_regclass('half') IS NOT NULL"));

        Assert.Equal(1, await migrator.MigrateAsync([good, new Migrator.Script("service/0002_bad.sql", "CREATE TABLE half (id int)")], Ct));
    }
}
