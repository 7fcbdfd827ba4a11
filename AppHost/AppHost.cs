using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using GovPlatform.AppHost;

var builder = DistributedApplication.CreateBuilder(args);

// Postgres, Redis and RabbitMQ come as containers where a container runtime can run them, and
// otherwise as the servers scripts/infra.sh starts from Debian's packages. Either way the services
// see the same connection names (ConnectionStrings__intakedb ... __messaging).
var infrastructure = Infrastructure.Choose(builder.Configuration);
Console.WriteLine($"apphost: infrastructure: {infrastructure.Description}");

IResourceBuilder<IResourceWithConnectionString> intakeDb, dispatchDb, volunteerDb, reportingDb, identityDb, redis, messaging;
if (infrastructure.Containers)
{
    // One Postgres server, one database per service.
    var postgres = builder.AddPostgres("postgres").WithDataVolume();
    intakeDb = postgres.AddDatabase("intakedb");
    dispatchDb = postgres.AddDatabase("dispatchdb");
    volunteerDb = postgres.AddDatabase("volunteerdb");
    reportingDb = postgres.AddDatabase("reportingdb");
    identityDb = postgres.AddDatabase("identitydb");
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
    identityDb = builder.AddExternal("identitydb");
    redis = builder.AddExternal("redis");
    messaging = builder.AddExternal("messaging");
}

// Staff bearer tokens are verified with this key (Auth__SigningKey), check-in QR codes signed with the other.
// Locally both come from .local/secrets through run.sh; elsewhere from user secrets or the deployment, never source.
var authKey = builder.AddSecret("auth-signing-key", "Auth:SigningKey");
var qrKey = builder.AddSecret("volunteer-qr-signing-key", "Volunteer:QrSigningKey");
// The identity service's RSA key that signs staff tokens and its AES key for codes and refresh tokens (scripts/infra.sh
// writes both to .local/secrets; docs/identity.md says how to rotate them).
var identitySigningKey = builder.AddSecret("identity-signing-key", "Identity:SigningKeyPem");
var identityEncryptionKey = builder.AddSecret("identity-encryption-key", "Identity:EncryptionKey");

int Port(string name, int port) => builder.Configuration.GetValue($"GOV_{name.ToUpperInvariant()}_PORT", port);
var identityPort = Port("identity", 5105);
var consolePort = Port("console", 5100);
// One address for the issuer, so the tokens' iss, the discovery document and the services' authority all agree.
var issuer = $"http://127.0.0.1:{identityPort}/";
string[] consoleOrigins = [$"http://127.0.0.1:{consolePort}", $"http://localhost:{consolePort}"];

// The OpenID Connect server the console signs staff in with; it needs only its own database, so it starts beside the
// others instead of after them. Demo accounts (one per role, scripts/seed-demo-accounts.sh) exist in development only.
var identity = builder.AddProject<Projects.GovPlatform_Identity>("identity")
    .WithHttpEndpoint(port: identityPort, isProxied: false)
    .WithEnvironment("ASPNETCORE_ENVIRONMENT", builder.Environment.EnvironmentName)
    .WithReference(identityDb).WaitFor(identityDb)
    .WithEnvironment("Auth__SigningKey", authKey)
    .WithEnvironment("Identity__SigningKeyPem", identitySigningKey)
    .WithEnvironment("Identity__EncryptionKey", identityEncryptionKey)
    .WithEnvironment("Identity__Issuer", issuer)
    .WithEnvironment("Identity__ConsoleRedirectUris", string.Join(',', consoleOrigins.Select(o => o + "/signin-oidc")))
    .WithEnvironment("Identity__ConsolePostLogoutRedirectUris", string.Join(',', consoleOrigins.Select(o => o + "/signout-callback-oidc")))
    .WithEnvironment("Identity__DemoAccounts", builder.Environment.IsDevelopment() ? "true" : "false")
    .WithExternalHttpEndpoints() // browsers sign in here
    .WithHttpHealthCheck("/health");

// Every service gets its own database plus the shared broker and cache, is healthy only when all
// three answer, and keeps its documented port (GOV_<NAME>_PORT moves it). Traces, metrics and logs
// reach the dashboard through the OTEL_* variables Aspire injects into every project.
IResourceBuilder<ProjectResource> Service<TProject>(string name, int port, IResourceBuilder<IResourceWithConnectionString> database)
    where TProject : IProjectMetadata, new() =>
    builder.AddProject<TProject>(name)
        .WithHttpEndpoint(port: Port(name, port), isProxied: false)
        .WithEnvironment("ASPNETCORE_ENVIRONMENT", builder.Environment.EnvironmentName)
        .WithReference(database).WaitFor(database)
        .WithReference(redis).WaitFor(redis)
        .WithReference(messaging).WaitFor(messaging)
        .WithEnvironment("Auth__SigningKey", authKey)
        // Tokens the identity service signed are checked against the keys it publishes. No WaitFor: JwtBearer fetches
        // them at the first such token, and the shared key works without them.
        .WithEnvironment("Auth__Authority", issuer)
        .WithHttpHealthCheck("/health");

var dispatch = Service<Projects.GovPlatform_Dispatch>("dispatch", 5102, dispatchDb);

// No WaitFor(dispatch): intake validates locations against its own copy of dispatch's grid, which reaches it as events
// on a durable queue whenever each side starts, so the two start side by side instead of one after the other.
var intake = Service<Projects.GovPlatform_Intake>("intake", 5101, intakeDb)
    .WithExternalHttpEndpoints(); // residents' channels and other city systems submit requests here

var volunteer = Service<Projects.GovPlatform_Volunteer>("volunteer", 5103, volunteerDb)
    .WithEnvironment("Volunteer__QrSigningKey", qrKey);

// The residents' public board on intake forwards two anonymous reads: who serves a building (dispatch) and the
// volunteers' rankings and honour board (volunteer).
intake.WithReference(dispatch).WithReference(volunteer);

var reporting = Service<Projects.GovPlatform_Reporting>("reporting", 5104, reportingDb)
    .WithExternalHttpEndpoints(); // serves the leaders' dashboard

// The staff console calls the four services by name (service discovery) with the signed-in person's token, and hears
// dispatch's work-order events on a queue of its own. It waits only for the broker: the services and identity are
// called when a page needs them, by which time they are up.
builder.AddProject<Projects.GovPlatform_Web>("console")
    .WithHttpEndpoint(port: consolePort, isProxied: false)
    .WithEnvironment("ASPNETCORE_ENVIRONMENT", builder.Environment.EnvironmentName)
    .WithReference(intake).WithReference(dispatch).WithReference(volunteer).WithReference(reporting)
    .WithReference(messaging).WaitFor(messaging)
    .WithEnvironment("Console__Authority", issuer)
    .WithExternalHttpEndpoints()
    .WithHttpHealthCheck("/health");

builder.Build().Run();
