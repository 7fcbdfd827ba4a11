using GovPlatform.Dispatch.Apis;
using GovPlatform.Dispatch.Extensions;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Attachments;
using GovPlatform.ServiceDefaults.Data;
using GovPlatform.ServiceDefaults.Messaging;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddDispatchServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapErrorQueueApi();
app.MapGridApi();
app.MapWorkOrdersApi();
app.MapAttachmentsApi(user => user.SubjectOf() ?? "unknown", WorkOrdersApi.StaffRoles);
app.MapSlaPoliciesApi();
app.MapWhistlesApi();
app.MapCouncilsApi();
app.MapWorkersApi();
app.MapRoutingRulesApi();
app.MapBodiesApi();
app.MapMediationApi();
app.MapMediationPlacesApi();
app.MapServiceOrdersApi();
app.MapOrganisationApi();
app.MapCalendarApi();
app.MapSupervisionApi();
app.MapPropertyApi();
app.MapDeliberationApi();

await app.MigrateDatabaseAsync();
app.Run();
