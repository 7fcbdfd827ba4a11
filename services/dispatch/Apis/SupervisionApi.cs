using System.Security.Claims;
using GovPlatform.Dispatch.Supervision;
using GovPlatform.Dispatch.WorkOrders;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GovPlatform.Dispatch.Apis;

/// <summary>Supervision (督办), arbitration of disputed returns (审定) and appeals of dissatisfied ratings (申诉), as 12345 runs them.</summary>
public static class SupervisionApi
{
    public sealed record SuperviseBody(string Reason, DateTimeOffset? DueAt);
    public sealed record ArbitrationBody(string Claim);
    public sealed record RulingBody(Guid? ResponsibleWorkerId, string Reason);
    public sealed record AppealBody(string Reason, string Evidence, IReadOnlyList<Guid>? AttachmentIds = null);
    public sealed record AppealDecisionBody(bool? Upheld, string Reason);

    private static readonly string[] States = ["open", "overdue", "done"];
    private static readonly string[] RulingStates = ["pending", "decided"];
    private static readonly string[] AppealStates = ["pending", "upheld", "rejected"];

    public static void MapSupervisionApi(this WebApplication app)
    {
        var orders = app.MapGroup("/api/v1/work-orders").WithTags("Supervision").RequireRoles(WorkOrdersApi.StaffRoles);
        orders.MapPost("/{id:guid}/supervise", SuperviseAsync)
            .WithName("SuperviseWorkOrder").WithSummary("A leader puts the order under supervision (督办) with a date; it shows on the supervision board");
        orders.MapGet("/{id:guid}/supervisions", ListForOrderAsync)
            .WithName("ListWorkOrderSupervisions").WithSummary("The order's supervisions, running and done");
        orders.MapPost("/{id:guid}/arbitration", RequestRulingAsync)
            .WithName("RequestArbitration").WithSummary("A returned order's responsibility is disputed: the level above decides, once and finally");
        orders.MapPost("/{id:guid}/rating-appeals", AppealAsync)
            .WithName("AppealRating").WithSummary("The handler appeals a dissatisfied rating with evidence; the level above decides");

        var board = app.MapGroup("/api/v1").WithTags("Supervision").RequireRoles(WorkOrdersApi.StaffRoles);
        board.MapGet("/supervision/board", BoardAsync)
            .WithName("SupervisionBoard").WithSummary("The supervisors' board: supervised orders in the caller's area, overdue first");
        board.MapGet("/arbitrations", ListRulingsAsync)
            .WithName("ListArbitrations").WithSummary("Arbitrations of disputed returns in the caller's area");
        board.MapPost("/arbitrations/{id:guid}/decision", DecideRulingAsync)
            .WithName("DecideArbitration").WithSummary("The level above names who is responsible; the order goes to them and the ruling is final");
        board.MapGet("/rating-appeals", ListAppealsAsync)
            .WithName("ListRatingAppeals").WithSummary("Appeals of dissatisfied ratings in the caller's area");
        board.MapPost("/rating-appeals/{id:guid}/decision", DecideAppealAsync)
            .WithName("DecideRatingAppeal").WithSummary("Uphold (the rating leaves the satisfaction rate, kept on record) or reject an appeal");
    }

    private static Task<Results<Ok<List<SupervisionDto>>, ValidationProblem, NotFound, ProblemHttpResult>> SuperviseAsync(
        Guid id, SuperviseBody body, ClaimsPrincipal user, SupervisionDesk desk, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        StepReplies.Text(errors, body.Reason, "reason");
        if (body.DueAt is null) errors["dueAt"] = ["The date the supervised order must be resolved by."];
        if (errors.Count > 0) return OrderReplies.AfterAsync(Task.FromResult<TransitionResult>(new TransitionResult.Invalid(errors)), () => Task.FromResult(new List<SupervisionDto>()));
        return OrderReplies.AfterAsync(desk.FlagAsync(id, Actor.From(user), body.Reason.Trim(), body.DueAt!.Value, ct), () => desk.ForOrderAsync(id, ct));
    }

    private static Task<Results<Ok<List<SupervisionDto>>, NotFound>> ListForOrderAsync(Guid id, ClaimsPrincipal user, SupervisionDesk desk,
        Npgsql.NpgsqlDataSource db, CancellationToken ct) =>
        OrderReplies.ListAsync(db, id, user, () => desk.ForOrderAsync(id, ct), ct);

