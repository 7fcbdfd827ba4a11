using GovPlatform.Web.SignIn;

namespace GovPlatform.Web.Apis;

/// <summary>
/// Case photos for the page's <c>&lt;img&gt;</c> tags: <c>/files/{service}/{id}</c> (and <c>/thumbnail</c>) forwards to
/// the service's <c>/api/v1/attachments</c> with the signed-in person's token from the server-side session, so the
/// browser shows the photo without ever holding a token. The service decides who may see each file (404 otherwise).
/// </summary>
public static class AttachmentProxy
{
    private static readonly Dictionary<string, string> Clients = new(StringComparer.Ordinal)
    {
        ["intake"] = nameof(IntakeApi),
        ["dispatch"] = nameof(DispatchApi),
    };

    private static readonly string[] Forwarded = ["content-type", "content-length", "cache-control", "etag", "last-modified"];

    public static void MapAttachmentProxy(this WebApplication app)
    {
        app.MapGet("/files/{service}/{id:guid}", (string service, Guid id, HttpContext http, IHttpClientFactory clients, TokenStore tokens) =>
                ForwardAsync(service, $"/api/v1/attachments/{id}", http, clients, tokens))
            .RequireAuthorization();
        app.MapGet("/files/{service}/{id:guid}/thumbnail", (string service, Guid id, HttpContext http, IHttpClientFactory clients, TokenStore tokens) =>
                ForwardAsync(service, $"/api/v1/attachments/{id}/thumbnail", http, clients, tokens))
            .RequireAuthorization();
    }

    /// <summary>The console's address of a file a service listed (its <c>/api/v1/attachments/...</c> path).</summary>
    public static string Url(string service, string servicePath) =>
        $"files/{service}{servicePath["/api/v1/attachments".Length..]}";

    private static async Task ForwardAsync(string service, string path, HttpContext http, IHttpClientFactory clients, TokenStore tokens)
    {
        if (!Clients.TryGetValue(service, out var client))
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        var token = await tokens.AccessTokenAsync(http.User, http.RequestAborted);
        if (token is null)
        {
            http.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new("Bearer", token);
        using var response = await clients.CreateClient(client).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, http.RequestAborted);
        http.Response.StatusCode = (int)response.StatusCode;
        foreach (var header in response.Headers.Concat(response.Content.Headers))
            if (Forwarded.Contains(header.Key, StringComparer.OrdinalIgnoreCase)) http.Response.Headers[header.Key] = header.Value.ToArray();
        // A resident's photo is not for shared caches.
        http.Response.Headers.CacheControl = "private, max-age=300";
        await response.Content.CopyToAsync(http.Response.Body, http.RequestAborted);
    }
}
