using System.Security.Claims;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Intake.Access;
using GovPlatform.Intake.Reference;
using GovPlatform.Intake.Timeline;
using GovPlatform.ServiceDefaults.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Intake.Requests;

public sealed record ChooseCategory(string Category);

public sealed record CategoryChosenDto(Guid Id, string? FromCategory, string Category, string Status);

/// <summary>
/// A desk operator's choice of a request's category, one transaction: out of triage the request is dispatched (and
/// counts towards hot spots from when it was filed); otherwise its category is corrected.
/// </summary>
public sealed class TriageDesk(NpgsqlDataSource db, ReferenceCache reference, TimeProvider clock)
{
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

    public async Task<Results<Ok<CategoryChosenDto>, ValidationProblem, NotFound, ProblemHttpResult>> ChooseAsync(
        Guid id, ChooseCategory body, ClaimsPrincipal user, CancellationToken ct)
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
            // Now it has a category it counts towards hot spots as if filed with it, from when it was filed: the
            // RequestSubmitted above brings it to HotSpotDetectionConsumer, as every filing's does.
        }
        var status = await conn.ExecuteScalarAsync<string>(new CommandDefinition("SELECT status FROM requests WHERE id = @id", new { id }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return TypedResults.Ok(new CategoryChosenDto(id, current.Category, body.Category, status!));
    }
}
