var builder = DistributedApplication.CreateBuilder(args);

// One Postgres server, one database per service; each name below becomes ConnectionStrings__<name> in its service.
var postgres = builder.AddPostgres("postgres").WithDataVolume();
var intakeDb = postgres.AddDatabase("intakedb");
var dispatchDb = postgres.AddDatabase("dispatchdb");
var volunteerDb = postgres.AddDatabase("volunteerdb");
var reportingDb = postgres.AddDatabase("reportingdb");

var redis = builder.AddRedis("redis");
var messaging = builder.AddRabbitMQ("messaging").WithManagementPlugin();
// Staff bearer tokens are verified with this key (Auth__SigningKey); set it in user secrets, never in source.
var authKey = builder.AddParameter("auth-signing-key", secret: true);
// The volunteer service signs check-in QR codes with this key (Volunteer__QrSigningKey).
var qrKey = builder.AddParameter("volunteer-qr-signing-key", secret: true);

// Every service gets its own database plus the shared broker and cache, and is healthy only when
// all three answer. Traces, metrics and logs reach the dashboard through the OTEL_* variables
// Aspire injects into every project.
IResourceBuilder<ProjectResource> Service<TProject>(string name, IResourceBuilder<PostgresDatabaseResource> database)
    where TProject : IProjectMetadata, new() =>
    builder.AddProject<TProject>(name)
        .WithReference(database).WaitFor(database)
        .WithReference(redis).WaitFor(redis)
        .WithReference(messaging).WaitFor(messaging)
        .WithEnvironment("Auth__SigningKey", authKey)
        .WithHttpHealthCheck("/health");

var dispatch = Service<Projects.GovPlatform_Dispatch>("dispatch", dispatchDb);

Service<Projects.GovPlatform_Intake>("intake", intakeDb)
    .WaitFor(dispatch) // dispatch owns the grid tree that intake validates request locations against
    .WithExternalHttpEndpoints(); // residents' channels and other city systems submit requests here

Service<Projects.GovPlatform_Volunteer>("volunteer", volunteerDb)
    .WithEnvironment("Volunteer__QrSigningKey", qrKey);

Service<Projects.GovPlatform_Reporting>("reporting", reportingDb)
    .WithExternalHttpEndpoints(); // serves the leaders' dashboard

builder.Build().Run();
