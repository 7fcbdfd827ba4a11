using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Dispatch.ServiceLevels;
using GovPlatform.Dispatch.Supervision;
using GovPlatform.ServiceDefaults.Attachments;
using GovPlatform.ServiceDefaults.Messaging;
using Npgsql;

namespace GovPlatform.Dispatch.WorkOrders;

/// <summary>What a staff member asks of an order; the fields an action does not use stay null.</summary>
/// <param name="AttachmentIds">Resolve: the handler's own uploads to attach to the order.</param>
/// <param name="Position">Resolve: where the handler stands.</param>
public sealed record Command(string Action, string? Text = null, bool Complex = false, Guid? ToWorkerId = null, DateTimeOffset? Until = null,
    IReadOnlyList<Guid>? AttachmentIds = null, HandlerPosition? Position = null);

public abstract record TransitionResult
{
    public sealed record Done(Guid WorkOrderId) : TransitionResult;
    /// <summary>Not there, or not visible to the actor: the two look the same from outside.</summary>
    public sealed record NotFound : TransitionResult;
    public sealed record Forbidden(string Detail) : TransitionResult;
    public sealed record Conflict(string CurrentState, string Tier, string Detail) : TransitionResult;
    public sealed record Invalid(Dictionary<string, string[]> Errors) : TransitionResult;
}

/// <summary>
/// Applies staff actions to work orders: the state check, the row lock, the clocks, the history
/// row and the event all happen in one transaction, so two people acting at once take turns and
/// the loser sees the winner's state.
/// </summary>
public sealed class WorkOrderLifecycle(NpgsqlDataSource db, TimeProvider clock, ClockOptions options)
{
    public static readonly TimeSpan MaxSuspension = TimeSpan.FromDays(30);

    private const string ReportedInSql = """
        SELECT EXISTS (SELECT 1 FROM whistle_departments WHERE work_order_id = @id AND department = @department AND reported_at IS NOT NULL)
        """;

