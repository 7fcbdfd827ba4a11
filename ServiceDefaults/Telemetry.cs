using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace GovPlatform.ServiceDefaults;

public static class Telemetry
{
    /// <summary>The platform's own spans: outbox publishes and inbox handling.</summary>
    public static readonly ActivitySource Messaging = new("GovPlatform.Messaging");

    /// <summary>
    /// OpenTelemetry through the hosting package: ASP.NET Core, HttpClient, Npgsql and runtime
    /// instrumentation, plus MassTransit's, RabbitMQ.Client's and the platform's own sources.
    /// Traces are always sampled in-process, so trace ids reach logs and the outbox and flow
    /// through the broker; everything is exported over OTLP only when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the Aspire dashboard or any collector).
    /// </summary>
    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder)
    {
        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] ?? builder.Environment.ApplicationName;

        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        builder.Logging.AddOpenTelemetry(o =>
        {
            o.IncludeFormattedMessage = true;
            o.IncludeScopes = true;
        });

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithTracing(tracing => tracing
                .AddProcessor(new DropBackgroundDatabaseSpans())
                // Spans are named "POST /api/v1/requests" (method and route); probes are not traced at all:
                // Aspire asks every service for /health every few seconds.
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsProbe(context.Request.Path))
                .AddHttpClientInstrumentation()
                // Npgsql names each span after the database it ran in (intakedb, dispatchdb, ...).
                .AddNpgsql()
                .AddSource("MassTransit", "RabbitMQ.Client.Publisher", "RabbitMQ.Client.Subscriber", "GovPlatform.*"))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddMeter("MassTransit", "GovPlatform.*"));

        // UseOtlpExporter reads OTEL_EXPORTER_OTLP_ENDPOINT/_PROTOCOL/_HEADERS itself and exports all three signals.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            otel.UseOtlpExporter();

        builder.Services.AddHostedService<FlushTelemetryOnStop>();
        return builder;
    }

    private static bool IsProbe(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/alive");

    /// <summary>
    /// A database command outside any request or message (the outbox relay's safety-net poll, the
    /// service clocks' polls, health probes, migrations) would start a trace of its own every few
    /// seconds and bury the real ones in the dashboard: such spans are not recorded. Commands run
    /// inside a request or a consumer keep their place in its trace.
    /// </summary>
    private sealed class DropBackgroundDatabaseSpans : BaseProcessor<Activity>
    {
        public override void OnStart(Activity activity)
        {
            if (activity.Source.Name != "Npgsql" || activity.Parent is not null || activity.ParentSpanId != default) return;
            activity.IsAllDataRequested = false;
            activity.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
        }
    }

    /// <summary>Flushes traces, metrics and logs when the host stops, so a stopping service loses no spans or log lines.</summary>
    private sealed class FlushTelemetryOnStop(IServiceProvider services) : IHostedService
    {
        // Resolved at start: by the time a host is stopped a second time its container may be gone.
        private readonly TracerProvider? _tracing = services.GetService<TracerProvider>();
        private readonly MeterProvider? _metrics = services.GetService<MeterProvider>();
        private readonly LoggerProvider? _logs = services.GetService<LoggerProvider>();

        public Task StartAsync(CancellationToken ct) => Task.CompletedTask;

        public Task StopAsync(CancellationToken ct)
        {
            _tracing?.ForceFlush(5000);
            _metrics?.ForceFlush(5000);
            _logs?.ForceFlush(5000);
            return Task.CompletedTask;
        }
    }
}
