using System.Diagnostics;
using System.Net.Sockets;
using Npgsql;
using RabbitMQ.Client;

namespace GovPlatform.IntegrationTests.Infrastructure;

/// <summary>
/// PostgreSQL 15, Redis and a RabbitMQ node of this test's own, on ports of their own, from the binaries
/// Debian's packages install: the shared servers serve every other test and must never be killed, these
/// can be, for real (SIGKILL), and started again on the same data. Anything that cannot start fails the
/// test with the server's own output: a recovery test that silently skipped would prove nothing.
/// </summary>
public sealed class PrivateServers : IAsyncDisposable
{
    // Below Linux's ephemeral range (32768-60999): a port there can be taken at any moment by some client's
    // outgoing connection, and a broker that cannot bind its listener stops at boot. Not 25672 either: that is
    // the shared broker's Erlang distribution port (its AMQP port + 20000).
    public const int PostgresPort = 23432;
    public const int RedisPort = 23379;
    public const int AmqpPort = 23672;
    private const int RabbitDistPort = 23673;
    private const string PgBin = "/usr/lib/postgresql/15/bin";
    private const string RabbitServer = "/usr/lib/rabbitmq/bin/rabbitmq-server";

    private readonly string _root = Path.Combine(Path.GetTempPath(), $"govplatform-recovery-{Guid.NewGuid():N}"[..32]);
    private Process? _redis;
    private Process? _rabbit;
    private readonly string _rabbitNode = $"rabbit-recovery-{Guid.NewGuid():N}"[..24] + "@localhost";

    // Npgsql's default connect timeout (15 s): a killed or restarting server refuses at once, so the timeout only ever
    // waits on a server slow to accept, as a fresh one is in a full parallel run (5 s once failed a stack's start-up).
    public string PostgresFor(string database) =>
        $"Host=127.0.0.1;Port={PostgresPort};Username=postgres;Database={database};Timeout=15";
    public static string Redis => $"127.0.0.1:{RedisPort}";
    public static string Amqp => $"amqp://guest:guest@127.0.0.1:{AmqpPort}";

    private string PgData => Path.Combine(_root, "pg");
    private static bool Root => Environment.UserName == "root";

    public static async Task<PrivateServers> StartAsync()
    {
        var servers = new PrivateServers();
        Directory.CreateDirectory(servers._root);
        foreach (var port in new[] { PostgresPort, RedisPort, AmqpPort, RabbitDistPort })
            if (await PortAnswersAsync(port))
                throw new InvalidOperationException($"Port {port} is taken: a private server of an earlier run may still be up (look for {Path.GetTempPath()}govplatform-recovery-*).");
        try
        {
            await servers.InitPostgresAsync();
            await Task.WhenAll(servers.StartPostgresAsync(), servers.StartRedisAsync(), servers.StartRabbitAsync());
            return servers;
        }
        catch
        {
            // Nobody else holds these servers yet: a half-started set must not outlive the failed test.
            await servers.DisposeAsync();
            throw;
        }
    }

    // ---- PostgreSQL: initdb once, pg_ctl start; a kill takes the postmaster and every backend it forked.

    private async Task InitPostgresAsync()
    {
        if (!File.Exists(Path.Combine(PgBin, "initdb")))
            throw new InvalidOperationException($"{PgBin}/initdb is missing: install Debian's postgresql-15 (scripts/infra.sh does).");
        // initdb refuses to run as root; the postgres user owns the data directory instead.
        if (Root) await RunAsync("chown", $"postgres {_root}");
        await RunAsPostgresAsync($"{PgBin}/initdb -D {PgData} -U postgres --auth=trust --no-sync");
    }

    public async Task StartPostgresAsync()
    {
        // Settings as the platform's real server: TLS on with Debian's certificate (so clients pay the handshake), room for pools.
        var ssl = File.Exists("/etc/ssl/private/ssl-cert-snakeoil.key")
            ? "-c ssl=on -c ssl_cert_file=/etc/ssl/certs/ssl-cert-snakeoil.pem -c ssl_key_file=/etc/ssl/private/ssl-cert-snakeoil.key" : "";
        await RunAsPostgresAsync($"{PgBin}/pg_ctl -D {PgData} -l {_root}/pg.log -w -t 60 start " +
                                 $"-o \"-p {PostgresPort} -k {_root} -c max_connections=400 -c fsync=off {ssl}\"");
        await using var conn = new NpgsqlConnection(PostgresFor("postgres"));
        await conn.OpenAsync();
    }

    public async Task KillPostgresAsync()
    {
        var pid = int.Parse((await File.ReadAllLinesAsync(Path.Combine(PgData, "postmaster.pid")))[0]);
        var children = Children(pid);
        Kill(pid);
        foreach (var child in children) Kill(child);
        await WaitUntilAsync(async () => !await PortAnswersAsync(PostgresPort), "PostgreSQL to die");
        // A new postmaster refuses to start while the pid in postmaster.pid is alive, and a killed process lives on as a
        // zombie until whoever adopted it reaps it. Wait for that; if it stays a zombie, the lock file is stale for sure.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Directory.Exists($"/proc/{pid}") && DateTime.UtcNow < deadline) await Task.Delay(100);
        if (Directory.Exists($"/proc/{pid}")) File.Delete(Path.Combine(PgData, "postmaster.pid"));
    }

    // ---- Redis: no persistence (it holds derived data only, as on the real server).

    public async Task StartRedisAsync()
    {
        _redis = Start("redis-server", $"--port {RedisPort} --bind 127.0.0.1 --save \"\" --appendonly no --daemonize no --dir {_root}");
        await WaitUntilAsync(() => PortAnswersAsync(RedisPort), "Redis to listen", _redis);
    }

