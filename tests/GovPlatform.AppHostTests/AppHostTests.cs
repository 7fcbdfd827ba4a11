using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using GovPlatform.ServiceDefaults;
using Npgsql;

namespace GovPlatform.AppHostTests;

/// <summary>The application model as the AppHost declares it, started whole on this machine's servers.</summary>
public sealed class AppHostTests
{
    private static readonly string[] Services = ["dispatch", "intake", "volunteer", "reporting"];
    /// <summary>Everything the AppHost runs: the four services, the identity service and the staff console.</summary>
    private static readonly string[] Resources = [.. Services, "identity", "console"];
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);

    private sealed record WorkOrder(Guid Id, Guid RequestId, string Status);

    [Fact]
    public async Task When_the_apphost_starts_every_service_identity_and_the_console_become_healthy_and_a_request_posted_to_intake_becomes_a_work_order()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var servers = await PrivateServers.CreateAsync(ct);
        var authKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var ports = FreePorts(Resources.Length);

        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.GovPlatform_AppHost>(
        [
            "GOV_INFRA=external",
            .. Resources.Select((s, i) => $"GOV_{s.ToUpperInvariant()}_PORT={ports[i]}"),
            .. Services.Append("identity").Select(s => $"ConnectionStrings:{s}db={servers.Database($"{s}db")}"),
            // Keys made for this run, never ones from source.
            $"Identity:SigningKeyPem={System.Security.Cryptography.RSA.Create(2048).ExportPkcs8PrivateKeyPem()}",
            $"Identity:EncryptionKey={Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))}",
            $"ConnectionStrings:redis={PrivateServers.Setting("ConnectionStrings__redis")}",
            $"ConnectionStrings:messaging={servers.Amqp}",
            $"Auth:SigningKey={authKey}",
            $"Volunteer:QrSigningKey={Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))}",
        ], (options, _) => options.DisableDashboard = true, ct);
        // The AppHost's own log (the orchestrator's errors when it cannot launch a process land here, not in the resource's output).
        var hostLog = new HostLog();
        builder.Services.AddLogging(logging => logging.AddProvider(hostLog));
        await using var app = await builder.BuildAsync(ct);
        var logs = new ResourceLogs(app, Resources);

        using var starting = CancellationTokenSource.CreateLinkedTokenSource(ct);
        starting.CancelAfter(StartTimeout);
        await app.StartAsync(starting.Token);
        foreach (var resource in Resources)
        {
            try { await app.ResourceNotifications.WaitForResourceHealthyAsync(resource, starting.Token); }
            catch (DistributedApplicationException e) when (logs.Tail(resource).Length == 0)
            {
                // The orchestrator gave up launching a process that never printed a line (on a starved machine its
                // calls to its own API server can time out). A developer would press start in the dashboard; the test
                // does the same once and says so, and a second failure fails it.
                TestContext.Current.SendDiagnosticMessage($"{resource} failed to launch ({e.Message}); starting it again. The AppHost's log:\n{hostLog.Tail()}");
                await app.ResourceCommands.ExecuteCommandAsync(resource, KnownResourceCommands.StartCommand, starting.Token);
                await WaitHealthyOrFailAsync(app, resource, logs, hostLog, starting.Token);
            }
            catch (Exception e) when (e is DistributedApplicationException or OperationCanceledException)
            {
                Fail(resource, e, logs, hostLog);
            }
        }

        // The console sends a visitor to the identity service's sign-in, with PKCE, at the issuer the AppHost set.
        using var console = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = app.GetEndpoint("console", "http") };
        using var visit = await console.GetAsync("/desk", ct);
        Assert.Equal(HttpStatusCode.Redirect, visit.StatusCode);
        Assert.StartsWith($"http://127.0.0.1:{ports[Array.IndexOf(Resources, "identity")]}/connect/authorize?", visit.Headers.Location!.ToString());
        Assert.Contains("code_challenge_method=S256", visit.Headers.Location!.Query);

        var token = PlatformTokens.Issue(new AuthOptions { SigningKey = authKey }, "apphost-test", "AppHost test", [Roles.Admin, Roles.DeskOperator]);
        using var dispatch = Client(app, "dispatch", token);
        using var intake = Client(app, "intake", token);

        using var imported = await dispatch.PostAsync("/api/v1/grid/import",
            new StringContent(await File.ReadAllTextAsync(RepositoryFile("services/dispatch/Seed/demo-county.json"), ct), Encoding.UTF8, "application/json"), ct);
        Assert.Equal(HttpStatusCode.OK, imported.StatusCode);

        // Intake learns the grid from dispatch's GridNodesChanged events; until they arrive it rejects the
        // location with a 400 and stores nothing, so the request is sent again until it is accepted.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        HttpResponseMessage posted;
        while ((posted = await intake.PostAsJsonAsync("/api/v1/requests", new
        {
            channel = "hotline",
            category = "drainage",
            description = "1号楼下水道堵塞，污水漫到楼道",
            location = new { code = "MT-01-01-C01-G1-B01" },
            reporter = new { name = "张三", phone = "13812341234" },
        }, ct)).StatusCode == HttpStatusCode.BadRequest && DateTime.UtcNow < deadline)
        {
            posted.Dispose();
            await Task.Delay(200, ct);
        }
        using var accepted = posted;
        Assert.True(accepted.StatusCode == HttpStatusCode.Created, $"intake answered {accepted.StatusCode}: {await accepted.Content.ReadAsStringAsync(ct)}");
        var requestId = (await accepted.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetGuid();

        // The request travels intake's outbox → RabbitMQ → dispatch's inbox: poll with a deadline.
        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        WorkOrder[] orders;
        while ((orders = await dispatch.GetFromJsonAsync<WorkOrder[]>($"/api/v1/work-orders?requestId={requestId}", Json, ct) ?? []).Length == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no work order for request {requestId} within 60 s");
            await Task.Delay(100, ct);
        }
        var order = Assert.Single(orders);
        Assert.Equal(requestId, order.RequestId);
        Assert.Equal("assigned", order.Status);
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static async Task WaitHealthyOrFailAsync(DistributedApplication app, string resource, ResourceLogs logs, HostLog hostLog, CancellationToken ct)
    {
        try { await app.ResourceNotifications.WaitForResourceHealthyAsync(resource, ct); }
        catch (Exception e) when (e is DistributedApplicationException or OperationCanceledException)
        {
            Fail(resource, e, logs, hostLog);
        }
    }

    /// <summary>Says why: the end of the resource's own output first, then what the AppHost itself logged.</summary>
    private static void Fail(string resource, Exception e, ResourceLogs logs, HostLog hostLog) =>
        Assert.Fail($"{resource} did not become healthy ({e.Message}); the end of its output:\n{logs.Tail(resource)}\nThe AppHost's warnings and errors:\n{hostLog.Tail()}");

    private static HttpClient Client(DistributedApplication app, string service, string token)
    {
        var client = app.CreateHttpClient(service, "http");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>
    /// Ports free right now, so the test never collides with a ./run.sh on 5101-5104. They are taken
    /// below Linux's ephemeral range (32768-60999): a port from that range can be handed to some
    /// client socket of the tests running alongside between this check and the service binding it.
    /// </summary>
    private static int[] FreePorts(int count)
    {
        var ports = new List<int>();
        while (ports.Count < count)
        {
            var port = Random.Shared.Next(20_000, 32_000);
            if (ports.Contains(port)) continue;
            try
            {
                var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                listener.Stop();
                ports.Add(port);
            }
            catch (SocketException) { } // taken: try another
        }
        return [.. ports];
    }

    private static string RepositoryFile(string path)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, path))) return Path.Combine(dir.FullName, path);
        throw new FileNotFoundException($"{path} not found above {AppContext.BaseDirectory}");
    }
}

