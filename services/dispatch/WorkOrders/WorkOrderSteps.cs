using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Dispatch.ServiceLevels;
using GovPlatform.Dispatch.Supervision;
using GovPlatform.ServiceDefaults.Attachments;
using GovPlatform.ServiceDefaults.Messaging;
using Npgsql;

namespace GovPlatform.Dispatch.WorkOrders;

/// <summary>What a step works with: the caller's transaction, the order locked in it, who acts and what they ask, and "now".</summary>
/// <param name="MaxPlanDuration">The furthest a plan may promise its work done (<see cref="ClockOptions.MaxPlanDuration"/>).</param>
public sealed record Step(NpgsqlTransaction Tx, OrderRow Order, Actor Actor, Command Command, DateTimeOffset Now, TimeSpan MaxPlanDuration)
{
    public NpgsqlConnection Conn => Tx.Connection!;
    public Guid Id => Order.Id;
    public string By => Actor.Subject;

    /// <summary>Done: the order is now in <paramref name="state"/>, and the history records <paramref name="detail"/>.</summary>
    public TransitionResult Moved(string state, object? detail) => new TransitionResult.Done(Order.Id, state) { Detail = detail };

    public TransitionResult Conflict(string detail) => new TransitionResult.Conflict(Order.Status, Order.Tier, detail);

    public static TransitionResult Invalid(string field, string error) => new TransitionResult.Invalid(new() { [field] = [error] });
}

/// <summary>
/// The steps of <see cref="WorkOrderTransitions.Table"/>, one per row: each changes the order's columns and clocks
/// and enqueues its event; the table has already checked the state and who acts, and the history row follows.
/// </summary>
public static class WorkOrderSteps
{
    public static readonly TimeSpan MaxSuspension = TimeSpan.FromDays(30);

    public static async Task<TransitionResult> AcceptAsync(Step s, CancellationToken ct)
    {
        var onTime = await ServiceLevelClocks.MeetAsync(s.Tx, s.Id, Clocks.Accept, s.Now, ct);
        var firstDue = await ServiceLevelClocks.FirstDueAsync(s.Tx, s.Id, Clocks.Accept, ct);
        await SetStatusAsync(s, WorkOrderStatus.Accepted, ct);
        await Outbox.EnqueueAsync(s.Tx, new WorkOrderAccepted(s.Id, s.Order.RequestId, s.By, onTime, s.Now, s.Order.Tier, firstDue), ct);
        return s.Moved(WorkOrderStatus.Accepted, new { onTime });
    }

    public static async Task<TransitionResult> ArriveAsync(Step s, CancellationToken ct)
    {
        var complex = s.Command.Complex;
        var onTime = await ServiceLevelClocks.MeetAsync(s.Tx, s.Id, Clocks.Arrive, s.Now, ct);
        var firstDue = await ServiceLevelClocks.FirstDueAsync(s.Tx, s.Id, Clocks.Arrive, ct);
        // Judged complex on site: the one-hour fix no longer applies, the half-day plan does.
        if (complex) await ServiceLevelClocks.CancelAsync(s.Tx, s.Id, s.Now, ct, Clocks.Resolve);
        await s.Conn.ExecuteAsync(new CommandDefinition(
            "UPDATE work_orders SET status = 'on_site', complex = complex OR @complex, updated_at = @Now WHERE id = @Id",
            new { complex, s.Now, s.Id }, s.Tx, cancellationToken: ct));
        await Outbox.EnqueueAsync(s.Tx, new WorkOrderArrived(s.Id, s.Order.RequestId, s.By, onTime, s.Now, s.Order.Tier, firstDue, complex), ct);
        return s.Moved(WorkOrderStatus.OnSite, new { onTime, complex });
    }

