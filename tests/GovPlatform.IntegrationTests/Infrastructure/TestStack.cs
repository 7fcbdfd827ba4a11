using System.Net.Http.Json;
using Dapper;
using GovPlatform.Dispatch.Extensions;
using GovPlatform.Dispatch.Grid;
using GovPlatform.Identity.Extensions;
using GovPlatform.Intake.Extensions;
using GovPlatform.Reporting.Extensions;
using GovPlatform.Volunteer.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace GovPlatform.IntegrationTests.Infrastructure;

/// <summary>
/// An isolated copy of the platform on the real servers: its own four databases and its own
/// RabbitMQ virtual host, so stacks in parallel tests never see each other's data or messages.
/// Services start and stop one by one, which is how tests simulate a crash or a second instance.
/// </summary>
public sealed class TestStack : IAsyncDisposable
{
    public static readonly string[] Services = ["dispatch", "intake", "volunteer", "reporting"];

    /// <summary>Services a test starts only when it needs them; their databases are dropped like the others'.</summary>
    public static readonly string[] OptionalServices = ["identity"];

    private readonly Dictionary<string, RunningService> _running = new();
    private readonly List<RunningService> _extra = [];

    private sealed record RunningService(IAsyncDisposable Host, HttpClient Client, IServiceProvider Provider);

    private TestStack(string id) => Id = id;

    public string Id { get; }
    public string VirtualHost => $"govtest-{Id}";
    public static string DatabaseName(string service, string id) => $"{service}_{id}";
    public string Database(string service) => DatabaseName(service, Id);

    public static async Task<TestStack> CreateAsync()
    {
        var stack = new TestStack(Guid.NewGuid().ToString("N")[..10]);
        using var rabbit = TestServers.RabbitManagementClient();
        var user = Uri.UnescapeDataString(TestServers.Amqp.UserInfo.Split(':')[0]);
        (await rabbit.PutAsync($"vhosts/{stack.VirtualHost}", null)).EnsureSuccessStatusCode();
        (await rabbit.PutAsJsonAsync($"permissions/{stack.VirtualHost}/{user}", new { configure = ".*", write = ".*", read = ".*" })).EnsureSuccessStatusCode();
        return stack;
    }

