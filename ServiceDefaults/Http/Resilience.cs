using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace GovPlatform.ServiceDefaults.Http;

/// <summary>
/// Timeouts, retries with jittered backoff and a circuit breaker for every HttpClient.
/// </summary>
/// <remarks>
/// Microsoft.Extensions.Http.Resilience is not in the mirror; this is its standard pipeline,
/// rebuilt small on Polly.Core. Only idempotent requests are retried, so a POST is never sent twice.
/// </remarks>
public static class Resilience
{
    public static IHttpClientBuilder AddStandardResilience(this IHttpClientBuilder http) =>
        http.AddHttpMessageHandler(() => new ResilienceHandler(CreatePipeline()));

    public static ResiliencePipeline<HttpResponseMessage> CreatePipeline(int retries = 3, TimeSpan? baseDelay = null)
    {
        static bool Transient(Outcome<HttpResponseMessage> o) =>
            o.Exception is HttpRequestException or TimeoutRejectedException
            || o.Result?.StatusCode is >= HttpStatusCode.InternalServerError or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

        return new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddTimeout(TimeSpan.FromSeconds(30))
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = retries,
                Delay = baseDelay ?? TimeSpan.FromMilliseconds(200),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = args => ValueTask.FromResult(
                    Transient(args.Outcome) && args.Context.Properties.GetValue(ResilienceHandler.Idempotent, false)),
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                FailureRatio = 0.5,
                MinimumThroughput = 20,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = TimeSpan.FromSeconds(5),
                ShouldHandle = args => ValueTask.FromResult(Transient(args.Outcome)),
            })
            .AddTimeout(TimeSpan.FromSeconds(10))
            .Build();
    }
}

public sealed class ResilienceHandler(ResiliencePipeline<HttpResponseMessage> pipeline) : DelegatingHandler
{
    internal static readonly ResiliencePropertyKey<bool> Idempotent = new("govplatform.idempotent");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var context = ResilienceContextPool.Shared.Get(ct);
        context.Properties.Set(Idempotent, request.Method == HttpMethod.Get || request.Method == HttpMethod.Head
            || request.Method == HttpMethod.Put || request.Method == HttpMethod.Delete || request.Method == HttpMethod.Options);
        try
        {
            var outcome = await pipeline.ExecuteOutcomeAsync(
                async (ctx, state) =>
                {
                    try { return Outcome.FromResult(await state.Self.SendCoreAsync(state.Request, ctx.CancellationToken)); }
                    catch (Exception e) { return Outcome.FromException<HttpResponseMessage>(e); }
                },
                context, (Self: this, Request: request));
            outcome.ThrowIfException();
            return outcome.Result!;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private Task<HttpResponseMessage> SendCoreAsync(HttpRequestMessage request, CancellationToken ct) => base.SendAsync(request, ct);
}
