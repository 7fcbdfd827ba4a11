using System.Security.Claims;
using System.Text.Json;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Dispatch.WorkOrders;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Attachments;
using GovPlatform.ServiceDefaults.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Dispatch.Apis;

public static class WorkOrdersApi
{
    public sealed record HistoryDto(DateTime At, string Action, string Actor, string? ActorName, string Detail);

    public sealed record WorkOrderDto(
        Guid Id, Guid RequestId, string TicketNo, string Category, string LocationCode, string? GridCode,
        string? CommunityCode, string AssigneeKind, Guid? AssigneeId, string AssigneeName, string Status,
        string Tier, int ReopenCount, DateTime? SuspendedUntil, DateTime CreatedAt, DateTime UpdatedAt, DateTime? PlanDueAt)
    {
        public IReadOnlyList<HistoryDto> History { get; init; } = [];

        /// <summary>
        /// What to fix: the resident's words, the address, the category's answers, their photos (on intake) and the
        /// reporter masked. Null on orders made before the case was carried with the submission (see <see cref="CaseNote"/>).
        /// </summary>
        public RequestCase? Case { get; init; }

        /// <summary>Why <see cref="Case"/> is missing, when it is.</summary>
        public string? CaseNote => Case is null ? NoCase : null;

        /// <summary>Photos and files the handler attached when resolving (held by dispatch).</summary>
        public IReadOnlyList<AttachmentDto> ResolutionFiles { get; init; } = [];

        /// <summary>Where the handler stood when resolving, from their phone.</summary>
        public HandlerPosition? ResolvedPosition { get; init; }

        /// <summary>The clocks now running (or paused by a suspension), soonest first: what the handler must beat.</summary>
        public IReadOnlyList<ClockDto> Clocks { get; init; } = [];
    }

    /// <param name="Clock">accept, arrive, resolve or plan.</param>
    /// <param name="State">pending (running) or paused.</param>
    public sealed record ClockDto(string Clock, string Tier, DateTime DueAt, string State);

    public const string NoCase = "此工单早于案情随派单传递，无诉求详情：请向民声总台（intake GET /api/v1/requests/{requestId}）查询。" +
        " This order predates case details on work orders: ask the desk for the request.";

    public sealed record ArriveBody(bool Complex = false);
    /// <param name="AttachmentIds">Photos of the fixed problem, uploaded first with <c>POST /api/v1/attachments</c> on dispatch.</param>
    /// <param name="Position">Where the handler stands, from the phone's location.</param>
    public sealed record ResolveBody(string Resolution, IReadOnlyList<Guid>? AttachmentIds = null, HandlerPosition? Position = null);

    /// <param name="DueAt">When the plan will have the work done; missed, the order moves a tier up.</param>
    public sealed record PlanBody(string Plan, DateTimeOffset? DueAt = null);
    public sealed record ReasonBody(string Reason);
    public sealed record TransferBody(Guid ToWorkerId, string Reason);
    public sealed record SuspendBody(string Reason, DateTimeOffset Until);

    /// <summary>Everyone who handles orders; what each of them sees is narrowed by <see cref="Actor.VisibleSql"/>.</summary>
    public static readonly string[] StaffRoles =
        [Roles.Admin, Roles.GridWorker, Roles.GridLeader, Roles.CommunityCadre, Roles.SubdistrictOfficer, Roles.Department];

    private const string SelectOrder = """
        SELECT o.id, o.request_id AS RequestId, o.ticket_no AS TicketNo, o.category, o.location_code AS LocationCode,
               o.grid_code AS GridCode, o.community_code AS CommunityCode, o.assignee_kind AS AssigneeKind,
               o.assignee_id AS AssigneeId, o.assignee_name AS AssigneeName, o.status, o.tier,
               o.reopen_count AS ReopenCount, o.suspended_until AS SuspendedUntil,
               o.created_at AS CreatedAt, o.updated_at AS UpdatedAt, o.plan_due_at AS PlanDueAt
        FROM work_orders o
        """;

    /// <summary>What every action on an order needs besides the order and the caller: the lifecycle that applies it and the database it is read back from.</summary>
    public readonly record struct Services(WorkOrderLifecycle Lifecycle, NpgsqlDataSource Db);

