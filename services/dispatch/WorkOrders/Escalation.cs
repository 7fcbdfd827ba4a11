using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Dispatch.ServiceLevels;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Messaging;
using Npgsql;

namespace GovPlatform.Dispatch.WorkOrders;

/// <summary>
/// "Small things stay in the compound, hard things in the community, big things in the
/// subdistrict": moves an order one tier up, to the body that answers for that tier, with the
/// tier's own clocks. Used for a handler's request and for every missed clock.
/// </summary>
public static class Escalation
{
    private static readonly Dictionary<string, (string Level, string Kind, string Role, string Fallback)> Bodies = new()
    {
        [Tiers.Community] = (GridLevels.Community, AssigneeKinds.Community, Roles.CommunityCadre, "未定位社区"),
        [Tiers.Subdistrict] = (GridLevels.Subdistrict, AssigneeKinds.Subdistrict, Roles.SubdistrictOfficer, "未定位街道"),
        [Tiers.County] = (GridLevels.District, AssigneeKinds.County, Roles.Admin, "县级"),
    };

    /// <param name="to">The tier to move to; null for the one above. A department's silence skips straight to the county.</param>
    /// <returns>The new tier, or null when the order is already at (or above) that tier and nothing is higher.</returns>
    public static async Task<string?> EscalateAsync(NpgsqlTransaction tx, OrderRow order, string reason, Actor actor,
        DateTimeOffset now, CancellationToken ct, string? to = null)
    {
        to ??= WorkOrderRules.Above(order.Tier);
        if (to is null || Array.IndexOf(WorkOrderRules.TierOrder, to) <= Array.IndexOf(WorkOrderRules.TierOrder, order.Tier)) return null;
        var body = Bodies[to];
        var conn = tx.Connection!;
        var name = await conn.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT name FROM grid_nodes WHERE code = ANY(@ScopePath) AND level = @Level LIMIT 1",
            new { order.ScopePath, body.Level }, tx, cancellationToken: ct)) ?? body.Fallback;

        // The lower tier's clocks stop: it no longer holds the order, so it cannot miss them.
        await ServiceLevelClocks.CancelAsync(tx, order.Id, now, ct);
        await conn.ExecuteAsync(new CommandDefinition("""
            UPDATE work_orders SET tier = @to, status = 'assigned', assignee_kind = @Kind, assignee_id = NULL,
                                   assignee_name = @name, suspended_from = NULL, suspended_until = NULL, plan_due_at = NULL, updated_at = @now
            WHERE id = @Id
            """, new { to, body.Kind, name, now, order.Id }, tx, cancellationToken: ct));
        await ServiceLevelClocks.StartAsync(tx, order.Id, order.Category, to, order.Round, now, ServiceLevelClocks.Running, ct);
        await WorkOrderHistory.AddAsync(tx, order.Id, now, "escalated", actor,
            new { from = order.Tier, to, reason, assignee = name, responsibleRole = body.Role }, ct);
        await Outbox.EnqueueAsync(tx, new WorkOrderEscalated(order.Id, order.RequestId, order.Tier, to, reason, name, now), ct);
        return to;
    }
}
