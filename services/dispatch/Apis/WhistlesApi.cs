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

    public static void MapWhistlesApi(this WebApplication app)
    {
        app.MapGet("/api/v1/whistles", async Task<Results<Ok<List<DepartmentCallDto>>, ProblemHttpResult>> (
                string? department, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct) =>
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
            })
            .RequireRoles(Roles.Department, Roles.Admin)
            .WithTags("Whistle and report")
            .WithName("ListDepartmentCalls")
            .WithSummary("The calls on a department (a department's staff: their own), unanswered first, with each order's ticket and state");

        var api = app.MapGroup("/api/v1/work-orders/{id:guid}/whistles").WithTags("Whistle and report").RequireRoles(WorkOrdersApi.StaffRoles);

        api.MapPost("/", (Guid id, WhistleBody body, ClaimsPrincipal user, WhistleDesk desk, NpgsqlDataSource db, CancellationToken ct) =>
            {
                var errors = WorkOrdersApi.Text(body.Reason, "reason") ?? new();
                if (body.Departments.Count == 0) errors["departments"] = ["Name at least one department."];
                else if (body.Departments.Any(string.IsNullOrWhiteSpace)) errors["departments"] = ["A department code is empty."];
                else if (body.Departments.Distinct().Count() != body.Departments.Count) errors["departments"] = ["A department is named twice."];
                if (errors.Count > 0) return WorkOrdersApi.Rejected<Ok<List<CallDto>>>(errors);
                return OrderReplies.AfterAsync(desk.BlowAsync(id, Actor.From(user), body.Departments, body.Reason.Trim(), ct), () => CallsAsync(db, id, ct));
            })
            .WithName("BlowWhistle")
            .WithSummary("The community or subdistrict calls departments in; each must report in within 30 minutes");

        api.MapGet("/", async (Guid id, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct) =>
                await OrderReplies.ListAsync(db, id, user, () => CallsAsync(db, id, ct), ct))
            .WithName("ListWhistles")
            .WithSummary("Every department called in on the order, and whether it reported and acted");

        api.MapPost("/{whistleId:guid}/report", (Guid id, Guid whistleId, ClaimsPrincipal user, WhistleDesk desk, NpgsqlDataSource db, CancellationToken ct) =>
                OrderReplies.AfterAsync(desk.AnswerAsync(id, whistleId, Actor.From(user), null, ct), () => CallsAsync(db, id, ct)))
            .WithName("ReportIn")
            .WithSummary("A whistled department reports in (报到); late after its deadline");

        api.MapPost("/{whistleId:guid}/act", (Guid id, Guid whistleId, ActedBody body, ClaimsPrincipal user, WhistleDesk desk, NpgsqlDataSource db, CancellationToken ct) =>
                WorkOrdersApi.Text(body.Action, "action") is { } bad ? WorkOrdersApi.Rejected<Ok<List<CallDto>>>(bad)
                    : OrderReplies.AfterAsync(desk.AnswerAsync(id, whistleId, Actor.From(user), body.Action.Trim(), ct), () => CallsAsync(db, id, ct)))
            .WithName("RecordDepartmentAction")
            .WithSummary("A department that reported in records what it did");
    }

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