    /// <summary>The settings a service gets, under the names Aspire injects, plus test overrides.</summary>
    public Dictionary<string, string?> SettingsFor(string service, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{service}db"] = TestServers.PostgresDatabase(Database(service)),
            ["ConnectionStrings:redis"] = TestServers.Redis,
            ["ConnectionStrings:messaging"] = TestServers.AmqpFor(VirtualHost),
            ["OTEL_SERVICE_NAME"] = service,
            ["Auth:SigningKey"] = TestServers.AuthSigningKey,
            ["Volunteer:QrSigningKey"] = TestServers.QrSigningKey,
            // Failing messages reach the error queue after quick retries, so tests see it soon.
            ["Messaging:RetryIntervalsMs"] = "50,100",
        };
        foreach (var (k, v) in overrides ?? new Dictionary<string, string?>()) settings[k] = v;
        return settings;
    }

    public HttpClient Start(string service, IReadOnlyDictionary<string, string?>? overrides = null, Action<IServiceCollection>? services = null)
    {
        if (_running.ContainsKey(service)) throw new InvalidOperationException($"{service} already runs in this stack; use StartExtraInstance.");
        var running = Launch(service, SettingsFor(service, overrides), services);
        _running[service] = running;
        return running.Client;
    }

    /// <summary>A second instance of a service on the same database and queues, as a scaled-out deployment runs.</summary>
    public IServiceProvider StartExtraInstance(string service, IReadOnlyDictionary<string, string?>? overrides = null,
        Action<IServiceCollection>? services = null)
    {
        var running = Launch(service, SettingsFor(service, overrides), services);
        _extra.Add(running);
        return running.Provider;
    }

    public void StartAll()
    {
        foreach (var service in Services) Start(service);
    }

    public async Task StopAsync(string service)
    {
        if (_running.Remove(service, out var running)) await running.Host.DisposeAsync();
    }

    public HttpClient Client(string service) => _running[service].Client;
    public IServiceProvider Provider(string service) => _running[service].Provider;

    /// <summary>
    /// Writes a warning through a running service's own logging: what its log export must carry, whether or not its
    /// start-up happened to log anything before a test stops it.
    /// </summary>
    public void LogWarning(string service, string message) =>
        Provider(service).GetRequiredService<ILoggerFactory>().CreateLogger("TestProbe").LogWarning("Test probe: {Message}", message);

    public async Task<NpgsqlConnection> OpenAsync(string service)
    {
        var conn = new NpgsqlConnection(TestServers.PostgresDatabase(Database(service)));
        await conn.OpenAsync();
        return conn;
    }

    public async Task<T> ScalarAsync<T>(string service, string sql, object? param = null)
    {
        await using var conn = await OpenAsync(service);
        return await conn.ExecuteScalarAsync<T>(sql, param) ?? throw new InvalidOperationException($"No value from: {sql}");
    }

    public async Task<IReadOnlyList<T>> QueryAsync<T>(string service, string sql, object? param = null)
    {
        await using var conn = await OpenAsync(service);
        return (await conn.QueryAsync<T>(sql, param)).AsList();
    }

    /// <summary>Imports a county into dispatch and waits until every running service's copy of the tree has it.</summary>
    public async Task ImportAsync(TestCounty county)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/grid/import") { Content = JsonContent.Create(county.Import) };
        var response = await Client("dispatch").SendAsync(request.WithBearer(Tokens.For("admin")), TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        // Identity keeps no copy of the tree.
        foreach (var service in _running.Keys.Where(s => s != "dispatch" && !OptionalServices.Contains(s)))
        {
            await Eventually.True(async () => await ScalarAsync<long>(service,
                    "SELECT count(*) FROM grid_copy WHERE path[1] = @District", new { county.District }) == county.Import.Nodes.Count,
                $"{service}'s copy of county {county.District}");
        }
    }

    /// <summary>
    /// Waits until dispatch has heard the default tier of every category in intake's catalogue, which intake announces
    /// at start (shipped categories included): until then a request in a community-tier category would still start in
    /// the grid. Only services whose queues existed when intake started hear it: reporting, started after intake here,
    /// does not (docs/intake.md, Service catalogue).
    /// </summary>
    public Task CatalogueHeardAsync() =>
        Eventually.True(async () =>
        {
            var catalogue = (await QueryAsync<string>("intake", "SELECT code FROM categories")).ToArray();
            return await ScalarAsync<long>("dispatch", "SELECT count(*) FROM category_tiers WHERE category = ANY(@catalogue)", new { catalogue })
                == catalogue.Length;
        }, "dispatch's copy of the catalogue's default tiers");

    private RunningService Launch(string service, Dictionary<string, string?> settings, Action<IServiceCollection>? services)
    {
        (IAsyncDisposable Host, HttpClient Client, IServiceProvider Provider) Run<T>(ServiceHost<T> host) where T : class
        {
            var client = host.Start();
            return (host, client, host.Services);
        }
        var (h, c, p) = service switch
        {
            "intake" => Run(new ServiceHost<IntakeApp>(settings, services)),
            "dispatch" => Run(new ServiceHost<DispatchApp>(settings, services)),
            "volunteer" => Run(new ServiceHost<VolunteerApp>(settings, services)),
            "reporting" => Run(new ServiceHost<ReportingApp>(settings, services)),
            "identity" => Run(new ServiceHost<IdentityApp>(settings, services)),
            _ => throw new ArgumentOutOfRangeException(nameof(service), service, null),
        };
        return new RunningService(h, c, p);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var running in _extra.Concat(_running.Values)) await running.Host.DisposeAsync();
        _running.Clear();
        using var rabbit = TestServers.RabbitManagementClient();
        await rabbit.DeleteAsync($"vhosts/{VirtualHost}");
        await using var conn = new NpgsqlConnection(TestServers.PostgresDatabase("postgres"));
        await conn.OpenAsync();
        foreach (var service in Services.Concat(OptionalServices))
        {
            try
            {
                await conn.ExecuteAsync($"DROP DATABASE IF EXISTS \"{Database(service)}\" WITH (FORCE)");
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
            {
                // Someone else's session (an operator's psql, say) holds it open; its unique name
                // keeps it out of every other test's way, so cleanup must not fail the test.
            }
        }
    }
}

/// <summary>A small county with unique codes, so tests sharing a stack never touch each other's grids.</summary>
public sealed class TestCounty
{
    public string District { get; }
    public string Community => $"{District}-01-01";
    public string Grid => $"{Community}-C01-G1";
    public string Building => $"{Grid}-B01";
    public string EmptyGrid => $"{Community}-C01-G2";
    public GridImportRequest Import { get; }

    public TestCounty(int workersInGrid = 2)
    {
        District = "T" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var phone = Random.Shared.Next(10_000_000, 99_999_999);
        var nodes = new List<GridNodeInput>
        {
            new(District, null, "district", "测试县"),
            new($"{District}-01", District, "subdistrict", "湄江街道"),
            new(Community, $"{District}-01", "community", "锦园社区"),
            new($"{Community}-C01", Community, "compound", "东苑小区"),
            new(Grid, $"{Community}-C01", "grid", "第一网格"),
            new(Building, Grid, "building", "1号楼"),
            new($"{Grid}-B02", Grid, "building", "2号楼"),
            new(EmptyGrid, $"{Community}-C01", "grid", "第二网格"),
            new($"{EmptyGrid}-B03", EmptyGrid, "building", "3号楼"),
        };
        var workers = Enumerable.Range(0, workersInGrid)
            .Select(i => new WorkerInput($"网格员{i + 1}", $"139{phone + i:D8}", "grid_worker", Grid))
            .Append(new WorkerInput("网格长", $"138{phone:D8}", "grid_leader", Grid))
            .Append(new WorkerInput("社区书记", $"137{phone:D8}", "community_cadre", Community))
            .ToList();
        Import = new GridImportRequest(nodes, workers);
    }
}
