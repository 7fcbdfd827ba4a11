using System.Diagnostics.Metrics;
using GovPlatform.ServiceDefaults.Data;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace GovPlatform.ServiceDefaults.Health;

/// <summary>
/// Readiness of the service's PostgreSQL database, measured on a connection of the check's own.
/// </summary>
/// <remarks>
/// The check must not borrow from the service's pool: under load that pool is exhausted by requests, so
/// a probe would wait behind them and report a reachable database as down (or, with many probers, add
/// its own connection attempts to a server that is just restarting). One connection, a 3 s budget, one
/// probe at a time, and the answer reused for a second whoever asks. When the server is unreachable the
/// service's pool is cleared, so the idle connections that died with the server are not handed to the
/// first requests after it returns.
/// </remarks>
public sealed class PostgresReadinessCheck : IHealthCheck, IAsyncDisposable
{
    private static readonly TimeSpan Reuse = TimeSpan.FromSeconds(1);
    private readonly NpgsqlDataSource _probe;
    private readonly NpgsqlDataSource _service;
    private readonly SemaphoreSlim _one = new(1, 1);
    private (DateTime At, HealthCheckResult Result)? _last;

    public PostgresReadinessCheck(DatabaseSettings settings, NpgsqlDataSource service)
    {
        _service = service;
        var csb = new NpgsqlConnectionStringBuilder(settings.ConnectionString)
        {
            MaxPoolSize = 1, MinPoolSize = 0, Timeout = 3, CommandTimeout = 3,
            ApplicationName = "readiness", Enlist = false,
        };
        _probe = NpgsqlDataSource.Create(csb);
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        if (_last is { } recent && DateTime.UtcNow - recent.At < Reuse) return recent.Result;
        await _one.WaitAsync(ct);
        try
        {
            if (_last is { } again && DateTime.UtcNow - again.At < Reuse) return again.Result;
            HealthCheckResult result;
            try
            {
                await using var cmd = _probe.CreateCommand("SELECT 1");
                await cmd.ExecuteScalarAsync(ct);
                result = HealthCheckResult.Healthy("PostgreSQL answers");
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                // Only the kind of failure: exception text can hold host names and user names.
                result = HealthCheckResult.Unhealthy($"PostgreSQL is unreachable ({e.GetType().Name})");
                _probe.Clear();
                // Only when the server itself went away: a probe that merely timed out on a busy machine must not
                // make every pooled connection reconnect (that would be a storm of its own).
                if (ServerGone(e)) _service.Clear();
            }
            _last = (DateTime.UtcNow, result);
            return result;
        }
        finally
        {
            _one.Release();
        }
    }

    private static bool ServerGone(Exception e) => e switch
    {
        // 57P01-57P03: shut down, crashed, not yet accepting connections.
        PostgresException p => p.SqlState.StartsWith("57P", StringComparison.Ordinal),
        NpgsqlException { InnerException: System.Net.Sockets.SocketException or IOException } => true,
        _ => false,
    };

    public async ValueTask DisposeAsync()
    {
        await _probe.DisposeAsync();
        _one.Dispose();
    }
}

/// <summary>
/// Readiness of RabbitMQ as MassTransit sees it: unready unless every receive endpoint is connected.
/// </summary>
/// <remarks>
/// MassTransit's own bus check reports an endpoint whose connection dropped as <c>Degraded</c>, which
/// ASP.NET Core answers with 200: a service that can neither receive nor publish looked ready. This one
/// turns anything short of healthy into unready.
/// </remarks>
public sealed class RabbitMqReadinessCheck(IBusControl bus) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        var health = bus.CheckHealth();
        var notReady = health.Endpoints.Count(e => e.Value.Status != BusHealthStatus.Healthy);
        return Task.FromResult(health.Status == BusHealthStatus.Healthy
            ? HealthCheckResult.Healthy("RabbitMQ connected")
            : HealthCheckResult.Unhealthy($"RabbitMQ is unreachable or not ready ({notReady} of {health.Endpoints.Count} endpoints not ready)"));
    }
}

/// <summary>
/// Counts what sits in the service's error queues every <see cref="Interval"/>: shown in <c>/health</c>
/// (as a healthy check's description: a poisoned message is no reason to take the service out of
/// rotation) and as the gauge <c>govplatform.messaging.error_queue.messages</c> per queue.
/// </summary>
public sealed class ErrorQueueMonitor(BrokerAdmin admin, ILogger<ErrorQueueMonitor> logger) : BackgroundService, IHealthCheck
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private static readonly Meter Meter = new("GovPlatform.Messaging");
    private volatile IReadOnlyDictionary<string, long>? _counts;

    public IReadOnlyDictionary<string, long>? Counts => _counts;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Meter.CreateObservableGauge("govplatform.messaging.error_queue.messages",
            () => (_counts ?? new Dictionary<string, long>()).Select(c => new Measurement<long>(c.Value, new KeyValuePair<string, object?>("queue", c.Key))),
            unit: "{message}", description: "Messages waiting in each error queue of this service");
        using var timer = new PeriodicTimer(Interval);
        do
        {
            try
            {
                _counts = await admin.ErrorCountsAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // RabbitMQ is down: its readiness check says so; the counts come back with it.
                logger.LogDebug("Error queue counts unavailable: {Error}", e.GetType().Name);
                _counts = null;
            }
        } while (await timer.NextTickAsync(stoppingToken));
    }

    public async Task RefreshAsync(CancellationToken ct) => _counts = await admin.ErrorCountsAsync(ct);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        var counts = _counts;
        if (counts is null) return Task.FromResult(HealthCheckResult.Healthy("error queue counts not known yet"));
        var total = counts.Values.Sum();
        var description = total == 0
            ? "no messages in error queues"
            : $"{total} message(s) in error queues: " + string.Join(", ", counts.Where(c => c.Value > 0).Select(c => $"{c.Key}={c.Value}"));
        return Task.FromResult(HealthCheckResult.Healthy(description, counts.ToDictionary(c => c.Key, c => (object)c.Value)));
    }
}

public static class DependencyCheckExtensions
{
    /// <summary>The readiness checks of RabbitMQ and the error queues (the database's is registered by <c>AddServiceDatabase</c>).</summary>
    public static IServiceCollection AddMessagingChecks(this IServiceCollection services)
    {
        services.AddSingleton<ErrorQueueMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<ErrorQueueMonitor>());
        services.AddHealthChecks()
            .AddCheck<RabbitMqReadinessCheck>("rabbitmq", tags: ["ready"])
            .Add(new HealthCheckRegistration("error-queues", sp => sp.GetRequiredService<ErrorQueueMonitor>(), HealthStatus.Unhealthy, ["ready"]));
        return services;
    }
}
