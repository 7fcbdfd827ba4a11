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
using OpenTelemetry.Context.Propagation;
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
    /// Every request gets a trace id, which reaches logs and the outbox and flows through the broker; which traces are
    /// recorded is the OpenTelemetry SDK's sampler, set by the standard <c>OTEL_TRACES_SAMPLER</c> and
    /// <c>OTEL_TRACES_SAMPLER_ARG</c> (read from configuration, so appsettings or the environment): unset, every trace is
    /// recorded (parent-based, always on), as under ./run.sh and the AppHost; deployments record a share with
    /// <c>parentbased_traceidratio</c> (deploy/k8s/base/settings.yaml), decided where a trace starts and followed by every
    /// service after it, so a trace is kept or dropped whole and a caller's sampled traceparent is always honoured
    /// (TraceSamplingTests). An unrecorded span still carries its trace id, so logs (never sampled) keep pointing at the
    /// request they came from.
    /// Everything is exported over OTLP, and metrics aggregated, only when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the Aspire dashboard or any collector).
    /// </summary>
    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder)
    {
        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] ?? builder.Environment.ApplicationName;
        // W3C trace context only (the platform uses no baggage): .NET then propagates it on every HttpClient
        // itself, keeping a traceparent the caller already set, which OpenTelemetry's default composite
        // propagator would overwrite with a new trace.
        Sdk.SetDefaultTextMapPropagator(new TraceContextPropagator());

        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        builder.Logging.AddOpenTelemetry(o =>
        {
            o.IncludeFormattedMessage = true;
            o.IncludeScopes = true;
        });

        var exporting = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithTracing(tracing => tracing
                .SetSampler(SamplerFrom(builder.Configuration))
                .AddProcessor(new DropBackgroundDatabaseSpans())
                // Spans are named "POST /api/v1/requests" (method and route); probes are not traced at all:
                // Aspire asks every service for /health every few seconds.
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsProbe(context.Request.Path))
                .AddHttpClientInstrumentation()
                .AddNpgsql()
                .AddSource("MassTransit", "RabbitMQ.Client.Publisher", "RabbitMQ.Client.Subscriber", "GovPlatform.*"));

        // UseOtlpExporter reads OTEL_EXPORTER_OTLP_ENDPOINT/_PROTOCOL/_HEADERS itself and exports all three signals.
        // Metrics are aggregated only when they go somewhere: with no exporter, every request and query paid for histograms no one read.
        if (exporting)
            otel.WithMetrics(metrics => metrics
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddNpgsqlInstrumentation()
                    .AddMeter("MassTransit", "GovPlatform.*"))
                .UseOtlpExporter();

        builder.Services.AddHostedService<FlushTelemetryOnStop>();
        return builder;
    }

    /// <summary>
    /// The sampler named by <c>OTEL_TRACES_SAMPLER</c> and <c>OTEL_TRACES_SAMPLER_ARG</c> (the specification's values),
    /// read here from the service's configuration (environment, appsettings, a host's own settings), so the choice is
    /// explicit and tested (TraceSamplingTests) whatever the SDK itself reads. Unset: parent-based, always on, the
    /// SDK's own default.
    /// </summary>
    public static Sampler SamplerFrom(IConfiguration configuration)
    {
        var name = configuration["OTEL_TRACES_SAMPLER"]?.Trim().ToLowerInvariant();
        var ratio = double.TryParse(configuration["OTEL_TRACES_SAMPLER_ARG"], System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture, out var r) && r is >= 0 and <= 1 ? r : 1.0;
        return name switch
        {
            null or "" or "parentbased_always_on" => new ParentBasedSampler(new AlwaysOnSampler()),
            "always_on" => new AlwaysOnSampler(),
            "always_off" => new AlwaysOffSampler(),
            "traceidratio" => new TraceIdRatioBasedSampler(ratio),
            "parentbased_always_off" => new ParentBasedSampler(new AlwaysOffSampler()),
            "parentbased_traceidratio" => new ParentBasedSampler(new TraceIdRatioBasedSampler(ratio)),
            _ => throw new InvalidOperationException(
                $"OTEL_TRACES_SAMPLER '{name}' is not one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio."),
        };
    }

    private static bool IsProbe(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/alive");

    /// <summary>
    /// Keeps database spans readable and the trace list about work. A command with no request or
    /// message around it (the outbox relay's safety-net poll, the service clocks' polls, migrations), or
    /// under one that is not traced (the health probes Aspire sends every few seconds), would start a
    /// trace of its own and bury the real ones in the dashboard: it is not recorded. The rest are named
    /// after their statement and their own database ("INSERT intakedb"), where Npgsql names them all
    /// "postgresql".
    /// </summary>
    private sealed class DropBackgroundDatabaseSpans : BaseProcessor<Activity>
    {
        public override void OnStart(Activity activity)
        {
            if (activity.Source.Name != "Npgsql") return;
            var orphan = activity.Parent is null ? activity.ParentSpanId == default : !activity.Parent.Recorded || !activity.Parent.IsAllDataRequested;
            if (!orphan) return;
            activity.IsAllDataRequested = false;
            activity.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
        }

        public override void OnEnd(Activity activity)
        {
            if (activity.Source.Name != "Npgsql" || !activity.Recorded) return;
            var database = activity.GetTagItem("db.namespace") ?? activity.GetTagItem("db.name");
            // Commands only: the span of a physical connection open is already called "CONNECT intakedb".
            if (database is null || (activity.GetTagItem("db.query.text") ?? activity.GetTagItem("db.statement")) is not string sql) return;
            var verb = sql.TrimStart().Split([' ', '\n', '\r', '\t', '('], 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.ToUpperInvariant();
            activity.DisplayName = $"{verb} {database}".TrimStart();
            // The dashboard shows the peer of a client span; by address all four databases would be "127.0.0.1".
            activity.SetTag("peer.service", database);
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
