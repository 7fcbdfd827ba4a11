using GovPlatform.ServiceDefaults.Data;
using GovPlatform.ServiceDefaults.Health;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GovPlatform.ServiceDefaults.Messaging;

public static class MessagingExtensions
{
    /// <summary>
    /// MassTransit over RabbitMQ from <c>ConnectionStrings:messaging</c> (an amqp:// URI, as Aspire
    /// injects it), in-place retries, then delayed redeliveries, then error queues; the outbox relay, and
    /// readiness checks of RabbitMQ, the database (on a connection of its own) and the error queues.
    /// </summary>
    /// <param name="serviceName">Prefixes queue names, so each service gets its own copy of every event
    /// while instances of one service compete for it.</param>
    public static WebApplicationBuilder AddMessaging(
        this WebApplicationBuilder builder, string serviceName, Action<IBusRegistrationConfigurator>? consumers = null,
        params string[] ungatedQueues)
    {
        var uri = new Uri(builder.Configuration.GetConnectionString("messaging")
            ?? throw new InvalidOperationException("Connection string 'messaging' is missing: set ConnectionStrings__messaging to an amqp:// URI."));

        var retryIntervals = (builder.Configuration["Messaging:RetryIntervalsMs"] ?? "100,500,1000,2000,5000")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();

        // After the in-place retries, a message that still fails waits in a delay queue and comes back: 10 s,
        // 1 min, 5 min, 15 min, 30 min (about 51 minutes in all), which outlasts a server restart or a failover;
        // only what fails after that lands in the error queue, where the admin API can replay it.
        var redeliveryIntervals = (builder.Configuration["Messaging:RedeliveryIntervals"] ?? "00:00:10,00:01:00,00:05:00,00:15:00,00:30:00")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => TimeSpan.Parse(t, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        builder.Services.AddSingleton(new MessagingSettings(uri, serviceName, redeliveryIntervals));
        builder.Services.AddSingleton<BrokerAdmin>();
        builder.Services.AddReceiveEndpointObserver(sp => new InputQueueObserver(sp.GetRequiredService<BrokerAdmin>()));

        var prefetch = builder.Configuration.GetValue("Messaging:PrefetchCount", 16);
        builder.Services.AddSingleton(sp => ConsumerGate.For(builder.Configuration, sp.GetService<DatabaseSettings>()));
        var ungated = (builder.Configuration["Messaging:UngatedQueues"] ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Concat(ungatedQueues).ToHashSet(StringComparer.Ordinal);
        builder.Services.AddMassTransit(x =>
        {
            x.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(serviceName, includeNamespace: false));
            // The platform runs on closed government networks: MassTransit must not phone home.
            x.DisableUsageTelemetry();
            // Every endpoint prefetches its own messages, but all of them draw on one connection pool: the gate lets
            // no more deliveries of the whole service run at once than its share of that pool, so under a storm the
            // rest wait as unacknowledged messages (redelivered if the process dies), not in Npgsql's pool queue,
            // whose timeout would fail them. Added after the bus's retry filters, so a delivery waiting for its next
            // retry holds no slot. A queue whose consumers hold no connection of their own while they run (they hand
            // their work to writers with connections of their own) is named by the service or in Messaging:UngatedQueues.
            x.AddConfigureEndpointsCallback((context, queue, endpoint) =>
            {
                if (!ungated.Contains(queue)) endpoint.UseFilter(new ConsumerGate.Filter(context.GetRequiredService<ConsumerGate>()));
            });
            consumers?.Invoke(x);
            x.UsingRabbitMq((context, cfg) =>
            {
                var (user, password) = Credentials(uri);
                cfg.Host(uri.Host, (ushort)(uri.IsDefaultPort || uri.Port < 0 ? 5672 : uri.Port), VirtualHost(uri), h =>
                {
                    h.Username(user);
                    h.Password(password);
                    h.PublisherConfirmation = true;
                });
                var admin = context.GetRequiredService<BrokerAdmin>();
                // MassTransit reconnects to a broker that went away by itself, backing off from 3 s to 30 s
                // between tries (its RabbitMQ transport's fixed policy), one connection per bus: no storm.
                // Transient faults are retried in place; what still fails is redelivered later (the outer
                // policy, added first), and what fails after that lands in the endpoint's _error queue with
                // its exception, never dropped.
                if (redeliveryIntervals.Length > 0)
                    cfg.UseTtlQueueRedelivery(admin, r =>
                    {
                        r.Intervals(redeliveryIntervals);
                        // Waiting cannot fix a message that is itself wrong (a missing field, bad data): it goes to the
                        // error queue after the in-place retries, where it is seen at once instead of in 51 minutes.
                        // A foreign-key violation is redelivered: the row it needs may come with a later event.
                        r.Ignore<ArgumentException>();
                        r.Ignore<NullReferenceException>();
                        r.Ignore<FormatException>();
                        r.Ignore<InvalidCastException>();
                        r.Ignore<System.Text.Json.JsonException>();
                        r.Ignore<Npgsql.PostgresException>(e => e.SqlState.StartsWith("22", StringComparison.Ordinal)
                            || e.SqlState.StartsWith("42", StringComparison.Ordinal) || e.SqlState == "23502");
                    });
                cfg.UseMessageRetry(r => r.Intervals(retryIntervals));
                // MassTransit's default takes two messages per core at a time; a consumer here waits mostly on
                // Postgres round trips, not CPU, so more in flight keeps a storm moving. How many of them run at
                // once against the database is the gate's business, whatever endpoints x prefetch add up to.
                cfg.PrefetchCount = prefetch;
                cfg.ConfigureEndpoints(context);
            });
        });
        builder.Services.AddOptions<MassTransitHostOptions>().Configure(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(60);
            o.StopTimeout = TimeSpan.FromSeconds(30);
        });

        var outbox = builder.Configuration.GetSection("Outbox").Get<OutboxOptions>() ?? new OutboxOptions();
        builder.Services.AddSingleton(outbox);
        builder.Services.AddSingleton<OutboxRelay>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<OutboxRelay>());
        builder.Services.AddMessagingChecks();
        return builder;
    }

    /// <summary>
    /// At most <see cref="Limit"/> deliveries of the service's endpoints run at once, each holding at most one pooled
    /// connection: by default half the pool (<c>Messaging:ConcurrentMessageLimit</c> sets it), which leaves the rest
    /// for the relay, the listeners, the clocks and HTTP requests.
    /// </summary>
    /// <remarks>
    /// Written here because MassTransit's own limits (<c>ConcurrentMessageLimit</c>, <c>UseConcurrencyLimit</c>) build one
    /// filter per endpoint, so with a queue per consumer they would bound each queue, not the service's pool.
    /// </remarks>
    public sealed class ConsumerGate(int limit)
    {
        public const string LimitSetting = "Messaging:ConcurrentMessageLimit";

        private readonly SemaphoreSlim _slots = new(limit, limit);
        private int _running;
        private int _most;

        public int Limit { get; } = limit;

        /// <summary>The most deliveries seen running at once since start (a test's and an operator's check that the bound holds).</summary>
        public int MostRunning => Volatile.Read(ref _most);

        public static ConsumerGate For(IConfiguration configuration, DatabaseSettings? database) =>
            new(Math.Max(1, configuration.GetValue(LimitSetting, Math.Max(1, (database?.MaxPoolSize ?? PostgresExtensions.DefaultMaxPoolSize) / 2))));

        public sealed class Filter(ConsumerGate gate) : IFilter<ConsumeContext>
        {
            public async Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
            {
                await gate._slots.WaitAsync(context.CancellationToken);
                var running = Interlocked.Increment(ref gate._running);
                for (var most = Volatile.Read(ref gate._most); running > most; most = Volatile.Read(ref gate._most))
                    if (Interlocked.CompareExchange(ref gate._most, running, most) == most) break;
                try
                {
                    await next.Send(context);
                }
                finally
                {
                    Interlocked.Decrement(ref gate._running);
                    gate._slots.Release();
                }
            }

            public void Probe(ProbeContext context) => context.CreateFilterScope("consumerGate").Add("limit", gate.Limit);
        }
    }

    /// <summary>Notes each input queue as its endpoint becomes ready, for the error-queue counts and the admin API.</summary>
    private sealed class InputQueueObserver(BrokerAdmin admin) : IReceiveEndpointObserver
    {
        public Task Ready(ReceiveEndpointReady ready)
        {
            admin.InputQueues[ready.InputAddress.AbsolutePath.TrimEnd('/').Split('/')[^1]] = true;
            return Task.CompletedTask;
        }

        public Task Stopping(ReceiveEndpointStopping stopping) => Task.CompletedTask;
        public Task Completed(ReceiveEndpointCompleted completed) => Task.CompletedTask;
        public Task Faulted(ReceiveEndpointFaulted faulted) => Task.CompletedTask;
    }

    private static (string User, string Password) Credentials(Uri uri)
    {
        if (string.IsNullOrEmpty(uri.UserInfo)) return ("guest", "guest");
        var parts = uri.UserInfo.Split(':', 2);
        return (Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "");
    }

    private static string VirtualHost(Uri uri)
    {
        var path = uri.AbsolutePath.Trim('/');
        return path.Length == 0 ? "/" : Uri.UnescapeDataString(path);
    }
}
