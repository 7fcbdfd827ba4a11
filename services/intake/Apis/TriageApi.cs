using System.Security.Claims;
using System.Text.Json;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Intake.Access;
using GovPlatform.Intake.Classification;
using GovPlatform.Intake.Reference;
using GovPlatform.Intake.Requests;
using GovPlatform.Intake.Timeline;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Intake.Apis;

/// <summary>The triage queue: requests the keyword rules could not classify, waiting for a desk operator.</summary>
public static class TriageApi
{
    public sealed record ClassifyText(string Text);

    public sealed record ChooseCategory(string Category);

    public sealed record TriageItemDto
    {
        public Guid Id { get; init; }
        public required string TicketNo { get; init; }
        public required string Channel { get; init; }
        public required string Description { get; init; }
        public required string LocationCode { get; init; }
        public string? ReporterPhone { get; init; }
        public DateTime SubmittedAt { get; init; }
        /// <summary>The rules' best guesses, for the operator to confirm or overrule.</summary>
        public Classification.Classification? Suggestion { get; init; }
    }

    private sealed record TriageRow(Guid Id, string TicketNo, string Channel, string Description, string LocationCode,
        string? ReporterPhone, DateTime SubmittedAt, string? Classification);

    public sealed record CategoryChosenDto(Guid Id, string? FromCategory, string Category, string Status);

    // Property-style because Dapper matches constructors by exact column type (text[] is System.Array).
    private sealed record Current
    {
        public required string TicketNo { get; init; }
        public required string Channel { get; init; }
        public string? Category { get; init; }
        public required string Urgency { get; init; }
        public required string Status { get; init; }
        public required string LocationCode { get; init; }
        public required string[] LocationPath { get; init; }
        public double? Latitude { get; init; }
        public double? Longitude { get; init; }
        public DateTime SubmittedAt { get; init; }
    }

    public static void MapTriageApi(this WebApplication app)
    {
        app.MapPost("/api/v1/classify", Classify)
            .RequireRoles(Roles.DeskOperator, Roles.Admin)
            .WithTags("Triage")
            .WithName("ClassifyText")
            .WithSummary("What the keyword rules make of a text: the category, the confidence and the runners-up");

        app.MapGet("/api/v1/triage", ListWaiting)
            .RequireRoles(Roles.DeskOperator, Roles.Admin)
            .WithTags("Triage")
            .WithName("ListTriage")
            .WithSummary("Requests waiting for a desk operator to choose their category, oldest first");

        app.MapPost("/api/v1/requests/{id:guid}/category", Choose)
            .RequireRoles(Roles.DeskOperator, Roles.Admin)
            .WithTags("Triage")
            .WithName("ChooseCategory")
            .WithSummary("Classify a request from triage (it is then dispatched) or correct a request's category");
    }

