using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace GovPlatform.ServiceDefaults;

public static class Telemetry
{
    /// <summary>The platform's own spans: outbox publishes and inbox handling.</summary>
    public static readonly ActivitySource Messaging = new("GovPlatform.Messaging");

    // The instrumentation packages are not in the mirror, but every library we use emits
    // ActivitySources and Meters of its own: we subscribe to them by name.
    private static readonly string[] Sources =
    [
        "Microsoft.AspNetCore", "System.Net.Http", "Npgsql",
        "RabbitMQ.Client.Publisher", "RabbitMQ.Client.Subscriber", "MassTransit", "GovPlatform.*",
    ];

    private static readonly string[] Meters =
    [
        "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Http.Connections",
        "Microsoft.AspNetCore.Routing", "Microsoft.AspNetCore.Diagnostics", "System.Net.Http", "System.Runtime",
        "Npgsql", "MassTransit", "GovPlatform.*",
    ];

    /// <summary>
    /// Traces are always sampled in-process, so trace ids reach logs and the outbox and flow
    /// through the broker; traces, metrics and logs are exported only when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the Aspire dashboard or any collector).
    /// </summary>
    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder)
    {
        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] ?? builder.Environment.ApplicationName;
        var endpoint = builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        var protocol = builder.Configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf"
            ? OtlpExportProtocol.HttpProtobuf
            : OtlpExportProtocol.Grpc;
        var export = !string.IsNullOrWhiteSpace(endpoint);
        void Otlp(OtlpExporterOptions o, string signal)
        {
            var baseUri = new Uri(endpoint!);
            o.Protocol = protocol;
            // Over http/protobuf each signal has its own path; gRPC uses the bare endpoint.
            o.Endpoint = protocol == OtlpExportProtocol.HttpProtobuf ? new Uri(baseUri, $"v1/{signal}") : baseUri;
        }
        ResourceBuilder Resource() => ResourceBuilder.CreateDefault().AddService(serviceName);

        builder.Services.AddSingleton(_ =>
        {
            var tracing = Sdk.CreateTracerProviderBuilder().SetResourceBuilder(Resource()).AddSource(Sources);
            if (export) tracing.AddOtlpExporter(o => Otlp(o, "traces"));
            return tracing.Build();
        });
        builder.Services.AddSingleton(_ =>
        {
            var metrics = Sdk.CreateMeterProviderBuilder().SetResourceBuilder(Resource()).AddMeter(Meters);
            if (export) metrics.AddOtlpExporter(o => Otlp(o, "metrics"));
            return metrics.Build();
        });
        builder.Services.AddHostedService<TelemetryLifetime>();

        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        if (export)
        {
            builder.Logging.AddOpenTelemetry(o =>
            {
                o.SetResourceBuilder(Resource());
                o.IncludeFormattedMessage = true;
                o.IncludeScopes = true;
                o.AddOtlpExporter(e => Otlp(e, "logs"));
            });
        }
        return builder;
    }

    /// <summary>Builds the providers when the host starts and flushes them (logs too) when it stops.</summary>
    private sealed class TelemetryLifetime(TracerProvider tracing, MeterProvider metrics, IServiceProvider services) : IHostedService
    {
        // Resolved at start: by the time a host is stopped a second time its container may be gone.
        // Present only when logs are exported.
        private readonly LoggerProvider? _logs = services.GetService<LoggerProvider>();

        public Task StartAsync(CancellationToken ct) => Task.CompletedTask;

        public Task StopAsync(CancellationToken ct)
        {
            tracing.ForceFlush(5000);
            metrics.ForceFlush(5000);
            _logs?.ForceFlush(5000); // so a stopping service loses no log lines

            return Task.CompletedTask;
        }
    }
}
