using GovPlatform.Identity.Apis;
using GovPlatform.Identity.Extensions;
using GovPlatform.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddIdentityServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.UseAntiforgery();
app.MapConnectApi();
app.MapSignInApi();
app.MapAccountsApi();
app.MapDemoAccountsApi();

await app.PrepareIdentityDatabaseAsync();
app.Run();
