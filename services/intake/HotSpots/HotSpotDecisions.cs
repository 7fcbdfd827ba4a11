using System.Security.Claims;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Intake.Access;
using GovPlatform.Intake.Requests;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Intake.HotSpots;

public sealed record HotSpotDto
{
    public Guid Id { get; init; }
    public required string Category { get; init; }
    public required string PlaceCode { get; init; }
    public required string PlaceLevel { get; init; }
    /// <summary>The place's name in the grid tree (锦园社区, 1号楼).</summary>
    public string? PlaceName { get; init; }
    public required string[] PlacePath { get; init; }
    public required string[] Topic { get; init; }
    public int RequestCount { get; init; }
    public DateTime FirstAt { get; init; }
    public DateTime LastAt { get; init; }
    public DateTime DetectedAt { get; init; }
    public required string Status { get; init; }
    public DateTime? DecidedAt { get; init; }
    public string? DecidedBy { get; init; }
    public string? DecisionNote { get; init; }
    /// <summary>The proactive work order dispatch opened for an accepted hot spot (its request id is the hot spot's id).</summary>
    public Guid? OrderId { get; init; }
    public DateTime? OrderOpenedAt { get; init; }
    public DateTime? OrderResolvedAt { get; init; }
    /// <summary>Only on a single hot spot: the requests that justify it, oldest first.</summary>
    public IReadOnlyList<HotSpotRequestDto>? Requests { get; init; }
}

public sealed record HotSpotRequestDto(Guid Id, string TicketNo, string Description, string LocationCode, string Status, DateTime SubmittedAt);

/// <param name="Decision">accepted (the community acts on it) or dismissed.</param>
public sealed record Decide(string Decision, string? Note = null);

/// <summary>
/// A cadre's decision on a proposed hot spot, one transaction with its <see cref="HotSpotDecided"/> in the outbox
/// (dispatch opens a proactive work order for an accepted one); also how a hot spot is read, for the route table.
/// </summary>
public sealed class HotSpotDecisions(NpgsqlDataSource db, TimeProvider clock)
{
    public const string Proposed = "proposed", Accepted = "accepted", Dismissed = "dismissed";

    public const string Select = """
        SELECT h.id, h.category, h.place_code AS PlaceCode, h.place_level AS PlaceLevel, g.name AS PlaceName, h.place_path AS PlacePath,
               h.topic, h.request_count AS RequestCount, h.first_at AS FirstAt, h.last_at AS LastAt, h.detected_at AS DetectedAt,
               h.status, h.decided_at AS DecidedAt, h.decided_by AS DecidedBy, h.decision_note AS DecisionNote,
               h.order_id AS OrderId, h.order_opened_at AS OrderOpenedAt, h.order_resolved_at AS OrderResolvedAt
        FROM hot_spots h LEFT JOIN grid_copy g ON g.code = h.place_code
        """;

    /// <summary>Staff who answer for part of the tree (a token with scope_node and no county-wide role) see only that part.</summary>
    public static string? ScopeOf(ClaimsPrincipal user) =>
        user.IsInRole(Roles.Admin) || user.IsInRole(Roles.DeskOperator) || user.IsInRole(Roles.Leader) ? null : user.ScopeNodeOf() ?? "";

    public static async Task<HotSpotDto?> LoadAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid id, string? scope, CancellationToken ct)
    {
        var spot = await conn.QuerySingleOrDefaultAsync<HotSpotDto>(new CommandDefinition(
            $"{Select} WHERE h.id = @id AND (@scope::text IS NULL OR h.place_path @> ARRAY[@scope::text])", new { id, scope }, tx, cancellationToken: ct));
        if (spot is null) return null;
        const string requests = """
            SELECT r.id, r.ticket_no AS TicketNo, r.description, r.location_code AS LocationCode, r.status, r.submitted_at AS SubmittedAt
            FROM hot_spot_requests hr JOIN requests r ON r.id = hr.request_id
            WHERE hr.hot_spot_id = @id ORDER BY r.submitted_at, r.ticket_no
            """;
        var rows = await conn.QueryAsync<HotSpotRequestDto>(new CommandDefinition(requests, new { id }, tx, cancellationToken: ct));
        return spot with { Requests = rows.ToList() };
    }

    public async Task<Results<Ok<HotSpotDto>, NotFound, ValidationProblem, ProblemHttpResult>> DecideAsync(
        Guid id, Decide body, ClaimsPrincipal user, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.Decision is not (Accepted or Dismissed)) errors["decision"] = [$"Expected {Accepted} or {Dismissed}."];
        if (body.Note is { Length: > 500 } || (body.Note is not null && RequestRules.HasControlCharacters(body.Note)))
            errors["note"] = ["At most 500 characters, no control characters other than line breaks."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The hot spot was not decided: fix the fields below.");

        var scope = ScopeOf(user);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var status = await conn.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT status FROM hot_spots WHERE id = @id AND (@scope::text IS NULL OR place_path @> ARRAY[@scope::text]) FOR UPDATE",
            new { id, scope }, tx, cancellationToken: ct));
        if (status is null) return TypedResults.NotFound();
        if (status != Proposed)
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "This hot spot was decided already.",
                detail: $"It is {status}; a decision is taken once.", extensions: new Dictionary<string, object?> { ["currentStatus"] = status });
        var now = clock.GetUtcNow();
        var by = user.Actor();
        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE hot_spots SET status = @decision, decided_at = @now, decided_by = @by, decision_note = @note WHERE id = @id",
            new { id, decision = body.Decision, now = now.UtcDateTime, by, note = body.Note }, tx, cancellationToken: ct));
        var spot = await LoadAsync(conn, tx, id, null, ct);
        var community = await conn.ExecuteScalarAsync<string>(new CommandDefinition(
            "SELECT community_code FROM hot_spots WHERE id = @id", new { id }, tx, cancellationToken: ct));
        await Outbox.EnqueueAsync(tx, new HotSpotDecided(id, body.Decision, by, body.Note, now, spot!.Category, spot.PlaceCode, spot.PlaceLevel,
            spot.PlacePath, community, spot.Topic, spot.Requests!.Select(r => r.Id).ToList()), ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(spot!);
    }
}
