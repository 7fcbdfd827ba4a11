using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.IdentityModel.Tokens;

namespace GovPlatform.IntegrationTests.Identity;

/// <summary>
/// What the console's browser does to sign someone in, over real HTTP: the authorization request with PKCE,
/// the sign-in page and its form (antiforgery token included), the redirect back with a code, and the code
/// exchanged for tokens. Redirects are followed by hand so each step can be checked.
/// </summary>
public sealed partial class ConsoleBrowser : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
    private readonly string _state = Guid.NewGuid().ToString("N");

    public ConsoleBrowser(Uri identity)
    {
        _http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = identity,
        };
    }

    public sealed record Tokens(string AccessToken, string? RefreshToken, string? IdToken);

    /// <summary>The outcome of submitting the sign-in form: a code, or the page shown again with an error.</summary>
    public sealed record SignInResult(string? Code, HttpStatusCode PageStatus, string? Page);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public string AuthorizeUrl(string scope = "openid profile roles offline_access")
    {
        var challenge = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(_verifier)));
        return "/connect/authorize?" + string.Join('&', new Dictionary<string, string>
        {
            ["client_id"] = "govplatform-console",
            ["redirect_uri"] = IdentityStack.RedirectUri,
            ["response_type"] = "code",
            ["scope"] = scope,
            ["state"] = _state,
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
        }.Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}"));
    }

    /// <summary>Starts at the authorize endpoint, lands on the sign-in page and submits it.</summary>
    public async Task<SignInResult> SignInAsync(string userName, string password, string? code = null)
    {
        var authorize = await _http.GetAsync(AuthorizeUrl(), Ct);
        Assert.Equal(HttpStatusCode.Redirect, authorize.StatusCode);
        var loginUrl = authorize.Headers.Location!;
        Assert.StartsWith("/account/login", loginUrl.IsAbsoluteUri ? loginUrl.PathAndQuery : loginUrl.OriginalString);

        var page = await _http.GetAsync(loginUrl, Ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        return await SubmitAsync(await page.Content.ReadAsStringAsync(Ct), userName, password, code);
    }

    /// <summary>Fills in the form of a sign-in page already shown (the first one, or one shown again with an error).</summary>
    public async Task<SignInResult> SubmitAsync(string html, string userName, string password, string? code = null)
    {
        var form = new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = Hidden(html, "__RequestVerificationToken"),
            ["returnUrl"] = Hidden(html, "returnUrl"),
            ["userName"] = userName,
            ["password"] = password,
            ["code"] = code ?? "",
        };
        var posted = await _http.PostAsync("/account/login", new FormUrlEncodedContent(form), Ct);
        if (posted.StatusCode != HttpStatusCode.Redirect)
            return new SignInResult(null, posted.StatusCode, await posted.Content.ReadAsStringAsync(Ct));

        var back = await _http.GetAsync(posted.Headers.Location!, Ct);
        Assert.Equal(HttpStatusCode.Redirect, back.StatusCode);
        var redirect = back.Headers.Location!;
        Assert.StartsWith(IdentityStack.RedirectUri, redirect.ToString());
        var query = System.Web.HttpUtility.ParseQueryString(redirect.Query);
        Assert.Equal(_state, query["state"]);
        return new SignInResult(query["code"], posted.StatusCode, null);
    }

    /// <summary>Asks for a code again with the session cookie the sign-in left (no form this time).</summary>
    public async Task<HttpResponseMessage> AuthorizeAgainAsync() => await _http.GetAsync(AuthorizeUrl(), Ct);

    public async Task<Tokens> RedeemAsync(string code, string? verifier = null)
    {
        var response = await TokenRequestAsync(new()
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = IdentityStack.RedirectUri,
            ["client_id"] = "govplatform-console",
            ["code_verifier"] = verifier ?? _verifier,
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ReadTokensAsync(response);
    }

    public Task<HttpResponseMessage> TokenRequestAsync(Dictionary<string, string> form) =>
        _http.PostAsync("/connect/token", new FormUrlEncodedContent(form), Ct);

    public Task<HttpResponseMessage> RefreshAsync(string refreshToken) => TokenRequestAsync(new()
    {
        ["grant_type"] = "refresh_token",
        ["refresh_token"] = refreshToken,
        ["client_id"] = "govplatform-console",
    });

    public static async Task<Tokens> ReadTokensAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        string? Get(string name) => json.RootElement.TryGetProperty(name, out var v) ? v.GetString() : null;
        return new Tokens(Get("access_token")!, Get("refresh_token"), Get("id_token"));
    }

    /// <summary>Signs in all the way and answers the tokens; fails the test if any step does.</summary>
    public async Task<Tokens> SignInForTokensAsync(string userName, string password, string? code = null)
    {
        var result = await SignInAsync(userName, password, code);
        Assert.True(result.Code is not null, $"Sign-in was refused ({result.PageStatus}): {result.Page}");
        return await RedeemAsync(result.Code);
    }

    public HttpClient Http => _http;

    private static string Hidden(string html, string name)
    {
        var match = Regex.Match(html, $"name=\"{Regex.Escape(name)}\" value=\"([^\"]*)\"");
        Assert.True(match.Success, $"The sign-in page has no {name} field.");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    public void Dispose() => _http.Dispose();
}
