using GovPlatform.Intake.Access;
using GovPlatform.Intake.Apis;
using GovPlatform.Intake.Extensions;
using GovPlatform.Intake.Residents;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Data;
using GovPlatform.ServiceDefaults.Messaging;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddIntakeServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapErrorQueueApi();
app.UseApiKeyRateLimit();
app.MapRequestsApi();
app.MapTimelineApi();
app.MapCallbacksApi();
app.MapCategoriesApi();
app.MapTriageApi();
app.MapDuplicatesApi();
app.MapOpen311Api();
app.MapApiKeysApi();
app.MapResidents();

await app.MigrateDatabaseAsync();
app.Run();
