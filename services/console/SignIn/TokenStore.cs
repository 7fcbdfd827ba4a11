using System.Collections.Concurrent;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;

namespace GovPlatform.Web.SignIn;

/// <summary>
/// The signed-in people's tokens, kept in this process only: the browser holds a cookie naming its session, never a
/// token, so no script on a page can read one. Access tokens are refreshed here shortly before they expire.
/// </summary>
/// <remarks>
/// A restart forgets every session; the cookie then names nothing, the console challenges again, and the identity
/// service's own sign-in cookie lets the person straight back in without a password. Several console instances
/// would need this store in Redis; one instance is what the platform runs.
/// </remarks>
public sealed class TokenStore(IHttpClientFactory http, IOptionsMonitor<OpenIdConnectOptions> oidc, ConsoleOptions options,
    TimeProvider clock, ILogger<TokenStore> log)
{
    /// <summary>The claim in the console's cookie that names the session.</summary>
    public const string SessionClaim = "console_session";
    public const string HttpClientName = "identity-tokens";

    private sealed class Session(string accessToken, string? refreshToken, string? idToken, DateTimeOffset expiresAt)
    {
        public string AccessToken = accessToken;
        public string? RefreshToken = refreshToken;
        public readonly string? IdToken = idToken;
        public DateTimeOffset ExpiresAt = expiresAt;
        public DateTimeOffset LastUsed;
        public readonly SemaphoreSlim Refreshing = new(1, 1);
    }

    private readonly ConcurrentDictionary<string, Session> _sessions = new();

    public string Save(string accessToken, string? refreshToken, string? idToken, TimeSpan expiresIn)
    {
        var now = clock.GetUtcNow();
        // A session unused for longer than a refresh token lives is dead either way.
        foreach (var (key, stale) in _sessions)
            if (now - stale.LastUsed > TimeSpan.FromHours(13)) _sessions.TryRemove(key, out _);
        var id = Guid.NewGuid().ToString("N");
        _sessions[id] = new Session(accessToken, refreshToken, idToken, now + expiresIn) { LastUsed = now };
        return id;
    }

    public bool Has(ClaimsPrincipal user) => SessionOf(user) is { } id && _sessions.ContainsKey(id);

    public string? IdTokenOf(ClaimsPrincipal user) => SessionOf(user) is { } id && _sessions.TryGetValue(id, out var s) ? s.IdToken : null;

    public void Forget(ClaimsPrincipal user)
    {
        if (SessionOf(user) is { } id) _sessions.TryRemove(id, out _);
    }

    /// <summary>The user's access token, refreshed first when it is about to expire; null when there is no live session.</summary>
    public async Task<string?> AccessTokenAsync(ClaimsPrincipal user, CancellationToken ct = default)
    {
        if (SessionOf(user) is not { } id || !_sessions.TryGetValue(id, out var session)) return null;
        var now = clock.GetUtcNow();
        session.LastUsed = now;
        if (session.ExpiresAt - now > options.RefreshBefore || session.RefreshToken is null) return session.AccessToken;
        await session.Refreshing.WaitAsync(ct);
        try
        {
            // Another call may have refreshed it while this one waited.
            if (session.ExpiresAt - clock.GetUtcNow() > options.RefreshBefore) return session.AccessToken;
            return await RefreshAsync(id, session, ct);
        }
        finally
        {
            session.Refreshing.Release();
        }
    }

    private async Task<string?> RefreshAsync(string id, Session session, CancellationToken ct)
    {
        var configuration = await oidc.Get(OpenIdConnectDefaults.AuthenticationScheme).ConfigurationManager!.GetConfigurationAsync(ct);
        using var response = await http.CreateClient(HttpClientName).PostAsync(configuration.TokenEndpoint, new FormUrlEncodedContent(
            new Dictionary<string, string>
            {
                ["grant_type"] = "refresh_token",
                ["refresh_token"] = session.RefreshToken!,
                ["client_id"] = options.ClientId,
            }), ct);
        if (!response.IsSuccessStatusCode)
        {
            // A disabled account or an expired refresh token: the session ends and the next page signs in again.
            log.LogInformation("Refreshing a console session's token failed with {Status}; the session ends", (int)response.StatusCode);
            _sessions.TryRemove(id, out _);
            return null;
        }
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        var root = json.RootElement;
        session.AccessToken = root.GetProperty("access_token").GetString()!;
        // Refresh tokens are rotated at each use.
        if (root.TryGetProperty("refresh_token", out var refresh)) session.RefreshToken = refresh.GetString();
        var expiresIn = root.TryGetProperty("expires_in", out var e) ? e.GetInt32() : 300;
        session.ExpiresAt = clock.GetUtcNow().AddSeconds(expiresIn);
        return session.AccessToken;
    }

    private static string? SessionOf(ClaimsPrincipal user) => user.FindFirst(SessionClaim)?.Value;
}
