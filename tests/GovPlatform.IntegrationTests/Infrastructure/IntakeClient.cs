using System.Net.Http.Json;
using System.Text.Json;

namespace GovPlatform.IntegrationTests.Infrastructure;

/// <summary>Calls to intake as a given caller: a staff role's bearer token (a new subject each call unless a token is given), an API key, or nobody.</summary>
public static class IntakeClient
{
    public static async Task<HttpResponseMessage> SendAsync(this HttpClient client, HttpMethod method, string url,
        object? body = null, string? role = "desk_operator", string? apiKey = null, IDictionary<string, string>? headers = null, string? token = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null) request.Content = body as HttpContent ?? JsonContent.Create(body);
        if (token is not null) request.WithBearer(token);
        else if (role is not null) request.WithBearer(Tokens.For(role));
        if (apiKey is not null) request.Headers.Add("X-Api-Key", apiKey);
        foreach (var (k, v) in headers ?? new Dictionary<string, string>()) request.Headers.TryAddWithoutValidation(k, v);
        return await client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return doc.RootElement.Clone();
    }
}
