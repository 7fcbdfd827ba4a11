using Microsoft.Extensions.Configuration;
using GovPlatform.AppHost;

var builder = DistributedApplication.CreateBuilder(args);

// Postgres, Redis and RabbitMQ come as containers where a container runtime can run them, and
// otherwise as the servers scripts/infra.sh starts from Debian's packages. Either way the services
// see the same connection names (ConnectionStrings__intakedb ... __messaging).
var infrastructure = Infrastructure.Choose(builder.Configuration);
Console.WriteLine($"apphost: infrastructure: {infrastructure.Description}");

IResourceBuilder<IResourceWithConnectionString> intakeDb, dispatchDb, volunteerDb, reportingDb, redis, messaging;
if (infrastructure.Containers)
{
    // One Postgres server, one database per service.
    var postgres = builder.AddPostgres("postgres").WithDataVolume();
    intakeDb = postgres.AddDatabase("intakedb");
    dispatchDb = postgres.AddDatabase("dispatchdb");
    volunteerDb = postgres.AddDatabase("volunteerdb");
    reportingDb = postgres.AddDatabase("reportingdb");
    redis = builder.AddRedis("redis");
    messaging = builder.AddRabbitMQ("messaging").WithManagementPlugin();
}
else
{
    // Each value is read from ConnectionStrings:<name> (run.sh exports them from .local/env); the
    // resource is healthy while its server accepts connections, so WaitFor still orders start-up.
    intakeDb = builder.AddExternal("intakedb");
    dispatchDb = builder.AddExternal("dispatchdb");
    volunteerDb = builder.AddExternal("volunteerdb");
    reportingDb = builder.AddExternal("reportingdb");
    redis = builder.AddExternal("redis");
    messaging = builder.AddExternal("messaging");
}

// Staff bearer tokens are verified with this key (Auth__SigningKey), check-in QR codes signed with the other.
// Locally both come from .local/secrets through run.sh; elsewhere from user secrets or the deployment, never source.
var authKey = builder.AddSecret("auth-signing-key", "Auth:SigningKey");
var qrKey = builder.AddSecret("volunteer-qr-signing-key", "Volunteer:QrSigningKey");

// Every service gets its own database plus the shared broker and cache, is healthy only when all
// three answer, and keeps its documented port (GOV_<NAME>_PORT moves it). Traces, metrics and logs
// reach the dashboard through the OTEL_* variables Aspire injects into every project.
IResourceBuilder<ProjectResource> Service<TProject>(string name, int port, IResourceBuilder<IResourceWithConnectionString> database)
    where TProject : IProjectMetadata, new() =>
    builder.AddProject<TProject>(name)
        .WithHttpEndpoint(port: builder.Configuration.GetValue($"GOV_{name.ToUpperInvariant()}_PORT", port), isProxied: false)
        .WithEnvironment("ASPNETCORE_ENVIRONMENT", builder.Environment.EnvironmentName)
        .WithReference(database).WaitFor(database)
        .WithReference(redis).WaitFor(redis)
        .WithReference(messaging).WaitFor(messaging)
        .WithEnvironment("Auth__SigningKey", authKey)
        .WithHttpHealthCheck("/health");

var dispatch = Service<Projects.GovPlatform_Dispatch>("dispatch", 5102, dispatchDb);

Service<Projects.GovPlatform_Intake>("intake", 5101, intakeDb)
    .WaitFor(dispatch) // dispatch owns the grid tree that intake validates request locations against
    .WithExternalHttpEndpoints(); // residents' channels and other city systems submit requests here

Service<Projects.GovPlatform_Volunteer>("volunteer", 5103, volunteerDb)
    .WithEnvironment("Volunteer__QrSigningKey", qrKey);

Service<Projects.GovPlatform_Reporting>("reporting", 5104, reportingDb)
    .WithExternalHttpEndpoints(); // serves the leaders' dashboard

builder.Build().Run();
