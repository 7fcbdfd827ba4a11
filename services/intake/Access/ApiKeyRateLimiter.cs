using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using StackExchange.Redis;

namespace GovPlatform.Intake.Access;

/// <summary>
/// Each API key's own limit of requests per minute, counted in Redis so every intake instance
/// shares one count. Fixed one-minute windows: simple, and the worst case (twice the limit across
/// a window boundary) is acceptable for protecting the desk from a runaway client.
/// </summary>
/// <remarks>
/// Windows are numbered from the injected clock, so tests move time instead of waiting. When
/// Redis is down the limiter lets requests through: losing the limit for a while is better than
/// refusing every city system's requests.
/// </remarks>
public sealed class ApiKeyRateLimiter(IConnectionMultiplexer redis, TimeProvider clock, ILogger<ApiKeyRateLimiter> logger)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    // INCR and the expiry in one step, so a crash between them cannot leave a counter forever.
    private const string CountScript = """
        local n = redis.call('INCR', KEYS[1])
        if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
        return n
        """;

    /// <summary>Counts one request; returns how long to wait when the key is over its limit, else null.</summary>
    public async Task<TimeSpan?> TryAcquireAsync(string keyId, int limitPerMinute)
    {
        var now = clock.GetUtcNow();
        var window = now.ToUnixTimeMilliseconds() / (long)Window.TotalMilliseconds;
        var windowEnd = DateTimeOffset.FromUnixTimeMilliseconds((window + 1) * (long)Window.TotalMilliseconds);
        try
        {
            var count = (long)await redis.GetDatabase().ScriptEvaluateAsync(CountScript,
                [(RedisKey)$"intake:ratelimit:{keyId}:{window}"],
                [(RedisValue)(long)(Window.TotalMilliseconds * 2)]);
            return count > limitPerMinute ? windowEnd - now : null;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            logger.LogWarning(e, "Rate limit for API key {KeyId} not checked: Redis is unreachable", keyId);
            return null;
        }
    }
}

public static class RateLimitMiddleware
{
    /// <summary>Answers 429 with <c>Retry-After</c> once an API key is over its per-minute limit; staff are not limited.</summary>
    public static WebApplication UseApiKeyRateLimit(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            var user = context.User;
            if (user.FindFirst(IntakeAccess.ApiKeyIdClaim)?.Value is { } keyId
                && int.TryParse(user.FindFirst(IntakeAccess.RateLimitClaim)?.Value, CultureInfo.InvariantCulture, out var limit))
            {
                var wait = await context.RequestServices.GetRequiredService<ApiKeyRateLimiter>().TryAcquireAsync(keyId, limit);
                if (wait is { } retryAfter)
                {
                    await WriteTooManyAsync(context, limit, retryAfter);
                    return;
                }
            }
            await next(context);
        });
        return app;
    }

    public static async Task WriteTooManyAsync(HttpContext context, int limit, TimeSpan retryAfter)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests for this API key.",
                Detail = $"This key may make {limit} requests a minute; try again in {seconds} s.",
            },
        });
    }
}
