using Dapper;
using GovPlatform.Dispatch.Duty;
using GovPlatform.Dispatch.WorkOrders;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace GovPlatform.Dispatch.Apis;

public static class WorkersApi
{
    public sealed record DutyBody(bool? OnDuty = null);

    public sealed record WorkerDto
    {
        public Guid Id { get; init; }
        public required string Name { get; init; }
        public required string Phone { get; init; }
        public required string Role { get; init; }
        public required string NodeCode { get; init; }
        public bool OnDuty { get; init; }
        public DateTime? LastHeartbeatAt { get; init; }
        public long OpenLoad { get; init; }
    }

    /// <summary>People who hold a worker's token: its worker_id claim (or else its subject) is their worker id.</summary>
    private static readonly string[] WorkerRoles =
        [Roles.Admin, Roles.GridWorker, Roles.GridLeader, Roles.CommunityCadre];

    public static void MapWorkersApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/workers").WithTags("Workers");

        api.MapPost("/me/heartbeat", async Task<Results<Ok<DutyStatus>, NotFound<ProblemDetails>>> (
                HttpContext http, DutyDesk desk, CancellationToken ct) =>
            {
                var actor = Actor.From(http.User);
                var status = Guid.TryParse(actor.Worker, out var workerId) ? await desk.HeartbeatAsync(workerId, ct) : null;
                return status is null ? NoWorker(actor.Worker) : TypedResults.Ok(status);
            })
            .RequireRoles(WorkerRoles)
            .WithName("WorkerHeartbeat")
            .WithSummary("The worker holding this token is on duty; send again before the expiry (10 minutes by default)");

        api.MapPost("/{id:guid}/duty", async Task<Results<Ok<DutyStatus>, NotFound<ProblemDetails>, ValidationProblem, ProblemHttpResult>> (
                Guid id, DutyBody body, HttpContext http, DutyDesk desk, NpgsqlDataSource db, CancellationToken ct) =>
            {
                if (body.OnDuty is not { } onDuty)
                    return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["onDuty"] = ["true or false is required."] },
                        title: "The duty change was rejected; nothing changed.");
                var actor = Actor.From(http.User);
                var self = actor.Worker == id.ToString();
                if (!self && !actor.IsAdmin)
                {
                    // A leader or cadre may set the duty of the people under their node, nobody else's.
                    await using var conn = await db.OpenConnectionAsync(ct);
                    var path = await conn.QuerySingleOrDefaultAsync<string[]>(new CommandDefinition(
                        "SELECT g.path FROM workers w JOIN grid_nodes g ON g.code = w.node_code WHERE w.id = @id", new { id }, cancellationToken: ct));
                    if (path is null) return NoWorker(id.ToString());
                    var leads = actor.Roles.Any(r => r is Roles.GridLeader or Roles.CommunityCadre);
                    if (!leads || actor.ScopeNode is null || !path.Contains(actor.ScopeNode))
                        return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Only the worker, their leader or an admin may change their duty.");
                }
                var status = await desk.SetDutyAsync(id, onDuty, self, ct);
                return status is null ? NoWorker(id.ToString()) : TypedResults.Ok(status);
            })
            .RequireRoles(WorkerRoles)
            .WithName("SetWorkerDuty")
            .WithSummary("Put a worker on or off duty (the worker themselves, their grid leader or community cadre, or an admin)");

        api.MapGet("/", async (string? under, HttpContext http, NpgsqlDataSource db, CancellationToken ct) =>
            {
                const string sql = """
                    SELECT w.id, w.name, w.phone, w.role, w.node_code AS NodeCode, w.on_duty AS OnDuty, w.last_heartbeat_at AS LastHeartbeatAt,
                           (SELECT count(*) FROM work_orders o WHERE o.assignee_id = w.id AND o.status NOT IN ('resolved', 'closed')) AS OpenLoad
                    FROM workers w JOIN grid_nodes g ON g.code = w.node_code
                    WHERE @under::text IS NULL OR @under = ANY(g.path)
                    ORDER BY w.node_code, w.role, w.name
                    LIMIT 1000
                    """;
                await using var conn = await db.OpenConnectionAsync(ct);
                var workers = await conn.QueryAsync<WorkerDto>(new CommandDefinition(sql, new { under }, cancellationToken: ct));
                var admin = Actor.From(http.User).IsAdmin;
                return TypedResults.Ok(workers.Select(w => admin ? w : w with { Phone = PersonalData.MaskPhone(w.Phone)! }).ToList());
            })
            .RequireRoles(WorkOrdersApi.StaffRoles)
            .WithName("ListWorkers")
            .WithSummary("Workers under a node with duty and open load (phones masked except for admins)");
    }

    private static NotFound<ProblemDetails> NoWorker(string id) =>
        TypedResults.NotFound(new ProblemDetails { Title = "No such worker", Detail = $"No worker has the id '{id}'.", Status = StatusCodes.Status404NotFound });
}
