using Dapper;
using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults.Messaging;
using GovPlatform.Volunteer.Points;
using MassTransit;
using Npgsql;

namespace GovPlatform.Volunteer.Consumers;

/// <summary>
/// A service order from a community's menu was completed (晒单). The taker, when a registered volunteer (a party member or
/// any volunteer the community dispatched it to), is credited with the menu item's points, once per order; the order is
/// recorded either way, with the unit it counts for in double reporting and, when nobody was credited, why.
/// </summary>
/// <remarks>
/// Once: the inbox drops a redelivered message, the completion row (keyed by order) stops a republished one, and the
/// ledger's source key <c>service-order:{orderId}</c> would refuse a second award even past both.
/// Nobody is credited when the item offers no points, when a member unit took it (a unit has no points account; the
/// order counts for the unit's figures instead), when no taker id was given (the community recorded a name only),
/// or when the id is not a volunteer registered here.
/// </remarks>
public sealed class ServiceOrderCompletedConsumer(NpgsqlDataSource db, TimeProvider clock, ILogger<ServiceOrderCompletedConsumer> logger)
    : InboxConsumer<ServiceOrderCompleted>(db)
{
    public static class Reasons
    {
        public const string NoPoints = "no_points";
        public const string MemberUnit = "member_unit";
        public const string NoTakerId = "no_taker_id";
        public const string NotAVolunteer = "not_a_volunteer";
    }

    protected override async Task HandleAsync(ConsumeContext<ServiceOrderCompleted> context, NpgsqlTransaction tx)
    {
        var m = context.Message;
        var ct = context.CancellationToken;
        var conn = tx.Connection!;
        var now = clock.GetUtcNow();
        var kind = m.ItemKind is { } k && ServiceItemKinds.All.Contains(k) ? k : ServiceItemKinds.Service;

        // Claim the order first: a second delivery under another message id stops here.
        var claimed = await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO service_order_completions (order_id, menu_item_id, community_code, item_kind, taker_kind, taker_id, points,
                                                   uncredited_reason, completed_at, recorded_at)
            VALUES (@OrderId, @MenuItemId, @CommunityCode, @kind, @TakerKind, @TakerId, @Points, 'pending', @at, @now)
            ON CONFLICT (order_id) DO NOTHING
            """, new { m.OrderId, m.MenuItemId, m.CommunityCode, kind, m.TakerKind, m.TakerId, m.Points, at = m.At.ToUniversalTime(), now },
            tx, cancellationToken: ct));
        if (claimed == 0) return;

        Guid? unitId = null;
        Guid? volunteerId = null;
        string? reason = null;
        if (m.TakerKind == ServiceTakerKinds.MemberUnit)
        {
            unitId = m.TakerId is { } u && await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM units WHERE id = @u)", new { u }, tx, cancellationToken: ct)) ? u : null;
            reason = Reasons.MemberUnit;
        }
        else if (m.TakerId is not { } takerId) reason = Reasons.NoTakerId;
        else if (!await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
                     "SELECT EXISTS (SELECT 1 FROM volunteers WHERE id = @takerId)", new { takerId }, tx, cancellationToken: ct)))
            reason = Reasons.NotAVolunteer;
        else
        {
            volunteerId = takerId;
            unitId = (await PointsBook.WhereAsync(tx, takerId, ct)).UnitId;
            if (m.Points is not > 0) reason = Reasons.NoPoints;
        }
        if (reason is Reasons.NoTakerId or Reasons.NotAVolunteer)
            logger.LogWarning("Service order {OrderId} was completed by taker {TakerId} ({TakerKind}), who is not a registered volunteer; no points",
                m.OrderId, m.TakerId, m.TakerKind);

        Guid? entryId = null;
        if (reason is null)
        {
            entryId = await PointsBook.AwardAsync(tx, new PointsBook.Award(volunteerId!.Value, m.Points!.Value,
                "服务点单完成 service order completed", $"service-order:{m.OrderId}", "dispatch", now), ct);
        }

        await conn.ExecuteAsync(new CommandDefinition("""
            UPDATE service_order_completions
            SET unit_id = @unitId, credited_volunteer_id = @credited, ledger_entry_id = @entryId, uncredited_reason = @reason
            WHERE order_id = @OrderId
            """, new { unitId, credited = reason is null ? volunteerId : null, entryId, reason, m.OrderId }, tx, cancellationToken: ct));

        // Double reporting counts a wish or hardship solved by a unit or one of its reported party members.
        if (unitId is { } unit && kind is ServiceItemKinds.Wish or ServiceItemKinds.Hardship)
            await Outbox.EnqueueAsync(tx, new HardshipSolved(m.OrderId, unit, m.CommunityCode, kind, m.At), ct);
    }
}
