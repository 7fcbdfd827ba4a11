using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using GovPlatform.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Trace;

namespace GovPlatform.IntegrationTests;

/// <summary>
/// Deployments trace a share of requests (OTEL_TRACES_SAMPLER=parentbased_traceidratio, deploy/k8s/base/settings.yaml):
/// the decision is taken where a trace starts and followed everywhere after it, a caller can ask for a trace with a
/// sampled traceparent, and logs (which carry the trace id of the request they were written in) are not sampled.
/// </summary>
public sealed class TraceSamplingTests
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Under_a_ratio_sampler_a_caller_asking_for_a_trace_gets_it_and_logs_are_not_sampled()
    {
        await using var receiver = new OtlpReceiver();
        var settings = await receiver.StartAsync("volunteer-sampling-test");
        // No trace that starts here is picked: only a caller's sampled traceparent is traced.
        settings["OTEL_TRACES_SAMPLER"] = "parentbased_traceidratio";
        settings["OTEL_TRACES_SAMPLER_ARG"] = "0";
        await using var stack = await TestStack.CreateAsync();
        var client = stack.Start("volunteer", settings);
        // No traceparent from this side but the one set below. Whether the service drops a trace it starts is the
        // sampler's decision, tested below on its own: in this test process the unasked request's server span is
        // still exported at ratio 0, because activity listeners are process-wide and the other services hosted in the
        // same process (their tracer providers sample parent-based, always on) mark the span recorded, which this
        // provider's exporter then sends. A deployed service has one provider per process: the ratio is proven end to
        // end, with the service in a process of its own, by
        // A_service_in_its_own_process_exports_no_span_of_a_request_at_ratio_0_and_every_one_at_ratio_1 below.
        using var bare = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null }) { BaseAddress = client.BaseAddress };

        var unasked = await bare.GetAsync("/api/v1/sampling-unasked", Ct);
        var asked = ActivityTraceId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/sampling-asked");
        request.Headers.Add("traceparent", $"00-{asked}-{ActivitySpanId.CreateRandom()}-01");
        var traced = await bare.SendAsync(request, Ct);
        stack.LogWarning("volunteer", "sampling log probe");
        await stack.StopAsync("volunteer");

        Assert.Equal(HttpStatusCode.NotFound, unasked.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, traced.StatusCode);
        Assert.True(receiver.Has("traces", "/api/v1/sampling-asked"), "the request with a sampled traceparent was not traced");
        Assert.True(receiver.HasBytes("traces", Convert.FromHexString(asked.ToHexString())), "the caller's trace id was not kept");
        Assert.True(receiver.Has("logs", "volunteer-sampling-test") && receiver.Has("logs", "sampling log probe"), "logs are not sampled: they must still be exported");
    }

    [Fact]
    public async Task A_service_in_its_own_process_exports_no_span_of_a_request_at_ratio_0_and_every_one_at_ratio_1()
    {
        await using var stack = await TestStack.CreateAsync();
        // An activity no one published: the service looks it up in its database (a query span under the request's) and answers 404.
        var activity = Guid.NewGuid();
        var dropped = await RequestInOwnProcessAsync(stack, "0", activity);
        var kept = await RequestInOwnProcessAsync(stack, "1", activity);

        TestContext.Current.TestOutputHelper?.WriteLine($"spans of the request's trace exported: ratio 0 {dropped.Spans}, ratio 1 {kept.Spans}");
        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (dropped.Status, kept.Status));
        // Ratio 1: the server span and the query under it, by the request's trace id; ratio 0: none of them.
        Assert.True(kept.Spans >= 2, $"at ratio 1, {kept.Spans} spans of the request's trace arrived; expected the request's and its query's");
        Assert.True(kept.Path, "at ratio 1 the request's span did not arrive");
        Assert.Equal(0, dropped.Spans);
        Assert.False(dropped.Path, "at ratio 0 a span naming the request arrived");
        // The exporter worked all along: the request's metrics (by its route) and the service's logs are not sampled.
        Assert.True(dropped.RequestMetrics, "at ratio 0 the request's duration metric did not arrive");
        Assert.True(dropped.Logs, "at ratio 0 the service's logs did not arrive");
    }

    private sealed record Exported(HttpStatusCode Status, int Spans, bool Path, bool RequestMetrics, bool Logs);

    /// <summary>
    /// Starts volunteer as its own process under <c>traceidratio</c> at <paramref name="ratio"/>, exporting to a stand-in
    /// collector, makes one request with a known trace id, stops the service and says what of it was exported.
    /// </summary>
    private async Task<Exported> RequestInOwnProcessAsync(TestStack stack, string ratio, Guid activity)
    {
        await using var receiver = new OtlpReceiver();
        var settings = await receiver.StartAsync($"volunteer-ratio-{ratio}");
        // Not parent-based: the caller's traceparent below gives the trace id the exports are searched for, while the
        // sampler alone decides.
        settings["OTEL_TRACES_SAMPLER"] = "traceidratio";
        settings["OTEL_TRACES_SAMPLER_ARG"] = ratio;
        await using var service = await ServiceProcess.StartAsync(stack, "volunteer", settings);
        using var http = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null }) { BaseAddress = service.Address };
        var trace = ActivityTraceId.CreateRandom();
        var path = $"/api/v1/activities/{activity}";
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("traceparent", $"00-{trace}-{ActivitySpanId.CreateRandom()}-00");
        using var response = await http.SendAsync(request, Ct);
        // Stopped as a deployment stops it, the service flushes what it batched before it exits: nothing arrives later.
        await service.StopAsync();
        return new Exported(response.StatusCode, receiver.CountBytes("traces", Convert.FromHexString(trace.ToHexString())),
            receiver.Has("traces", path), receiver.Has("metrics", "/api/v1/activities/{id:guid}"), receiver.Has("logs", $"volunteer-ratio-{ratio}"));
    }

    private static SamplingDecision Decide(Dictionary<string, string?> settings, ActivityContext parent = default) =>
        GovPlatform.ServiceDefaults.Telemetry.SamplerFrom(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .ShouldSample(new SamplingParameters(parent, ActivityTraceId.CreateRandom(), "GET /x", ActivityKind.Server)).Decision;

    [Fact]
    public void The_sampler_is_the_one_the_standard_settings_name_and_follows_the_callers_decision()
    {
        var ratioZero = new Dictionary<string, string?> { ["OTEL_TRACES_SAMPLER"] = "parentbased_traceidratio", ["OTEL_TRACES_SAMPLER_ARG"] = "0" };
        var sampledParent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true);
        var unsampledParent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.None, isRemote: true);

        // A trace that starts here is dropped at ratio 0, kept at 1; a caller's decision wins either way.
        Assert.Equal(SamplingDecision.Drop, Decide(ratioZero));
        Assert.Equal(SamplingDecision.RecordAndSample, Decide(ratioZero, sampledParent));
        Assert.Equal(SamplingDecision.RecordAndSample,
            Decide(new() { ["OTEL_TRACES_SAMPLER"] = "parentbased_traceidratio", ["OTEL_TRACES_SAMPLER_ARG"] = "1" }));
        Assert.Equal(SamplingDecision.Drop,
            Decide(new() { ["OTEL_TRACES_SAMPLER"] = "parentbased_traceidratio", ["OTEL_TRACES_SAMPLER_ARG"] = "1" }, unsampledParent));
        // Unset: every trace that starts here, and a caller's unsampled one stays unsampled (parent-based, always on).
        Assert.Equal(SamplingDecision.RecordAndSample, Decide([]));
        Assert.Equal(SamplingDecision.Drop, Decide([], unsampledParent));
        // always_on (what the AppHost sets for its dashboard) ignores the parent.
        Assert.Equal(SamplingDecision.RecordAndSample, Decide(new() { ["OTEL_TRACES_SAMPLER"] = "always_on" }, unsampledParent));
        // A misspelt sampler stops the service at start rather than tracing something else than was asked.
        Assert.Throws<InvalidOperationException>(() => Decide(new() { ["OTEL_TRACES_SAMPLER"] = "parentbased_ratio" }));
    }
}
