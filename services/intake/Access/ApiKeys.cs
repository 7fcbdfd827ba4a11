using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using GovPlatform.Intake.Reference;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GovPlatform.Intake.Access;

/// <summary>Who may call intake: staff with bearer tokens, other city systems with API keys.</summary>
public static class IntakeAccess
{
    /// <summary>The role every API-key caller has; staff roles come from <see cref="ServiceDefaults.Roles"/>.</summary>
    public const string ApiClient = "api_client";
    public const string ApiKeyScheme = "ApiKey";
    public const string ApiKeyHeader = "X-Api-Key";
    public const string ApiKeyIdClaim = "api_key_id";
    public const string RateLimitClaim = "rate_limit_per_minute";

    /// <summary>Bearer tokens and API keys side by side: a request is authenticated by whichever it carries.</summary>
    public const string StaffOrApiKey = "BearerOrApiKey";

    public static void AddIntakeAccess(this WebApplicationBuilder builder)
    {
        builder.Services.AddAuthentication(o =>
            {
                o.DefaultScheme = StaffOrApiKey;
                o.DefaultChallengeScheme = StaffOrApiKey;
            })
            .AddPolicyScheme(StaffOrApiKey, "Bearer token or API key", o => o.ForwardDefaultSelector = ctx =>
                ctx.Request.Headers.ContainsKey(ApiKeyHeader) ? ApiKeyScheme : JwtBearerDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyScheme, null);
        builder.Services.AddSingleton<WindowRateLimiter>();
    }

    public static bool IsApiClient(this ClaimsPrincipal user) => user.HasClaim(c => c.Type == ApiKeyIdClaim);

    /// <summary>Who did it, for timelines and idempotency scopes: the token's subject or the key's id.</summary>
    public static string Actor(this ClaimsPrincipal user) =>
        user.FindFirst(ApiKeyIdClaim)?.Value is { } keyId ? $"api-key:{keyId}"
        : user.FindFirst("sub")?.Value ?? "anonymous";
}

/// <summary>
/// API keys are <c>gpk_</c> plus 32 random bytes. Only a SHA-256 of the key is stored: a key has
/// 256 bits of entropy, so a fast hash is as safe as a slow one and keeps authentication cheap.
/// </summary>
public static class ApiKeySecrets
{
    public static string NewKey() => "gpk_" + Base64Url(RandomNumberGenerator.GetBytes(32));

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>What lists show, so an admin can tell keys apart without ever seeing one again.</summary>
    public static string Prefix(string key) => key[..Math.Min(key.Length, 12)];

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, NpgsqlDataSource db, ReferenceCache reference)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(IntakeAccess.ApiKeyHeader, out var values)) return AuthenticateResult.NoResult();
        var presented = values.ToString();
        if (string.IsNullOrWhiteSpace(presented)) return AuthenticateResult.Fail("The API key is empty.");

        var principal = await AuthenticateKeyAsync(db, reference, presented, Context.RequestAborted);
        return principal is null
            ? AuthenticateResult.Fail("Unknown or revoked API key.")
            : AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }

    /// <summary>
    /// Also used where the spec puts the key in the body (Open311's <c>api_key</c>). Live keys come from memory
    /// (<see cref="ReferenceCache.ApiKeyAsync"/>): a revocation reaches every instance by NOTIFY.
    /// </summary>
    public static async Task<ClaimsPrincipal?> AuthenticateKeyAsync(NpgsqlDataSource db, ReferenceCache reference, string presented, CancellationToken ct)
    {
        var key = await reference.ApiKeyAsync(db, ApiKeySecrets.Hash(presented), ct);
        if (key is null) return null;
        var identity = new ClaimsIdentity(
        [
            new Claim("sub", $"api-key:{key.Id}"),
            new Claim("name", key.Name),
            new Claim("role", IntakeAccess.ApiClient),
            new Claim(IntakeAccess.ApiKeyIdClaim, key.Id.ToString()),
            new Claim(IntakeAccess.RateLimitClaim, key.RateLimitPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ], IntakeAccess.ApiKeyScheme, "name", "role");
        return new ClaimsPrincipal(identity);
    }
}
