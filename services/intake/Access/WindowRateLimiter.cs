using System.Globalization;
using GovPlatform.Intake.Open311;
using GovPlatform.ServiceDefaults.Data;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using StackExchange.Redis;

namespace GovPlatform.Intake.Access;

/// <summary>
/// Counts requests per bucket (an API key, a ticket's failed look-ups) in fixed time windows in
/// Redis, so every intake instance shares one count. Fixed windows are simple, and their worst
/// case (twice the limit across a window boundary) is fine for protecting the desk.
/// </summary>
/// <remarks>
/// Windows are numbered from the injected clock, so tests move time instead of waiting. When
/// Redis is down the limiter lets requests through: losing the limit for a while is better than
/// refusing every city system's requests.
/// </remarks>
public sealed class WindowRateLimiter(IConnectionMultiplexer redis, TimeProvider clock, DatabaseSettings database, ILogger<WindowRateLimiter> logger)
{
    // Counters belong to one ledger: ticket numbers repeat between ledgers (other deployments
    // sharing a Redis, test stacks), so the ledger's database names the key space.
    private readonly string _prefix = $"{new NpgsqlConnectionStringBuilder(database.ConnectionString).Database}:ratelimit";

    // INCR and the expiry in one step, so a crash between them cannot leave a counter forever.
    private const string CountScript = """
        local n = redis.call('INCR', KEYS[1])
        if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
        return n
        """;

    /// <summary>Counts one hit; returns how long to wait when the bucket is over its limit, else null.</summary>
    public async Task<TimeSpan?> TryAcquireAsync(string bucket, int limit, TimeSpan window)
    {
        var (key, wait) = Window(bucket, window);
        try
        {
            var count = (long)await redis.GetDatabase().ScriptEvaluateAsync(CountScript,
                [key], [(RedisValue)(long)(window.TotalMilliseconds * 2)]);
            return count > limit ? wait : null;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            logger.LogWarning(e, "Rate limit for {Bucket} not checked: Redis is unreachable", bucket);
            return null;
        }
    }

    /// <summary>Whether the bucket is already at its limit, without counting a hit.</summary>
    public async Task<TimeSpan?> CheckAsync(string bucket, int limit, TimeSpan window)
    {
        var (key, wait) = Window(bucket, window);
        try
        {
            var count = (long?)await redis.GetDatabase().StringGetAsync(key) ?? 0;
            return count >= limit ? wait : null;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            logger.LogWarning(e, "Rate limit for {Bucket} not checked: Redis is unreachable", bucket);
            return null;
        }
    }

    private (RedisKey Key, TimeSpan UntilNext) Window(string bucket, TimeSpan window)
    {
        var now = clock.GetUtcNow();
        var size = (long)window.TotalMilliseconds;
        var number = now.ToUnixTimeMilliseconds() / size;
        return ($"{_prefix}:{bucket}:{number}", DateTimeOffset.FromUnixTimeMilliseconds((number + 1) * size) - now);
    }
}

public static class RateLimitMiddleware
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Counts one request against an API key's per-minute limit (a caller without a key is not limited): null
    /// while the key has requests left, else its limit and the seconds until the next window.
    /// </summary>
    public static async Task<(int Limit, int RetryAfterSeconds)?> OverKeyLimitAsync(this WindowRateLimiter limiter, System.Security.Claims.ClaimsPrincipal key)
    {
        if (key.FindFirst(IntakeAccess.ApiKeyIdClaim)?.Value is not { } keyId
            || !int.TryParse(key.FindFirst(IntakeAccess.RateLimitClaim)?.Value, CultureInfo.InvariantCulture, out var limit))
            return null;
        return await limiter.TryAcquireAsync($"key:{keyId}", limit, Minute) is { } wait ? (limit, Seconds(wait)) : null;
    }

    /// <summary>Answers 429 with <c>Retry-After</c> once an API key is over its per-minute limit; staff are not limited.</summary>
    public static WebApplication UseApiKeyRateLimit(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (await context.RequestServices.GetRequiredService<WindowRateLimiter>().OverKeyLimitAsync(context.User) is { } over)
            {
                // A key sent as an X-Api-Key header is counted here, before any endpoint: an Open311 client reads only the spec's errors.
                if (context.Request.Path.StartsWithSegments("/open311"))
                    await Open311Format.TooMany(Open311Format.FormatOf(context), context, over).ExecuteAsync(context);
                else
                    await WriteTooManyAsync(context, TimeSpan.FromSeconds(over.RetryAfterSeconds), $"This key may make {over.Limit} requests a minute");
                return;
            }
            await next(context);
        });
        return app;
    }

    private static int Seconds(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));

    public static async Task WriteTooManyAsync(HttpContext context, TimeSpan retryAfter, string why)
    {
        var seconds = Seconds(retryAfter);
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests.",
                Detail = $"{why}; try again in {seconds} s.",
            },
        });
    }
}
