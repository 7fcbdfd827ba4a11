using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using GovPlatform.Web.SignIn;
using Microsoft.AspNetCore.Components.Authorization;

namespace GovPlatform.Web.Apis;

/// <summary>An API's answer: the value, or the problem the service reported (its title and field errors, for the page to show).</summary>
public sealed record ApiResult<T>(T? Value, HttpStatusCode Status, string? Problem)
{
    public bool Ok => Problem is null;
}

/// <summary>
/// A service's API called with the signed-in person's access token. Typed clients are made in the page's scope (the
/// circuit), so the token is looked up per call from the circuit's user: the HttpClient's own handlers run in a scope
/// of their own that knows no user.
/// </summary>
public abstract class PlatformApi(HttpClient http, AuthenticationStateProvider auth, TokenStore tokens)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    protected async Task<ApiResult<T>> GetAsync<T>(string url, CancellationToken ct = default) =>
        await SendAsync<T>(new HttpRequestMessage(HttpMethod.Get, url), ct);

    protected async Task<ApiResult<T>> PostAsync<T>(string url, object? body, CancellationToken ct = default) =>
        await SendAsync<T>(new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = body is null ? null : JsonContent.Create(body, body.GetType(), options: Json),
        }, ct);

    protected async Task<ApiResult<T>> SendAsync<T>(HttpRequestMessage request, CancellationToken ct)
    {
        using (request)
        {
            var user = (await auth.GetAuthenticationStateAsync()).User;
            var token = await tokens.AccessTokenAsync(user, ct);
            if (token is null) return new(default, HttpStatusCode.Unauthorized, "登录已过期，请刷新页面重新登录 (session expired: reload to sign in again)");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request, ct);
            if (response.IsSuccessStatusCode)
            {
                if (response.StatusCode == HttpStatusCode.NoContent || typeof(T) == typeof(object)) return new(default, response.StatusCode, null);
                return new(await response.Content.ReadFromJsonAsync<T>(Json, ct), response.StatusCode, null);
            }
            return new(default, response.StatusCode, await ProblemAsync(response, ct));
        }
    }

    /// <summary>The ProblemDetails' title and its field errors in one line; the status code when there is none.</summary>
    private static async Task<string> ProblemAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            var root = json.RootElement;
            var parts = new List<string>();
            if (root.TryGetProperty("title", out var title)) parts.Add(title.GetString() ?? "");
            if (root.TryGetProperty("detail", out var detail)) parts.Add(detail.GetString() ?? "");
            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
                foreach (var field in errors.EnumerateObject())
                    parts.Add($"{field.Name}: {string.Join(" ", field.Value.EnumerateArray().Select(e => e.GetString()))}");
            if (parts.Count > 0) return string.Join(" — ", parts.Where(p => p.Length > 0));
        }
        catch (JsonException)
        {
            // Not a ProblemDetails body; the status code says enough.
        }
        return $"{(int)response.StatusCode} {response.ReasonPhrase}";
    }
}
