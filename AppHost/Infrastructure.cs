using System.ComponentModel;
using System.Data.Common;
using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GovPlatform.AppHost;

/// <summary>Where Postgres, Redis and RabbitMQ come from: containers, or servers already running on the machine.</summary>
/// <remarks>
/// <c>GOV_INFRA=containers|external</c> decides; unset, containers are used when a container runtime
/// can actually run one: Docker's daemon answers, or Podman runs a throw-away container (an installed
/// Podman that cannot run containers, as on the project's build machines, does not count).
/// </remarks>
public sealed record Infrastructure(bool Containers, string Description)
{
    public static Infrastructure Choose(IConfiguration configuration)
    {
        switch (configuration["GOV_INFRA"])
        {
            case "containers":
                return new(true, "containers (GOV_INFRA=containers)");
            case "external":
                return External("GOV_INFRA=external");
            case null or "" or "auto":
                break;
            case var other:
                throw new InvalidOperationException($"GOV_INFRA must be containers, external or auto, not '{other}'.");
        }

        if (Succeeds("docker", "info"))
            return new(true, "containers on Docker (Postgres, Redis and RabbitMQ start as containers)");
        if (Succeeds("podman", "run --rm --rootfs / true"))
        {
            configuration["ASPIRE_CONTAINER_RUNTIME"] = "podman";
            return new(true, "containers on Podman (Postgres, Redis and RabbitMQ start as containers)");
        }
        return External("no container runtime can run containers here");
    }

    private static Infrastructure External(string why) =>
        new(false, $"external servers from ConnectionStrings__* (scripts/infra.sh starts them), because {why}");

    private static bool Succeeds(string command, string arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(command, arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (process is null) return false;
            process.StandardOutput.ReadToEndAsync();
            process.StandardError.ReadToEndAsync();
            if (process.WaitForExit(TimeSpan.FromSeconds(15))) return process.ExitCode == 0;
            process.Kill(entireProcessTree: true);
            return false;
        }
        catch (Win32Exception)
        {
            return false; // not installed
        }
    }
}

public static class InfrastructureExtensions
{
    /// <summary>
    /// A server that runs outside the AppHost, under the connection name the services use. Its value
    /// comes from <c>ConnectionStrings:{name}</c>; it reports healthy while the server accepts TCP
    /// connections, so <c>WaitFor</c> holds the services back until it does.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddExternal(this IDistributedApplicationBuilder builder, string name)
    {
        var value = builder.Configuration.GetConnectionString(name);
        if (string.IsNullOrWhiteSpace(value))
            throw new InvalidOperationException(
                $"ConnectionStrings:{name} is not set: start the servers with scripts/infra.sh and `source .local/env` (./run.sh does both), or set GOV_INFRA=containers.");
        var (host, port) = Endpoint(value);
        var check = $"{name}-accepts-connections";
        builder.Services.AddHealthChecks().AddAsyncCheck(check, async ct =>
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(host, port, ct);
            return HealthCheckResult.Healthy($"{host}:{port} accepts connections");
        });
        return builder.AddConnectionString(name).WithHealthCheck(check);
    }

    /// <summary>
    /// A secret parameter that takes its value from <paramref name="configurationKey"/> when that is
    /// set (run.sh exports it from .local/secrets), and otherwise from <c>Parameters:{name}</c> (user secrets).
    /// </summary>
    public static IResourceBuilder<ParameterResource> AddSecret(this IDistributedApplicationBuilder builder, string name, string configurationKey) =>
        string.IsNullOrWhiteSpace(builder.Configuration[configurationKey])
            ? builder.AddParameter(name, secret: true)
            : builder.AddParameterFromConfiguration(name, configurationKey, secret: true);

    /// <summary>Host and port of a Postgres key=value string, an amqp:// URI or a Redis host:port list.</summary>
    internal static (string Host, int Port) Endpoint(string connectionString)
    {
        if (Uri.TryCreate(connectionString, UriKind.Absolute, out var uri) && uri.Scheme.StartsWith("amqp", StringComparison.Ordinal))
            return (uri.Host, uri.IsDefaultPort || uri.Port < 0 ? 5672 : uri.Port);
        if (connectionString.Contains('='))
        {
            var csb = new DbConnectionStringBuilder { ConnectionString = connectionString };
            var host = (csb.TryGetValue("Host", out var h) ? h : csb.TryGetValue("Server", out var s) ? s : "localhost")!.ToString()!;
            var port = csb.TryGetValue("Port", out var p) ? Convert.ToInt32(p, System.Globalization.CultureInfo.InvariantCulture) : 5432;
            return (host, port);
        }
        var first = connectionString.Split(',')[0].Trim();
        var colon = first.LastIndexOf(':');
        return colon < 0 ? (first, 6379) : (first[..colon], int.Parse(first[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }
}