    private static async Task<Results<Ok<CategoryChosenDto>, ValidationProblem, NotFound, ProblemHttpResult>> Choose(
        Guid id, ChooseCategory body, ClaimsPrincipal user, NpgsqlDataSource db, ReferenceCache reference, TimeProvider clock, IntakeOptions options,
        CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (RequestFiling.CategoryProblem(body.Category, await reference.CategoryAsync(conn, body.Category, ct)) is { } problem)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["category"] = [problem] }, title: "The category was not changed.");

        await using var tx = await conn.BeginTransactionAsync(ct);
        const string select = """
            SELECT ticket_no AS TicketNo, channel, category, urgency, status, location_code AS LocationCode, location_path AS LocationPath,
                   latitude, longitude, submitted_at AS SubmittedAt
            FROM requests WHERE id = @id FOR UPDATE
            """;
        var current = await conn.QuerySingleOrDefaultAsync<Current>(new CommandDefinition(select, new { id }, tx, cancellationToken: ct));
        if (current is null) return TypedResults.NotFound();
        if (current.Status == TimelineEvents.Closed)
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "A closed request keeps its category.",
                detail: "The request is 'closed'.", extensions: new Dictionary<string, object?> { ["currentStatus"] = current.Status });
        if (current.Category == body.Category)
            return TypedResults.Ok(new CategoryChosenDto(id, current.Category, body.Category, current.Status));

        var now = clock.GetUtcNow();
        var by = user.Actor();
        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE requests SET category = @Category, classified_by = @by, updated_at = @now WHERE id = @id",
            new { id, body.Category, by, now = now.UtcDateTime }, tx, cancellationToken: ct));
        await RequestTimeline.AppendAsync(tx, new TimelineEntry(id, TimelineEvents.Classified, now, by,
            new { from = current.Category, to = body.Category }, $"classified:{now.UtcTicks}"), ct);
        await Outbox.EnqueueAsync(tx, new RequestReclassified(id, current.Category, body.Category, by, now), ct);
        if (current.Status == RequestFiling.Triage)
        {
            // Out of triage: dispatch hears of the request for the first time, as submitted.
            await conn.ExecuteAsync(new CommandDefinition("UPDATE requests SET status = 'submitted' WHERE id = @id", new { id }, tx, cancellationToken: ct));
            await Outbox.EnqueueAsync(tx, new RequestSubmitted(id, current.TicketNo, current.Channel, body.Category, current.Urgency,
                current.LocationCode, current.LocationPath, current.Latitude, current.Longitude, new DateTimeOffset(current.SubmittedAt, TimeSpan.Zero),
                await Cases.CaseDetails.LoadAsync(tx, id, ct)), ct);
            // Now it has a category it counts towards hot spots as if filed with it, from when it was filed.
            var filed = await conn.QuerySingleAsync<(string Description, string? Building, string? Grid)>(new CommandDefinition("""
                SELECT r.description, r.building_code,
                       (SELECT g.code FROM grid_copy g WHERE g.code = ANY (r.location_path) AND g.level = 'grid' LIMIT 1)
                FROM requests r WHERE r.id = @id
                """, new { id }, tx, cancellationToken: ct));
            await HotSpots.HotSpotDetector.DetectAsync(tx, options.HotSpots, new HotSpots.FiledRequest(id, body.Category, filed.Description,
                current.LocationPath, filed.Building, filed.Grid, new DateTimeOffset(current.SubmittedAt, TimeSpan.Zero)), ct);
        }
        var status = await conn.ExecuteScalarAsync<string>(new CommandDefinition("SELECT status FROM requests WHERE id = @id", new { id }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return TypedResults.Ok(new CategoryChosenDto(id, current.Category, body.Category, status!));
    }

    private static Results<Ok<Classification.Classification>, ValidationProblem> Classify(ClassifyText body, IRequestClassifier classifier) =>
        string.IsNullOrWhiteSpace(body.Text) || body.Text.Length > RequestRules.MaxDescription
            ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["text"] = [$"1 to {RequestRules.MaxDescription} characters."] })
            : TypedResults.Ok(classifier.Classify(body.Text));

    private static async Task<Ok<List<TriageItemDto>>> ListWaiting(NpgsqlDataSource db, CancellationToken ct)
    {
        const string sql = """
            SELECT id, ticket_no AS TicketNo, channel, description, location_code AS LocationCode,
                   reporter_phone AS ReporterPhone, submitted_at AS SubmittedAt, classification::text AS Classification
            FROM requests WHERE status = 'triage'
            ORDER BY submitted_at
            LIMIT 200
            """;
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<TriageRow>(new CommandDefinition(sql, cancellationToken: ct));
        return TypedResults.Ok(rows.Select(r => new TriageItemDto
        {
            Id = r.Id, TicketNo = r.TicketNo, Channel = r.Channel, Description = r.Description, LocationCode = r.LocationCode,
            ReporterPhone = PersonalData.MaskPhone(r.ReporterPhone), SubmittedAt = r.SubmittedAt,
            Suggestion = r.Classification is null ? null : JsonSerializer.Deserialize<Classification.Classification>(r.Classification, Outbox.Json),
        }).ToList());
    }
}
