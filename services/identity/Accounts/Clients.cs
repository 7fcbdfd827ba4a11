using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace GovPlatform.Identity.Accounts;

/// <summary>What the identity service knows before anyone signs in: the roles, and the console as a client.</summary>
public static class Clients
{
    public const string ConsoleId = "govplatform-console";

    public static async Task EnsureRolesAsync(RoleManager<IdentityRole> roles)
    {
        foreach (var role in Roles.All)
        {
            if (await roles.RoleExistsAsync(role)) continue;
            var created = await roles.CreateAsync(new IdentityRole(role));
            // Two instances starting together may both try; the role exists either way.
            if (!created.Succeeded && !await roles.RoleExistsAsync(role))
                throw new InvalidOperationException($"Could not create role {role}: {string.Join("; ", created.Errors.Select(e => e.Description))}");
        }
    }

    /// <summary>
    /// The console is a public client (a browser app keeps no secret), so it must use PKCE; its redirect
    /// addresses come from configuration and are rewritten at every start, so changing them needs no migration.
    /// </summary>
    public static async Task EnsureConsoleAsync(IServiceProvider services, CancellationToken ct)
    {
        var options = services.GetRequiredService<IOptions<IdentityServiceOptions>>().Value;
        var manager = services.GetRequiredService<IOpenIddictApplicationManager>();
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = ConsoleId,
            ClientType = ClientTypes.Public,
            // A first-party client: staff are not asked to consent to their own console.
            ConsentType = ConsentTypes.Implicit,
            DisplayName = "民声总台工作台",
            Permissions =
            {
                Permissions.Endpoints.Authorization,
                Permissions.Endpoints.Token,
                Permissions.Endpoints.EndSession,
                Permissions.Endpoints.Revocation,
                Permissions.GrantTypes.AuthorizationCode,
                Permissions.GrantTypes.RefreshToken,
                Permissions.ResponseTypes.Code,
                Permissions.Scopes.Profile,
                Permissions.Scopes.Roles,
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        };
        foreach (var uri in IdentityServiceOptions.UriList(options.ConsoleRedirectUris)) descriptor.RedirectUris.Add(uri);
        foreach (var uri in IdentityServiceOptions.UriList(options.ConsolePostLogoutRedirectUris)) descriptor.PostLogoutRedirectUris.Add(uri);

        if (await manager.FindByClientIdAsync(ConsoleId, ct) is { } existing) await manager.UpdateAsync(existing, descriptor, ct);
        else await manager.CreateAsync(descriptor, ct);
    }
}
