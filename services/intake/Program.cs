using GovPlatform.Intake.Access;
using GovPlatform.Intake.Apis;
using GovPlatform.Intake.Apis.Open311;
using GovPlatform.Intake.Apis.Residents;
using GovPlatform.Intake.Extensions;
using GovPlatform.Intake.HotSpots;
using GovPlatform.Intake.Notifications;
using GovPlatform.Intake.Open311;
using GovPlatform.Intake.Reference;
using GovPlatform.Intake.Residents;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Attachments;
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
app.MapAttachmentsApi(user => user.Actor(), Roles.DeskOperator, Roles.Admin, Roles.GridWorker, Roles.GridLeader, IntakeAccess.ApiClient);
app.MapContactApi();
app.MapTimelineApi();
app.MapCallbacksApi();
app.MapCategoriesApi();
app.MapTriageApi();
app.MapDuplicatesApi();
app.MapHotSpotsApi();
app.MapOpen311Api();
app.MapApiKeysApi();
app.UseResidentPages();
app.MapDoorplatesApi();
app.MapResidentsApi();
app.MapNoticesApi();
app.MapPublicRequestsApi();
app.MapPublicBoardApi();
app.MapPublicDeliberationApi();
if (app.Services.GetRequiredService<TestMailbox>().Enabled) app.MapTestMailbox();
// The staff's side of the residents' progress texts.
app.MapTemplatesApi();

await app.MigrateDatabaseAsync();
// The categories the migrations ship or change reach dispatch (default tiers) and reporting without a desk edit.
await app.AnnounceCatalogueAsync();
app.Run();
