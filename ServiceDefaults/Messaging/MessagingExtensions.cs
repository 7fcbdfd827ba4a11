using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GovPlatform.ServiceDefaults.Messaging;

public static class MessagingExtensions
{
    /// <summary>
    /// MassTransit over RabbitMQ from <c>ConnectionStrings:messaging</c> (an amqp:// URI, as Aspire
    /// injects it), retries then error queues, the outbox relay, and the bus health check.
    /// </summary>
    /// <param name="serviceName">Prefixes queue names, so each service gets its own copy of every event
    /// while instances of one service compete for it.</param>
    public static WebApplicationBuilder AddMessaging(
        this WebApplicationBuilder builder, string serviceName, Action<IBusRegistrationConfigurator>? consumers = null)
    {
        var uri = new Uri(builder.Configuration.GetConnectionString("messaging")
            ?? throw new InvalidOperationException("Connection string 'messaging' is missing: set ConnectionStrings__messaging to an amqp:// URI."));

        var retryIntervals = (builder.Configuration["Messaging:RetryIntervalsMs"] ?? "100,500,1000,2000,5000")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();

        var prefetch = builder.Configuration.GetValue("Messaging:PrefetchCount", 16);
        builder.Services.AddMassTransit(x =>
        {
            x.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(serviceName, includeNamespace: false));
            // The platform runs on closed government networks: MassTransit must not phone home.
            x.DisableUsageTelemetry();
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
                // Transient faults are retried in place; what still fails lands in the
                // endpoint's _error queue with its exception, never dropped.
                cfg.UseMessageRetry(r => r.Intervals(retryIntervals));
                // MassTransit's default takes two messages per core at a time; a consumer here waits mostly on
                // Postgres round trips, not CPU, so more in flight keeps a storm moving. Each in-flight message
                // holds one pooled connection, so keep endpoints x prefetch well under the pool size.
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
        return builder;
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
