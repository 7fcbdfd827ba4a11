using System.Security.Claims;
using Dapper;
using GovPlatform.Dispatch.WorkOrders;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Dispatch.Apis;

public static class WhistlesApi
{
    public sealed record WhistleBody(IReadOnlyList<string> Departments, string Reason);
    public sealed record ActedBody(string Action);

    public sealed record CallDto(Guid WhistleId, string Department, string Tier, string Reason, DateTime BlownAt, DateTime ReportDueAt,
        DateTime? ReportedAt, bool? Late, DateTime? MissedAt, DateTime? ActedAt, string? Action);

    /// <summary>A call on a department with the order it is about: what the department's own screen lists.</summary>
    public sealed record DepartmentCallDto(Guid WhistleId, Guid WorkOrderId, string TicketNo, string Category, string LocationCode,
        string OrderStatus, string OrderTier, string Department, string Reason, DateTime BlownAt, DateTime ReportDueAt,
        DateTime? ReportedAt, bool? Late, DateTime? MissedAt, DateTime? ActedAt, string? Action);

    /// <summary>What blowing a whistle and answering it need besides the order and the caller: the desk that keeps the calls and the database they are read back from.</summary>
    public readonly record struct Services(WhistleDesk Desk, NpgsqlDataSource Db);

    public static void MapWhistlesApi(this WebApplication app)
    {
        app.MapGet("/api/v1/whistles", ListDepartmentCallsAsync)
            .RequireRoles(Roles.Department, Roles.Admin)
            .WithTags("Whistle and report")
            .WithName("ListDepartmentCalls")
            .WithSummary("The calls on a department (a department's staff: their own), unanswered first, with each order's ticket and state");

        var api = app.MapGroup("/api/v1/work-orders/{id:guid}/whistles").WithTags("Whistle and report").RequireRoles(WorkOrdersApi.StaffRoles);

        api.MapPost("/", BlowAsync)
            .WithName("BlowWhistle")
            .WithSummary("The community or subdistrict calls departments in; each must report in within 30 minutes");

        api.MapGet("/", ListWhistlesAsync)
            .WithName("ListWhistles")
            .WithSummary("Every department called in on the order, and whether it reported and acted");

        api.MapPost("/{whistleId:guid}/report", ReportInAsync)
            .WithName("ReportIn")
            .WithSummary("A whistled department reports in (报到); late after its deadline");

        api.MapPost("/{whistleId:guid}/act", RecordActionAsync)
            .WithName("RecordDepartmentAction")
            .WithSummary("A department that reported in records what it did");
    }

    private static async Task<Results<Ok<List<DepartmentCallDto>>, ProblemHttpResult>> ListDepartmentCallsAsync(
        string? department, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        var actor = Actor.From(user);
        // A department's staff see their own department's calls whatever they ask; admins any or all.
        if (!actor.IsAdmin)
        {
            if (actor.DepartmentScope is not { } own)
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Your token names no department.");
            department = own;
        }
        await using var conn = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok((await conn.QueryAsync<DepartmentCallDto>(new CommandDefinition(DepartmentCallsSql,
            new { department }, cancellationToken: ct))).AsList());
    }

    private static Task<Results<Ok<List<CallDto>>, ValidationProblem, NotFound, ProblemHttpResult>> BlowAsync(
        Guid id, WhistleBody body, ClaimsPrincipal user, [AsParameters] Services s, CancellationToken ct)
    {
        var errors = WorkOrdersApi.Text(body.Reason, "reason") ?? new();
        if (body.Departments.Count == 0) errors["departments"] = ["Name at least one department."];
        else if (body.Departments.Any(string.IsNullOrWhiteSpace)) errors["departments"] = ["A department code is empty."];
        else if (body.Departments.Distinct().Count() != body.Departments.Count) errors["departments"] = ["A department is named twice."];
        if (errors.Count > 0) return WorkOrdersApi.Rejected<Ok<List<CallDto>>>(errors);
        return OrderReplies.AfterAsync(s.Desk.BlowAsync(id, Actor.From(user), body.Departments, body.Reason.Trim(), ct), () => CallsAsync(s.Db, id, ct));
    }

    private static async Task<Results<Ok<List<CallDto>>, NotFound>> ListWhistlesAsync(Guid id, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct) =>
        await OrderReplies.ListAsync(db, id, user, () => CallsAsync(db, id, ct), ct);

    private static Task<Results<Ok<List<CallDto>>, ValidationProblem, NotFound, ProblemHttpResult>> ReportInAsync(
        Guid id, Guid whistleId, ClaimsPrincipal user, [AsParameters] Services s, CancellationToken ct) =>
        OrderReplies.AfterAsync(s.Desk.AnswerAsync(id, whistleId, Actor.From(user), null, ct), () => CallsAsync(s.Db, id, ct));

    private static Task<Results<Ok<List<CallDto>>, ValidationProblem, NotFound, ProblemHttpResult>> RecordActionAsync(
        Guid id, Guid whistleId, ActedBody body, ClaimsPrincipal user, [AsParameters] Services s, CancellationToken ct) =>
        WorkOrdersApi.Text(body.Action, "action") is { } bad ? WorkOrdersApi.Rejected<Ok<List<CallDto>>>(bad)
            : OrderReplies.AfterAsync(s.Desk.AnswerAsync(id, whistleId, Actor.From(user), body.Action.Trim(), ct), () => CallsAsync(s.Db, id, ct));

    /// <summary>Unanswered calls first (the report clock runs on them), then the newest; closed orders' calls drop off after the newest 200.</summary>
    private const string DepartmentCallsSql = """
        SELECT w.id AS WhistleId, o.id AS WorkOrderId, o.ticket_no AS TicketNo, o.category, o.location_code AS LocationCode,
               o.status AS OrderStatus, o.tier AS OrderTier, wd.department, w.reason, w.blown_at AS BlownAt,
               wd.report_due_at AS ReportDueAt, wd.reported_at AS ReportedAt, wd.late, wd.missed_at AS MissedAt,
               wd.acted_at AS ActedAt, wd.action
        FROM whistle_departments wd
        JOIN whistles w ON w.id = wd.whistle_id
        JOIN work_orders o ON o.id = wd.work_order_id
        WHERE (@department::text IS NULL OR wd.department = @department)
        ORDER BY (wd.reported_at IS NULL AND wd.missed_at IS NULL) DESC, w.blown_at DESC
        LIMIT 200
        """;

    private static async Task<List<CallDto>> CallsAsync(NpgsqlDataSource db, Guid orderId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<CallDto>(new CommandDefinition("""
            SELECT w.id AS WhistleId, wd.department, w.tier, w.reason, w.blown_at AS BlownAt, wd.report_due_at AS ReportDueAt,
                   wd.reported_at AS ReportedAt, wd.late, wd.missed_at AS MissedAt, wd.acted_at AS ActedAt, wd.action
            FROM whistles w JOIN whistle_departments wd ON wd.whistle_id = w.id
            WHERE w.work_order_id = @orderId
            ORDER BY w.blown_at, wd.department
            """, new { orderId }, cancellationToken: ct))).AsList();
    }
}
