using GovPlatform.Reporting.Apis;
using GovPlatform.Reporting.Extensions;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Data;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddReportingServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.UseDashboard();
app.MapStatsApi();
app.MapKpisApi();
app.MapRankingsApi();
app.MapExportsApi();
app.MapRollupApi();

await app.MigrateDatabaseAsync();
app.Run();
