using System.Security.Claims;
using Dapper;
using GovPlatform.Dispatch.WorkOrders;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Dispatch.Apis;

public static class CouncilsApi
{
    public sealed record ScheduleBody(string Kind, DateTimeOffset ScheduledAt, string Place, string? TrackedBy = null);
    public sealed record RecordBody(IReadOnlyList<Attendee> Attendees, string Decision);

    public record CouncilDto
    {
        public Guid Id { get; init; }
        public required string Kind { get; init; }
        public DateTime ScheduledAt { get; init; }
        public required string Place { get; init; }
        /// <summary>The tracking cadre's worker id, and their name from the registry.</summary>
        public string? TrackedBy { get; init; }
        public string? TrackedByName { get; init; }
        public DateTime? HeldAt { get; init; }
        public string[]? Attendees { get; init; }
        public string? Decision { get; init; }
    }

    /// <summary>What scheduling and recording a council need besides the order and the caller: the desk that keeps councils and the database they are read back from.</summary>
    public readonly record struct Services(CouncilDesk Desk, NpgsqlDataSource Db);

    public static void MapCouncilsApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/work-orders/{id:guid}/councils").WithTags("Councils").RequireRoles(WorkOrdersApi.StaffRoles);

        api.MapPost("/", ScheduleAsync)
            .WithName("ScheduleCouncil")
            .WithSummary("Schedule a three-party council (三方联动议事) or a joint meeting (联席会议) on the order");

        api.MapPost("/{councilId:guid}/record", RecordAsync)
            .WithName("RecordCouncil")
            .WithSummary("Record who came and what was decided");

        api.MapGet("/", ListCouncilsAsync)
            .WithName("ListCouncils")
            .WithSummary("Councils and joint meetings held or scheduled on the order");

