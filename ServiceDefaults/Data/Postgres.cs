using GovPlatform.ServiceDefaults.Messaging;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GovPlatform.ServiceDefaults.Data;

/// <summary>The service's own database, under the connection name Aspire injects.</summary>
public sealed record DatabaseSettings(string Name, string ConnectionString);

public static class PostgresExtensions
{
    /// <summary>
    /// Registers the service's <see cref="NpgsqlDataSource"/> from <c>ConnectionStrings:{name}</c>,
    /// its migrator, the outbox/inbox retention, and a readiness check.
    /// </summary>
    public static WebApplicationBuilder AddServiceDatabase(this WebApplicationBuilder builder, string name)
    {
        var connectionString = builder.Configuration.GetConnectionString(name)
            ?? throw new InvalidOperationException($"Connection string '{name}' is missing: set ConnectionStrings__{name}.");
        builder.Services.AddSingleton(new DatabaseSettings(name, connectionString));
        builder.Services.AddSingleton(_ =>
        {
            var dsb = new NpgsqlDataSourceBuilder(connectionString) { Name = name };
            // Every service runs the same few statements over and over: let Npgsql prepare them after a
            // second use instead of having PostgreSQL parse and plan each one again (a setting in the
            // connection string still wins).
            if (!connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase))
            {
                dsb.ConnectionStringBuilder.MaxAutoPrepare = 64;
                dsb.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
            }
            return dsb.Build();
        });
        builder.Services.AddSingleton<Migrator>();
        // Every service database holds the platform's outbox and inbox tables, so their retention comes with it.
        builder.Services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<RetentionOptions>, RetentionOptions.Validator>();
        builder.Services.AddHostedService<MessageRetention>();
        builder.Services.AddSingleton<Health.PostgresReadinessCheck>();
        builder.Services.AddHealthChecks().AddCheck<Health.PostgresReadinessCheck>(name, tags: ["ready"]);
        return builder;
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
