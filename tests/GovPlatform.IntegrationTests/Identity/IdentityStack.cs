using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests.Identity;

[CollectionDefinition(Name)]
public sealed class IdentityCollection : ICollectionFixture<IdentityStack>
{
    public const string Name = "identity";
}

/// <summary>
/// The identity service with dispatch and intake beside it; intake trusts the identity service as its
/// authority (<c>Auth:Authority</c>) and the tests' shared key both, as a deployment does.
/// </summary>
public sealed class IdentityStack : IAsyncLifetime
{
    public const string RedirectUri = "http://127.0.0.1:5999/signin-oidc";
    public const string PostLogoutRedirectUri = "http://127.0.0.1:5999/signed-out";

    /// <summary>A signing key made for this test run: never one from source.</summary>
    private static readonly string SigningKeyPem = RSA.Create(2048).ExportPkcs8PrivateKeyPem();

    public TestStack Stack { get; private set; } = null!;
    public TestCounty County { get; } = new();
    public HttpClient Identity => Stack.Client("identity");
    public HttpClient Intake => Stack.Client("intake");
    public Uri Authority => Identity.BaseAddress!;

    public async ValueTask InitializeAsync()
    {
        Stack = await TestStack.CreateAsync();
        Stack.Start("identity", new Dictionary<string, string?>
        {
            ["Identity:SigningKeyPem"] = SigningKeyPem,
            ["Identity:EncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            // The issuer is the address the service is called on, which a test host learns only once it listens.
            ["Identity:AllowHttp"] = "true",
            ["Identity:ConsoleRedirectUris"] = RedirectUri,
            ["Identity:ConsolePostLogoutRedirectUris"] = PostLogoutRedirectUri,
            ["Identity:MaxFailedAttempts"] = "5",
            ["Identity:LockoutDuration"] = "00:15:00",
            ["Identity:DemoAccounts"] = "true",
        });
        Stack.Start("dispatch");
        Stack.Start("intake", new Dictionary<string, string?> { ["Auth:Authority"] = Authority.ToString() });
        await Stack.ImportAsync(County);
    }

    public ValueTask DisposeAsync() => Stack.DisposeAsync();

    /// <summary>Creates an account through the admin API with a unique user name; answers its id and user name.</summary>
    public async Task<(string Id, string UserName)> CreateAccountAsync(string[] roles, string password, string? scopeNode = null,
        string? department = null)
    {
        var userName = $"u{Guid.NewGuid():N}"[..16];
        var response = await AdminAsync(HttpMethod.Post, "/api/v1/accounts",
            new { userName, displayName = "测试人员", roles, scopeNode, department, password });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var account = await response.Content.ReadFromJsonAsync<AccountView>(TestContext.Current.CancellationToken);
        return (account!.Id, userName);
    }

    /// <summary>A call to the identity service's admin API as an administrator (a token signed with the tests' shared key).</summary>
    public Task<HttpResponseMessage> AdminAsync(HttpMethod method, string url, object? body = null, string role = "admin") =>
        Identity.SendAsync(method, url, body, role: role);

    public static async Task<T> ReadAsync<T>(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<T>(Json, TestContext.Current.CancellationToken))!;

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}

public sealed record AccountView(
    string Id, string UserName, string DisplayName, string[] Roles, string? ScopeNode, string? Department,
    bool Disabled, DateTimeOffset? LockedOutUntil, bool TwoFactorEnabled, DateTimeOffset CreatedAt);
