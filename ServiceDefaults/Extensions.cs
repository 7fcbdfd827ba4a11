using GovPlatform.ServiceDefaults.Http;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Unicode;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Http.Resilience;

namespace GovPlatform.ServiceDefaults;

public static class Extensions
{
    /// <summary>
    /// The one call every service makes: telemetry, health checks, ProblemDetails for every error,
    /// strict JSON, OpenAPI, and resilience and service discovery for outgoing HTTP.
    /// </summary>
    /// <remarks>
    /// Of Aspire's client integrations none is used: Aspire.Npgsql would build a second data source beside the
    /// one the migrator, outbox and inbox share (Data/Postgres.cs), Aspire.RabbitMQ.Client a second connection
    /// beside MassTransit's, and Aspire.StackExchange.Redis would rename the readiness check and bring a
    /// prerelease instrumentation package for what <see cref="RedisExtensions.AddRedis"/> does in twenty lines.
    /// </remarks>
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder)
    {
        builder.AddTelemetry();
        builder.AddErrorHandling();
        builder.AddPlatformAuth();

        // Everything that reads the time takes it from here, so tests can move it.
        builder.Services.TryAddSingleton(TimeProvider.System);

        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), tags: ["live"]);

        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            // A field the API does not know is an error, not something to drop silently.
            o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            o.SerializerOptions.RespectNullableAnnotations = true;
            o.SerializerOptions.RespectRequiredConstructorParameters = true;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
            o.SerializerOptions.Converters.Add(new UtcDateTimeOffsetConverter());
            // Chinese text stays readable in responses; HTML-sensitive characters are still escaped.
            o.SerializerOptions.Encoder = JavaScriptEncoder.Create(UnicodeRanges.All);
        });

        builder.Services.AddOpenApi();
        // Every HttpClient (the console's, other city systems', tests') resolves http://intake-style names through
        // Aspire's service discovery and gets the standard timeouts, retries and circuit breaker; only
        // idempotent methods are retried, so a POST is never sent twice.
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler(o => o.Retry.DisableForUnsafeHttpMethods());
            http.AddServiceDiscovery();
        });
        return builder;
    }

    /// <summary>
    /// <c>/health</c> (ready: every dependency answers), <c>/alive</c> (the process runs), the
    /// OpenAPI document at <c>/openapi/v1.json</c> and its browsable UI at <c>/swagger</c>.
    /// Both health answers carry each check's status and description only, never an exception's
    /// text: they are anonymous, and a connection error can name hosts and users.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseInputGuard();

        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = WriteHealthAsync });
        app.MapHealthChecks("/alive", new HealthCheckOptions { Predicate = r => r.Tags.Contains("live"), ResponseWriter = WriteHealthAsync });

        app.MapOpenApi();
        app.UseSwaggerUI(o =>
        {
            o.SwaggerEndpoint("/openapi/v1.json", app.Environment.ApplicationName);
            o.DocumentTitle = app.Environment.ApplicationName;
        });
        return app;
    }

    private static Task WriteHealthAsync(HttpContext context, HealthReport report) =>
        context.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            durationMs = report.TotalDuration.TotalMilliseconds,
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                description = e.Value.Description,
            }),
        });
}
