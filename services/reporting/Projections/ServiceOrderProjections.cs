using GovPlatform.Contracts;
using Npgsql;

namespace GovPlatform.Reporting.Projections;

/// <summary>
/// The four steps of a service order (点单-派单-接单-晒单) land on one row keyed by the order. Any step may
/// arrive first; each keeps its earliest time, and the taker follows the newest step that names one.
/// </summary>
public abstract class ServiceOrderProjection<T>(Projector p) : Projection<T>(p) where T : class
{
    private const string TakerSet = """
        taker_kind = CASE WHEN excluded.taker_at IS NOT NULL AND (o.taker_at IS NULL OR excluded.taker_at >= o.taker_at)
                          THEN excluded.taker_kind ELSE o.taker_kind END,
        taker_id = CASE WHEN excluded.taker_at IS NOT NULL AND (o.taker_at IS NULL OR excluded.taker_at >= o.taker_at)
                        THEN excluded.taker_id ELSE o.taker_id END,
        taker_at = greatest(o.taker_at, excluded.taker_at)
        """;

    /// <summary>Upserts the order with the one step column this event sets (and the taker when it names one).</summary>
    protected Task StepAsync(NpgsqlTransaction tx, string column, Guid orderId, string communityCode, DateTimeOffset at,
        CancellationToken ct, string? takerKind = null, Guid? takerId = null, Guid? menuItemId = null, string? ordererKind = null,
        int? points = null) =>
        ExecuteAsync(tx, $"""
            INSERT INTO service_orders AS o (order_id, community_code, {column}, taker_kind, taker_id, taker_at, menu_item_id, orderer_kind, points)
            VALUES (@orderId, @communityCode, @at, @takerKind, @takerId, CASE WHEN @takerKind::text IS NULL THEN NULL ELSE @at END,
                    @menuItemId, @ordererKind, @points)
            ON CONFLICT (order_id) DO UPDATE SET
                {column} = least(o.{column}, excluded.{column}),
                menu_item_id = coalesce(o.menu_item_id, excluded.menu_item_id),
                orderer_kind = coalesce(o.orderer_kind, excluded.orderer_kind),
                points = coalesce(excluded.points, o.points),
                {TakerSet}
            """, new { orderId, communityCode, at = Utc(at), takerKind, takerId, menuItemId, ordererKind, points }, ct);
}

public sealed class ServiceOrderPlacedProjection(Projector p) : ServiceOrderProjection<ServiceOrderPlaced>(p)
{
    protected override DateTimeOffset OccurredAt(ServiceOrderPlaced m) => m.At;
    protected override Task ApplyAsync(ServiceOrderPlaced m, NpgsqlTransaction tx, CancellationToken ct) =>
        StepAsync(tx, "placed_at", m.OrderId, m.CommunityCode, m.At, ct, menuItemId: m.MenuItemId, ordererKind: m.OrdererKind);
}

public sealed class ServiceOrderDispatchedProjection(Projector p) : ServiceOrderProjection<ServiceOrderDispatched>(p)
{
    protected override DateTimeOffset OccurredAt(ServiceOrderDispatched m) => m.At;
    protected override Task ApplyAsync(ServiceOrderDispatched m, NpgsqlTransaction tx, CancellationToken ct) =>
        StepAsync(tx, "dispatched_at", m.OrderId, m.CommunityCode, m.At, ct, m.TakerKind, m.TakerId);
}

public sealed class ServiceOrderTakenProjection(Projector p) : ServiceOrderProjection<ServiceOrderTaken>(p)
{
    protected override DateTimeOffset OccurredAt(ServiceOrderTaken m) => m.At;
    protected override Task ApplyAsync(ServiceOrderTaken m, NpgsqlTransaction tx, CancellationToken ct) =>
        StepAsync(tx, "taken_at", m.OrderId, m.CommunityCode, m.At, ct, m.TakerKind, m.TakerId);
}

public sealed class ServiceOrderCompletedProjection(Projector p) : ServiceOrderProjection<ServiceOrderCompleted>(p)
{
    protected override DateTimeOffset OccurredAt(ServiceOrderCompleted m) => m.At;
    protected override Task ApplyAsync(ServiceOrderCompleted m, NpgsqlTransaction tx, CancellationToken ct) =>
        StepAsync(tx, "completed_at", m.OrderId, m.CommunityCode, m.At, ct, m.TakerKind, m.TakerId, m.MenuItemId, points: m.Points);
}

/// <summary>A community told of a safety hazard's work order at once; the reason text (free, may name people) is dropped.</summary>
public sealed class CommunityNotifiedProjection(Projector p) : Projection<CommunityNotified>(p)
{
    protected override DateTimeOffset OccurredAt(CommunityNotified m) => m.At;

    private const string Sql = """
        INSERT INTO community_notifications AS n (work_order_id, request_id, community_code, category, at)
        VALUES (@WorkOrderId, @RequestId, @CommunityCode, @Category, @at)
        ON CONFLICT (work_order_id, community_code) DO UPDATE SET at = least(n.at, excluded.at)
        """;

    // Keyed by work order and community, the earliest time kept.
    protected override bool IdempotentByItself => true;

    protected override Task ApplyAsync(CommunityNotified m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.WorkOrderId, m.RequestId, m.CommunityCode, m.Category, at = Utc(m.At) }, ct);
}