/// <summary>The output of each service as the AppHost collects it, kept so a failure can show its end.</summary>
internal sealed class ResourceLogs
{
    private readonly Dictionary<string, List<string>> _lines = [];

    public ResourceLogs(DistributedApplication app, IEnumerable<string> resources)
    {
        var service = app.Services.GetRequiredService<ResourceLoggerService>();
        foreach (var resource in resources)
        {
            var lines = _lines[resource] = [];
            _ = Task.Run(async () =>
            {
                await foreach (var batch in service.WatchAsync(resource))
                    lock (lines) lines.AddRange(batch.Select(l => l.Content));
            });
        }
    }

    public string Tail(string resource, int count = 40)
    {
        var lines = _lines[resource];
        lock (lines) return string.Join('\n', lines.TakeLast(count));
    }
}

/// <summary>The AppHost's own warnings and errors, with their exceptions, kept so a failure can show them.</summary>
internal sealed class HostLog : ILoggerProvider
{
    private readonly List<string> _lines = [];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public string Tail(int count = 40)
    {
        lock (_lines) return string.Join('\n', _lines.TakeLast(count));
    }

    public void Dispose() { }

    private sealed class Logger(HostLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            lock (log._lines) log._lines.Add($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : "\n" + exception)}");
        }
    }
}

