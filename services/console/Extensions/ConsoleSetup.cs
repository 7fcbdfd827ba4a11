using System.Globalization;
using GovPlatform.ServiceDefaults;
using GovPlatform.Web.Localization;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Localization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Http.Resilience;
using MudBlazor.Services;

namespace GovPlatform.Web.Extensions;

public static class ConsoleSetup
{
    /// <summary>
    /// The parts of the services' defaults a browser-facing app needs: telemetry, health, and resilience with
    /// service discovery on every HttpClient. Not <c>AddServiceDefaults</c>: that makes JwtBearer the default
    /// scheme, and the console signs people in with a cookie instead.
    /// </summary>
    public static WebApplicationBuilder AddConsoleDefaults(this WebApplicationBuilder builder)
    {
        builder.AddTelemetry();
        builder.Services.TryAddSingletonTimeProvider();
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), tags: ["live"]);
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            // Only idempotent calls are retried: a filed request or an accepted order must never be sent twice.
            http.AddStandardResilienceHandler(o => o.Retry.DisableForUnsafeHttpMethods());
            http.AddServiceDiscovery();
        });
        return builder;
    }

    private static void TryAddSingletonTimeProvider(this IServiceCollection services)
    {
        if (services.All(s => s.ServiceType != typeof(TimeProvider))) services.AddSingleton(TimeProvider.System);
    }

    /// <summary>Blazor with interactive server rendering, MudBlazor, and zh-CN first with English second.</summary>
    public static WebApplicationBuilder AddConsoleUi(this WebApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddMudServices();
        builder.Services.AddSingleton<Text>();
        builder.Services.Configure<RequestLocalizationOptions>(o =>
        {
            CultureInfo[] cultures = [new("zh-CN"), new("en-US")];
            o.DefaultRequestCulture = new RequestCulture("zh-CN");
            o.SupportedCultures = cultures;
            o.SupportedUICultures = cultures;
            // The people who use the console read Chinese: only an explicit choice (the cookie) switches to English.
            o.RequestCultureProviders = [new CookieRequestCultureProvider()];
        });
        return builder;
    }

    public static WebApplication UseConsolePipeline(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment()) app.UseExceptionHandler("/error", createScopeForErrors: true);
        app.UseRequestLocalization();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapHealthChecks("/health");
        app.MapHealthChecks("/alive", new HealthCheckOptions { Predicate = r => r.Tags.Contains("live") });
        return app;
    }
}
