var builder = DistributedApplication.CreateBuilder(args);

// One Postgres server, one database per service; each name below becomes ConnectionStrings__<name> in its service.
var postgres = builder.AddPostgres("postgres").WithDataVolume();
var intakeDb = postgres.AddDatabase("intakedb");
var dispatchDb = postgres.AddDatabase("dispatchdb");
var volunteerDb = postgres.AddDatabase("volunteerdb");
var reportingDb = postgres.AddDatabase("reportingdb");

var redis = builder.AddRedis("redis");
// Staff bearer tokens are verified with this key (Auth__SigningKey); set it in user secrets, never in source.
var authKey = builder.AddParameter("auth-signing-key", secret: true);
// The volunteer service signs check-in QR codes with this key (Volunteer__QrSigningKey).
var qrKey = builder.AddParameter("volunteer-qr-signing-key", secret: true);
var messaging = builder.AddRabbitMQ("messaging").WithManagementPlugin();

// Traces, metrics and logs reach the dashboard through the OTEL_* variables Aspire injects into every project.
var dispatch = builder.AddProject<Projects.GovPlatform_Dispatch>("dispatch")
    .WithReference(dispatchDb).WaitFor(dispatchDb)
    .WithReference(redis).WaitFor(redis)
    .WithReference(messaging).WaitFor(messaging)
    .WithEnvironment("Auth__SigningKey", authKey)
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.GovPlatform_Intake>("intake")
    .WithReference(intakeDb).WaitFor(intakeDb)
    .WithReference(redis).WaitFor(redis)
    .WithReference(messaging).WaitFor(messaging)
    .WithEnvironment("Auth__SigningKey", authKey)
    .WaitFor(dispatch) // dispatch owns the grid tree that intake validates request locations against
    .WithHttpHealthCheck("/health")
    .WithExternalHttpEndpoints(); // other city systems submit requests here

builder.AddProject<Projects.GovPlatform_Volunteer>("volunteer")
    .WithReference(volunteerDb).WaitFor(volunteerDb)
    .WithReference(redis).WaitFor(redis)
    .WithReference(messaging).WaitFor(messaging)
    .WithEnvironment("Auth__SigningKey", authKey)
    .WithEnvironment("Volunteer__QrSigningKey", qrKey)
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.GovPlatform_Reporting>("reporting")
    .WithReference(reportingDb).WaitFor(reportingDb)
    .WithReference(redis).WaitFor(redis)
    .WithReference(messaging).WaitFor(messaging)
    .WithEnvironment("Auth__SigningKey", authKey)
    .WithHttpHealthCheck("/health")
    .WithExternalHttpEndpoints(); // serves the dashboard page

builder.Build().Run();
