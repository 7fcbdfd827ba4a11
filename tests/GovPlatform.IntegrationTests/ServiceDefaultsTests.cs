using System.Collections.Concurrent;
using System.Net;
using System.Text;
using GovPlatform.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;

namespace GovPlatform.IntegrationTests;

/// <summary>What every service gets from AddServiceDefaults, seen from outside over real sockets.</summary>
public sealed class ServiceDefaultsTests
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task With_an_otlp_endpoint_set_traces_metrics_and_logs_are_exported_under_the_service_name()
    {
        await using var receiver = new OtlpReceiver();
        var settings = await receiver.StartAsync("volunteer-otlp-test");
        await using var stack = await TestStack.CreateAsync();
        var client = stack.Start("volunteer", settings);

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/otlp-probe", Ct)).StatusCode);
        stack.LogWarning("volunteer", "otlp log probe");
        // Stopping flushes every provider, so what was recorded must have reached the collector.
        await stack.StopAsync("volunteer");

        Assert.True(receiver.Has("traces", "volunteer-otlp-test"), "no trace export named the service");
        Assert.True(receiver.Has("traces", "/api/v1/otlp-probe"), "the HTTP request's span was not exported");
        Assert.True(receiver.Has("metrics", "volunteer-otlp-test"), "no metrics export named the service");
        Assert.True(receiver.Has("logs", "volunteer-otlp-test"), "no log export named the service");
        Assert.True(receiver.Has("logs", "otlp log probe"), "the service's log record was not exported");
    }

    [Fact]
    public async Task Outgoing_http_retries_transient_failures_of_idempotent_requests_only()
    {
        var calls = new ConcurrentDictionary<string, int>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var flaky = builder.Build();
        // Fails twice, then answers: a retried GET gets through, a POST must not be sent again.
        flaky.Map("/flaky", (HttpRequest r) => calls.AddOrUpdate(r.Method, 1, (_, n) => n + 1) <= 2 ? Results.StatusCode(503) : Results.Ok("fine"));
        await flaky.StartAsync(Ct);
        await using var stack = await TestStack.CreateAsync();
        stack.Start("reporting");
        // A client as any service code gets it: from the factory, with the defaults AddServiceDefaults configured.
        using var client = stack.Provider("reporting").GetRequiredService<IHttpClientFactory>().CreateClient();
        var url = flaky.Urls.First() + "/flaky";

        var get = await client.GetAsync(url, Ct);
        var post = await client.PostAsync(url, new StringContent("x"), Ct);

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("\"fine\"", await get.Content.ReadAsStringAsync(Ct));
        Assert.Equal(3, calls["GET"]);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, post.StatusCode);
        Assert.Equal(1, calls["POST"]);
    }

    [Fact]
    public async Task Every_service_client_from_the_factory_carries_the_standard_resilience_handler()
    {
        await using var stack = await TestStack.CreateAsync();
        stack.Start("reporting");
        var factory = stack.Provider("reporting").GetRequiredService<IHttpMessageHandlerFactory>();

        var handler = factory.CreateHandler();

        var chain = new List<Type>();
        for (var h = handler as DelegatingHandler; h is not null; h = h.InnerHandler as DelegatingHandler) chain.Add(h.GetType());
        Assert.Contains(typeof(ResilienceHandler), chain);
    }

    [Fact]
    public async Task A_database_out_of_connections_sheds_requests_with_503_and_retry_after_instead_of_500()
    {
        await using var stack = await TestStack.CreateAsync();
        var api = stack.Start("volunteer");
        var database = stack.Database("volunteer");
        var db = stack.Provider("volunteer").GetRequiredService<Npgsql.NpgsqlDataSource>();
        await using var admin = new Npgsql.NpgsqlConnection(TestServers.PostgresDatabase("postgres"));
        await admin.OpenAsync(Ct);
        // The server refuses new connections to the service's database (too many connections, a transient
        // failure), and the service's idle connections are dropped so it must ask for a new one.
        await new Npgsql.NpgsqlCommand($"ALTER DATABASE \"{database}\" CONNECTION LIMIT 0", admin).ExecuteNonQueryAsync(Ct);
        HttpResponseMessage shed;
        try
        {
            db.Clear();
            shed = await api.SendAsync(HttpMethod.Get, "/api/v1/supermarket/goods", null, Tokens.For("admin"));
        }
        finally
        {
            await new Npgsql.NpgsqlCommand($"ALTER DATABASE \"{database}\" CONNECTION LIMIT -1", admin).ExecuteNonQueryAsync(Ct);
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, shed.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), shed.Headers.RetryAfter?.Delta);
        var problem = await shed.JsonAsync();
        Assert.Equal(503, problem.GetProperty("status").GetInt32());
        Assert.Contains("nothing was stored", problem.GetProperty("title").GetString());

        var served = await api.SendAsync(HttpMethod.Get, "/api/v1/supermarket/goods", null, Tokens.For("admin"));
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(System.Text.Json.JsonValueKind.Array, (await served.JsonAsync()).ValueKind);
    }
}
