using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using GovPlatform.IntegrationTests.Identity;
using GovPlatform.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

// Not ".Console": a namespace of that name would hide System.Console from the whole test assembly.
namespace GovPlatform.IntegrationTests.StaffConsole;

[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<ConsoleStack>
{
    public const string Name = "console";
}

/// <summary>
/// The staff console against the real platform: identity, dispatch, intake, reporting and volunteer hosted in-process on their
/// stack, and the console run from its own build output as its own process (in Development, so it serves its static
/// assets and Blazor's script from the build as <c>dotnet run</c> does). Services trust identity as their authority.
/// </summary>
public sealed class ConsoleStack : IAsyncLifetime
{
    public const string Password = "Console2026pass";

    /// <summary>A signing key made for this test run: never one from source.</summary>
    private static readonly string SigningKeyPem = RSA.Create(2048).ExportPkcs8PrivateKeyPem();

    private Process? _console;
    private readonly Queue<string> _output = new();

    public TestStack Stack { get; private set; } = null!;
    public Uri Address { get; private set; } = null!;
    public Uri Authority => Stack.Client("identity").BaseAddress!;

    public async ValueTask InitializeAsync()
    {
        Stack = await TestStack.CreateAsync();
        Address = new Uri($"http://127.0.0.1:{FreePort()}/");
        Stack.Start("identity", new Dictionary<string, string?>
        {
            ["Identity:SigningKeyPem"] = SigningKeyPem,
            ["Identity:EncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Identity:AllowHttp"] = "true",
            // The demo accounts (one per role, tied to the demo county's roster), as ./run.sh seeds them.
            ["Identity:DemoAccounts"] = "true",
            ["Identity:ConsoleRedirectUris"] = new Uri(Address, "signin-oidc").ToString(),
            ["Identity:ConsolePostLogoutRedirectUris"] = new Uri(Address, "signout-callback-oidc").ToString(),
        });
        var authority = new Dictionary<string, string?> { ["Auth:Authority"] = Authority.ToString() };
        Stack.Start("dispatch", authority);
        Stack.Start("intake", authority);
        Stack.Start("reporting", authority);
        Stack.Start("volunteer", authority);
        _console = StartConsole();
        await WaitHealthyAsync();
    }

    private Process StartConsole()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Dll() },
            WorkingDirectory = Path.GetDirectoryName(Dll())!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_URLS"] = Address.ToString().TrimEnd('/');
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["OTEL_SERVICE_NAME"] = "console";
        start.Environment["Console__Authority"] = Authority.ToString();
        start.Environment["ConnectionStrings__messaging"] = TestServers.AmqpFor(Stack.VirtualHost);
        foreach (var service in new[] { "intake", "dispatch", "reporting", "volunteer" })
            start.Environment[$"services__{service}__http__0"] = Stack.Client(service).BaseAddress!.ToString().TrimEnd('/');
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the console.");
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private async Task WaitHealthyAsync()
    {
        using var http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            if (_console!.HasExited) throw new InvalidOperationException($"The console exited with {_console.ExitCode}:\n{Output}");
            try
            {
                using var response = await http.GetAsync("/health");
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The console did not become healthy at {Address}:\n{Output}");
            await Task.Delay(200);
        }
    }

    public string Output
    {
        get { lock (_output) return string.Join('\n', _output); }
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.Enqueue(line);
            while (_output.Count > 200) _output.Dequeue();
        }
    }

    /// <summary>An account at the identity service, made through its admin API; answers its user name.</summary>
    public async Task<string> AccountAsync(string role, string? scopeNode, Guid? id = null)
    {
        var userName = $"c{Guid.NewGuid():N}"[..16];
        var response = await Stack.Client("identity").SendAsync(HttpMethod.Post, "/api/v1/accounts",
            new { id, userName, displayName = "测试·" + role, roles = new[] { role }, scopeNode, password = Password }, role: "admin");
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return userName;
    }

    /// <summary>Opens a console page, signs in at the identity service's form when sent there, and waits for the page to run.</summary>
    public async Task<IPage> SignInAsync(Browser browser, string userName, string path, bool phone = false)
    {
        var page = await browser.NewPageAsync(phone ? Browser.Phone : Browser.Desktop, isMobile: phone);
        await page.GotoAsync(new Uri(Address, path).ToString());
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/account/login"));
        await page.FillAsync("#userName", userName);
        await page.FillAsync("#password", Password);
        await page.ClickAsync("button[type=submit]");
        // Back on the console: the page asked for, or the denied page when the role may not open it. The way back is
        // three hops and a code exchange between the console and identity (then the page's first render), so it gets
        // the 30 s the tests give a page's first content, not the context's 15 s for one step: in a full parallel run
        // it once took longer than 15 s.
        await page.WaitForURLAsync(url => url.StartsWith(Address.ToString(), StringComparison.Ordinal) && !url.Contains("signin-oidc", StringComparison.Ordinal),
            new() { Timeout = 30_000 });
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        if (_console is { HasExited: false }) _console.Kill(entireProcessTree: true);
        if (_console is not null) await _console.WaitForExitAsync();
        _console?.Dispose();
        await Stack.DisposeAsync();
    }

    private static string Dll()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "GovPlatform.sln"))) continue;
            var dll = Path.Combine(dir.FullName, "services", "console", "bin", configuration, "net10.0", "GovPlatform.Web.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build the console first: {dll} is missing.", dll);
        }
        throw new DirectoryNotFoundException("GovPlatform.sln not found above " + AppContext.BaseDirectory);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
