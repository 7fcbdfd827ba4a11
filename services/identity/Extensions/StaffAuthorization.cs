using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenIddict.Validation.AspNetCore;

namespace GovPlatform.Identity.Extensions;

public static class StaffAuthorization
{
    /// <summary>
    /// Bearer tokens as every platform service takes them (the shared key, or <c>Auth:Authority</c>), and also the
    /// tokens this service issues, validated in-process without fetching its own discovery document. One scheme
    /// picks the handler by the token's algorithm: asking both would have the one that cannot read the token
    /// turn a 403 into a 401.
    /// </summary>
    public const string Scheme = "Staff";

    public static void AddStaffScheme(this WebApplicationBuilder builder) =>
        builder.Services.AddAuthentication().AddPolicyScheme(Scheme, "Staff bearer tokens", o => o.ForwardDefaultSelector = context =>
        {
            var header = context.Request.Headers.Authorization.ToString();
            var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : "";
            var handler = new JsonWebTokenHandler();
            var sharedKey = handler.CanReadToken(token) && handler.ReadJsonWebToken(token).Alg.StartsWith("HS", StringComparison.Ordinal);
            return sharedKey ? JwtBearerDefaults.AuthenticationScheme : OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme;
        });

    public static TBuilder RequireStaff<TBuilder>(this TBuilder endpoint, params string[] roles) where TBuilder : IEndpointConventionBuilder =>
        endpoint.RequireAuthorization(new AuthorizeAttribute
        {
            Roles = roles.Length == 0 ? null : string.Join(',', roles),
            AuthenticationSchemes = Scheme,
        });
}
