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

    private static Task<Results<Ok<CategoryChosenDto>, ValidationProblem, NotFound, ProblemHttpResult>> Choose(
        Guid id, ChooseCategory body, ClaimsPrincipal user, TriageDesk desk, CancellationToken ct) =>
        desk.ChooseAsync(id, body, user, ct);

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
