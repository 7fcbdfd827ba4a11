using GovPlatform.Web.SignIn;

namespace GovPlatform.Web.Apis;

/// <summary>
/// The leaders' dashboard and bulletin, served through the console on its own origin: reporting's static pages, and
/// their figure calls (<c>/api/v1/kpis</c>, <c>/rankings</c>, <c>/stats</c>) forwarded with the signed-in person's
/// token from the server-side session. The pages find no token and send none; the cookie is what signs them in,
/// so no token ever appears in a URL or in the browser's storage.
/// </summary>
public static class DashboardProxy
{
    public const string ClientName = "reporting";

    private static readonly string[] Forwarded = ["content-type", "cache-control", "etag", "last-modified", "content-disposition"];

    public static void MapDashboardProxy(this WebApplication app)
    {
        // The pages and their chart library (../lib/echarts.min.js from the dashboard's folder).
        foreach (var folder in new[] { "dashboard", "lib" })
        {
            app.MapGet($"/{folder}/{{**path}}", (string? path, HttpContext http, IHttpClientFactory clients, TokenStore tokens) =>
                    ForwardAsync($"/{folder}/{path}", http, clients, tokens, withToken: false))
                .RequireAuthorization(p => p.RequireRole(Areas.Reports.Split(',')));
        }

        foreach (var api in new[] { "kpis", "rankings", "stats" })
        {
            app.MapGet($"/api/v1/{api}/{{**path}}", (string? path, HttpContext http, IHttpClientFactory clients, TokenStore tokens) =>
                    ForwardAsync($"/api/v1/{api}/{path}".TrimEnd('/'), http, clients, tokens, withToken: true))
                .RequireAuthorization(p => p.RequireRole(Areas.Reports.Split(',')));
        }
    }

    private static async Task ForwardAsync(string path, HttpContext http, IHttpClientFactory clients, TokenStore tokens, bool withToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path + http.Request.QueryString);
        if (withToken)
        {
            var token = await tokens.AccessTokenAsync(http.User, http.RequestAborted);
            if (token is null)
            {
                http.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }
            request.Headers.Authorization = new("Bearer", token);
        }
        using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, http.RequestAborted);
        http.Response.StatusCode = (int)response.StatusCode;
        foreach (var header in response.Headers.Concat(response.Content.Headers))
            if (Forwarded.Contains(header.Key, StringComparer.OrdinalIgnoreCase)) http.Response.Headers[header.Key] = header.Value.ToArray();
        await response.Content.CopyToAsync(http.Response.Body, http.RequestAborted);
    }
}
