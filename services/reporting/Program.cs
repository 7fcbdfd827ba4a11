using GovPlatform.Reporting.Apis;
using GovPlatform.Reporting.Extensions;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Data;
using GovPlatform.ServiceDefaults.Messaging;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddReportingServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapErrorQueueApi();
app.UseDashboard();
app.MapStatsApi();
app.MapPropertyStatsApi();
app.MapDeliberationStatsApi();
app.MapDoubleReportingStatsApi();
app.MapKpisApi();
app.MapRankingsApi();
app.MapExportsApi();
app.MapRollupApi();

await app.MigrateDatabaseAsync();
app.Run();
