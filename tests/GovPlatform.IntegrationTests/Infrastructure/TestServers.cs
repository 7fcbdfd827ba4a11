using System.Net.Http.Headers;
using System.Text;
using Npgsql;

namespace GovPlatform.IntegrationTests.Infrastructure;

/// <summary>
/// Where the real servers are: the variables scripts/infra.sh writes to .local/env, taken from the
/// environment (./test.sh sources it) or read from the file when tests run from an IDE.
/// </summary>
public static class TestServers
{
    private static readonly Lazy<Dictionary<string, string>> Settings = new(Load);

    public static string Postgres => Get("GOV_POSTGRES");
    public static string Redis => Get("ConnectionStrings__redis");
    public static Uri Amqp => new(Get("ConnectionStrings__messaging"));
    public static Uri RabbitManagement => new(Get("GOV_RABBITMQ_MANAGEMENT"));

    /// <summary>A key of the tests' own: tokens are minted with it by <see cref="Tokens"/>.</summary>
    public static readonly string AuthSigningKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    /// <summary>The key the volunteer service signs check-in QR codes with in tests.</summary>
    public static readonly string QrSigningKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public static GovPlatform.ServiceDefaults.AuthOptions AuthOptions => new() { SigningKey = AuthSigningKey };

    public static string PostgresDatabase(string database) =>
        new NpgsqlConnectionStringBuilder(Postgres) { Database = database }.ConnectionString;

    /// <summary>The AMQP URI for one virtual host.</summary>
    public static string AmqpFor(string vhost) => new UriBuilder(Amqp) { Path = "/" + Uri.EscapeDataString(vhost) }.Uri.ToString();

    /// <summary>A client for the RabbitMQ management API, authenticated from the URI's user info.</summary>
    public static HttpClient RabbitManagementClient()
    {
        var uri = RabbitManagement;
        var client = new HttpClient { BaseAddress = new Uri($"{uri.Scheme}://{uri.Host}:{uri.Port}/api/") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(uri.UserInfo))));
        return client;
    }

    private static string Get(string name) =>
        Environment.GetEnvironmentVariable(name) ?? (Settings.Value.TryGetValue(name, out var v) ? v
            : throw new InvalidOperationException($"{name} is not set: run ./scripts/infra.sh (./test.sh does) to start the servers."));

    private static Dictionary<string, string> Load()
    {
        var result = new Dictionary<string, string>();
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var file = Path.Combine(dir.FullName, ".local", "env");
            if (!File.Exists(file)) continue;
            foreach (var line in File.ReadAllLines(file))
            {
                if (!line.StartsWith("export ", StringComparison.Ordinal)) continue;
                var (key, value) = (line[7..line.IndexOf('=')], line[(line.IndexOf('=') + 1)..].Trim('\''));
                result[key] = value;
            }
            break;
        }
        return result;
    }
}