    public static async Task<TransitionResult> ResolveAsync(Step s, CancellationToken ct)
    {
        var (command, order) = (s.Command, s.Order);
        // After a plan the promise to keep is the plan's own date, not the one-hour fix.
        var judgedBy = order.Status == WorkOrderStatus.PlanFormed ? Clocks.PlanDue : Clocks.Resolve;
        var onTime = await ServiceLevelClocks.MeetAsync(s.Tx, s.Id, judgedBy, s.Now, ct);
        var firstDue = await ServiceLevelClocks.FirstDueAsync(s.Tx, s.Id, judgedBy, ct);
        var photos = command.AttachmentIds ?? [];
        // Only the resolver's own uploads, not yet attached: the photos show this fix, not someone else's.
        var missing = await AttachmentUploads.LinkAsync(s.Tx, photos, s.By, WorkOrderAttachmentAccess.WorkOrderOwner, s.Id, ct);
        if (missing.Count > 0)
            return Step.Invalid("attachmentIds",
                $"Not an upload of yours waiting to be attached: {string.Join(", ", missing)}. Upload with POST {AttachmentExtensions.Route} on dispatch first.");
        await ServiceLevelClocks.CancelAsync(s.Tx, s.Id, s.Now, ct);
        await SetStatusAsync(s, WorkOrderStatus.Resolved, ct);
        await s.Conn.ExecuteAsync(new CommandDefinition("""
            UPDATE work_orders SET resolved_latitude = @lat, resolved_longitude = @lon, resolved_accuracy_m = @accuracy WHERE id = @Id
            """, new { lat = command.Position?.Latitude, lon = command.Position?.Longitude, accuracy = command.Position?.AccuracyMetres, s.Id },
            s.Tx, cancellationToken: ct));
        await Outbox.EnqueueAsync(s.Tx, new WorkOrderResolved(s.Id, order.RequestId, s.By, command.Text!, onTime, s.Now, order.Tier, firstDue,
            photos.Distinct().ToList()), ct);
        await SupervisionDesk.CompleteAsync(s.Tx, s.Id, order.RequestId, s.Now, ct);
        return s.Moved(WorkOrderStatus.Resolved, new { onTime, resolution = command.Text, attachmentIds = photos, position = command.Position });
    }

    public static async Task<TransitionResult> PlanAsync(Step s, CancellationToken ct)
    {
        var dueAt = s.Command.Until!.Value;
        if (dueAt <= s.Now || dueAt > s.Now + s.MaxPlanDuration)
            return Step.Invalid("dueAt", $"A plan is done after now and within {s.MaxPlanDuration.TotalDays:0.#} days.");
        var onTime = await ServiceLevelClocks.MeetAsync(s.Tx, s.Id, Clocks.Plan, s.Now, ct);
        var firstDue = await ServiceLevelClocks.FirstDueAsync(s.Tx, s.Id, Clocks.Plan, ct);
        await ServiceLevelClocks.CancelAsync(s.Tx, s.Id, s.Now, ct, Clocks.Resolve);
        // The plan's date is a clock like the others: missed, it moves the order a tier up.
        await ServiceLevelClocks.StartAtAsync(s.Tx, s.Id, Clocks.PlanDue, s.Order.Tier, s.Order.Round, dueAt, ct, from: s.Now);
        await s.Conn.ExecuteAsync(new CommandDefinition(
            "UPDATE work_orders SET status = 'plan_formed', complex = true, plan_due_at = @dueAt, updated_at = @Now WHERE id = @Id",
            new { s.Now, dueAt, s.Id }, s.Tx, cancellationToken: ct));
        await Outbox.EnqueueAsync(s.Tx, new WorkOrderPlanFormed(s.Id, s.Order.RequestId, s.By, s.Command.Text!, onTime, s.Now, s.Order.Tier, firstDue, dueAt), ct);
        return s.Moved(WorkOrderStatus.PlanFormed, new { onTime, plan = s.Command.Text, dueAt });
    }