    public async Task KillRedisAsync()
    {
        _redis!.Kill();
        await _redis.WaitForExitAsync();
        _redis.Dispose();
        _redis = null;
    }

    // ---- RabbitMQ: a second node of Debian's broker with its own name, ports, database and no plugins.

    private async Task StartRabbitAsync()
    {
        var dir = Path.Combine(_root, "rabbit");
        Directory.CreateDirectory(dir);
        // No management plugin (it would want the shared node's port 15672); guest may log in over TCP.
        await File.WriteAllTextAsync(Path.Combine(dir, "enabled_plugins"), "[].");
        await File.WriteAllTextAsync(Path.Combine(dir, "rabbitmq.conf"), $"listeners.tcp.default = {AmqpPort}\nloopback_users = none\n");
        await StartRabbitNodeAsync();
    }

    public async Task StartRabbitNodeAsync()
    {
        var dir = Path.Combine(_root, "rabbit");
        var start = new ProcessStartInfo(RabbitServer)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            Environment =
            {
                // Its own Erlang cookie, node name and distribution port: the shared node is not disturbed.
                ["HOME"] = dir,
                ["RABBITMQ_NODENAME"] = _rabbitNode,
                ["RABBITMQ_NODE_PORT"] = AmqpPort.ToString(),
                ["RABBITMQ_DIST_PORT"] = RabbitDistPort.ToString(),
                ["RABBITMQ_MNESIA_BASE"] = Path.Combine(dir, "mnesia"),
                ["RABBITMQ_LOG_BASE"] = Path.Combine(dir, "log"),
                ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(dir, "enabled_plugins"),
                ["RABBITMQ_CONFIG_FILE"] = Path.Combine(dir, "rabbitmq.conf"),
                ["RABBITMQ_PID_FILE"] = Path.Combine(dir, "pid"),
            },
        };
        if (!File.Exists(RabbitServer)) throw new InvalidOperationException($"{RabbitServer} is missing: install Debian's rabbitmq-server (scripts/infra.sh does).");
        _rabbit = Process.Start(start) ?? throw new InvalidOperationException("Could not start RabbitMQ.");
        _rabbit.OutputDataReceived += (_, _) => { };
        _rabbit.ErrorDataReceived += (_, _) => { };
        _rabbit.BeginOutputReadLine();
        _rabbit.BeginErrorReadLine();
        await WaitUntilAsync(AmqpAnswersAsync, "RabbitMQ to accept AMQP logins", _rabbit, TimeSpan.FromSeconds(90));
    }

    public async Task KillRabbitAsync()
    {
        _rabbit!.Kill(entireProcessTree: true);
        await _rabbit.WaitForExitAsync();
        _rabbit.Dispose();
        _rabbit = null;
        await WaitUntilAsync(async () => !await PortAnswersAsync(AmqpPort), "RabbitMQ to die");
    }

    public static async Task<bool> AmqpAnswersAsync()
    {
        try
        {
            var factory = new ConnectionFactory { Uri = new Uri(Amqp), RequestedConnectionTimeout = TimeSpan.FromSeconds(3) };
            await using var connection = await factory.CreateConnectionAsync();
            return connection.IsOpen;
        }
        catch (Exception)
        {
            return false;
        }
    }

    // ---- plumbing

    private static async Task<bool> PortAnswersAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await client.ConnectAsync("127.0.0.1", port, timeout.Token);
            return true;
        }
        catch (Exception)
        {
            return false;
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, Process? process = null, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (!await condition())
        {
            if (process is { HasExited: true })
                throw new InvalidOperationException($"Gave up waiting for {what}: the process exited with {process.ExitCode}.");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Gave up waiting for {what}.");
            await Task.Delay(200);
        }
    }

    private Task RunAsPostgresAsync(string command) =>
        Root ? RunAsync("su", $"postgres -s /bin/sh -c \"{command.Replace("\"", "\\\"")}\"") : RunAsync("/bin/sh", $"-c \"{command.Replace("\"", "\\\"")}\"");

    private static async Task RunAsync(string file, string arguments)
    {
        using var process = Start(file, arguments, capture: true);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {arguments} exited with {process.ExitCode}:\n{await output}\n{await error}");
    }

    private static Process Start(string file, string arguments, bool capture = false)
    {
        var process = Process.Start(new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = capture, RedirectStandardError = capture, UseShellExecute = false,
        }) ?? throw new InvalidOperationException($"Could not start {file}.");
        return process;
    }

    private static List<int> Children(int parent) =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && ParentOf(pid) == parent)
            .ToList();

    private static int ParentOf(int pid)
    {
        try
        {
            // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]);
        }
        catch (Exception)
        {
            return 0;
        }
    }

    private static void Kill(int pid)
    {
        try { Process.GetProcessById(pid).Kill(); }
        catch (ArgumentException) { /* already gone */ }
        catch (InvalidOperationException) { }
    }

    public async ValueTask DisposeAsync()
    {
        if (File.Exists(Path.Combine(PgData, "postmaster.pid")))
        {
            try { await RunAsPostgresAsync($"{PgBin}/pg_ctl -D {PgData} -m immediate -w stop"); }
            catch (InvalidOperationException) { /* already stopped or killed */ }
        }
        if (_redis is { HasExited: false }) { _redis.Kill(); await _redis.WaitForExitAsync(); }
        if (_rabbit is { HasExited: false }) { _rabbit.Kill(entireProcessTree: true); await _rabbit.WaitForExitAsync(); }
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