/// <summary>
/// Databases and a RabbitMQ virtual host of the test's own on the shared servers, so neither a running
/// ./run.sh nor another test sees its messages or rows; dropped afterwards.
/// </summary>
internal sealed class PrivateServers : IAsyncDisposable
{
    private readonly string _prefix = $"apphost_{Guid.NewGuid():N}"[..20];
    private readonly List<string> _databases = [];

    public string Amqp => new UriBuilder(Setting("ConnectionStrings__messaging")) { Path = "/" + _prefix }.Uri.ToString();

    public static async Task<PrivateServers> CreateAsync(CancellationToken ct)
    {
        var servers = new PrivateServers();
        using var rabbit = RabbitManagement();
        var user = Uri.UnescapeDataString(new Uri(Setting("GOV_RABBITMQ_MANAGEMENT")).UserInfo.Split(':')[0]);
        (await rabbit.PutAsync($"vhosts/{servers._prefix}", null, ct)).EnsureSuccessStatusCode();
        (await rabbit.PutAsJsonAsync($"permissions/{servers._prefix}/{user}", new { configure = ".*", write = ".*", read = ".*" }, ct)).EnsureSuccessStatusCode();
        return servers;
    }

    /// <summary>The connection string of a database of this test's own (each service's migrator creates it).</summary>
    public string Database(string name)
    {
        var database = $"{_prefix}_{name}";
        _databases.Add(database);
        return new NpgsqlConnectionStringBuilder(Setting("GOV_POSTGRES")) { Database = database }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        using var rabbit = RabbitManagement();
        await rabbit.DeleteAsync($"vhosts/{_prefix}");
        await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Setting("GOV_POSTGRES")) { Database = "postgres" }.ConnectionString);
        await admin.OpenAsync();
        foreach (var database in _databases)
            await new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", admin).ExecuteNonQueryAsync();
    }

    private static HttpClient RabbitManagement()
    {
        var uri = new Uri(Setting("GOV_RABBITMQ_MANAGEMENT"));
        var client = new HttpClient { BaseAddress = new Uri($"{uri.Scheme}://{uri.Host}:{uri.Port}/api/") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(uri.UserInfo))));
        return client;
    }

    /// <summary>A setting scripts/infra.sh wrote to .local/env: from the environment (./test.sh sources it) or the file.</summary>
    public static string Setting(string name)
    {
        if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } value) return value;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var file = Path.Combine(dir.FullName, ".local", "env");
            if (!File.Exists(file)) continue;
            var prefix = $"export {name}=";
            var line = File.ReadLines(file).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
            if (line is not null) return line[prefix.Length..].Trim('\'');
        }
        throw new InvalidOperationException($"{name} is not set: run ./scripts/infra.sh (./test.sh does) to start the servers.");
    }
}