    public async Task<TransitionResult> ApplyAsync(Guid id, Actor actor, Command command, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var order = await OrderRow.LockVisibleAsync(tx, id, actor, ct);
        if (order is null) return new TransitionResult.NotFound();

        var action = command.Action;
        // The named assignee works their own order whatever its tier (a leader may hand an escalated
        // order to a grid worker and it stays escalated); the tier's roles decide everything else.
        var isAssignee = order.AssigneeId is { } assignee && actor.Worker == assignee.ToString() && WorkOrderRules.HandlerActions.Contains(action);
        // A department whistled in and reported takes the work on as its handler would (吹哨报到: the department
        // that came does the fixing); moving the order on stays with the tier that blew the whistle.
        var isCalledIn = !isAssignee && actor.DepartmentScope is { } department && WorkOrderRules.DepartmentActions.Contains(action)
            && await conn.ExecuteScalarAsync<bool>(new CommandDefinition(ReportedInSql, new { id, department }, tx, cancellationToken: ct));
        if (!isAssignee && !isCalledIn && !WorkOrderRules.MayAct(actor.Roles, action, order.Tier))
            return new TransitionResult.Forbidden($"At the {order.Tier} tier, '{action}' is for {string.Join(", ", WorkOrderRules.TierRoles[order.Tier])}" +
                (action is WorkOrderActions.Transfer or WorkOrderActions.Suspend or WorkOrderActions.Resume ? " (leaders only)." : "."));
        if (!WorkOrderRules.IsLegal(action, order.Status))
            return new TransitionResult.Conflict(order.Status, order.Tier, $"A work order that is '{order.Status}' cannot {action}.");

        var now = clock.GetUtcNow();
        var by = actor.Subject;
        object detail;
        switch (action)
        {
            case WorkOrderActions.Accept:
            {
                var onTime = await ServiceLevelClocks.MeetAsync(tx, id, Clocks.Accept, now, ct);
                var firstDue = await ServiceLevelClocks.FirstDueAsync(tx, id, Clocks.Accept, ct);
                await SetStatusAsync(tx, id, WorkOrderStatus.Accepted, now, ct);
                await Outbox.EnqueueAsync(tx, new WorkOrderAccepted(id, order.RequestId, by, onTime, now, order.Tier, firstDue), ct);
                detail = new { onTime };
                break;
            }
            case WorkOrderActions.Arrive:
            {
                var onTime = await ServiceLevelClocks.MeetAsync(tx, id, Clocks.Arrive, now, ct);
                var firstDue = await ServiceLevelClocks.FirstDueAsync(tx, id, Clocks.Arrive, ct);
                // Judged complex on site: the one-hour fix no longer applies, the half-day plan does.
                if (command.Complex) await ServiceLevelClocks.CancelAsync(tx, id, now, ct, Clocks.Resolve);
                await conn.ExecuteAsync(new CommandDefinition(
                    "UPDATE work_orders SET status = 'on_site', complex = complex OR @Complex, updated_at = @now WHERE id = @id",
                    new { command.Complex, now, id }, tx, cancellationToken: ct));
                await Outbox.EnqueueAsync(tx, new WorkOrderArrived(id, order.RequestId, by, onTime, now, order.Tier, firstDue, command.Complex), ct);
                detail = new { onTime, complex = command.Complex };
                break;
            }
            case WorkOrderActions.Resolve:
            {
                // After a plan the promise to keep is the plan's own date, not the one-hour fix.
                var judgedBy = order.Status == WorkOrderStatus.PlanFormed ? Clocks.PlanDue : Clocks.Resolve;
                var onTime = await ServiceLevelClocks.MeetAsync(tx, id, judgedBy, now, ct);
                var firstDue = await ServiceLevelClocks.FirstDueAsync(tx, id, judgedBy, ct);
                var photos = command.AttachmentIds ?? [];
                // Only the resolver's own uploads, not yet attached: the photos show this fix, not someone else's.
                var missing = await AttachmentUploads.LinkAsync(tx, photos, by, WorkOrderAttachmentAccess.WorkOrderOwner, id, ct);
                if (missing.Count > 0)
                    return new TransitionResult.Invalid(new() { ["attachmentIds"] =
                        [$"Not an upload of yours waiting to be attached: {string.Join(", ", missing)}. Upload with POST {AttachmentExtensions.Route} on dispatch first."] });
                await ServiceLevelClocks.CancelAsync(tx, id, now, ct);
                await SetStatusAsync(tx, id, WorkOrderStatus.Resolved, now, ct);
                await conn.ExecuteAsync(new CommandDefinition("""
                    UPDATE work_orders SET resolved_latitude = @lat, resolved_longitude = @lon, resolved_accuracy_m = @accuracy WHERE id = @id
                    """, new { lat = command.Position?.Latitude, lon = command.Position?.Longitude, accuracy = command.Position?.AccuracyMetres, id },
                    tx, cancellationToken: ct));
                await Outbox.EnqueueAsync(tx, new WorkOrderResolved(id, order.RequestId, by, command.Text!, onTime, now, order.Tier, firstDue, photos.Distinct().ToList()), ct);
                await SupervisionDesk.CompleteAsync(tx, id, order.RequestId, now, ct);
                detail = new { onTime, resolution = command.Text, attachmentIds = photos, position = command.Position };
                break;
            }
            case WorkOrderActions.Plan:
            {
                var dueAt = command.Until!.Value;
                if (dueAt <= now || dueAt > now + options.MaxPlanDuration)
                    return new TransitionResult.Invalid(new() { ["dueAt"] = [$"A plan is done after now and within {options.MaxPlanDuration.TotalDays:0.#} days."] });
                var onTime = await ServiceLevelClocks.MeetAsync(tx, id, Clocks.Plan, now, ct);
                var firstDue = await ServiceLevelClocks.FirstDueAsync(tx, id, Clocks.Plan, ct);
                await ServiceLevelClocks.CancelAsync(tx, id, now, ct, Clocks.Resolve);
                // The plan's date is a clock like the others: missed, it moves the order a tier up.
                await ServiceLevelClocks.StartAtAsync(tx, id, Clocks.PlanDue, order.Tier, order.Round, dueAt, ct, from: now);
                await conn.ExecuteAsync(new CommandDefinition(
                    "UPDATE work_orders SET status = 'plan_formed', complex = true, plan_due_at = @dueAt, updated_at = @now WHERE id = @id",
                    new { now, dueAt, id }, tx, cancellationToken: ct));
                await Outbox.EnqueueAsync(tx, new WorkOrderPlanFormed(id, order.RequestId, by, command.Text!, onTime, now, order.Tier, firstDue, dueAt), ct);
                detail = new { onTime, plan = command.Text, dueAt };
                break;
            }
            case WorkOrderActions.Return:
            {
                if (await ArbitrationDesk.RuledResponsibleAsync(tx, id, order.AssigneeId, ct))
                    return new TransitionResult.Conflict(order.Status, order.Tier,
                        $"An arbitration ruled '{order.AssigneeName}' responsible for this order; the ruling is final, it cannot be returned.");
                // Back to the community, which re-dispatches it; the resident's clocks keep running.
                var community = order.CommunityCode is null ? null : await conn.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
                    "SELECT name FROM grid_nodes WHERE code = @CommunityCode", new { order.CommunityCode }, tx, cancellationToken: ct));
                await conn.ExecuteAsync(new CommandDefinition("""
                    UPDATE work_orders SET status = 'returned', assignee_kind = 'community', assignee_id = NULL,
                                           assignee_name = @name, updated_at = @now
                    WHERE id = @id
                    """, new { name = community ?? "未定位社区", now, id }, tx, cancellationToken: ct));
                await Outbox.EnqueueAsync(tx, new WorkOrderReturned(id, order.RequestId, by, command.Text!, now), ct);
                detail = new { reason = command.Text, from = order.AssigneeName };
                break;
            }
            case WorkOrderActions.Transfer:
            {
                var (target, error) = await TransferTargetAsync(tx, order, command.ToWorkerId!.Value, ct);
                if (target is null) return new TransitionResult.Invalid(new() { ["toWorkerId"] = [error!] });
                // A new assignee gets the full service level, a new round of clocks, at the tier the order
                // has reached: an escalated order stays escalated.
                await ServiceLevelClocks.CancelAsync(tx, id, now, ct);
                await conn.ExecuteAsync(new CommandDefinition("""
                    UPDATE work_orders SET status = 'assigned', round = round + 1, complex = false, plan_due_at = NULL,
                                           assignee_kind = @Role, assignee_id = @Id, assignee_name = @Name,
                                           grid_code = @NodeCode, scope_path = @Path, updated_at = @now
                    WHERE id = @orderId
                    """, new { target.Role, target.Id, target.Name, target.NodeCode, target.Path, now, orderId = id }, tx, cancellationToken: ct));
                await ServiceLevelClocks.StartAsync(tx, id, order.Category, order.Tier, order.Round + 1, now, ServiceLevelClocks.Running, ct);
                await Outbox.EnqueueAsync(tx, new WorkOrderTransferred(id, order.RequestId, by, target.Role, target.Id, target.Name, command.Text!, now), ct);
                detail = new { reason = command.Text, from = order.AssigneeName, to = target.Name, toId = target.Id, grid = target.NodeCode, tier = order.Tier };
                break;
            }
            case WorkOrderActions.Suspend:
            {
                var until = command.Until!.Value;
                if (until <= now || until > now + MaxSuspension)
                    return new TransitionResult.Invalid(new() { ["until"] = [$"A suspension must end after now and within {MaxSuspension.TotalDays:0} days."] });
                await ServiceLevelClocks.PauseAsync(tx, id, order.Tier, order.Round, now, until, ct);
                await conn.ExecuteAsync(new CommandDefinition("""
                    UPDATE work_orders SET status = 'suspended', suspended_from = status, suspended_until = @until, updated_at = @now
                    WHERE id = @id
                    """, new { until, now, id }, tx, cancellationToken: ct));
                await Outbox.EnqueueAsync(tx, new WorkOrderSuspended(id, order.RequestId, by, command.Text!, until, now), ct);
                detail = new { reason = command.Text, until };
                break;
            }
            case WorkOrderActions.Resume:
                await ResumeAsync(tx, order, actor, now, ct);
                detail = new { from = order.SuspendedFrom };
                break;
            case WorkOrderActions.Escalate:
            {
                if (await Escalation.EscalateAsync(tx, order, command.Text!, actor, now, ct) is null)
                    return new TransitionResult.Conflict(order.Status, order.Tier, "The order is at the county tier already: there is no tier above it.");
                await tx.CommitAsync(ct);
                return new TransitionResult.Done(id); // Escalation wrote its own history row.
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(command), action, "Unknown work-order action.");
        }

        await WorkOrderHistory.AddAsync(tx, id, now, action, actor, detail, ct);
        await tx.CommitAsync(ct);
        return new TransitionResult.Done(id);
    }

    /// <summary>Back to the state it was suspended from, with the clocks' remaining time (by hand or when the limit runs out).</summary>
    public static async Task ResumeAsync(NpgsqlTransaction tx, OrderRow order, Actor actor, DateTimeOffset now, CancellationToken ct)
    {
        await ServiceLevelClocks.ResumeAsync(tx, order.Id, now, ct);
        await tx.Connection!.ExecuteAsync(new CommandDefinition("""
            UPDATE work_orders SET status = suspended_from, suspended_from = NULL, suspended_until = NULL, updated_at = @now
            WHERE id = @Id
            """, new { now, order.Id }, tx, cancellationToken: ct));
        await Outbox.EnqueueAsync(tx, new WorkOrderResumed(order.Id, order.RequestId, actor.Subject, now), ct);
    }

    private static Task SetStatusAsync(NpgsqlTransaction tx, Guid id, string status, DateTimeOffset now, CancellationToken ct) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition(
            "UPDATE work_orders SET status = @status, updated_at = @now WHERE id = @id", new { status, now, id }, tx, cancellationToken: ct));

    private sealed record Target
    {
        public Guid Id { get; init; }
        public required string Name { get; init; }
        public required string Role { get; init; }
        public required string NodeCode { get; init; }
        public required string[] Path { get; init; }
    }

    /// <summary>Transfers stay inside the order's community: beyond it is escalation's job.</summary>
    private static async Task<(Target?, string?)> TransferTargetAsync(NpgsqlTransaction tx, OrderRow order, Guid workerId, CancellationToken ct)
    {
        var target = await tx.Connection!.QuerySingleOrDefaultAsync<Target>(new CommandDefinition("""
            SELECT w.id, w.name, w.role, w.node_code AS NodeCode, g.path
            FROM workers w JOIN grid_nodes g ON g.code = w.node_code
            WHERE w.id = @workerId
            """, new { workerId }, tx, cancellationToken: ct));
        if (target is null) return (null, $"No worker '{workerId}'.");
        if (target.Role is not (AssigneeKinds.GridWorker or AssigneeKinds.GridLeader))
            return (null, $"'{target.Name}' is a {target.Role}; orders go to grid workers and grid leaders.");
        if (order.CommunityCode is null || !target.Path.Contains(order.CommunityCode))
            return (null, $"'{target.Name}' works outside the order's community; escalate instead.");
        if (target.Id == order.AssigneeId) return (null, $"The order is already with '{target.Name}'.");
        return (target, null);
    }
}
