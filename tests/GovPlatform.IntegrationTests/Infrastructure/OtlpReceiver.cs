using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace GovPlatform.IntegrationTests.Infrastructure;

/// <summary>A stand-in collector: records what arrives at each OTLP/HTTP path (/v1/traces, /v1/metrics, /v1/logs).</summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    public ConcurrentDictionary<string, ConcurrentBag<byte[]>> Received { get; } = new();

    public OtlpReceiver()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            Received.GetOrAdd(signal, _ => []).Add(body.ToArray());
            return Results.Ok();
        });
    }

    /// <summary>Starts listening; returns a service's settings for exporting here under <paramref name="serviceName"/>.</summary>
    public async Task<Dictionary<string, string?>> StartAsync(string serviceName)
    {
        await _app.StartAsync();
        return new()
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = _app.Urls.First(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_SERVICE_NAME"] = serviceName,
        };
    }

    public bool Has(string signal, string text) =>
        Received.TryGetValue(signal, out var bodies) && bodies.Any(b => Encoding.UTF8.GetString(b).Contains(text, StringComparison.Ordinal));

    public bool HasBytes(string signal, byte[] bytes) =>
        Received.TryGetValue(signal, out var bodies) && bodies.Any(b => b.AsSpan().IndexOf(bytes) >= 0);

    /// <summary>How often the bytes occur in what arrived: a trace id occurs once in each of its spans.</summary>
    public int CountBytes(string signal, byte[] bytes)
    {
        if (!Received.TryGetValue(signal, out var bodies)) return 0;
        var count = 0;
        foreach (var body in bodies)
            for (var rest = body.AsSpan(); rest.IndexOf(bytes) is var at and >= 0; rest = rest[(at + bytes.Length)..]) count++;
        return count;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
