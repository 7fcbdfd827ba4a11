using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GovPlatform.ServiceDefaults;

public static class ErrorHandling
{
    /// <summary>
    /// Every error becomes an RFC 9457 ProblemDetails: unreadable input is a 400 that says what
    /// was wrong (including the JSON path), unknown routes 404, unexpected failures 500.
    /// </summary>
    public static WebApplicationBuilder AddErrorHandling(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            ctx.ProblemDetails.Instance ??= ctx.HttpContext.Request.Path;
            ctx.ProblemDetails.Extensions.TryAdd("traceId", Activity.Current?.TraceId.ToString() ?? ctx.HttpContext.TraceIdentifier);
        });
        // Minimal APIs otherwise answer a malformed body with an empty 400; throwing lets the
        // handler below explain it.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        builder.Services.AddExceptionHandler<OverloadExceptionHandler>();
        // Kestrel answers a request line or headers over its own limits itself, before any middleware, with an empty
        // body. Its limits sit above the platform's, so the input guard answers the usual over-long request with a
        // ProblemDetails; only requests beyond Kestrel's limits (or malformed at the HTTP level) still get its bare answer.
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(o =>
        {
            o.Limits.MaxRequestLineSize = Math.Max(o.Limits.MaxRequestLineSize, 4 * Http.InputGuardMiddleware.MaxRequestTarget);
            o.Limits.MaxRequestHeadersTotalSize = Math.Max(o.Limits.MaxRequestHeadersTotalSize, 2 * Http.InputGuardMiddleware.MaxHeaderBytes);
        });
        return builder;
    }
}

internal sealed class BadRequestExceptionHandler(IProblemDetailsService problems, ILogger<BadRequestExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        if (exception is not BadHttpRequestException bad) return false;

        var detail = bad.InnerException switch
        {
            JsonException json => $"The JSON body is not valid: {json.Message}",
            _ => bad.Message,
        };
        // The field the binder stumbled on, as ValidationProblem names fields (reporter.name, items[2]).
        var field = bad.InnerException is JsonException { Path: { Length: > 1 } path } ? path.TrimStart('$').TrimStart('.') : "body";
        logger.LogInformation("Rejected a bad request to {Path}: {Detail}", context.Request.Path, detail);
        context.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [detail] })
            {
                Status = bad.StatusCode,
                Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The request body is too large." : "The request could not be read.",
                Detail = detail,
            },
        });
    }
}

/// <summary>
/// A request that fails only because the database is momentarily out of reach or out of capacity (the
/// connection pool exhausted under a burst, too many clients, a deadlock or serialization victim) did
/// nothing: its transaction rolled back. That is not a bug but overload, so the caller gets a 503 with
/// Retry-After and may safely try again, instead of a 500.
/// </summary>
internal sealed class OverloadExceptionHandler(IProblemDetailsService problems, ILogger<OverloadExceptionHandler> logger)
    : IExceptionHandler
{
    public const int RetryAfterSeconds = 1;

    public static bool IsOverload(Exception e) => e switch
    {
        Npgsql.NpgsqlException { IsTransient: true } => true,
        StackExchange.Redis.RedisConnectionException or StackExchange.Redis.RedisTimeoutException => true,
        _ => e.InnerException is { } inner && IsOverload(inner),
    };

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        if (!IsOverload(exception) || context.Response.HasStarted) return false;
        logger.LogWarning(exception, "Shed a request to {Path}: the database or cache is overloaded", context.Request.Path);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The service is busy; nothing was stored. Retry shortly.",
                Detail = $"Retry after {RetryAfterSeconds} s.",
            },
        });
    }
}
