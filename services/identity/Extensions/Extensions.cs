using GovPlatform.Identity.Accounts;
using GovPlatform.Identity.Data;
using GovPlatform.Identity.SignIn;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace GovPlatform.Identity.Extensions;

public static class Extensions
{
    public static void AddIdentityServices(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<IdentityServiceOptions>().BindConfiguration(IdentityServiceOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        // OpenIddict takes its keys while the container is built, so they are read (and checked) now.
        var options = builder.Configuration.GetSection(IdentityServiceOptions.Section).Get<IdentityServiceOptions>() ?? new();

        var connectionString = builder.Configuration.GetConnectionString("identitydb")
            ?? throw new InvalidOperationException("Connection string 'identitydb' is missing: set ConnectionStrings__identitydb.");
        builder.Services.AddDbContext<IdentityDb>(db => db.UseNpgsql(connectionString).UseOpenIddict());
        builder.Services.AddHealthChecks().AddCheck<IdentityDbHealthCheck>("identitydb", tags: ["ready"]);

        builder.Services.AddIdentityCore<StaffUser>(o =>
            {
                o.Password.RequiredLength = 10;
                o.Password.RequireNonAlphanumeric = false;
                o.Lockout.AllowedForNewUsers = true;
                o.Lockout.MaxFailedAccessAttempts = options.MaxFailedAttempts;
                o.Lockout.DefaultLockoutTimeSpan = options.LockoutDuration;
                o.User.RequireUniqueEmail = false;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<IdentityDb>()
            .AddTokenProvider<AuthenticatorTokenProvider<StaffUser>>(TokenOptions.DefaultAuthenticatorProvider);

        // The cookie says who signed in at this service, between the sign-in page and the authorize endpoint;
        // the bearer scheme from the service defaults stays the default for the APIs.
        builder.Services.AddAuthentication().AddCookie(SignInCookie.Scheme, o =>
        {
            o.Cookie.Name = "govplatform.signin";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.LoginPath = "/account/login";
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
            o.SlidingExpiration = false;
        });
        builder.AddStaffScheme();
        builder.Services.AddAntiforgery(o => o.Cookie.Name = "govplatform.antiforgery");

        builder.Services.AddOpenIddict()
            .AddCore(o => o.UseEntityFrameworkCore().UseDbContext<IdentityDb>())
            .AddServer(o =>
            {
                o.SetAuthorizationEndpointUris("connect/authorize")
                    .SetTokenEndpointUris("connect/token")
                    .SetUserInfoEndpointUris("connect/userinfo")
                    .SetEndSessionEndpointUris("connect/endsession")
                    .SetRevocationEndpointUris("connect/revoke");
                o.AllowAuthorizationCodeFlow().AllowRefreshTokenFlow();
                o.RequireProofKeyForCodeExchange();
                // PKCE with "plain" protects nothing against someone who sees the authorization request.
                o.Configure(server => server.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain));
                o.RegisterScopes(Scopes.Profile, Scopes.Roles, Scopes.OfflineAccess);
                o.RegisterClaims(Claims.Name, Claims.PreferredUsername, Claims.Role, PlatformClaims.ScopeNode, PlatformClaims.Department);
                if (options.Issuer is not null) o.SetIssuer(options.Issuer);

                // The first signing key signs; a previous one is still published so its tokens verify until they expire.
                o.AddSigningKey(options.SigningKey());
                if (options.PreviousSigningKey() is { } previous) o.AddSigningKey(previous);
                o.AddEncryptionKey(options.TokenEncryptionKey());
                // The four services read access tokens themselves: signed JWTs, not encrypted ones.
                o.DisableAccessTokenEncryption();
                o.SetAccessTokenLifetime(options.AccessTokenLifetime);
                o.SetIdentityTokenLifetime(options.AccessTokenLifetime);
                o.SetRefreshTokenLifetime(options.RefreshTokenLifetime);

                var aspNet = o.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough();
                if (options.HttpAllowed) aspNet.DisableTransportSecurityRequirement();
            })
            // The identity service's own APIs (the account's authenticator, the admin API) accept its own tokens too.
            .AddValidation(o =>
            {
                o.UseLocalServer();
                o.UseAspNetCore();
            });

        builder.Services.AddScoped<AccountDesk>();
        builder.Services.AddScoped<PasswordCheck>();
        builder.Services.AddScoped<DemoAccounts>();
    }

    /// <summary>
    /// Applies the EF Core migrations (creating the database when missing), makes the ten roles and registers the
    /// console as a client, all before the service takes traffic.
    /// </summary>
    public static async Task PrepareIdentityDatabaseAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var ct = app.Lifetime.ApplicationStopping;
        await scope.ServiceProvider.GetRequiredService<IdentityDb>().Database.MigrateAsync(ct);
        await Clients.EnsureRolesAsync(scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>());
        await Clients.EnsureConsoleAsync(scope.ServiceProvider, ct);
    }
}

internal sealed class IdentityDbHealthCheck(IdentityDb db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) =>
        await db.Database.CanConnectAsync(ct) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("PostgreSQL is unreachable");
}

/// <summary>Marks this assembly for test hosts, since every service has a global Program.</summary>
public sealed class IdentityApp;
