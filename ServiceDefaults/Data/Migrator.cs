using System.Reflection;
using Dapper;
using EvolveDb;
using EvolveDb.Dialect;
using EvolveDb.Migration;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace GovPlatform.ServiceDefaults.Data;

/// <summary>
/// Applies the platform's, the opt-in modules' and the service's SQL scripts with Evolve, each set with its
/// own journal table (<c>changelog_{scope}</c>), so two sets may both have a <c>V0001</c>.
/// </summary>
/// <remarks>
/// A set is <c>V{NNNN}__{name}.sql</c> scripts, applied once each in number order, each in its own transaction,
/// and <c>R__{name}.sql</c> scripts (stored functions with their triggers), applied after them and again
/// whenever their text changes. Evolve refuses to start when an applied versioned script was edited (its
/// checksum is journalled). Why Evolve and how to add a script: docs/migrations.md.
/// </remarks>
public sealed class Migrator(
    NpgsqlDataSource dataSource, DatabaseSettings settings, IEnumerable<Migrator.Source> modules, ILogger<Migrator> logger)
{
    // Any constant works; it only has to be the same for every instance of every service. Held for the whole
    // run, so instances starting together queue on it instead of polling Evolve's own lock every 3 s.
    private const long AdvisoryLockKey = 0x60_76_50_1A_7F_00_00_01;

    /// <summary>One set of scripts with its own journal.</summary>
    /// <param name="Scope">Names the journal table <c>changelog_{Scope}</c>.</param>
    /// <param name="Assembly">Where the scripts are embedded; null when <paramref name="Location"/> is a folder (tests).</param>
    /// <param name="Location">The embedded resources' name prefix (e.g. <c>Migrations.</c>), or a folder.</param>
    public sealed record Source(string Scope, Assembly? Assembly, string Location)
    {
        public string JournalTable => $"changelog_{Scope}";

        public static Source Folder(string scope, string path) => new(scope, null, path);
    }

    public static readonly Source Platform = new("platform", typeof(Migrator).Assembly, "Platform.Migrations.");

    /// <summary>The platform's scripts (outbox, inbox), then opt-in modules', then the service's own.</summary>
    public IReadOnlyList<Source> SourcesFor(Assembly serviceAssembly) =>
        [Platform, .. modules, new Source("service", serviceAssembly, "Migrations.")];

    /// <summary>Applies what is pending; returns the scripts applied, as <c>{scope}/{file}</c>.</summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(IReadOnlyList<Source> sources, CancellationToken ct = default)
    {
        await EnsureDatabaseExistsAsync(ct);

        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@AdvisoryLockKey)", new { AdvisoryLockKey }, cancellationToken: ct));
        try
        {
            var former = await FormerJournalAsync(conn, ct);

            // Repeatable scripts run in name order, and a SQL-language function's body is checked against the
            // functions it calls when it is created: unchecked, they may come in any order (pg_dump does the
            // same). Every body is checked once all are in place (CheckFunctionBodiesAsync).
            await conn.ExecuteAsync("SET check_function_bodies = off");
            var applied = new List<string>();
            foreach (var source in sources)
            {
                ct.ThrowIfCancellationRequested();
                applied.AddRange(Apply(conn, source, former).Select(name => $"{source.Scope}/{name}"));
            }
            await CheckFunctionBodiesAsync(conn, ct);
            if (former is not null)
            {
                // Every set now has its own journal; the former one would only mislead.
                await conn.ExecuteAsync(new CommandDefinition("DROP TABLE schema_migrations", cancellationToken: ct));
                logger.LogInformation("Adopted database {Database} from the former migrator's journal", conn.Database);
            }
            return applied;
        }
        finally
        {
            await conn.ExecuteAsync("RESET check_function_bodies; SELECT pg_advisory_unlock(@AdvisoryLockKey)", new { AdvisoryLockKey });
        }
    }

    private List<string> Apply(NpgsqlConnection conn, Source source, ILookup<string, string>? former)
    {
        // Evolve keeps a connection it was given open, so its session settings and locks stay ours.
        var evolve = new Evolve(conn, message => logger.LogDebug("{Scope}: {Message}", source.Scope, message), DBMS.PostgreSQL)
        {
            MetadataTableName = source.JournalTable,
            IsEraseDisabled = true,
            // Migrations run before the service takes traffic: a long rebuild must not be cut at 30 s.
            CommandTimeout = 0,
        };
        if (source.Assembly is { } assembly)
        {
            evolve.EmbeddedResourceAssemblies = [assembly];
            evolve.EmbeddedResourceFilters = [source.Location];
        }
        else
        {
            evolve.Locations = [source.Location];
        }

        if (former is not null && former[source.Scope].Any() && !JournalExists(conn, source))
            evolve.StartVersion = Adopt(conn, source, evolve.MigrationLoader.GetMigrations(), former[source.Scope]);

        try
        {
            evolve.Migrate();
        }
        catch (EvolveDb.EvolveValidationException e)
        {
            throw new InvalidOperationException(
                $"The '{source.Scope}' migrations of database {conn.Database} do not match its journal ({source.JournalTable}): {e.Message} " +
                "An applied V script must never be edited, and a new one is numbered after the last applied: add a new V script " +
                "instead (functions and triggers live in R__ scripts, which may be edited).", e);
        }
        foreach (var name in evolve.AppliedMigrations)
            logger.LogInformation("Applied migration {Scope}/{Migration}", source.Scope, name);
        return evolve.AppliedMigrations;
    }

    /// <summary>
    /// The hand-written migrator this one replaced journalled <c>{scope}/{NNNN}_{name}.sql</c> into
    /// <c>schema_migrations</c>; null when the database has no such table.
    /// </summary>
    private static async Task<ILookup<string, string>?> FormerJournalAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        if (!await conn.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT to_regclass('schema_migrations') IS NOT NULL", cancellationToken: ct)))
            return null;
        var ids = await conn.QueryAsync<string>(new CommandDefinition("SELECT id FROM schema_migrations", cancellationToken: ct));
        return ids.Select(id => id.Split('/', 2)).Where(p => p.Length == 2).ToLookup(p => p[0], p => p[1]);
    }

    private static bool JournalExists(NpgsqlConnection conn, Source source) =>
        conn.ExecuteScalar<bool>("SELECT to_regclass(@table) IS NOT NULL", new { table = source.JournalTable });

    /// <summary>
    /// A set the former migrator applied up to number N starts its Evolve journal at N + 1 (Evolve's start version):
    /// the schema is the one V0001..VN give, whose former names it journalled. Its R__ scripts then run, as on any
    /// first start, and replace the functions the former scripts created with the same bodies.
    /// </summary>
    private MigrationVersion Adopt(NpgsqlConnection conn, Source source, IEnumerable<MigrationScript> scripts, IEnumerable<string> formerNames)
    {
        var former = formerNames.ToHashSet(StringComparer.Ordinal);
        var last = former.Max(n => int.Parse(n[..n.IndexOf('_')], System.Globalization.CultureInfo.InvariantCulture));
        // V0004__kpi_daily.sql was 0004_kpi_daily.sql.
        var missing = scripts.Where(s => s.Version! <= new MigrationVersion(last.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .Select(s => s.Name[1..].Replace("__", "_", StringComparison.Ordinal))
            .Where(n => !former.Contains(n))
            .ToList();
        if (missing.Count > 0)
            throw new InvalidOperationException(
                $"Database {conn.Database} was migrated by the platform's former migrator (table schema_migrations) without " +
                $"{string.Join(", ", missing.Select(n => $"{source.Scope}/{n}"))}, so it cannot be adopted. " +
                $"Drop it (DROP DATABASE \"{conn.Database}\" WITH (FORCE)); the service creates and migrates it again at start. See docs/migrations.md.");
        logger.LogInformation("Adopting the {Scope} migrations of {Database}: the former migrator applied up to {Last}", source.Scope, conn.Database, last);
        return new MigrationVersion((last + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Compiles every SQL and PL/pgSQL function of the schema, so a broken body stops the start as it did when checked at creation.</summary>
    private static async Task CheckFunctionBodiesAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        const string functions = """
            SELECT p.oid::bigint AS Oid, p.oid::regprocedure::text AS Name, l.lanvalidator::regproc::text AS Validator
            FROM pg_proc p
            JOIN pg_language l ON l.oid = p.prolang
            WHERE p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) AND l.lanname IN ('sql', 'plpgsql')
            ORDER BY p.oid
            """;
        await conn.ExecuteAsync("SET check_function_bodies = on");
        foreach (var f in await conn.QueryAsync<(long Oid, string Name, string Validator)>(new CommandDefinition(functions, cancellationToken: ct)))
        {
            try
            {
                // The validator is the language's own (fmgr_sql_validator, plpgsql_validator): an identifier, not input.
                await conn.ExecuteAsync(new CommandDefinition($"SELECT {f.Validator}(@Oid::oid)", new { f.Oid }, cancellationToken: ct));
            }
            catch (PostgresException e)
            {
                throw new InvalidOperationException($"Function {f.Name} does not compile: {e.MessageText}", e);
            }
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
