using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace GovPlatform.ServiceDefaults.Data;

/// <summary>
/// Applies numbered <c>.sql</c> scripts embedded in an assembly, in order, each once.
/// </summary>
/// <remarks>
/// Hand-written because no migration library (DbUp, Evolve, FluentMigrator) restores from this
/// environment's package mirror. It stays small on purpose: a journal table, a checksum per
/// script so an edited migration is caught, one transaction per script, and a session advisory
/// lock so instances starting together take turns instead of colliding.
/// </remarks>
public sealed class Migrator(
    NpgsqlDataSource dataSource, DatabaseSettings settings, IEnumerable<Migrator.Source> modules, ILogger<Migrator> logger)
{
    // Any constant works; it only has to be the same for every instance of every service.
    private const long AdvisoryLockKey = 0x60_76_50_1A_7F_00_00_01;

    public record Script(string Id, string Sql)
    {
        public string Checksum => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)))[..16];
    }

    /// <summary>Where a set of scripts lives: embedded resources named <c>{Prefix}NNNN_name.sql</c>.</summary>
    /// <param name="Scope">Journal prefix, so two sets may both have a <c>0001</c>.</param>
    public sealed record Source(string Scope, Assembly Assembly, string ResourcePrefix);

    /// <summary>The platform's scripts (outbox, inbox), then opt-in modules', then the service's own, each set by number.</summary>
    public IReadOnlyList<Script> ScriptsFor(Assembly serviceAssembly) =>
        [.. EmbeddedScripts(new Source("platform", typeof(Migrator).Assembly, "Platform.Migrations.")),
         .. modules.SelectMany(EmbeddedScripts),
         .. EmbeddedScripts(new Source("service", serviceAssembly, "Migrations."))];

    public static IEnumerable<Script> EmbeddedScripts(Source source) =>
        source.Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(source.ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n =>
            {
                using var reader = new StreamReader(source.Assembly.GetManifestResourceStream(n)!, Encoding.UTF8);
                return new Script($"{source.Scope}/{n[source.ResourcePrefix.Length..]}", reader.ReadToEnd());
            })
            .OrderBy(s => s.Id, StringComparer.Ordinal);

    public async Task<int> MigrateAsync(IReadOnlyList<Script> scripts, CancellationToken ct = default)
    {
        await EnsureDatabaseExistsAsync(ct);

        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@AdvisoryLockKey)", new { AdvisoryLockKey }, cancellationToken: ct));
        try
        {
            const string journal = """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    id          text        PRIMARY KEY,
                    checksum    text        NOT NULL,
                    applied_at  timestamptz NOT NULL DEFAULT now()
                )
                """;
            await conn.ExecuteAsync(new CommandDefinition(journal, cancellationToken: ct));
            var applied = (await conn.QueryAsync<(string Id, string Checksum)>(
                    new CommandDefinition("SELECT id, checksum FROM schema_migrations", cancellationToken: ct)))
                .ToDictionary(r => r.Id, r => r.Checksum);

            var count = 0;
            foreach (var script in scripts)
            {
                if (applied.TryGetValue(script.Id, out var checksum))
                {
                    if (checksum != script.Checksum)
                        throw new InvalidOperationException(
                            $"Migration {script.Id} was changed after it was applied (checksum {checksum}, now {script.Checksum}). Add a new migration instead.");
                    continue;
                }

                await using var tx = await conn.BeginTransactionAsync(ct);
                await conn.ExecuteAsync(new CommandDefinition(script.Sql, transaction: tx, cancellationToken: ct));
                await conn.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO schema_migrations (id, checksum) VALUES (@Id, @Checksum)",
                    new { script.Id, script.Checksum }, tx, cancellationToken: ct));
                await tx.CommitAsync(ct);
                logger.LogInformation("Applied migration {Migration}", script.Id);
                count++;
            }
            return count;
        }
        finally
        {
            await conn.ExecuteAsync("SELECT pg_advisory_unlock(@AdvisoryLockKey)", new { AdvisoryLockKey });
        }
    }

    /// <summary>
    /// Creates the service's database when it does not exist yet, so a bare PostgreSQL server
    /// (local script, tests) needs no manual step; under Aspire the database already exists.
    /// </summary>
    private async Task EnsureDatabaseExistsAsync(CancellationToken ct)
    {
        var target = new NpgsqlConnectionStringBuilder(settings.ConnectionString);
        var database = target.Database ?? throw new InvalidOperationException("The connection string names no database.");
        var admin = new NpgsqlConnectionStringBuilder(settings.ConnectionString) { Database = "postgres", Pooling = false };
        await using var conn = new NpgsqlConnection(admin.ConnectionString);
        await conn.OpenAsync(ct);
        var exists = await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = @database)", new { database }, cancellationToken: ct));
        if (exists) return;
        try
        {
            // Identifiers cannot be parameters; quote it so any name is safe.
            await conn.ExecuteAsync(new CommandDefinition($"CREATE DATABASE \"{database.Replace("\"", "\"\"")}\"", cancellationToken: ct));
            logger.LogInformation("Created database {Database}", database);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
        {
            // Another instance created it between our check and our CREATE: that is the goal anyway.
        }
    }
}