        // The convener's agenda across orders: without it a screen would have to ask every order in turn.
        app.MapGet("/api/v1/councils", ListCouncilsInAreaAsync)
            .RequireRoles(WorkOrdersApi.StaffRoles)
            .WithTags("Councils")
            .WithName("ListCouncilsInArea")
            .WithSummary("Councils and joint meetings on the orders the caller sees: scheduled ones soonest first, held ones latest first");
    }

    private static Task<Results<Ok<List<CouncilDto>>, ValidationProblem, NotFound, ProblemHttpResult>> ScheduleAsync(
        Guid id, ScheduleBody body, ClaimsPrincipal user, [AsParameters] Services s, CancellationToken ct)
    {
        var errors = WorkOrdersApi.Text(body.Place, "place") ?? new();
        if (body.Kind is not (CouncilKinds.ThreeParty or CouncilKinds.JointMeeting))
            errors["kind"] = [$"Unknown kind '{body.Kind}'; expected {CouncilKinds.ThreeParty} or {CouncilKinds.JointMeeting}."];
        Guid? tracker = null;
        if (body.Kind == CouncilKinds.JointMeeting)
        {
            if (Guid.TryParse(body.TrackedBy?.Trim(), out var trackerId)) tracker = trackerId;
            else errors["trackedBy"] = ["A joint meeting names the community cadre who tracks the case to the end, by their worker id."];
        }
        else if (body.TrackedBy is not null) errors["trackedBy"] = ["Only a joint meeting names a tracker."];
        if (errors.Count > 0) return WorkOrdersApi.Rejected<Ok<List<CouncilDto>>>(errors);
        return OrderReplies.AfterAsync(s.Desk.ScheduleAsync(id, Actor.From(user), body.Kind, body.ScheduledAt, body.Place.Trim(), tracker, ct),
            () => CouncilsAsync(s.Db, id, ct));
    }

    private static Task<Results<Ok<List<CouncilDto>>, ValidationProblem, NotFound, ProblemHttpResult>> RecordAsync(
        Guid id, Guid councilId, RecordBody body, ClaimsPrincipal user, [AsParameters] Services s, CancellationToken ct)
    {
        var errors = WorkOrdersApi.Text(body.Decision, "decision") ?? new();
        for (var i = 0; i < body.Attendees.Count; i++)
        {
            if (!CouncilParties.All.Contains(body.Attendees[i].Party))
                errors[$"attendees[{i}].party"] = [$"Unknown party '{body.Attendees[i].Party}'; expected one of {string.Join(", ", CouncilParties.All)}."];
            if (WorkOrdersApi.Text(body.Attendees[i].Name, "name") is not null) errors[$"attendees[{i}].name"] = ["A name is required."];
        }
        if (body.Attendees.Count == 0) errors["attendees"] = ["Record who came."];
        if (errors.Count > 0) return WorkOrdersApi.Rejected<Ok<List<CouncilDto>>>(errors);
        return OrderReplies.AfterAsync(s.Desk.RecordAsync(id, councilId, Actor.From(user), body.Attendees, body.Decision.Trim(), ct),
            () => CouncilsAsync(s.Db, id, ct));
    }

    private static async Task<Results<Ok<List<CouncilDto>>, NotFound>> ListCouncilsAsync(Guid id, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct) =>
        await OrderReplies.ListAsync(db, id, user, () => CouncilsAsync(db, id, ct), ct);

    private static async Task<Results<Ok<List<AreaCouncilDto>>, ValidationProblem>> ListCouncilsInAreaAsync(
        string? state, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        if (state is not (null or "scheduled" or "held"))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["state"] = ["Expected scheduled or held; omit it for both."] });
        var param = new DynamicParameters(Actor.From(user).Parameters);
        param.Add("state", state);
        await using var conn = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok((await conn.QueryAsync<AreaCouncilDto>(new CommandDefinition(ListInArea, param, cancellationToken: ct))).AsList());
    }

    /// <summary>A council with the order it is about, for the list across orders.</summary>
    /// <summary>A council with the order it is about, for the agenda across orders.</summary>
    public sealed record AreaCouncilDto : CouncilDto
    {
        public Guid WorkOrderId { get; init; }
        public required string TicketNo { get; init; }
        public required string Category { get; init; }
        public required string Tier { get; init; }
        public required string OrderStatus { get; init; }
    }

    // Waiting meetings first (soonest first), then what was held (latest first). The alias k keeps clear of the
    // councils c that Actor.VisibleSql reads for a tracking cadre.
    private const string ListInArea = $"""
        SELECT k.id, k.work_order_id AS WorkOrderId, o.ticket_no AS TicketNo, o.category, o.tier, o.status AS OrderStatus,
               k.kind, k.scheduled_at AS ScheduledAt, k.place, k.tracked_by AS TrackedBy, w.name AS TrackedByName,
               k.held_at AS HeldAt, k.attendees, k.decision
        FROM councils k
        JOIN work_orders o ON o.id = k.work_order_id
        LEFT JOIN workers w ON w.id::text = k.tracked_by
        WHERE {Actor.VisibleSql}
          AND (@state::text IS NULL OR (@state = 'held') = (k.held_at IS NOT NULL))
        ORDER BY k.held_at IS NOT NULL, CASE WHEN k.held_at IS NULL THEN k.scheduled_at END, k.held_at DESC
        LIMIT 500
        """;

    private static async Task<List<CouncilDto>> CouncilsAsync(NpgsqlDataSource db, Guid orderId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<CouncilDto>(new CommandDefinition("""
            SELECT c.id, c.kind, c.scheduled_at AS ScheduledAt, c.place, c.tracked_by AS TrackedBy, w.name AS TrackedByName,
                   c.held_at AS HeldAt, c.attendees, c.decision
            FROM councils c LEFT JOIN workers w ON w.id::text = c.tracked_by
            WHERE c.work_order_id = @orderId ORDER BY c.created_at
            """, new { orderId }, cancellationToken: ct))).AsList();
    }
}