    public static async Task<TransitionResult> ReturnAsync(Step s, CancellationToken ct)
    {
        var order = s.Order;
        if (await ArbitrationDesk.RuledResponsibleAsync(s.Tx, s.Id, order.AssigneeId, ct))
            return s.Conflict($"An arbitration ruled '{order.AssigneeName}' responsible for this order; the ruling is final, it cannot be returned.");
        // Back to the community, which re-dispatches it; the resident's clocks keep running.
        var community = order.CommunityCode is null ? null : await s.Conn.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT name FROM grid_nodes WHERE code = @CommunityCode", new { order.CommunityCode }, s.Tx, cancellationToken: ct));
        await s.Conn.ExecuteAsync(new CommandDefinition("""
            UPDATE work_orders SET status = 'returned', assignee_kind = 'community', assignee_id = NULL,
                                   assignee_name = @name, updated_at = @Now
            WHERE id = @Id
            """, new { name = community ?? "未定位社区", s.Now, s.Id }, s.Tx, cancellationToken: ct));
        await Outbox.EnqueueAsync(s.Tx, new WorkOrderReturned(s.Id, order.RequestId, s.By, s.Command.Text!, s.Now), ct);
        return s.Moved(WorkOrderStatus.Returned, new { reason = s.Command.Text, from = order.AssigneeName });
    }

    public static async Task<TransitionResult> TransferAsync(Step s, CancellationToken ct)
    {
        var order = s.Order;
        var (target, error) = await TransferTargetAsync(s.Tx, order, s.Command.ToWorkerId!.Value, ct);
        if (target is null) return Step.Invalid("toWorkerId", error!);
        // A new assignee gets the full service level, a new round of clocks, at the tier the order
        // has reached: an escalated order stays escalated.
        await ServiceLevelClocks.CancelAsync(s.Tx, s.Id, s.Now, ct);
        await s.Conn.ExecuteAsync(new CommandDefinition("""
            UPDATE work_orders SET status = 'assigned', round = round + 1, complex = false, plan_due_at = NULL,
                                   assignee_kind = @Role, assignee_id = @Id, assignee_name = @Name,
                                   grid_code = @NodeCode, scope_path = @Path, updated_at = @now
            WHERE id = @orderId
            """, new { target.Role, target.Id, target.Name, target.NodeCode, target.Path, now = s.Now, orderId = s.Id }, s.Tx, cancellationToken: ct));
        await ServiceLevelClocks.StartAsync(s.Tx, s.Id, order.Category, order.Tier, order.Round + 1, s.Now, ServiceLevelClocks.Running, ct);
        await Outbox.EnqueueAsync(s.Tx, new WorkOrderTransferred(s.Id, order.RequestId, s.By, target.Role, target.Id, target.Name, s.Command.Text!, s.Now), ct);
        return s.Moved(WorkOrderStatus.Assigned,
            new { reason = s.Command.Text, from = order.AssigneeName, to = target.Name, toId = target.Id, grid = target.NodeCode, tier = order.Tier });
    }

    public static async Task<TransitionResult> SuspendAsync(Step s, CancellationToken ct)
    {
        var until = s.Command.Until!.Value;
        if (until <= s.Now || until > s.Now + MaxSuspension)
            return Step.Invalid("until", $"A suspension must end after now and within {MaxSuspension.TotalDays:0} days.");
        await ServiceLevelClocks.PauseAsync(s.Tx, s.Id, s.Order.Tier, s.Order.Round, s.Now, until, ct);
        await s.Conn.ExecuteAsync(new CommandDefinition("""
            UPDATE work_orders SET status = 'suspended', suspended_from = status, suspended_until = @until, updated_at = @Now
            WHERE id = @Id
            """, new { until, s.Now, s.Id }, s.Tx, cancellationToken: ct));
        await Outbox.EnqueueAsync(s.Tx, new WorkOrderSuspended(s.Id, s.Order.RequestId, s.By, s.Command.Text!, until, s.Now), ct);
        return s.Moved(WorkOrderStatus.Suspended, new { reason = s.Command.Text, until });
    }

    /// <summary>Back to the state it was suspended from, with the clocks' remaining time (by hand, or by the scheduler when the limit runs out, with a reason).</summary>
    public static async Task<TransitionResult> ResumeAsync(Step s, CancellationToken ct)
    {
        var from = s.Order.SuspendedFrom;
        await ServiceLevelClocks.ResumeAsync(s.Tx, s.Id, s.Now, ct);
        await s.Conn.ExecuteAsync(new CommandDefinition("""
            UPDATE work_orders SET status = suspended_from, suspended_from = NULL, suspended_until = NULL, updated_at = @Now
            WHERE id = @Id
            """, new { s.Now, s.Id }, s.Tx, cancellationToken: ct));
        await Outbox.EnqueueAsync(s.Tx, new WorkOrderResumed(s.Id, s.Order.RequestId, s.By, s.Now), ct);
        return s.Moved(from!, s.Command.Text is { } reason ? (object)new { from, reason } : new { from });
    }

