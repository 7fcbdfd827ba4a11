using System.Globalization;
using System.Security.Claims;
using GovPlatform.Web.Extensions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace GovPlatform.Web.SignIn;

public static class SignInSetup
{
    /// <summary>The claims the console reads from the access token, so it offers exactly what the services will allow.</summary>
    private static readonly string[] CopiedClaims = ["role", "scope_node", "department", "worker_id"];

    /// <summary>
    /// Authorization code with PKCE against the identity service; the result is a cookie naming a server-side
    /// session (<see cref="TokenStore"/>). Roles and scope come from the access token itself, the very token the
    /// services judge, so a screen never offers what its API would refuse.
    /// </summary>
    public static WebApplicationBuilder AddConsoleSignIn(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(ConsoleOptions.Section).Get<ConsoleOptions>() ?? new ConsoleOptions();
        var authority = options.AuthorityUri;
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<TokenStore>();
        builder.Services.AddHttpClient(TokenStore.HttpClientName);
        builder.Services.AddHttpContextAccessor();

        builder.Services.AddAuthentication(o =>
            {
                o.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                o.DefaultChallengeScheme = OpenIdConnectDefaults.AuthenticationScheme;
            })
            .AddCookie(o =>
            {
                o.Cookie.Name = "govplatform.console";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.ExpireTimeSpan = TimeSpan.FromHours(12);
                o.SlidingExpiration = true;
                o.AccessDeniedPath = "/denied";
                // A cookie whose session this process no longer holds (a restart, a failed refresh) signs in again.
                o.Events.OnValidatePrincipal = context =>
                {
                    var store = context.HttpContext.RequestServices.GetRequiredService<TokenStore>();
                    if (!store.Has(context.Principal!)) context.RejectPrincipal();
                    return Task.CompletedTask;
                };
            })
            .AddOpenIdConnect(o =>
            {
                o.Authority = authority.ToString();
                o.RequireHttpsMetadata = !(authority.Scheme == Uri.UriSchemeHttp
                    && (options.AllowHttpMetadata || authority.IsLoopback || authority.Host == "localhost"));
                o.ClientId = options.ClientId;
                o.ResponseType = OpenIdConnectResponseType.Code;
                o.UsePkce = true;
                // Back with a plain redirect (GET): the correlation cookies can then stay SameSite=Lax, which a
                // browser keeps on plain http, where SameSite=None (needed by form_post) would be dropped.
                o.ResponseMode = OpenIdConnectResponseMode.Query;
                o.CorrelationCookie.SameSite = SameSiteMode.Lax;
                o.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.NonceCookie.SameSite = SameSiteMode.Lax;
                o.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.Scope.Clear();
                foreach (var scope in new[] { "openid", "profile", "roles", "offline_access" }) o.Scope.Add(scope);
                o.SaveTokens = false; // kept in TokenStore, never in the cookie
                o.MapInboundClaims = false;
                o.GetClaimsFromUserInfoEndpoint = false;
                o.TokenValidationParameters.NameClaimType = "name";
                o.TokenValidationParameters.RoleClaimType = "role";
                o.Events.OnTokenValidated = context =>
                {
                    var response = context.TokenEndpointResponse!;
                    var identity = (ClaimsIdentity)context.Principal!.Identity!;
                    var access = new JsonWebToken(response.AccessToken);
                    foreach (var claim in access.Claims.Where(c => CopiedClaims.Contains(c.Type)))
                        identity.AddClaim(new Claim(claim.Type, claim.Value));
                    if (!identity.HasClaim(c => c.Type == "name") && access.TryGetClaim("name", out var name))
                        identity.AddClaim(new Claim("name", name.Value));
                    var expiresIn = int.TryParse(response.ExpiresIn, CultureInfo.InvariantCulture, out var s) ? s : 300;
                    var store = context.HttpContext.RequestServices.GetRequiredService<TokenStore>();
                    identity.AddClaim(new Claim(TokenStore.SessionClaim,
                        store.Save(response.AccessToken, response.RefreshToken, response.IdToken, TimeSpan.FromSeconds(expiresIn))));
                    return Task.CompletedTask;
                };
                o.Events.OnRedirectToIdentityProviderForSignOut = context =>
                {
                    var store = context.HttpContext.RequestServices.GetRequiredService<TokenStore>();
                    context.ProtocolMessage.IdTokenHint = store.IdTokenOf(context.HttpContext.User);
                    store.Forget(context.HttpContext.User);
                    return Task.CompletedTask;
                };
            });
        builder.Services.AddAuthorization();
        return builder;
    }

    public static void MapSignInEndpoints(this WebApplication app)
    {
        app.MapGet("/account/login", (string? returnUrl) =>
            TypedResults.Challenge(new AuthenticationProperties { RedirectUri = LocalOnly(returnUrl) }))
            .AllowAnonymous();

        // A form post with the antiforgery token, so no other site can sign a person out.
        app.MapPost("/account/logout", ([FromForm] string? returnUrl) =>
            TypedResults.SignOut(new AuthenticationProperties { RedirectUri = "/" },
                [CookieAuthenticationDefaults.AuthenticationScheme, OpenIdConnectDefaults.AuthenticationScheme]))
            .RequireAuthorization();

        app.MapGet("/culture", (string culture, string? returnUrl, HttpContext http) =>
        {
            var chosen = culture == "en-US" ? "en-US" : "zh-CN";
            http.Response.Cookies.Append(CookieRequestCultureProvider.DefaultCookieName,
                CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(chosen)),
                new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Lax, MaxAge = TimeSpan.FromDays(365) });
            return TypedResults.LocalRedirect(LocalOnly(returnUrl));
        }).AllowAnonymous();
    }

    /// <summary>Only paths of this site: an open redirect would let a link to the console send people anywhere.</summary>
    public static string LocalOnly(string? url) =>
        !string.IsNullOrEmpty(url) && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal)
            ? url : "/";
}
