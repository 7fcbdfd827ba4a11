using Dapper;
using GovPlatform.Dispatch.Duty;
using GovPlatform.Dispatch.WorkOrders;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace GovPlatform.Dispatch.Apis;

public static partial class WorkersApi
{
    public sealed record DutyBody(bool? OnDuty = null);
    public sealed record OfficePhoneBody(string? OfficePhone);
    /// <summary>What a community publishes of the people who serve a building: the name, the role and an office phone.</summary>
    public sealed record PublicContactDto(string Name, string Role, string NodeCode, string NodeName, string? OfficePhone);

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

        api.MapPost("/me/heartbeat", HeartbeatAsync)
            .RequireRoles(WorkerRoles)
            .WithName("WorkerHeartbeat")
            .WithSummary("The worker holding this token is on duty; send again before the expiry (10 minutes by default)");

        api.MapPost("/{id:guid}/duty", SetDutyAsync)
            .RequireRoles(WorkerRoles)
            .WithName("SetWorkerDuty")
            .WithSummary("Put a worker on or off duty (the worker themselves, their grid leader or community cadre, or an admin)");

        api.MapGet("/", ListWorkersAsync)
            .RequireRoles(WorkOrdersApi.StaffRoles)
            .WithName("ListWorkers")
            .WithSummary("Workers under a node with duty and open load (phones masked except for admins)");

        app.MapPublicContactsApi();
    }

    /// <summary>
    /// The office phone residents are given (admins, or the leader or cadre over the worker's node), and the public list of
    /// the people serving a place: the grid's workers and leader and the building's leaders, names and office phones only.
    /// </summary>
    public static void MapPublicContactsApi(this WebApplication app)
    {
        app.MapPut("/api/v1/workers/{id:guid}/office-phone", SetOfficePhoneAsync)
            .RequireRoles(Roles.Admin, Roles.GridLeader, Roles.CommunityCadre)
            // The tag the route was published under while it had none of its own (minimal APIs name the assembly);
            // a method group would be tagged with its class instead, so the published document keeps it explicitly.
            .WithTags("GovPlatform.Dispatch")
            .WithName("SetWorkerOfficePhone")
            .WithSummary("Publish (or withdraw, with null) the office phone residents see for a worker");

        // Public by design: what the community posts in the building's hall. The mobile (workers.phone) is never selected.
        app.MapGet("/api/v1/public/contacts", PublicContactsAsync)
            .AllowAnonymous()
            .WithTags("Workers")
            .WithName("PublicContacts")
            .WithSummary("Who serves a place: the grid's workers and leader and the building's leaders, names and office phones only");
    }

    private static async Task<Results<Ok<DutyStatus>, NotFound<ProblemDetails>>> HeartbeatAsync(HttpContext http, DutyDesk desk, CancellationToken ct)
    {
        var actor = Actor.From(http.User);
        var status = Guid.TryParse(actor.Worker, out var workerId) ? await desk.HeartbeatAsync(workerId, ct) : null;
        return status is null ? NoWorker(actor.Worker) : TypedResults.Ok(status);
    }

    private static async Task<Results<Ok<DutyStatus>, NotFound<ProblemDetails>, ValidationProblem, ProblemHttpResult>> SetDutyAsync(
        Guid id, DutyBody body, HttpContext http, DutyDesk desk, NpgsqlDataSource db, CancellationToken ct)
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
    }

    private const string ListWorkersSql = """
        SELECT w.id, w.name, w.phone, w.role, w.node_code AS NodeCode, w.on_duty AS OnDuty, w.last_heartbeat_at AS LastHeartbeatAt,
               (SELECT count(*) FROM work_orders o WHERE o.assignee_id = w.id AND o.status NOT IN ('resolved', 'closed')) AS OpenLoad
        FROM workers w JOIN grid_nodes g ON g.code = w.node_code
        WHERE @under::text IS NULL OR @under = ANY(g.path)
        ORDER BY w.node_code, w.role, w.name
        LIMIT 1000
        """;

    private static async Task<Ok<List<WorkerDto>>> ListWorkersAsync(string? under, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var workers = await conn.QueryAsync<WorkerDto>(new CommandDefinition(ListWorkersSql, new { under }, cancellationToken: ct));
        var admin = Actor.From(http.User).IsAdmin;
        return TypedResults.Ok(workers.Select(w => admin ? w : w with { Phone = PersonalData.MaskPhone(w.Phone)! }).ToList());
    }

    private static async Task<Results<NoContent, NotFound<ProblemDetails>, ValidationProblem, ProblemHttpResult>> SetOfficePhoneAsync(
        Guid id, OfficePhoneBody body, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        var phone = string.IsNullOrWhiteSpace(body.OfficePhone) ? null : body.OfficePhone.Trim();
        if (phone is not null && !OfficePhone().IsMatch(phone))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["officePhone"] = ["Digits and dashes, 5-20 characters, e.g. 0571-88886666."] },
                title: "The office phone was rejected; nothing changed.");
        var actor = Actor.From(http.User);
        await using var conn = await db.OpenConnectionAsync(ct);
        var path = await conn.QuerySingleOrDefaultAsync<string[]>(new CommandDefinition(
            "SELECT g.path FROM workers w JOIN grid_nodes g ON g.code = w.node_code WHERE w.id = @id", new { id }, cancellationToken: ct));
        if (path is null) return NoWorker(id.ToString());
        var leads = actor.Roles.Any(r => r is Roles.GridLeader or Roles.CommunityCadre);
        if (!actor.IsAdmin && (!leads || actor.ScopeNode is null || !path.Contains(actor.ScopeNode)))
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Only an admin, or the leader or cadre over the worker, may publish their office phone.");
        await conn.ExecuteAsync(new CommandDefinition("UPDATE workers SET office_phone = @phone WHERE id = @id", new { phone, id }, cancellationToken: ct));
        return TypedResults.NoContent();
    }

    // The place's grid and the place itself (a building's leaders serve the building): those are who a resident calls.
    private const string PublicContactsSql = """
        SELECT w.name, w.role, w.node_code AS NodeCode, g.name AS NodeName, w.office_phone AS OfficePhone
        FROM grid_nodes p
        JOIN grid_nodes g ON g.code = ANY(p.path) AND (g.level = 'grid' OR g.code = p.code)
        JOIN workers w ON w.node_code = g.code AND w.role IN ('grid_worker', 'grid_leader', 'building_leader')
        WHERE p.code = @node
        ORDER BY array_position(ARRAY['grid_leader', 'grid_worker', 'building_leader'], w.role), w.name
        LIMIT 50
        """;

    private static async Task<Results<Ok<List<PublicContactDto>>, NotFound<ProblemDetails>>> PublicContactsAsync(
        string node, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await conn.ExecuteScalarAsync<int?>(new CommandDefinition("SELECT 1 FROM grid_nodes WHERE code = @node", new { node }, cancellationToken: ct)) is null)
            return TypedResults.NotFound(new ProblemDetails { Title = "No such place", Detail = $"'{node}' is not a node of the grid tree.", Status = StatusCodes.Status404NotFound });
        return TypedResults.Ok((await conn.QueryAsync<PublicContactDto>(new CommandDefinition(PublicContactsSql, new { node }, cancellationToken: ct))).AsList());
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^[0-9-]{5,20}$")]
    private static partial System.Text.RegularExpressions.Regex OfficePhone();

    private static NotFound<ProblemDetails> NoWorker(string id) =>
        TypedResults.NotFound(new ProblemDetails { Title = "No such worker", Detail = $"No worker has the id '{id}'.", Status = StatusCodes.Status404NotFound });
}