    /// <summary>One tier up by the same path a missed clock takes; <see cref="Escalation"/> writes the history row.</summary>
    public static async Task<TransitionResult> EscalateAsync(Step s, CancellationToken ct) =>
        await Escalation.EscalateAsync(s.Tx, s.Order, s.Command.Text!, s.Actor, s.Now, ct) is null
            ? s.Conflict("The order is at the county tier already: there is no tier above it.")
            : s.Moved(WorkOrderStatus.Assigned, null);

    /// <summary>Intake closed the request (the resident's callback, or an operator): the order is done, whatever it was doing.</summary>
    public static async Task<TransitionResult> CloseAsync(Step s, CancellationToken ct)
    {
        var (command, order) = (s.Command, s.Order);
        await ServiceLevelClocks.CancelAsync(s.Tx, s.Id, s.Now, ct);
        await s.Conn.ExecuteAsync(new CommandDefinition(
            "UPDATE work_orders SET status = 'closed', satisfaction = @Satisfaction, suspended_from = NULL, suspended_until = NULL, updated_at = @Now WHERE id = @Id",
            new { command.Satisfaction, s.Now, s.Id }, s.Tx, cancellationToken: ct));
        // Closed without a resolution (an operator's close): a running supervision ends here too.
        await SupervisionDesk.CompleteAsync(s.Tx, s.Id, order.RequestId, s.Now, ct);
        await Outbox.EnqueueAsync(s.Tx, new WorkOrderClosed(s.Id, order.RequestId, s.Now), ct);
        return s.Moved(WorkOrderStatus.Closed, new { satisfaction = command.Satisfaction, from = order.Status, requestClosedAt = command.RequestClosedAt });
    }

    /// <summary>A dissatisfied resident reopened a resolved or closed request: the same assignee gets the order back with fresh clocks.</summary>
    public static async Task<TransitionResult> ReopenAsync(Step s, CancellationToken ct)
    {
        var (command, order) = (s.Command, s.Order);
        await ServiceLevelClocks.CancelAsync(s.Tx, s.Id, s.Now, ct);
        await s.Conn.ExecuteAsync(new CommandDefinition("""
            UPDATE work_orders SET status = 'assigned', round = round + 1, reopen_count = @ReopenCount, complex = false, plan_due_at = NULL, updated_at = @Now
            WHERE id = @Id
            """, new { command.ReopenCount, s.Now, s.Id }, s.Tx, cancellationToken: ct));
        await ServiceLevelClocks.StartAsync(s.Tx, s.Id, order.Category, order.Tier, order.Round + 1, s.Now, ServiceLevelClocks.Running, ct);
        await Outbox.EnqueueAsync(s.Tx, new WorkOrderReopened(s.Id, order.RequestId, command.ReopenCount, s.Now), ct);
        return s.Moved(WorkOrderStatus.Assigned, new { reason = command.Text, command.ReopenCount, from = order.Status });
    }

    /// <summary>Reopened while still being worked on: the order goes on as it is; only the count moves, and the timeline notes it.</summary>
    public static async Task<TransitionResult> NoteReopenAsync(Step s, CancellationToken ct)
    {
        await s.Conn.ExecuteAsync(new CommandDefinition(
            "UPDATE work_orders SET reopen_count = @ReopenCount WHERE id = @Id", new { s.Command.ReopenCount, s.Id }, s.Tx, cancellationToken: ct));
        return s.Moved(s.Order.Status, new { reason = s.Command.Text, s.Command.ReopenCount, status = s.Order.Status });
    }

    private static Task SetStatusAsync(Step s, string status, CancellationToken ct) =>
        s.Conn.ExecuteAsync(new CommandDefinition(
            "UPDATE work_orders SET status = @status, updated_at = @Now WHERE id = @Id", new { status, s.Now, s.Id }, s.Tx, cancellationToken: ct));

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
