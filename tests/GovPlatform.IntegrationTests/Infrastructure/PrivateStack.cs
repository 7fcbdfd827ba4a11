using System.Net;
using System.Text.Json;
using Dapper;
using GovPlatform.Dispatch.Extensions;
using GovPlatform.Intake.Extensions;
using GovPlatform.Reporting.Extensions;
using GovPlatform.Volunteer.Extensions;
using Npgsql;

namespace GovPlatform.IntegrationTests.Infrastructure;

/// <summary>
/// The four services in this process, as <see cref="TestStack"/> runs them, but on <see cref="PrivateServers"/>,
/// so a test may kill the servers under them.
/// </summary>
public sealed class PrivateStack(PrivateServers servers) : IAsyncDisposable
{
    private readonly Dictionary<string, (IAsyncDisposable Host, HttpClient Client)> _running = new();

    public Dictionary<string, string?> SettingsFor(string service) => new()
    {
        [$"ConnectionStrings:{service}db"] = servers.PostgresFor($"{service}db"),
        ["ConnectionStrings:redis"] = PrivateServers.Redis,
        ["ConnectionStrings:messaging"] = PrivateServers.Amqp,
        ["OTEL_SERVICE_NAME"] = service,
        ["Auth:SigningKey"] = TestServers.AuthSigningKey,
        ["Volunteer:QrSigningKey"] = TestServers.QrSigningKey,
        ["Messaging:RetryIntervalsMs"] = "100,500,1000",
        // Short steps, so a message that failed during a kill comes back within the test; the sum (about 60 s)
        // still outlasts every outage the test makes.
        ["Messaging:RedeliveryIntervals"] = "00:00:02,00:00:04,00:00:08,00:00:15,00:00:30",
    };

    public void StartAll()
    {
        foreach (var service in TestStack.Services)
        {
            var settings = SettingsFor(service);
            _running[service] = service switch
            {
                "intake" => Run(new ServiceHost<IntakeApp>(settings)),
                "dispatch" => Run(new ServiceHost<DispatchApp>(settings)),
                "volunteer" => Run(new ServiceHost<VolunteerApp>(settings)),
                "reporting" => Run(new ServiceHost<ReportingApp>(settings)),
                _ => throw new ArgumentOutOfRangeException(nameof(service)),
            };
        }

        static (IAsyncDisposable, HttpClient) Run<T>(ServiceHost<T> host) where T : class
        {
            var client = host.Start();
            client.Timeout = TimeSpan.FromSeconds(10);
            return (host, client);
        }
    }

    public HttpClient Client(string service) => _running[service].Client;

    // Unpooled: the test's own connections must not outlive a killed server either.
    private string Unpooled(string service) => new NpgsqlConnectionStringBuilder(servers.PostgresFor($"{service}db")) { Pooling = false }.ConnectionString;

    public async Task<T> ScalarAsync<T>(string service, string sql, object? param = null)
    {
        await using var conn = new NpgsqlConnection(Unpooled(service));
        await conn.OpenAsync();
        return await conn.ExecuteScalarAsync<T>(sql, param) ?? throw new InvalidOperationException($"No value from: {sql}");
    }

    public async Task<IReadOnlyList<T>> QueryAsync<T>(string service, string sql, object? param = null)
    {
        await using var conn = new NpgsqlConnection(Unpooled(service));
        await conn.OpenAsync();
        return (await conn.QueryAsync<T>(sql, param)).AsList();
    }

    /// <summary>A service's readiness: the HTTP status and each check's status by name (whatever the body's shape).</summary>
    public async Task<(HttpStatusCode Status, IReadOnlyDictionary<string, string> Checks)> HealthAsync(string service, string path = "/health")
    {
        try
        {
            using var response = await Client(service).GetAsync(path, TestContext.Current.CancellationToken);
            var checks = new Dictionary<string, string>();
            try
            {
                using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
                if (doc.RootElement.TryGetProperty("checks", out var list))
                {
                    if (list.ValueKind == JsonValueKind.Object)
                        foreach (var check in list.EnumerateObject())
                            checks[check.Name] = check.Value.GetProperty("status").GetString()!;
                    else if (list.ValueKind == JsonValueKind.Array)
                        foreach (var check in list.EnumerateArray())
                            checks[check.GetProperty("name").GetString()!] = check.GetProperty("status").GetString()!;
                }
            }
            catch (JsonException) { }
            return (response.StatusCode, checks);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (HttpStatusCode.RequestTimeout, new Dictionary<string, string>());
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (host, _) in _running.Values)
        {
            try { await host.DisposeAsync(); }
            catch (Exception) { /* a host whose servers were killed may fail to stop cleanly; the test result stands */ }
        }
    }
}
