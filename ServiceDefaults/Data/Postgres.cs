using GovPlatform.ServiceDefaults.Messaging;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GovPlatform.ServiceDefaults.Data;

/// <summary>The service's own database, under the connection name Aspire injects.</summary>
/// <param name="MaxPoolSize">The most connections the service's data source opens (<see cref="PostgresExtensions.PoolSizeSetting"/>).</param>
public sealed record DatabaseSettings(string Name, string ConnectionString, int MaxPoolSize = PostgresExtensions.DefaultMaxPoolSize);

public static class PostgresExtensions
{
    /// <summary>Bounds each service's pool; a <c>Maximum Pool Size</c> in the connection string still wins.</summary>
    public const string PoolSizeSetting = "Database:MaxPoolSize";

    /// <summary>
    /// PostgreSQL on the platform's two-core machines does most with a handful of backends at work: beyond that they
    /// take turns on the CPU and contend for locks and the WAL (the pipeline benchmark's pgbench baseline ran whole
    /// requests at 189/s with 8 clients and 124/s with 32, bench/GovPlatform.Pipeline.Benchmarks/RESULTS.md). Npgsql's
    /// default of 100 per service let the four services hold 120-160 backends under that benchmark. Sixteen per
    /// service (64 for the stack) still holds a service's relay, its clocks and up to half the pool in consumers
    /// (<c>Messaging:ConcurrentMessageLimit</c>), with the rest for HTTP requests, which wait their turn in the pool
    /// rather than as backends in PostgreSQL. The listeners hold connections of <see cref="SessionDatabase"/>, outside it.
    /// </summary>
    public const int DefaultMaxPoolSize = 16;

    /// <summary>The pool size a connection string gets: its own <c>Maximum Pool Size</c> if it names one, else configuration's.</summary>
    public static int MaxPoolSize(IConfiguration configuration, string connectionString) =>
        NamesPoolSize(connectionString)
            ? new NpgsqlConnectionStringBuilder(connectionString).MaxPoolSize
            : Math.Max(1, configuration.GetValue(PoolSizeSetting, DefaultMaxPoolSize));

    private static bool NamesPoolSize(string connectionString) =>
        connectionString.Contains("Max Pool", StringComparison.OrdinalIgnoreCase)
        || connectionString.Contains("Maximum Pool", StringComparison.OrdinalIgnoreCase)
        || connectionString.Contains("MaxPoolSize", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Registers the service's <see cref="NpgsqlDataSource"/> from <c>ConnectionStrings:{name}</c>,
    /// its migrator, the outbox/inbox retention, and a readiness check.
    /// </summary>
    public static WebApplicationBuilder AddServiceDatabase(this WebApplicationBuilder builder, string name)
    {
        var connectionString = builder.Configuration.GetConnectionString(name)
            ?? throw new InvalidOperationException($"Connection string '{name}' is missing: set ConnectionStrings__{name}.");
        var poolSize = MaxPoolSize(builder.Configuration, connectionString);
        builder.Services.AddSingleton(new DatabaseSettings(name, connectionString, poolSize));
        // Npgsql resets a pooled connection's session (DISCARD ALL, or RESET ALL; CLOSE ALL; UNLISTEN *; … with
        // prepared statements) before its next use, and PostgreSQL runs and commits that as a transaction of its own:
        // about half of the commits the pipeline benchmark counted per request. Nothing the services do on this pool
        // leaves session state behind: their settings are SET LOCAL or set_config(…, true), their advisory locks the
        // _xact_ ones, no temporary tables, no cursors WITH HOLD, and the statements Npgsql prepares are meant to
        // stay (a reset keeps them too). What does leave state (LISTEN, a session advisory lock, a session SET) takes
        // its connection from SessionDatabase instead, which keeps the reset. PooledSessionStateTests holds both.
        builder.Services.AddSingleton(_ => Build(connectionString, name, poolSize, resetOnClose: false));
        builder.Services.AddSingleton(_ => new SessionDatabase(Build(connectionString, $"{name}:session", SessionDatabase.PoolSize, resetOnClose: true)));
        // The migrator holds a session advisory lock and sets check_function_bodies for its run.
        builder.Services.AddSingleton(sp => ActivatorUtilities.CreateInstance<Migrator>(sp, sp.GetRequiredService<SessionDatabase>().Source));
        // Every service database holds the platform's outbox and inbox tables, so their retention comes with it.
        builder.Services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<RetentionOptions>, RetentionOptions.Validator>();
        // One sweeper at a time per database, by a session advisory lock held across its batches.
        builder.Services.AddHostedService(sp => ActivatorUtilities.CreateInstance<MessageRetention>(sp, sp.GetRequiredService<SessionDatabase>().Source));
        builder.Services.AddSingleton<Health.PostgresReadinessCheck>();
        builder.Services.AddHealthChecks().AddCheck<Health.PostgresReadinessCheck>(name, tags: ["ready"]);
        return builder;
    }

    private static NpgsqlDataSource Build(string connectionString, string name, int poolSize, bool resetOnClose)
    {
        var dsb = new NpgsqlDataSourceBuilder(connectionString) { Name = name };
        // A request that finds every connection busy waits in the pool (Npgsql's queue, up to the connection
        // string's Timeout, 15 s by default) instead of opening one more backend; consumers never queue
        // here, because the messaging's gate runs no more of them at once than their share of this pool.
        dsb.ConnectionStringBuilder.MaxPoolSize = poolSize;
        // Every service runs the same few statements over and over: let Npgsql prepare them after a
        // second use instead of having PostgreSQL parse and plan each one again (a setting in the
        // connection string still wins).
        if (!connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase))
        {
            dsb.ConnectionStringBuilder.MaxAutoPrepare = 64;
            dsb.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
        }
        if (resetOnClose)
        {
            // Whatever the connection string says: these connections do leave state on their sessions.
            dsb.ConnectionStringBuilder.NoResetOnClose = false;
            var app = dsb.ConnectionStringBuilder.ApplicationName;
            dsb.ConnectionStringBuilder.ApplicationName = string.IsNullOrEmpty(app) ? SessionDatabase.ApplicationName : $"{app} {SessionDatabase.ApplicationName}";
        }
        // A connection string that names the setting wins here too.
        else if (!connectionString.Contains("Reset On Close", StringComparison.OrdinalIgnoreCase)
            && !connectionString.Contains("ResetOnClose", StringComparison.OrdinalIgnoreCase))
            dsb.ConnectionStringBuilder.NoResetOnClose = true;
        return dsb.Build();
    }

    /// <summary>Applies the platform's and the service's migrations; call before the app takes traffic.</summary>
    public static async Task MigrateDatabaseAsync(this WebApplication app)
    {
        // The service's assembly by its application name: under a test host the entry assembly is the test runner.
        var serviceAssembly = System.Reflection.Assembly.Load(new System.Reflection.AssemblyName(app.Environment.ApplicationName));
        var migrator = app.Services.GetRequiredService<Migrator>();
        await migrator.MigrateAsync(migrator.SourcesFor(serviceAssembly), app.Lifetime.ApplicationStopping);
        // Kubernetes runs the image once with this set, as an init container before the service's own (deploy/k8s):
        // the schema is migrated under the migrator's lock and the process ends without taking traffic.
        if (app.Configuration.GetValue<bool>("Migrations:ExitAfterMigrating")) Environment.Exit(0);
    }
}
