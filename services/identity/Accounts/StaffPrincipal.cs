using System.Security.Claims;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace GovPlatform.Identity.Accounts;

/// <summary>
/// The claims a staff token carries, read afresh from the account each time a token is issued (sign-in
/// and every refresh), so a re-scoped or re-roled account gets the change with its next token.
/// </summary>
public static class StaffPrincipal
{
    /// <summary>The audience every platform service expects (<c>Auth:Audience</c>).</summary>
    public const string Audience = "govplatform";

    /// <summary>The scopes the console may ask for; <c>roles</c> and <c>profile</c> only gate the identity token and userinfo.</summary>
    public static readonly string[] Scopes = [OpenIddictConstants.Scopes.OpenId, OpenIddictConstants.Scopes.Profile,
        OpenIddictConstants.Scopes.Roles, OpenIddictConstants.Scopes.OfflineAccess];

    public static async Task<ClaimsPrincipal> CreateAsync(UserManager<StaffUser> users, StaffUser user, IEnumerable<string> scopes)
    {
        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.Id)
            .SetClaim(Claims.Name, user.DisplayName)
            .SetClaim(Claims.PreferredUsername, user.UserName)
            .SetClaims(Claims.Role, [.. (await users.GetRolesAsync(user)).Order(StringComparer.Ordinal)]);
        if (user.ScopeNode is not null) identity.SetClaim(PlatformClaims.ScopeNode, user.ScopeNode);
        if (user.Department is not null) identity.SetClaim(PlatformClaims.Department, user.Department);
        if (user.WorkerId is { } workerId) identity.SetClaim(PlatformClaims.WorkerId, workerId.ToString());

        identity.SetScopes(scopes.Intersect(Scopes));
        identity.SetResources(Audience);
        identity.SetDestinations(Destinations);
        return new ClaimsPrincipal(identity);
    }

    /// <summary>
    /// Every platform claim goes into the access token, which is what the services read; the identity token
    /// gets the profile only when the console asked for it. Nothing else (the security stamp, say) leaves.
    /// </summary>
    private static IEnumerable<string> Destinations(Claim claim) => claim.Type switch
    {
        Claims.Subject => [OpenIddictConstants.Destinations.AccessToken, OpenIddictConstants.Destinations.IdentityToken],
        Claims.Name or Claims.PreferredUsername when claim.Subject!.HasScope(OpenIddictConstants.Scopes.Profile) =>
            [OpenIddictConstants.Destinations.AccessToken, OpenIddictConstants.Destinations.IdentityToken],
        Claims.Role when claim.Subject!.HasScope(OpenIddictConstants.Scopes.Roles) =>
            [OpenIddictConstants.Destinations.AccessToken, OpenIddictConstants.Destinations.IdentityToken],
        PlatformClaims.ScopeNode or PlatformClaims.Department or PlatformClaims.WorkerId when claim.Subject!.HasScope(OpenIddictConstants.Scopes.Profile) =>
            [OpenIddictConstants.Destinations.AccessToken, OpenIddictConstants.Destinations.IdentityToken],
        Claims.Name or Claims.PreferredUsername or Claims.Role or PlatformClaims.ScopeNode or PlatformClaims.Department or PlatformClaims.WorkerId =>
            [OpenIddictConstants.Destinations.AccessToken],
        _ => [],
    };
}
