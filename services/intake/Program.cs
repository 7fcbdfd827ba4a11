using GovPlatform.Intake.Apis;
using GovPlatform.Intake.Extensions;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Data;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddIntakeServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapRequestsApi();

await app.MigrateDatabaseAsync();
app.Run();
