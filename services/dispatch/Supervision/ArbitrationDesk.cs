using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Dispatch.ServiceLevels;
using GovPlatform.Dispatch.WorkOrders;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Npgsql;

namespace GovPlatform.Dispatch.Supervision;

public sealed record ArbitrationDto(Guid Id, Guid WorkOrderId, string TicketNo, string OrderStatus, string Claim, string RequestedByName,
    DateTime RequestedAt, string ArbiterTier, string State, Guid? ResponsibleId, string? ResponsibleName, string? DecisionReason,
    string? DecidedByName, DateTime? DecidedAt);

/// <summary>
/// Arbitration (审定) of a returned order whose responsibility is disputed: the level above the community that got it
/// back names who is responsible, the order goes to them with a fresh round of clocks, and the decision is final:
/// one arbitration per order, and the named handler can no longer return it.
/// </summary>
public sealed class ArbitrationDesk(NpgsqlDataSource db, TimeProvider clock)
{
    /// <summary>Besides the handler who returned it, those who dispatch may ask for a ruling.</summary>
    private static readonly string[] Requesters = [Roles.GridLeader, Roles.CommunityCadre, Roles.SubdistrictOfficer, Roles.Admin];

    /// <summary>A returned order is back with its community, so the ruling comes from above the community at least.</summary>
    public static string ArbiterTier(string orderTier) =>
        WorkOrderRules.Above(orderTier == Tiers.Compound ? Tiers.Community : orderTier) ?? Tiers.County;

