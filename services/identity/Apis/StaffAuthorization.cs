using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using OpenIddict.Validation.AspNetCore;

namespace GovPlatform.Identity.Apis;

public static class StaffAuthorization
{
    /// <summary>
    /// Bearer tokens as every platform service takes them (the shared key, or <c>Auth:Authority</c>), and also the
    /// tokens this service issues, validated in-process without fetching its own discovery document.
    /// </summary>
    private static readonly string Schemes =
        $"{JwtBearerDefaults.AuthenticationScheme},{OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme}";

    public static TBuilder RequireStaff<TBuilder>(this TBuilder endpoint, params string[] roles) where TBuilder : IEndpointConventionBuilder =>
        endpoint.RequireAuthorization(new AuthorizeAttribute
        {
            Roles = roles.Length == 0 ? null : string.Join(',', roles),
            AuthenticationSchemes = Schemes,
        });
}
