using GovPlatform.Web.Apis;
using GovPlatform.Web.Components;
using GovPlatform.Web.Extensions;
using GovPlatform.Web.Live;
using GovPlatform.Web.SignIn;

var builder = WebApplication.CreateBuilder(args);
builder.AddConsoleDefaults();
builder.AddConsoleSignIn();
builder.AddPlatformApis();
builder.AddWorkOrderFeed();
builder.AddConsoleUi();

var app = builder.Build();
app.UseConsolePipeline();
app.MapSignInEndpoints();
app.MapDashboardProxy();
app.MapAttachmentProxy();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
app.Run();