    public async Task<TransitionResult> RequestAsync(Guid orderId, Actor actor, string claim, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var order = await OrderRow.LockVisibleAsync(tx, orderId, actor, ct);
        if (order is null) return new TransitionResult.NotFound();
        var returner = await conn.QuerySingleOrDefaultAsync<string>(new CommandDefinition("""
            SELECT actor FROM work_order_history WHERE work_order_id = @orderId AND action = 'return' ORDER BY at DESC, id DESC LIMIT 1
            """, new { orderId }, tx, cancellationToken: ct));
        if (order.Status != WorkOrderStatus.Returned)
            return new TransitionResult.Conflict(order.Status, order.Tier, "Only a returned order's responsibility is arbitrated.");
        if (returner != actor.Subject && !actor.Roles.Any(Requesters.Contains))
            return new TransitionResult.Forbidden($"The handler who returned the order, or {string.Join(", ", Requesters)}, may ask for a ruling.");
        var now = clock.GetUtcNow();
        var id = NewId.NextGuid();
        var tier = ArbiterTier(order.Tier);
        var inserted = await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO arbitrations (id, work_order_id, claim, requested_by, requested_by_name, requested_at, arbiter_tier)
            VALUES (@id, @orderId, @claim, @Subject, @Name, @now, @tier)
            ON CONFLICT (work_order_id) DO NOTHING
            """, new { id, orderId, claim, actor.Subject, actor.Name, now, tier }, tx, cancellationToken: ct));
        if (inserted == 0)
            return new TransitionResult.Conflict(order.Status, order.Tier, "The order's responsibility is (or was) under arbitration already; a ruling is final.");
        await WorkOrderHistory.AddAsync(tx, orderId, now, "arbitration_requested", actor, new { arbitrationId = id, claim, arbiterTier = tier }, ct);
        await Outbox.EnqueueAsync(tx, new ArbitrationRequested(id, orderId, order.RequestId, tier, actor.Subject, claim, now), ct);
        await tx.CommitAsync(ct);
        return new TransitionResult.Done(id);
    }

    private sealed record Pending(Guid WorkOrderId, string State, string ArbiterTier);

    private sealed record Target
    {
        public Guid Id { get; init; }
        public required string Name { get; init; }
        public required string Role { get; init; }
        public required string NodeCode { get; init; }
        public required string[] Path { get; init; }
    }

    public async Task<TransitionResult> DecideAsync(Guid arbitrationId, Actor actor, Guid responsibleId, string reason, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var orderId = await conn.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
            "SELECT work_order_id FROM arbitrations WHERE id = @arbitrationId", new { arbitrationId }, tx, cancellationToken: ct));
        // The order first, then the arbitration: the lock order every action on an order keeps.
        var order = orderId is { } oid ? await OrderRow.LockVisibleAsync(tx, oid, actor, ct) : null;
        if (order is null) return new TransitionResult.NotFound();
        var a = await conn.QuerySingleAsync<Pending>(new CommandDefinition(
            "SELECT work_order_id AS WorkOrderId, state, arbiter_tier AS ArbiterTier FROM arbitrations WHERE id = @arbitrationId FOR UPDATE",
            new { arbitrationId }, tx, cancellationToken: ct));
        if (!actor.Roles.Any(WorkOrderRules.TierRoles[a.ArbiterTier].Contains))
            return new TransitionResult.Forbidden($"The {a.ArbiterTier} tier rules on this order: {string.Join(", ", WorkOrderRules.TierRoles[a.ArbiterTier])}.");
        if (a.State != "pending")
            return new TransitionResult.Conflict(a.State, order.Tier, "The arbitration is decided; its decision is final.");
        if (order.Status != WorkOrderStatus.Returned)
            return new TransitionResult.Conflict(order.Status, order.Tier, $"The order is '{order.Status}' now, no longer waiting for a ruling.");

        var target = await conn.QuerySingleOrDefaultAsync<Target>(new CommandDefinition("""
            SELECT w.id, w.name, w.role, w.node_code AS NodeCode, g.path
            FROM workers w JOIN grid_nodes g ON g.code = w.node_code
            WHERE w.id = @responsibleId
            """, new { responsibleId }, tx, cancellationToken: ct));
        // The ruling level's own area: the subdistrict's grids for a subdistrict, the county's for the county.
        var area = order.ScopePath.ElementAtOrDefault(a.ArbiterTier == Tiers.County ? 0 : 1);
        var error = target is null ? $"No worker '{responsibleId}'."
            : target.Role is not (AssigneeKinds.GridWorker or AssigneeKinds.GridLeader) ? $"'{target.Name}' is a {target.Role}; a ruling names a grid worker or grid leader."
            : area is null || !target.Path.Contains(area) ? $"'{target.Name}' works outside the area the {a.ArbiterTier} rules on."
            : null;
        if (error is not null) return new TransitionResult.Invalid(new() { ["responsibleWorkerId"] = [error] });

        var now = clock.GetUtcNow();
        await ServiceLevelClocks.CancelAsync(tx, order.Id, now, ct);
        await conn.ExecuteAsync(new CommandDefinition("""
            UPDATE work_orders SET status = 'assigned', round = round + 1, complex = false, plan_due_at = NULL,
                                   assignee_kind = @Role, assignee_id = @Id, assignee_name = @Name,
                                   grid_code = @NodeCode, scope_path = @Path, updated_at = @now
            WHERE id = @orderId
            """, new { target!.Role, target.Id, target.Name, target.NodeCode, target.Path, now, orderId = order.Id }, tx, cancellationToken: ct));
        await ServiceLevelClocks.StartAsync(tx, order.Id, order.Category, order.Tier, order.Round + 1, now, ServiceLevelClocks.Running, ct);
        await conn.ExecuteAsync(new CommandDefinition("""
            UPDATE arbitrations SET state = 'decided', responsible_id = @Id, responsible_name = @Name, decision_reason = @reason,
                                    decided_by = @by, decided_by_name = @byName, decided_at = @now
            WHERE id = @arbitrationId
            """, new { target.Id, target.Name, reason, by = actor.Subject, byName = actor.Name, now, arbitrationId }, tx, cancellationToken: ct));
        await WorkOrderHistory.AddAsync(tx, order.Id, now, "arbitrated", actor,
            new { arbitrationId, responsible = target.Name, responsibleId = target.Id, reason, final = true }, ct);
        await Outbox.EnqueueAsync(tx, new ArbitrationDecided(arbitrationId, order.Id, order.RequestId, target.Id, target.Name, actor.Subject, reason, now), ct);
        // The order changed hands as a transfer does, so whoever follows assignments sees the new handler.
        await Outbox.EnqueueAsync(tx, new WorkOrderTransferred(order.Id, order.RequestId, actor.Subject, target.Role, target.Id, target.Name,
            $"arbitration: {reason}", now), ct);
        await tx.CommitAsync(ct);
        return new TransitionResult.Done(arbitrationId);
    }

    /// <summary>Whether a final ruling named this handler responsible for the order (then they may not return it).</summary>
    public static Task<bool> RuledResponsibleAsync(NpgsqlTransaction tx, Guid orderId, Guid? assigneeId, CancellationToken ct) =>
        assigneeId is null ? Task.FromResult(false) : tx.Connection!.ExecuteScalarAsync<bool>(new CommandDefinition("""
            SELECT EXISTS (SELECT 1 FROM arbitrations WHERE work_order_id = @orderId AND state = 'decided' AND responsible_id = @assigneeId)
            """, new { orderId, assigneeId }, tx, cancellationToken: ct));

    public async Task<List<ArbitrationDto>> ListAsync(Actor actor, string? state, Guid? workOrderId, CancellationToken ct, Guid? id = null)
    {
        var param = new DynamicParameters(actor.Parameters);
        param.AddDynamicParams(new { state, workOrderId, id });
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<ArbitrationDto>(new CommandDefinition($"""
            SELECT a.id, a.work_order_id AS WorkOrderId, o.ticket_no AS TicketNo, o.status AS OrderStatus, a.claim,
                   a.requested_by_name AS RequestedByName, a.requested_at AS RequestedAt, a.arbiter_tier AS ArbiterTier, a.state,
                   a.responsible_id AS ResponsibleId, a.responsible_name AS ResponsibleName, a.decision_reason AS DecisionReason,
                   a.decided_by_name AS DecidedByName, a.decided_at AS DecidedAt
            FROM arbitrations a JOIN work_orders o ON o.id = a.work_order_id
            WHERE {Actor.VisibleSql}
              AND (@state::text IS NULL OR a.state = @state)
              AND (@workOrderId::uuid IS NULL OR a.work_order_id = @workOrderId)
              AND (@id::uuid IS NULL OR a.id = @id)
            ORDER BY a.requested_at
            LIMIT 500
            """, param, cancellationToken: ct))).AsList();
    }
}
