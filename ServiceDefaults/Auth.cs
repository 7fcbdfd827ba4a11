using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace GovPlatform.ServiceDefaults;

/// <summary>Staff roles carried in the bearer token's <c>role</c> claims.</summary>
public static class Roles
{
    public const string Admin = "admin";
    public const string DeskOperator = "desk_operator";
    public const string GridWorker = "grid_worker";
    public const string GridLeader = "grid_leader";
    public const string CommunityCadre = "community_cadre";
    public const string SubdistrictOfficer = "subdistrict_officer";
    public const string Department = "department";
    public const string Organiser = "organiser";
    public const string Volunteer = "volunteer";
    public const string Leader = "leader";

    public static readonly IReadOnlyList<string> All =
        [Admin, DeskOperator, GridWorker, GridLeader, CommunityCadre, SubdistrictOfficer, Department, Organiser, Volunteer, Leader];
}

/// <summary>Claims beyond the standard ones that scope what a person may see.</summary>
public static class PlatformClaims
{
    /// <summary>The grid-tree node a person answers for (their grid, community or subdistrict).</summary>
    public const string ScopeNode = "scope_node";
    /// <summary>The department code of a department's staff (police, fire, water, ...).</summary>
    public const string Department = "department";
    /// <summary>
    /// The staff member's id in dispatch's roster (workers), when the account is a grid worker, leader or cadre: the id
    /// their work orders are assigned to. Tokens made with the shared key carry the worker id as their subject instead.
    /// </summary>
    public const string WorkerId = "worker_id";

    public static string? ScopeNodeOf(this ClaimsPrincipal user) => user.FindFirst(ScopeNode)?.Value;
    public static string? DepartmentOf(this ClaimsPrincipal user) => user.FindFirst(Department)?.Value;
    public static string? SubjectOf(this ClaimsPrincipal user) => user.FindFirst(JwtRegisteredClaimNames.Sub)?.Value;
}

public sealed class AuthOptions
{
    public string Issuer { get; set; } = "govplatform";
    public string Audience { get; set; } = "govplatform";
    /// <summary>Base64 HMAC-SHA256 key, at least 32 bytes; never in source (scripts/infra.sh makes a local one).</summary>
    public string SigningKey { get; set; } = "";

    /// <summary>
    /// The platform's identity service (OpenID Connect), e.g. <c>http://127.0.0.1:5105/</c>. When set, tokens it
    /// signed are accepted too, checked against the keys and issuer it publishes; the shared key keeps working.
    /// </summary>
    public string? Authority { get; set; }

    /// <summary>Fetch the authority's metadata over plain HTTP from an address other than localhost (a private network).</summary>
    public bool AllowHttpMetadata { get; set; }

    public SymmetricSecurityKey Key()
    {
        var bytes = Convert.FromBase64String(SigningKey);
        if (bytes.Length < 32) throw new InvalidOperationException("Auth:SigningKey must be a base64 key of at least 32 bytes.");
        return new SymmetricSecurityKey(bytes);
    }
}

public static class AuthExtensions
{
    /// <summary>
    /// JWT bearer authentication for staff, validated against <c>Auth:*</c> settings. The platform
    /// trusts tokens from the city's identity provider signed with the shared key; roles come in
    /// <c>role</c> claims. Endpoints opt in with <c>RequireAuthorization</c> and a role.
    /// </summary>
    public static WebApplicationBuilder AddPlatformAuth(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Auth").Get<AuthOptions>() ?? new AuthOptions();
        if (string.IsNullOrWhiteSpace(options.SigningKey))
            throw new InvalidOperationException("Auth:SigningKey is missing: set Auth__SigningKey (scripts/infra.sh writes a local one to .local/env).");
        if (!string.IsNullOrWhiteSpace(options.Authority) && !Uri.IsWellFormedUriString(options.Authority, UriKind.Absolute))
            throw new InvalidOperationException($"Auth:Authority '{options.Authority}' is not an absolute URI.");
        builder.Services.AddSingleton(options);
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuers = [options.Issuer, .. AuthorityIssuers(options)],
                ValidAudience = options.Audience,
                IssuerSigningKey = options.Key(),
                RoleClaimType = "role",
                NameClaimType = "name",
                ClockSkew = TimeSpan.FromSeconds(30),
            };
            if (string.IsNullOrWhiteSpace(options.Authority)) return;
            // JwtBearer hands the authority's metadata to the token handler, which accepts a token signed by
            // either a published key or the key above, and issued by the published issuer or one listed above;
            // when the authority cannot be reached, tokens signed with the shared key still validate.
            var authority = new Uri(options.Authority, UriKind.Absolute);
            o.Authority = options.Authority;
            o.RequireHttpsMetadata = !(authority.Scheme == Uri.UriSchemeHttp
                && (options.AllowHttpMetadata || authority.IsLoopback || authority.Host == "localhost"));
        });
        builder.Services.AddAuthorization();
        return builder;
    }

    /// <summary>The authority's address as OpenID Connect servers write it into <c>iss</c>, with and without the final slash.</summary>
    private static string[] AuthorityIssuers(AuthOptions options) =>
        string.IsNullOrWhiteSpace(options.Authority) ? [] : [options.Authority.TrimEnd('/') + "/", options.Authority.TrimEnd('/')];

    public static TBuilder RequireRoles<TBuilder>(this TBuilder endpoint, params string[] roles) where TBuilder : IEndpointConventionBuilder =>
        endpoint.RequireAuthorization(new AuthorizeAttribute { Roles = string.Join(',', roles) });
}

/// <summary>
/// Issues tokens signed with the platform key: for tests and for local development, standing in
/// for the city's identity provider.
/// </summary>
public static class PlatformTokens
{
    public static string Issue(AuthOptions options, string subject, string name, IEnumerable<string> roles,
        string? scopeNode = null, string? department = null, TimeSpan? lifetime = null)
    {
        var claims = new List<Claim> { new(JwtRegisteredClaimNames.Sub, subject), new("name", name) };
        claims.AddRange(roles.Select(r => new Claim("role", r)));
        if (scopeNode is not null) claims.Add(new Claim(PlatformClaims.ScopeNode, scopeNode));
        if (department is not null) claims.Add(new Claim(PlatformClaims.Department, department));
        var token = new JwtSecurityToken(options.Issuer, options.Audience, claims,
            expires: DateTime.UtcNow + (lifetime ?? TimeSpan.FromHours(8)),
            signingCredentials: new SigningCredentials(options.Key(), SecurityAlgorithms.HmacSha256));
        return new JwtSecurityTokenHandler().WriteToken(token);
    }
}
