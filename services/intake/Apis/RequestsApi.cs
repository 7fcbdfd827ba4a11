using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Intake.Requests;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.GridCopy;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Intake.Apis;

public static class RequestsApi
{
    // Property-style because Dapper matches constructors by exact column type (text[] is System.Array).
    public sealed record RequestDto
    {
        public Guid Id { get; init; }
        public required string TicketNo { get; init; }
        public required string Channel { get; init; }
        public required string Category { get; init; }
        public required string Urgency { get; init; }
        public required string Description { get; init; }
        public string? ReporterName { get; init; }
        public string? ReporterPhone { get; init; }
        public required string LocationCode { get; init; }
        public required string[] LocationPath { get; init; }
        public string? Address { get; init; }
        public double? Latitude { get; init; }
        public double? Longitude { get; init; }
        public required string Status { get; init; }
        public DateTime SubmittedAt { get; init; }
    }

    public sealed record SubmittedDto(Guid Id, string TicketNo, string Status, DateTimeOffset SubmittedAt);

    /// <summary>Ticket dates are local (China Standard Time, UTC+8 all year), as residents read them.</summary>
    private static readonly TimeSpan Local = TimeSpan.FromHours(8);

    public static void MapRequestsApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/requests").WithTags("Requests");

        api.MapPost("/", Submit)
            .WithName("SubmitRequest")
            .WithSummary("Register a resident's request in the ledger; dispatch assigns it");

        api.MapGet("/{id:guid}", async Task<Results<Ok<RequestDto>, NotFound>> (Guid id, NpgsqlDataSource db, CancellationToken ct) =>
            {
                const string sql = """
                    SELECT id, ticket_no AS TicketNo, channel, category, urgency, description,
                           reporter_name AS ReporterName, reporter_phone AS ReporterPhone,
                           location_code AS LocationCode, location_path AS LocationPath, address, latitude, longitude,
                           status, submitted_at AS SubmittedAt
                    FROM requests WHERE id = @id
                    """;
                await using var conn = await db.OpenConnectionAsync(ct);
                var r = await conn.QuerySingleOrDefaultAsync<RequestDto>(new CommandDefinition(sql, new { id }, cancellationToken: ct));
                return r is null
                    ? TypedResults.NotFound()
                    : TypedResults.Ok(r with { ReporterName = PersonalData.MaskName(r.ReporterName), ReporterPhone = PersonalData.MaskPhone(r.ReporterPhone) });
            })
            .WithName("GetRequest")
            .WithSummary("One request, with the reporter's name and phone masked");
    }

    private static async Task<Results<Created<SubmittedDto>, ValidationProblem>> Submit(
        SubmitRequest body, NpgsqlDataSource db, TimeProvider clock, ILoggerFactory loggers, CancellationToken ct)
    {
        var errors = RequestRules.Validate(body);
        if (errors.Count > 0) return Rejected(errors);

        await using var conn = await db.OpenConnectionAsync(ct);
        var location = await conn.FindGridNodeAsync(body.Location.Code, ct);
        if (location is null)
            return Rejected(new() { ["location.code"] = [$"Unknown location '{body.Location.Code}': not in the grid tree."] });
        var categoryKnown = await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM categories WHERE code = @Category)", new { body.Category }, cancellationToken: ct));
        if (!categoryKnown)
            return Rejected(new() { ["category"] = [$"Unknown category '{body.Category}'."] });

        var id = NewId.NextGuid();
        var now = clock.GetUtcNow();
        await using var tx = await conn.BeginTransactionAsync(ct);
        var seq = await conn.ExecuteScalarAsync<long>(new CommandDefinition("SELECT nextval('ticket_seq')", transaction: tx, cancellationToken: ct));
        var ticketNo = $"{now.ToOffset(Local):yyyyMMdd}-{seq:D6}";
        const string insert = """
            INSERT INTO requests (id, ticket_no, channel, category, urgency, description, reporter_name, reporter_phone,
                                  location_code, location_path, address, latitude, longitude, status, submitted_at)
            VALUES (@id, @ticketNo, @Channel, @Category, @Urgency, @Description, @reporterName, @reporterPhone,
                    @locationCode, @path, @address, @latitude, @longitude, 'submitted', @now)
            """;
        await conn.ExecuteAsync(new CommandDefinition(insert, new
        {
            id, ticketNo, body.Channel, body.Category, body.Urgency, body.Description,
            reporterName = body.Reporter?.Name, reporterPhone = body.Reporter?.Phone,
            locationCode = location.Code, path = location.Path, address = body.Location.Address,
            latitude = body.Location.Latitude, longitude = body.Location.Longitude, now,
        }, tx, cancellationToken: ct));
        await Outbox.EnqueueAsync(tx, new RequestSubmitted(
            id, ticketNo, body.Channel, body.Category, body.Urgency, location.Code, location.Path,
            body.Location.Latitude, body.Location.Longitude, now), ct);
        await tx.CommitAsync(ct);

        loggers.CreateLogger("GovPlatform.Intake.Requests").LogInformation(
            "Request {TicketNo} registered from {Channel} for {Location} by {Phone}",
            ticketNo, body.Channel, location.Code, PersonalData.MaskPhone(body.Reporter?.Phone) ?? "anonymous");
        return TypedResults.Created($"/api/v1/requests/{id}", new SubmittedDto(id, ticketNo, "submitted", now));
    }

    private static ValidationProblem Rejected(Dictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: "The request was not registered: fix the fields below.");
}