    public static void MapWorkOrdersApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/work-orders").WithTags("Work orders").RequireRoles(StaffRoles);

        api.MapGet("/{id:guid}", GetWorkOrderAsync)
            .WithName("GetWorkOrder")
            .WithSummary("A work order with its history, including why it was assigned as it was");

        api.MapGet("/", ListWorkOrdersAsync)
            .WithName("ListWorkOrders")
            .WithSummary("The work orders the caller may see, newest first, filtered by request, grid or status");

        api.MapPost("/{id:guid}/accept", AcceptAsync)
            .WithName("AcceptWorkOrder").WithSummary("Take the order (the 1-minute clock)");

        api.MapPost("/{id:guid}/arrive", ArriveAsync)
            .WithName("ArriveAtWorkOrder").WithSummary("On site (the 30-minute clock); complex=true trades the 1-hour fix for the half-day plan");

        api.MapPost("/{id:guid}/resolve", ResolveAsync)
            .WithName("ResolveWorkOrder").WithSummary("The problem is fixed (the 1-hour clock), with photos (attachment ids) and the handler's position; the resident's callback follows");

        api.MapPost("/{id:guid}/plan", PlanAsync)
            .WithName("PlanWorkOrder").WithSummary("A complex problem has its solution plan (the half-day clock) and the date it will be done by");

        api.MapPost("/{id:guid}/return", ReturnAsync)
            .WithName("ReturnWorkOrder").WithSummary("Give the order back to the community for re-dispatch, with a reason");

        api.MapPost("/{id:guid}/transfer", TransferAsync)
            .WithName("TransferWorkOrder").WithSummary("Re-dispatch to another grid worker of the community, with fresh clocks");

        api.MapPost("/{id:guid}/suspend", SuspendAsync)
            .WithName("SuspendWorkOrder").WithSummary("Stop the clocks until a limit, with a reason; the order resumes by itself at the limit");

        api.MapPost("/{id:guid}/resume", ResumeAsync)
            .WithName("ResumeWorkOrder").WithSummary("End a suspension early; the clocks go on with the time they had left");

