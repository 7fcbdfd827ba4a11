using System.Security.Claims;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Intake.Access;
using GovPlatform.Intake.Timeline;
using GovPlatform.ServiceDefaults.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Intake.Duplicates;

public sealed record UnlinkedDto(Guid Id, Guid FormerOriginalRequestId, string Status);

/// <summary>Undoing a duplicate link, one transaction: the request stands on its own and goes to dispatch as new work.</summary>
public sealed class UnlinkDesk(NpgsqlDataSource db, TimeProvider clock)
{
    // Property-style because Dapper matches constructors by exact column type (text[] is System.Array).
    private sealed record Linked
    {
        public required string TicketNo { get; init; }
        public required string Channel { get; init; }
        public required string Category { get; init; }
        public required string Urgency { get; init; }
        public required string Status { get; init; }
        public Guid? OriginalId { get; init; }
        public required string LocationCode { get; init; }
        public required string[] LocationPath { get; init; }
        public double? Latitude { get; init; }
        public double? Longitude { get; init; }
    }

    public async Task<Results<Ok<UnlinkedDto>, NotFound, ProblemHttpResult>> UnlinkAsync(Guid id, ClaimsPrincipal user, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        const string select = """
            SELECT ticket_no AS TicketNo, channel, category, urgency, status, original_id AS OriginalId,
                   location_code AS LocationCode, location_path AS LocationPath, latitude, longitude
            FROM requests WHERE id = @id FOR UPDATE
            """;
        var r = await conn.QuerySingleOrDefaultAsync<Linked>(new CommandDefinition(select, new { id }, tx, cancellationToken: ct));
        if (r is null) return TypedResults.NotFound();
        if (r.OriginalId is not { } originalId)
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The request is not linked to another.",
                detail: $"The request is '{r.Status}'.", extensions: new Dictionary<string, object?> { ["currentStatus"] = r.Status });

        var now = clock.GetUtcNow();
        var by = user.Actor();
        await conn.ExecuteAsync(new CommandDefinition("UPDATE requests SET original_id = NULL WHERE id = @id", new { id }, tx, cancellationToken: ct));
        await RequestTimeline.AppendAsync(tx, new TimelineEntry(id, TimelineEvents.Unlinked, now, by, new { formerOriginalId = originalId }, $"unlinked:{now.UtcTicks}"), ct);
        await Outbox.EnqueueAsync(tx, new RequestUnlinked(id, originalId, by, now), ct);
        // Standing on its own, the request is new work for dispatch.
        await Outbox.EnqueueAsync(tx, new RequestSubmitted(id, r.TicketNo, r.Channel, r.Category, r.Urgency, r.LocationCode, r.LocationPath,
            r.Latitude, r.Longitude, now, await Cases.CaseDetails.LoadAsync(tx, id, ct)), ct);
        var status = await conn.ExecuteScalarAsync<string>(new CommandDefinition("SELECT status FROM requests WHERE id = @id", new { id }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return TypedResults.Ok(new UnlinkedDto(id, originalId, status!));
    }
}
