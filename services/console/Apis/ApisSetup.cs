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
        builder.Services.AddHttpClient<HotSpotApi>(c => c.BaseAddress = new Uri("http://intake"));
        builder.Services.AddHttpClient<DepartmentApi>(c => c.BaseAddress = new Uri("http://dispatch"));
        builder.Services.AddHttpClient<BoardApi>(c => c.BaseAddress = new Uri("http://dispatch"));
        builder.Services.AddHttpClient<GridImportApi>(c => c.BaseAddress = new Uri("http://dispatch"));
        builder.Services.AddHttpClient<IntakeAdminApi>(c => c.BaseAddress = new Uri("http://intake"));
        builder.Services.AddHttpClient<DispatchAdminApi>(c => c.BaseAddress = new Uri("http://dispatch"));
        builder.Services.AddHttpClient<VolunteerApi>(c => c.BaseAddress = new Uri("http://volunteer"));
        builder.Services.AddHttpClient<DeliberationApi>(c => c.BaseAddress = new Uri("http://dispatch"));
        builder.Services.AddHttpClient<PropertyApi>(c => c.BaseAddress = new Uri("http://dispatch"));
        builder.Services.AddHttpClient<OrganiserApi>(c => c.BaseAddress = new Uri("http://volunteer"));
        // Staff accounts live at the identity service, the console's own authority.
        builder.Services.AddHttpClient<AccountsApi>((services, c) =>
            c.BaseAddress = services.GetRequiredService<ConsoleOptions>().AuthorityUri);
        builder.Services.AddHttpClient(DashboardProxy.ClientName, c => c.BaseAddress = new Uri("http://reporting"));
        return builder;
    }
}
