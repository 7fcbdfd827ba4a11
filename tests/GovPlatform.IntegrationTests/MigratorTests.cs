using Dapper;
using EvolveDb;
using GovPlatform.IntegrationTests.Infrastructure;
using GovPlatform.Reporting.Extensions;
using GovPlatform.ServiceDefaults.Data;
using GovPlatform.ServiceDefaults.GridCopy;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace GovPlatform.IntegrationTests;

public sealed class MigratorTests : IAsyncLifetime
{
    private readonly string _database = $"migrator_{Guid.NewGuid():N}"[..24];
    private readonly DirectoryInfo _scripts = Directory.CreateTempSubdirectory("migrator-");
    private readonly List<NpgsqlDataSource> _sources = [];
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly Migrator.Source GridCopy = new("gridcopy", typeof(GridNodesChangedConsumer).Assembly, "GridCopy.Migrations.");

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var source in _sources) await source.DisposeAsync();
        _scripts.Delete(recursive: true);
        await using var conn = new NpgsqlConnection(TestServers.PostgresDatabase("postgres"));
        await conn.ExecuteAsync($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)");
    }

    private Migrator NewMigrator(params Migrator.Source[] modules)
    {
        var cs = TestServers.PostgresDatabase(_database);
        var source = NpgsqlDataSource.Create(cs);
        _sources.Add(source);
        return new Migrator(source, new DatabaseSettings("test", cs), modules, NullLogger<Migrator>.Instance);
    }

    private Migrator.Source[] Folder => [Migrator.Source.Folder("test", _scripts.FullName)];

    private void Write(string file, string sql) => File.WriteAllText(Path.Combine(_scripts.FullName, file), sql);

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var conn = new NpgsqlConnection(TestServers.PostgresDatabase(_database));
        await conn.OpenAsync(Ct);
        return conn;
    }

    /// <summary>Every script of a set, as the journal names it: the file name without its folder.</summary>
    private static IEnumerable<string> ScriptsOf(Migrator.Source source) =>
        source.Assembly!.GetManifestResourceNames()
            .Where(n => n.StartsWith(source.Location, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => $"{source.Scope}/{n[source.Location.Length..]}");

    [Fact]
    public async Task Migrators_starting_at_once_all_succeed_and_apply_each_script_once()
    {
        // Reporting: the platform's set, the grid copy's and its own, with repeatable functions and triggers.
        var instances = Enumerable.Range(0, 4).Select(_ => NewMigrator(GridCopy)).ToList();
        var sources = instances[0].SourcesFor(typeof(ReportingApp).Assembly);

        var applied = await Task.WhenAll(instances.Select(m => m.MigrateAsync(sources, Ct)));

        var expected = sources.SelectMany(ScriptsOf).Order(StringComparer.Ordinal).ToList();
        Assert.Contains("service/R__kpi_contribution.sql", expected);
        Assert.Equal(expected, applied.SelectMany(a => a).Order(StringComparer.Ordinal));
        await using var conn = await OpenAsync();
        var journal = new List<string>();
        foreach (var source in sources)
            journal.AddRange((await conn.QueryAsync<string>(
                $"SELECT name FROM {source.JournalTable} WHERE type IN (0, 4) AND success")).Select(n => $"{source.Scope}/{n}"));
        Assert.Equal(expected, journal.Order(StringComparer.Ordinal));
        Assert.True(await conn.ExecuteScalarAsync<bool>("SELECT to_regclass('request_facts') IS NOT NULL AND to_regclass('grid_copy') IS NOT NULL"));
    }

    [Fact]
    public async Task Running_again_applies_only_new_scripts()
    {
        var migrator = NewMigrator();
        Write("V0001__a.sql", "CREATE TABLE a (id int)");
        Assert.Equal(["test/V0001__a.sql"], await migrator.MigrateAsync(Folder, Ct));

        var again = await migrator.MigrateAsync(Folder, Ct);
        Write("V0002__extra.sql", "CREATE TABLE extra (id int)");
        var withNew = await migrator.MigrateAsync(Folder, Ct);

        Assert.Empty(again);
        Assert.Equal(["test/V0002__extra.sql"], withNew);
    }

    [Fact]
    public async Task A_script_changed_after_it_was_applied_stops_the_migration()
    {
        var migrator = NewMigrator();
        Write("V0001__a.sql", "CREATE TABLE a (id int)");
        await migrator.MigrateAsync(Folder, Ct);

        Write("V0001__a.sql", "CREATE TABLE a (id bigint)");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => migrator.MigrateAsync(Folder, Ct));

        Assert.Contains("invalid checksum for migration: V0001__a.sql", error.Message);
        Assert.Contains("must never be edited", error.Message);
    }

    [Fact]
    public async Task A_failing_script_leaves_no_trace_and_is_retried_next_time()
    {
        var migrator = NewMigrator();
        Write("V0001__ok.sql", "CREATE TABLE ok (id int)");
        Write("V0002__bad.sql", "CREATE TABLE half (id int); SELECT no_such_function();");

        var error = await Assert.ThrowsAsync<EvolveException>(() => migrator.MigrateAsync(Folder, Ct));
        Assert.Equal("42883", Assert.IsType<PostgresException>(error.GetBaseException()).SqlState); // no_such_function()
        Assert.Contains("V0002__bad.sql", error.Message);
        await using (var conn = await OpenAsync())
        {
            Assert.Equal(["V0001__ok.sql"], await conn.QueryAsync<string>("SELECT name FROM changelog_test WHERE type = 0 AND success"));
            Assert.False(await conn.ExecuteScalarAsync<bool>("SELECT to_regclass('half') IS NOT NULL"));
        }

        Write("V0002__bad.sql", "CREATE TABLE half (id int)");
        Assert.Equal(["test/V0002__bad.sql"], await migrator.MigrateAsync(Folder, Ct));
    }

    [Fact]
    public async Task An_edited_repeatable_script_is_applied_again_after_the_versioned_ones()
    {
        var migrator = NewMigrator();
        // The function reads a table a versioned script creates: repeatables come after them.
        Write("R__answer.sql", "CREATE OR REPLACE FUNCTION answer() RETURNS int LANGUAGE sql AS $$ SELECT min(v) FROM answers $$;");
        Write("V0001__answers.sql", "CREATE TABLE answers (v int); INSERT INTO answers VALUES (41);");
        Assert.Equal(["test/V0001__answers.sql", "test/R__answer.sql"], await migrator.MigrateAsync(Folder, Ct));

        Assert.Empty(await migrator.MigrateAsync(Folder, Ct));
        Write("R__answer.sql", "CREATE OR REPLACE FUNCTION answer() RETURNS int LANGUAGE sql AS $$ SELECT min(v) + 1 FROM answers $$;");
        Assert.Equal(["test/R__answer.sql"], await migrator.MigrateAsync(Folder, Ct));

        await using var conn = await OpenAsync();
        Assert.Equal(42, await conn.ExecuteScalarAsync<int>("SELECT answer()"));
    }

    [Fact]
    public async Task Repeatable_functions_may_call_each_other_whatever_their_names_but_a_broken_body_stops_the_start()
    {
        var migrator = NewMigrator();
        // a_outer is created before b_inner (name order) and calls it.
        Write("R__a_outer.sql", "CREATE OR REPLACE FUNCTION a_outer() RETURNS int LANGUAGE sql AS $$ SELECT b_inner() + 1 $$;");
        Write("R__b_inner.sql", "CREATE OR REPLACE FUNCTION b_inner() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;");
        await migrator.MigrateAsync(Folder, Ct);
        await using (var conn = await OpenAsync())
            Assert.Equal(2, await conn.ExecuteScalarAsync<int>("SELECT a_outer()"));

        Write("R__b_inner.sql", "CREATE OR REPLACE FUNCTION b_inner() RETURNS int LANGUAGE sql AS $$ SELECT count(*)::int FROM no_such_table $$;");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => migrator.MigrateAsync(Folder, Ct));

        Assert.Contains("Function b_inner() does not compile", error.Message);
        Assert.Contains("no_such_table", error.Message);
    }

    private async Task FormerMigratorAppliedAsync(params string[] ids)
    {
        await NewMigrator().MigrateAsync([], Ct); // creates the database
        await using var conn = await OpenAsync();
        await conn.ExecuteAsync("CREATE TABLE schema_migrations (id text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
        await conn.ExecuteAsync("INSERT INTO schema_migrations (id, checksum) SELECT unnest(@ids), 'x'", new { ids });
    }

    [Fact]
    public async Task A_database_the_former_migrator_migrated_is_adopted_and_only_newer_scripts_run()
    {
        await FormerMigratorAppliedAsync("test/0001_a.sql", "test/0002_b.sql");
        await using (var conn = await OpenAsync())
            await conn.ExecuteAsync("CREATE TABLE a (id int); CREATE TABLE b (id int); CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;");
        Write("V0001__a.sql", "CREATE TABLE a (id int)");
        Write("V0002__b.sql", "CREATE TABLE b (id int)");
        Write("V0003__c.sql", "CREATE TABLE c (id int)");
        Write("R__f.sql", "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;");

        var applied = await NewMigrator().MigrateAsync(Folder, Ct);

        Assert.Equal(["test/V0003__c.sql", "test/R__f.sql"], applied);
        await using var check = await OpenAsync();
        Assert.False(await check.ExecuteScalarAsync<bool>("SELECT to_regclass('schema_migrations') IS NOT NULL"));
        Assert.True(await check.ExecuteScalarAsync<bool>("SELECT to_regclass('c') IS NOT NULL"));
        Assert.Empty(await NewMigrator().MigrateAsync(Folder, Ct));
    }

    [Fact]
    public async Task A_database_the_former_migrator_left_with_a_gap_is_refused_with_what_to_do()
    {
        await FormerMigratorAppliedAsync("test/0002_b.sql");
        Write("V0001__a.sql", "CREATE TABLE a (id int)");
        Write("V0002__b.sql", "CREATE TABLE b (id int)");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => NewMigrator().MigrateAsync(Folder, Ct));

        Assert.Contains("without test/0001_a.sql", error.Message);
        Assert.Contains($"DROP DATABASE \"{_database}\"", error.Message);
        await using var check = await OpenAsync();
        Assert.False(await check.ExecuteScalarAsync<bool>("SELECT to_regclass('a') IS NOT NULL"));
    }
}