        api.MapPost("/{id:guid}/escalate", EscalateAsync)
            .WithName("EscalateWorkOrder").WithSummary("Move the order a tier up (compound → community → subdistrict → county) at the handler's request");
    }

    private static async Task<Results<Ok<WorkOrderDto>, NotFound>> GetWorkOrderAsync(Guid id, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct) =>
        await LoadAsync(db, id, Actor.From(user), ct) is { } order ? TypedResults.Ok(order) : TypedResults.NotFound();

    private static async Task<Ok<List<WorkOrderDto>>> ListWorkOrdersAsync(Guid? requestId, string? gridCode, string? status, ClaimsPrincipal user,
        NpgsqlDataSource db, CancellationToken ct)
    {
        var param = new DynamicParameters(Actor.From(user).Parameters);
        param.AddDynamicParams(new { requestId, gridCode, status });
        await using var conn = await db.OpenConnectionAsync(ct);
        var orders = await conn.QueryAsync<WorkOrderDto>(new CommandDefinition($"""
            {SelectOrder}
            WHERE {Actor.VisibleSql}
              AND (@requestId::uuid IS NULL OR o.request_id = @requestId)
              AND (@gridCode::text IS NULL OR o.grid_code = @gridCode)
              AND (@status::text IS NULL OR o.status = @status)
            ORDER BY o.created_at DESC
            LIMIT 200
            """, param, cancellationToken: ct));
        var list = orders.AsList();
        var ids = list.Select(o => o.Id).ToArray();
        var cases = await CasesAsync(conn, ids, ct);
        var clocks = await ClocksAsync(conn, ids, ct);
        return TypedResults.Ok(list.Select(o => (cases.TryGetValue(o.Id, out var c) ? o with { Case = c.Case } : o)
            with { Clocks = clocks[o.Id].ToList() }).ToList());
    }

    private static Task<Results<Ok<WorkOrderDto>, ValidationProblem, NotFound, ProblemHttpResult>> AcceptAsync(
        Guid id, ClaimsPrincipal user, [AsParameters] Services s, CancellationToken ct) =>
        ActAsync(id, user, new Command(WorkOrderActions.Accept), s, ct);

    private static Task<Results<Ok<WorkOrderDto>, ValidationProblem, NotFound, ProblemHttpResult>> ArriveAsync(
        Guid id, ArriveBody? body, ClaimsPrincipal user, [AsParameters] Services s, CancellationToken ct) =>
        ActAsync(id, user, new Command(WorkOrderActions.Arrive, Complex: body?.Complex ?? false), s, ct);

    private static Task<Results<Ok<WorkOrderDto>, ValidationProblem, NotFound, ProblemHttpResult>> ResolveAsync(
        Guid id, ResolveBody body, ClaimsPrincipal user, [AsParameters] Services s, AttachmentUploads uploads, CancellationToken ct) =>
        ResolveErrors(body, uploads.Limits.MaxFiles) is { } bad ? Bad(bad)
            : ActAsync(id, user, new Command(WorkOrderActions.Resolve, body.Resolution.Trim(), AttachmentIds: body.AttachmentIds, Position: body.Position), s, ct);

    private static Task<Results<Ok<WorkOrderDto>, ValidationProblem, NotFound, ProblemHttpResult>> PlanAsync(
        Guid id, PlanBody body, ClaimsPrincipal user, [AsParameters] Services s, CancellationToken ct) =>
        PlanErrors(body) is { } bad ? Bad(bad)
            : ActAsync(id, user, new Command(WorkOrderActions.Plan, body.Plan.Trim(), Until: body.DueAt), s, ct);

    private static Task<Results<Ok<WorkOrderDto>, ValidationProblem, NotFound, ProblemHttpResult>> ReturnAsync(
        Guid id, ReasonBody body, ClaimsPrincipal user, [AsParameters] Services s, CancellationToken ct) =>
        Text(body.Reason, "reason") is { } bad ? Bad(bad)
            : ActAsync(id, user, new Command(WorkOrderActions.Return, body.Reason.Trim()), s, ct);

    private static Task<Results<Ok<WorkOrderDto>, ValidationProblem, NotFound, ProblemHttpResult>> TransferAsync(
        Guid id, TransferBody body, ClaimsPrincipal user, [AsParameters] Services s, CancellationToken ct) =>
        Text(body.Reason, "reason") is { } bad ? Bad(bad)
            : ActAsync(id, user, new Command(WorkOrderActions.Transfer, body.Reason.Trim(), ToWorkerId: body.ToWorkerId), s, ct);

    private static Task<Results<Ok<WorkOrderDto>, ValidationProblem, NotFound, ProblemHttpResult>> SuspendAsync(
        Guid id, SuspendBody body, ClaimsPrincipal user, [AsParameters] Services s, CancellationToken ct) =>
        Text(body.Reason, "reason") is { } bad ? Bad(bad)
            : ActAsync(id, user, new Command(WorkOrderActions.Suspend, body.Reason.Trim(), Until: body.Until), s, ct);

    private static Task<Results<Ok<WorkOrderDto>, ValidationProblem, NotFound, ProblemHttpResult>> ResumeAsync(
        Guid id, ClaimsPrincipal user, [AsParameters] Services s, CancellationToken ct) =>
        ActAsync(id, user, new Command(WorkOrderActions.Resume), s, ct);

    private static Task<Results<Ok<WorkOrderDto>, ValidationProblem, NotFound, ProblemHttpResult>> EscalateAsync(
        Guid id, ReasonBody body, ClaimsPrincipal user, [AsParameters] Services s, CancellationToken ct) =>
        Text(body.Reason, "reason") is { } bad ? Bad(bad)
            : ActAsync(id, user, new Command(WorkOrderActions.Escalate, body.Reason.Trim()), s, ct);

    /// <param name="actor">Null reads as the service itself (after a change the actor may no longer see the order, e.g. after a transfer).</param>
    public static async Task<WorkOrderDto?> LoadAsync(NpgsqlDataSource db, Guid id, Actor? actor, CancellationToken ct)
    {
        var param = new DynamicParameters((actor ?? Actor.System).Parameters);
        param.Add("id", id);
        await using var conn = await db.OpenConnectionAsync(ct);
        var order = await conn.QuerySingleOrDefaultAsync<WorkOrderDto>(new CommandDefinition(
            $"{SelectOrder} WHERE o.id = @id AND {Actor.VisibleSql}", param, cancellationToken: ct));
        if (order is null) return null;
        var history = await conn.QueryAsync<HistoryDto>(new CommandDefinition(
            "SELECT at, action, actor, actor_name AS ActorName, detail::text AS Detail FROM work_order_history WHERE work_order_id = @id ORDER BY id",
            new { id }, cancellationToken: ct));
        var extra = (await CasesAsync(conn, [id], ct))[id];
        var resolutionFiles = await conn.QueryAsync<FileRow>(new CommandDefinition("""
            SELECT id, kind, content_type AS ContentType, file_name AS FileName, size_bytes AS SizeBytes, width, height,
                   uploaded_at AS UploadedAt, has_thumbnail AS HasThumbnail
            FROM attachments WHERE owner_kind = @owner AND owner_id = @id ORDER BY uploaded_at, id
            """, new { owner = WorkOrderAttachmentAccess.WorkOrderOwner, id }, cancellationToken: ct));
        return order with { History = history.AsList(), Case = extra.Case, ResolvedPosition = extra.Position, ResolutionFiles = resolutionFiles.Select(f => f.ToDto()).ToList(),
            Clocks = (await ClocksAsync(conn, [id], ct))[id].ToList() };
    }

    private sealed record FileRow(Guid Id, string Kind, string ContentType, string FileName, int SizeBytes, int? Width, int? Height,
        DateTime UploadedAt, bool HasThumbnail)
    {
        public AttachmentDto ToDto() => new(Id, "dispatch", Kind, ContentType, FileName, SizeBytes, Width, Height,
            new DateTimeOffset(DateTime.SpecifyKind(UploadedAt, DateTimeKind.Utc)), $"{AttachmentExtensions.Route}/{Id}",
            HasThumbnail ? $"{AttachmentExtensions.Route}/{Id}/thumbnail" : null);
    }

    private sealed record CaseRow(Guid Id, string? CaseJson, double? ResolvedLatitude, double? ResolvedLongitude, double? ResolvedAccuracyM);

    /// <summary>The carried case and the resolving position of some orders, by order id.</summary>
    private static async Task<Dictionary<Guid, (RequestCase? Case, HandlerPosition? Position)>> CasesAsync(NpgsqlConnection conn, Guid[] ids, CancellationToken ct)
    {
        var rows = await conn.QueryAsync<CaseRow>(new CommandDefinition("""
            SELECT id, case_details::text AS CaseJson, resolved_latitude AS ResolvedLatitude, resolved_longitude AS ResolvedLongitude,
                   resolved_accuracy_m AS ResolvedAccuracyM
            FROM work_orders WHERE id = ANY(@ids)
            """, new { ids }, cancellationToken: ct));
        return rows.ToDictionary(r => r.Id, r => (
            r.CaseJson is null ? null : JsonSerializer.Deserialize<RequestCase>(r.CaseJson, Outbox.Json),
            r.ResolvedLatitude is { } lat && r.ResolvedLongitude is { } lon ? new HandlerPosition(lat, lon, r.ResolvedAccuracyM) : null));
    }

    private sealed record ClockRow(Guid WorkOrderId, string Clock, string Tier, DateTime DueAt, string State);

    /// <summary>The running and paused clocks of some orders (suspension limits are not the handler's to beat).</summary>
    private static async Task<ILookup<Guid, ClockDto>> ClocksAsync(NpgsqlConnection conn, Guid[] ids, CancellationToken ct)
    {
        var rows = await conn.QueryAsync<ClockRow>(new CommandDefinition("""
            SELECT work_order_id AS WorkOrderId, clock, tier, due_at AS DueAt, state
            FROM work_order_deadlines
            WHERE work_order_id = ANY(@ids) AND state IN ('pending', 'paused') AND clock <> 'suspension'
            ORDER BY due_at
            """, new { ids }, cancellationToken: ct));
        return rows.ToLookup(r => r.WorkOrderId, r => new ClockDto(r.Clock, r.Tier, DateTime.SpecifyKind(r.DueAt, DateTimeKind.Utc), r.State));
    }

    private static async Task<Results<Ok<WorkOrderDto>, ValidationProblem, NotFound, ProblemHttpResult>> ActAsync(
        Guid id, ClaimsPrincipal user, Command command, Services s, CancellationToken ct) =>
        await ToHttpAsync(await s.Lifecycle.ApplyAsync(id, Actor.From(user), command, ct),
            async _ => TypedResults.Ok((await LoadAsync(s.Db, id, null, ct))!));

    /// <summary>The one mapping of outcomes to HTTP for every action on an order: 404 hidden, 403 not yours, 409 wrong state, 400 bad input.</summary>
    public static async Task<Results<TOk, ValidationProblem, NotFound, ProblemHttpResult>> ToHttpAsync<TOk>(
        TransitionResult result, Func<Guid, Task<TOk>> done) where TOk : IResult => result switch
        {
            TransitionResult.Done d => await done(d.WorkOrderId),
            TransitionResult.NotFound => TypedResults.NotFound(),
            TransitionResult.Forbidden f => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden,
                title: "You may not do this to this work order.", detail: f.Detail),
            TransitionResult.Conflict c => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict,
                title: $"The work order is '{c.CurrentState}' at the {c.Tier} tier.", detail: c.Detail,
                extensions: new Dictionary<string, object?> { ["currentState"] = c.CurrentState, ["tier"] = c.Tier }),
            TransitionResult.Invalid i => TypedResults.ValidationProblem(i.Errors, title: "The action was rejected; nothing changed."),
            _ => throw new InvalidOperationException($"Unhandled transition result {result}."),
        };

    public static Task<Results<TOk, ValidationProblem, NotFound, ProblemHttpResult>> Rejected<TOk>(Dictionary<string, string[]> errors) where TOk : IResult =>
        Task.FromResult<Results<TOk, ValidationProblem, NotFound, ProblemHttpResult>>(
            TypedResults.ValidationProblem(errors, title: "The action was rejected; nothing changed."));

    private const int MaxText = 2000;

    public static Dictionary<string, string[]>? Text(string? value, string field) =>
        string.IsNullOrWhiteSpace(value) ? new() { [field] = [$"A {field} is required."] }
        : value.Length > MaxText ? new() { [field] = [$"At most {MaxText} characters."] }
        : value.Any(c => char.IsControl(c) && c is not '\n' and not '\r' and not '\t') ? new() { [field] = ["Control characters are not allowed."] }
        : null;

    private static Dictionary<string, string[]>? ResolveErrors(ResolveBody body, int maxFiles)
    {
        var errors = Text(body.Resolution, "resolution") ?? new();
        if (body.AttachmentIds is { } ids)
        {
            if (ids.Count > maxFiles) errors["attachmentIds"] = [$"At most {maxFiles} files; this has {ids.Count}."];
            else if (ids.Contains(Guid.Empty)) errors["attachmentIds"] = ["An attachment id is the id an upload answered with, never the empty id."];
        }
        if (body.Position is { } p)
        {
            if (p.Latitude is < -90 or > 90 || double.IsNaN(p.Latitude)) errors["position.latitude"] = ["Between -90 and 90."];
            if (p.Longitude is < -180 or > 180 || double.IsNaN(p.Longitude)) errors["position.longitude"] = ["Between -180 and 180."];
            if (p.AccuracyMetres is < 0 or > 100_000 || p.AccuracyMetres is double.NaN) errors["position.accuracyMetres"] = ["Between 0 and 100000 metres."];
        }
        return errors.Count > 0 ? errors : null;
    }

    private static Dictionary<string, string[]>? PlanErrors(PlanBody body)
    {
        var errors = Text(body.Plan, "plan") ?? new();
        if (body.DueAt is null) errors["dueAt"] = ["A plan states when it will be done (dueAt)."];
        return errors.Count > 0 ? errors : null;
    }

    private static Task<Results<Ok<WorkOrderDto>, ValidationProblem, NotFound, ProblemHttpResult>> Bad(Dictionary<string, string[]> errors) =>
        Rejected<Ok<WorkOrderDto>>(errors);
}
