using System.Security.Claims;
using GovPlatform.Identity.Accounts;
using GovPlatform.Identity.SignIn;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Primitives;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace GovPlatform.Identity.Apis;

/// <summary>
/// The OpenID Connect endpoints OpenIddict passes through to the service: OpenIddict checks the protocol
/// (client, redirect address, PKCE, codes, refresh tokens), these handlers decide who the person is.
/// Discovery (<c>/.well-known/openid-configuration</c>), the JWKS and revocation are OpenIddict's own.
/// </summary>
public static class ConnectApi
{
    private const string Server = OpenIddictServerAspNetCoreDefaults.AuthenticationScheme;

    public static IEndpointRouteBuilder MapConnectApi(this IEndpointRouteBuilder app)
    {
        var connect = app.MapGroup("connect").ExcludeFromDescription();
        connect.MapMethods("authorize", [HttpMethods.Get, HttpMethods.Post], AuthorizeAsync).DisableAntiforgery();
        connect.MapPost("token", TokenAsync).DisableAntiforgery();
        connect.MapMethods("userinfo", [HttpMethods.Get, HttpMethods.Post], UserInfoAsync).DisableAntiforgery();
        connect.MapMethods("endsession", [HttpMethods.Get, HttpMethods.Post], (Delegate)EndSessionAsync).DisableAntiforgery();
        return app;
    }

    /// <summary>
    /// Someone signed in at this service (and still allowed in) gets a code for the console; anyone else is sent
    /// to the sign-in page, which brings them back here with the same request.
    /// </summary>
    private static async Task<IResult> AuthorizeAsync(HttpContext context, UserManager<StaffUser> users)
    {
        var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        var session = await context.AuthenticateAsync(SignInCookie.Scheme);
        var user = session.Succeeded ? await StillAllowedAsync(users, session.Principal) : null;
        if (user is null)
        {
            if (session.Succeeded) await context.SignOutAsync(SignInCookie.Scheme);
            if (request.HasPromptValue(PromptValues.None))
                return Refuse(Errors.LoginRequired, "The user is not signed in.");
            var parameters = context.Request.HasFormContentType
                ? context.Request.Form.Where(p => p.Key != "__RequestVerificationToken").ToList()
                : [.. context.Request.Query];
            return Results.Challenge(new AuthenticationProperties
            {
                RedirectUri = context.Request.PathBase + context.Request.Path + QueryString.Create(parameters),
            }, [SignInCookie.Scheme]);
        }

        var principal = await StaffPrincipal.CreateAsync(users, user, request.GetScopes());
        return Results.SignIn(principal, properties: null, Server);
    }

    /// <summary>
    /// Exchanges a code or a refresh token. The account is read again each time, so a disabled account gets no
    /// new token and a re-scoped one gets its new roles and scope node.
    /// </summary>
    private static async Task<IResult> TokenAsync(HttpContext context, UserManager<StaffUser> users)
    {
        var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        if (!request.IsAuthorizationCodeGrantType() && !request.IsRefreshTokenGrantType())
            return Refuse(Errors.UnsupportedGrantType, "Only authorization_code and refresh_token are served.");

        var granted = (await context.AuthenticateAsync(Server)).Principal;
        var user = granted?.GetClaim(Claims.Subject) is { } id ? await users.FindByIdAsync(id) : null;
        if (user is null || user.IsDisabled)
            return Refuse(Errors.InvalidGrant, "The account no longer exists or is disabled.");
        var principal = await StaffPrincipal.CreateAsync(users, user, granted!.GetScopes());
        return Results.SignIn(principal, properties: null, Server);
    }

    /// <summary>The signed-in person as the current account says, for the console's header and menus.</summary>
    private static async Task<IResult> UserInfoAsync(HttpContext context, UserManager<StaffUser> users)
    {
        var principal = (await context.AuthenticateAsync(Server)).Principal;
        var user = principal?.GetClaim(Claims.Subject) is { } id ? await users.FindByIdAsync(id) : null;
        if (user is null || user.IsDisabled)
            return Results.Challenge(new AuthenticationProperties(new Dictionary<string, string?>
            {
                [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.InvalidToken,
                [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "The account no longer exists or is disabled.",
            }), [Server]);

        var claims = new Dictionary<string, object?>(StringComparer.Ordinal) { [Claims.Subject] = user.Id };
        if (principal!.HasScope(Scopes.Profile))
        {
            claims[Claims.Name] = user.DisplayName;
            claims[Claims.PreferredUsername] = user.UserName;
            claims[PlatformClaims.ScopeNode] = user.ScopeNode;
            claims[PlatformClaims.Department] = user.Department;
        }
        if (principal!.HasScope(Scopes.Roles)) claims[Claims.Role] = (await users.GetRolesAsync(user)).Order(StringComparer.Ordinal).ToArray();
        return Results.Ok(claims);
    }

    /// <summary>Ends the sign-in session here; OpenIddict then sends the browser to the console's post-logout address.</summary>
    private static async Task<IResult> EndSessionAsync(HttpContext context)
    {
        await context.SignOutAsync(SignInCookie.Scheme);
        return Results.SignOut(new AuthenticationProperties { RedirectUri = "/account/logged-out" }, [Server]);
    }

    private static async Task<StaffUser?> StillAllowedAsync(UserManager<StaffUser> users, ClaimsPrincipal session)
    {
        if (session.FindFirst(Claims.Subject)?.Value is not { } id || await users.FindByIdAsync(id) is not { } user) return null;
        if (user.IsDisabled || await users.IsLockedOutAsync(user)) return null;
        // A password reset or a disable since the sign-in changed the stamp: that session is over.
        return session.FindFirst(SignInCookie.StampClaim)?.Value == await users.GetSecurityStampAsync(user) ? user : null;
    }

    private static IResult Refuse(string error, string description) =>
        Results.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }), [Server]);
}