    private static async Task<Results<Ok<List<SupervisionDto>>, ValidationProblem>> BoardAsync(string? state, bool? mine, ClaimsPrincipal user,
        SupervisionDesk desk, CancellationToken ct)
    {
        if (state is not null && !States.Contains(state))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["state"] = [$"One of {string.Join(", ", States)}; omit it for what is still running."] });
        return TypedResults.Ok(await desk.BoardAsync(Actor.From(user), state, mine ?? false, ct));
    }

    private static Task<Results<Ok<List<ArbitrationDto>>, ValidationProblem, NotFound, ProblemHttpResult>> RequestRulingAsync(
        Guid id, ArbitrationBody body, ClaimsPrincipal user, ArbitrationDesk desk, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        StepReplies.Text(errors, body.Claim, "claim");
        var actor = Actor.From(user);
        var outcome = errors.Count > 0 ? Task.FromResult<TransitionResult>(new TransitionResult.Invalid(errors)) : desk.RequestAsync(id, actor, body.Claim.Trim(), ct);
        return OrderReplies.AfterAsync(outcome, () => desk.ListAsync(actor, null, id, ct));
    }

    private static async Task<Results<Ok<List<ArbitrationDto>>, ValidationProblem>> ListRulingsAsync(string? state, Guid? workOrderId,
        ClaimsPrincipal user, ArbitrationDesk desk, CancellationToken ct) =>
        state is not null && !RulingStates.Contains(state)
            ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["state"] = [$"One of {string.Join(", ", RulingStates)}."] })
            : TypedResults.Ok(await desk.ListAsync(Actor.From(user), state, workOrderId, ct));

    private static Task<Results<Ok<List<ArbitrationDto>>, ValidationProblem, NotFound, ProblemHttpResult>> DecideRulingAsync(
        Guid id, RulingBody body, ClaimsPrincipal user, ArbitrationDesk desk, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        StepReplies.Text(errors, body.Reason, "reason");
        if (body.ResponsibleWorkerId is null) errors["responsibleWorkerId"] = ["The worker the ruling names responsible."];
        var actor = Actor.From(user);
        var outcome = errors.Count > 0 ? Task.FromResult<TransitionResult>(new TransitionResult.Invalid(errors))
            : desk.DecideAsync(id, actor, body.ResponsibleWorkerId!.Value, body.Reason.Trim(), ct);
        return OrderReplies.AfterAsync(outcome, () => desk.ListAsync(actor, null, null, ct, id));
    }

    private static Task<Results<Ok<List<RatingAppealDto>>, ValidationProblem, NotFound, ProblemHttpResult>> AppealAsync(
        Guid id, AppealBody body, ClaimsPrincipal user, RatingAppealDesk desk, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        StepReplies.Text(errors, body.Reason, "reason");
        StepReplies.Text(errors, body.Evidence, "evidence", 4000);
        if (body.AttachmentIds is { Count: > 10 }) errors["attachmentIds"] = ["At most 10 files."];
        var actor = Actor.From(user);
        var outcome = errors.Count > 0 ? Task.FromResult<TransitionResult>(new TransitionResult.Invalid(errors))
            : desk.FileAsync(id, actor, body.Reason.Trim(), body.Evidence.Trim(), body.AttachmentIds ?? [], ct);
        return OrderReplies.AfterAsync(outcome, () => desk.ListAsync(actor, null, id, ct));
    }

    private static async Task<Results<Ok<List<RatingAppealDto>>, ValidationProblem>> ListAppealsAsync(string? state, Guid? workOrderId,
        ClaimsPrincipal user, RatingAppealDesk desk, CancellationToken ct) =>
        state is not null && !AppealStates.Contains(state)
            ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["state"] = [$"One of {string.Join(", ", AppealStates)}."] })
            : TypedResults.Ok(await desk.ListAsync(Actor.From(user), state, workOrderId, ct));

    private static Task<Results<Ok<List<RatingAppealDto>>, ValidationProblem, NotFound, ProblemHttpResult>> DecideAppealAsync(
        Guid id, AppealDecisionBody body, ClaimsPrincipal user, RatingAppealDesk desk, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        StepReplies.Text(errors, body.Reason, "reason");
        if (body.Upheld is null) errors["upheld"] = ["true to uphold the appeal (the rating leaves the satisfaction rate), false to reject it."];
        var actor = Actor.From(user);
        var outcome = errors.Count > 0 ? Task.FromResult<TransitionResult>(new TransitionResult.Invalid(errors))
            : desk.DecideAsync(id, actor, body.Upheld!.Value, body.Reason.Trim(), ct);
        return OrderReplies.AfterAsync(outcome, () => desk.ListAsync(actor, null, null, ct, id));
    }
}
