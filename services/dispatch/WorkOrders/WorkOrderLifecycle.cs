using Dapper;
using GovPlatform.Dispatch.ServiceLevels;
using Npgsql;

namespace GovPlatform.Dispatch.WorkOrders;

/// <summary>What is asked of an order, by staff or by intake's events; the fields an action does not use stay null.</summary>
/// <param name="AttachmentIds">Resolve: the handler's own uploads to attach to the order.</param>
/// <param name="Position">Resolve: where the handler stands.</param>
public sealed record Command(string Action, string? Text = null, bool Complex = false, Guid? ToWorkerId = null, DateTimeOffset? Until = null,
    IReadOnlyList<Guid>? AttachmentIds = null, HandlerPosition? Position = null)
{
    /// <summary>Close: the resident's satisfaction, as intake recorded it.</summary>
    public string? Satisfaction { get; init; }
    /// <summary>Close: when intake closed the request.</summary>
    public DateTimeOffset? RequestClosedAt { get; init; }
    /// <summary>Reopen: intake's count of the request's reopens.</summary>
    public int ReopenCount { get; init; }
}

/// <summary>
/// The one answer of every step on a work order and of the things hung on it (whistles, councils, supervision):
/// done, or a typed refusal the API maps to ProblemDetails (<c>WorkOrdersApi.ToHttpAsync</c>). A refusal changes nothing.
/// </summary>
public abstract record TransitionResult
{
    /// <param name="WorkOrderId">The order, or the thing hung on it that the step made or changed.</param>
    /// <param name="State">The state a lifecycle step left the order in.</param>
    public sealed record Done(Guid WorkOrderId, string? State = null) : TransitionResult
    {
        /// <summary>What the order's history records of a lifecycle step; null when the step wrote its own row (escalation).</summary>
        public object? Detail { get; init; }
    }
    /// <summary>Not there, or not visible to the actor: the two look the same from outside (404).</summary>
    public sealed record NotFound : TransitionResult;
    /// <summary>The actor does not answer for this (403).</summary>
    public sealed record Forbidden(string Detail) : TransitionResult;
    /// <summary>Not from the state it is in (409, with the state and tier).</summary>
    public sealed record Conflict(string CurrentState, string Tier, string Detail) : TransitionResult;
    /// <summary>Bad input, by field (400).</summary>
    public sealed record Invalid(Dictionary<string, string[]> Errors) : TransitionResult;
}

/// <summary>
/// Applies actions to work orders by <see cref="WorkOrderTransitions.Table"/>: the row lock, who may, the state check,
/// the row's step (clocks, columns, event) and the history row all happen in one transaction, so two people acting at
/// once take turns and the loser sees the winner's state.
/// </summary>
public sealed class WorkOrderLifecycle(NpgsqlDataSource db, TimeProvider clock, ClockOptions options)
{
    private const string ReportedInSql = """
        SELECT EXISTS (SELECT 1 FROM whistle_departments WHERE work_order_id = @id AND department = @department AND reported_at IS NOT NULL)
        """;

    /// <summary>A staff member's action, in its own transaction, committed only when done.</summary>
    public async Task<TransitionResult> ApplyAsync(Guid id, Actor actor, Command command, CancellationToken ct)
    {
        var action = command.Action;
        var who = WorkOrderTransitions.WhoMay(action);
        if (who is null or Who.Intake) throw new ArgumentOutOfRangeException(nameof(command), action, "Not a staff action on a work order.");

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var order = await OrderRow.LockVisibleAsync(tx, id, actor, ct);
        if (order is null) return new TransitionResult.NotFound();

        // The named assignee works their own order whatever its tier (a leader may hand an escalated
        // order to a grid worker and it stays escalated); the tier's roles decide everything else.
        var isAssignee = order.AssigneeId is { } assignee && actor.Worker == assignee.ToString() && who == Who.Handler;
        // A department whistled in and reported takes the work on as its handler would (吹哨报到: the department
        // that came does the fixing); moving the order on stays with the tier that blew the whistle.
        var isCalledIn = !isAssignee && actor.DepartmentScope is { } department && WorkOrderRules.DepartmentActions.Contains(action)
            && await conn.ExecuteScalarAsync<bool>(new CommandDefinition(ReportedInSql, new { id, department }, tx, cancellationToken: ct));
        if (!isAssignee && !isCalledIn && !WorkOrderRules.MayAct(actor.Roles, action, order.Tier))
            return new TransitionResult.Forbidden($"At the {order.Tier} tier, '{action}' is for {string.Join(", ", WorkOrderRules.TierRoles[order.Tier])}" +
                (who == Who.Leaders ? " (leaders only)." : "."));

        var result = await RunAsync(new Step(tx, order, actor, command, clock.GetUtcNow(), options.MaxPlanDuration), ct);
        if (result is TransitionResult.Done) await tx.CommitAsync(ct);
        return result;
    }

    /// <summary>
    /// A step the service takes itself (intake's outcomes, a suspension's limit) on an order its caller has locked,
    /// inside the caller's transaction; a refusal (e.g. closing a closed order) writes nothing.
    /// </summary>
    public Task<TransitionResult> ApplyAsync(NpgsqlTransaction tx, OrderRow order, Command command, DateTimeOffset now, CancellationToken ct) =>
        RunAsync(new Step(tx, order, Actor.System, command, now, options.MaxPlanDuration), ct);

    /// <summary>Finds the row for the order's state, runs its step and records it in the history.</summary>
    private static async Task<TransitionResult> RunAsync(Step step, CancellationToken ct)
    {
        var transition = WorkOrderTransitions.Find(step.Command.Action, step.Order.Status);
        if (transition is null) return step.Conflict($"A work order that is '{step.Order.Status}' cannot {step.Command.Action}.");
        var result = await transition.Apply(step, ct);
        if (result is TransitionResult.Done { Detail: { } detail })
            await WorkOrderHistory.AddAsync(step.Tx, step.Order.Id, step.Now, transition.History, step.Actor, detail, ct);
        return result;
    }
}
