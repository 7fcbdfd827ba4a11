using GovPlatform.Web.Live;

namespace GovPlatform.Web.Apis;

public static class ApisSetup
{
    /// <summary>
    /// Typed clients for the services, addressed by their AppHost names (<c>http://intake</c>): service discovery
    /// resolves them from <c>services:intake:http:0</c>, which the AppHost injects and tests set.
    /// </summary>
    public static WebApplicationBuilder AddPlatformApis(this WebApplicationBuilder builder)
    {
        builder.Services.AddHttpClient<IntakeApi>(c => c.BaseAddress = new Uri("http://intake"));
        builder.Services.AddHttpClient<DispatchApi>(c => c.BaseAddress = new Uri("http://dispatch"));
        builder.Services.AddHttpClient<FieldApi>(c => c.BaseAddress = new Uri("http://intake"));
        builder.Services.AddHttpClient(DashboardProxy.ClientName, c => c.BaseAddress = new Uri("http://reporting"));
        return builder;
    }
}
