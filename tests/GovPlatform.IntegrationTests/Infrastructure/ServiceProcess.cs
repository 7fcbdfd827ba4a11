using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace GovPlatform.IntegrationTests.Infrastructure;

/// <summary>
/// A service run as its own operating-system process on a stack's databases and virtual host, from
/// the build output the test project already depends on. Unlike an in-process host it can be
/// killed for real: SIGKILL, with transactions open and messages delivered but not acknowledged.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _output = new();
    private bool _disposed;

    private ServiceProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>Starts the service and returns once its /health answers (database and broker connected).</summary>
    public static async Task<ServiceProcess> StartAsync(TestStack stack, string service,
        IReadOnlyDictionary<string, string?>? overrides = null, TimeSpan? timeout = null)
    {
        var dll = Locate(service);
        var address = new Uri($"http://127.0.0.1:{FreePort()}");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll },
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var settings = stack.SettingsFor(service, overrides);
        // A cold process on a busy machine can wait longer than Npgsql's 15 s default for its first connection.
        var database = $"ConnectionStrings:{service}db";
        settings[database] = new Npgsql.NpgsqlConnectionStringBuilder(settings[database]) { Timeout = 60 }.ConnectionString;
        foreach (var (key, value) in settings) start.Environment[key.Replace(":", "__")] = value;
        start.Environment["ASPNETCORE_URLS"] = address.ToString();
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {dll}.");
        var running = new ServiceProcess(process, address);
        process.OutputDataReceived += (_, e) => running.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => running.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(2));
        while (true)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"{service} exited with {process.ExitCode} while starting:\n{running.Output}");
            try
            {
                using var response = await http.GetAsync("/health", TestContext.Current.CancellationToken);
                if (response.StatusCode == HttpStatusCode.OK) return running;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested) { }
            if (DateTime.UtcNow > deadline)
            {
                await running.DisposeAsync();
                throw new TimeoutException($"{service} did not become healthy at {address}:\n{running.Output}");
            }
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>The last lines the process wrote, for failure messages.</summary>
    public string Output
    {
        get { lock (_output) return string.Join('\n', _output); }
    }

    /// <summary>SIGKILL: no drain, no graceful stop of the bus, no commit of open transactions.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// SIGTERM, as Kubernetes stops a pod: the host stops gracefully (the bus stopped, telemetry flushed) and the
    /// process exits. Throws with the process's last lines when it has not exited within <paramref name="timeout"/>.
    /// </summary>
    public async Task StopAsync(TimeSpan? timeout = null)
    {
        if (_process.HasExited) return;
        if (Signal(_process.Id, SigTerm) != 0 && !_process.HasExited)
            throw new InvalidOperationException($"SIGTERM to {_process.Id} failed: errno {Marshal.GetLastPInvokeError()}");
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        waiting.CancelAfter(timeout ?? TimeSpan.FromSeconds(30));
        try
        {
            await _process.WaitForExitAsync(waiting.Token);
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The process {_process.Id} did not exit after SIGTERM:\n{Output}");
        }
    }

    private const int SigTerm = 15;

    // .NET's Process.Kill only sends SIGKILL.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Signal(int pid, int signal);

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        finally
        {
            _process.Dispose();
        }
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

    /// <summary>The service's own build output, built alongside this test project (same configuration).</summary>
    private static string Locate(string service)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "GovPlatform.sln"))) continue;
            var name = $"GovPlatform.{char.ToUpperInvariant(service[0])}{service[1..]}";
            var dll = Path.Combine(dir.FullName, "services", service, "bin", configuration, "net10.0", $"{name}.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build {name} first: {dll} is missing.", dll);
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
