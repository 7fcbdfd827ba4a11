using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Data;
using GovPlatform.ServiceDefaults.Messaging;
using GovPlatform.Volunteer.Apis;
using GovPlatform.Volunteer.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddVolunteerServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapErrorQueueApi();
app.MapVolunteersApi();
app.MapPointsApi();
app.MapPointsRulesApi();
app.MapSupermarketApi();
app.MapUnitsApi();
app.MapTeamsApi();
app.MapActivitiesApi();
app.MapCheckInApi();
app.MapRecognitionApi();
app.MapServiceContractsApi();
app.MapServiceOrderCreditsApi();

await app.MigrateDatabaseAsync();
app.Run();
