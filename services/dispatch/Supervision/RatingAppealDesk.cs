using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Dispatch.WorkOrders;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Attachments;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Npgsql;

namespace GovPlatform.Dispatch.Supervision;

/// <remarks>Property-style because Dapper matches constructors by exact column type and uuid[] arrives as System.Array.</remarks>
public sealed record RatingAppealDto
{
    public Guid Id { get; init; }
    public Guid WorkOrderId { get; init; }
    public required string TicketNo { get; init; }
    public required string Reason { get; init; }
    public required string Evidence { get; init; }
    public Guid[] AttachmentIds { get; init; } = [];
    public required string FiledByName { get; init; }
    public DateTime FiledAt { get; init; }
    public required string DeciderTier { get; init; }
    public required string State { get; init; }
    public string? DecisionReason { get; init; }
    public string? DecidedByName { get; init; }
    public DateTime? DecidedAt { get; init; }
}

/// <summary>
/// A handler's appeal against a resident's dissatisfied rating (12345's 申诉), with evidence. The level above the order's
/// tier decides once; upheld, reporting leaves the rating out of the satisfaction rate. Nothing is deleted: the rating,
/// the appeal and the decision all stay on record.
/// </summary>
public sealed class RatingAppealDesk(NpgsqlDataSource db, TimeProvider clock)
{
    private static readonly string[] Leaders = [Roles.GridLeader, Roles.CommunityCadre, Roles.SubdistrictOfficer, Roles.Admin];

    public static string DeciderTier(string orderTier) => WorkOrderRules.Above(orderTier) ?? Tiers.County;

    public async Task<TransitionResult> FileAsync(Guid orderId, Actor actor, string reason, string evidence, IReadOnlyList<Guid> attachmentIds,
        CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var order = await OrderRow.LockVisibleAsync(tx, orderId, actor, ct);
        if (order is null) return new TransitionResult.NotFound();
        var isHandler = order.AssigneeId is { } a && a.ToString() == actor.Subject;
        if (!isHandler && !actor.Roles.Any(r => Leaders.Contains(r) && WorkOrderRules.TierRoles[order.Tier].Contains(r)))
            return new TransitionResult.Forbidden("The order's handler, or a leader of its tier, may appeal its rating.");
        var satisfaction = await conn.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT satisfaction FROM work_orders WHERE id = @orderId", new { orderId }, tx, cancellationToken: ct));
        if (order.Status != WorkOrderStatus.Closed || satisfaction != Satisfaction.Dissatisfied)
            return new TransitionResult.Conflict(order.Status, order.Tier, "Only a closed order rated dissatisfied can be appealed.");
        var missing = await AttachmentUploads.LinkAsync(tx, attachmentIds.ToArray(), actor.Subject, WorkOrderAttachmentAccess.WorkOrderOwner, orderId, ct);
        if (missing.Count > 0)
            return new TransitionResult.Invalid(new() { ["attachmentIds"] =
                [$"Not an upload of yours waiting to be attached: {string.Join(", ", missing)}. Upload with POST {AttachmentExtensions.Route} on dispatch first."] });

        var now = clock.GetUtcNow();
        var id = NewId.NextGuid();
        var tier = DeciderTier(order.Tier);
        var inserted = await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO rating_appeals (id, work_order_id, reason, evidence, attachment_ids, filed_by, filed_by_name, filed_at, decider_tier)
            VALUES (@id, @orderId, @reason, @evidence, @ids, @Subject, @Name, @now, @tier)
            ON CONFLICT (work_order_id) DO NOTHING
            """, new { id, orderId, reason, evidence, ids = attachmentIds.ToArray(), actor.Subject, actor.Name, now, tier }, tx, cancellationToken: ct));
        if (inserted == 0)
            return new TransitionResult.Conflict(order.Status, order.Tier, "This rating was appealed already: one appeal per rating.");
        await WorkOrderHistory.AddAsync(tx, orderId, now, "rating_appealed", actor, new { appealId = id, reason, evidence, attachmentIds, deciderTier = tier }, ct);
        await Outbox.EnqueueAsync(tx, new RatingAppealFiled(id, orderId, order.RequestId, actor.Subject, now), ct);
        await tx.CommitAsync(ct);
        return new TransitionResult.Done(id);
    }

    private sealed record Pending(string State, string DeciderTier);

    public async Task<TransitionResult> DecideAsync(Guid appealId, Actor actor, bool upheld, string reason, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var orderId = await conn.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
            "SELECT work_order_id FROM rating_appeals WHERE id = @appealId", new { appealId }, tx, cancellationToken: ct));
        var order = orderId is { } oid ? await OrderRow.LockVisibleAsync(tx, oid, actor, ct) : null;
        if (order is null) return new TransitionResult.NotFound();
        var appeal = await conn.QuerySingleAsync<Pending>(new CommandDefinition(
            "SELECT state, decider_tier AS DeciderTier FROM rating_appeals WHERE id = @appealId FOR UPDATE", new { appealId }, tx, cancellationToken: ct));
        if (!actor.Roles.Any(WorkOrderRules.TierRoles[appeal.DeciderTier].Contains))
            return new TransitionResult.Forbidden($"The {appeal.DeciderTier} tier decides this appeal: {string.Join(", ", WorkOrderRules.TierRoles[appeal.DeciderTier])}.");
        if (appeal.State != "pending")
            return new TransitionResult.Conflict(appeal.State, order.Tier, "The appeal is decided already.");
        var now = clock.GetUtcNow();
        var state = upheld ? "upheld" : "rejected";
        await conn.ExecuteAsync(new CommandDefinition("""
            UPDATE rating_appeals SET state = @state, decided_by = @by, decided_by_name = @byName, decision_reason = @reason, decided_at = @now
            WHERE id = @appealId
            """, new { state, by = actor.Subject, byName = actor.Name, reason, now, appealId }, tx, cancellationToken: ct));
        await WorkOrderHistory.AddAsync(tx, order.Id, now, "rating_appeal_decided", actor, new { appealId, upheld, reason }, ct);
        await Outbox.EnqueueAsync(tx, new RatingAppealDecided(appealId, order.Id, order.RequestId, upheld, actor.Subject, reason, now), ct);
        await tx.CommitAsync(ct);
        return new TransitionResult.Done(appealId);
    }

    public async Task<List<RatingAppealDto>> ListAsync(Actor actor, string? state, Guid? workOrderId, CancellationToken ct, Guid? id = null)
    {
        var param = new DynamicParameters(actor.Parameters);
        param.AddDynamicParams(new { state, workOrderId, id });
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<RatingAppealDto>(new CommandDefinition($"""
            SELECT p.id, p.work_order_id AS WorkOrderId, o.ticket_no AS TicketNo, p.reason, p.evidence, p.attachment_ids AS AttachmentIds,
                   p.filed_by_name AS FiledByName, p.filed_at AS FiledAt, p.decider_tier AS DeciderTier, p.state,
                   p.decision_reason AS DecisionReason, p.decided_by_name AS DecidedByName, p.decided_at AS DecidedAt
            FROM rating_appeals p JOIN work_orders o ON o.id = p.work_order_id
            WHERE {Actor.VisibleSql}
              AND (@state::text IS NULL OR p.state = @state)
              AND (@workOrderId::uuid IS NULL OR p.work_order_id = @workOrderId)
              AND (@id::uuid IS NULL OR p.id = @id)
            ORDER BY p.filed_at
            LIMIT 500
            """, param, cancellationToken: ct))).AsList();
    }
}
