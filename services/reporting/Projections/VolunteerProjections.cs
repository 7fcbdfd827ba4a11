using GovPlatform.Contracts;
using Npgsql;

namespace GovPlatform.Reporting.Projections;

public sealed class ServiceRecordedProjection(Projector p) : Projection<ServiceRecorded>(p)
{
    protected override DateTimeOffset OccurredAt(ServiceRecorded m) => m.At;

    private const string Sql = """
        INSERT INTO volunteer_services (service_id, volunteer_id, activity_type, grid_code, unit_id, hours, at, activity_id)
        VALUES (@ServiceId, @VolunteerId, @ActivityType, @GridCode, @UnitId, @Hours, @at, @ActivityId)
        ON CONFLICT (service_id) DO UPDATE SET activity_id = excluded.activity_id WHERE volunteer_services.activity_id IS NULL
        """;

    protected override Task ApplyAsync(ServiceRecorded m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.ServiceId, m.VolunteerId, m.ActivityType, m.GridCode, m.UnitId, m.Hours, at = Utc(m.At), m.ActivityId }, ct);
}

/// <summary>Every points event is one signed movement, keyed by the event's own id so a replay adds nothing.</summary>
public abstract class PointsProjection<T>(Projector p) : Projection<T>(p) where T : class
{
    private const string Sql = """
        INSERT INTO points_movements (movement_key, kind, volunteer_id, points, grid_code, unit_id, at)
        VALUES (@key, @kind, @volunteerId, @points, @gridCode, @unitId, @at)
        ON CONFLICT DO NOTHING
        """;

    protected Task MoveAsync(NpgsqlTransaction tx, string kind, Guid id, Guid volunteerId, long points, DateTimeOffset at,
        CancellationToken ct, string? gridCode = null, Guid? unitId = null) =>
        ExecuteAsync(tx, Sql, new { key = $"{kind}:{id}", kind, volunteerId, points, gridCode, unitId, at = Utc(at) }, ct);
}

public sealed class PointsAwardedProjection(Projector p) : PointsProjection<PointsAwarded>(p)
{
    protected override DateTimeOffset OccurredAt(PointsAwarded m) => m.At;
    protected override Task ApplyAsync(PointsAwarded m, NpgsqlTransaction tx, CancellationToken ct) =>
        MoveAsync(tx, "award", m.EntryId, m.VolunteerId, m.Points, m.At, ct, m.GridCode, m.UnitId);
}

public sealed class PointsRedeemedProjection(Projector p) : PointsProjection<PointsRedeemed>(p)
{
    protected override DateTimeOffset OccurredAt(PointsRedeemed m) => m.At;
    protected override Task ApplyAsync(PointsRedeemed m, NpgsqlTransaction tx, CancellationToken ct) =>
        MoveAsync(tx, "redeem", m.RedemptionId, m.VolunteerId, -m.Points, m.At, ct);
}

public sealed class PointsRefundedProjection(Projector p) : PointsProjection<PointsRefunded>(p)
{
    protected override DateTimeOffset OccurredAt(PointsRefunded m) => m.At;
    protected override Task ApplyAsync(PointsRefunded m, NpgsqlTransaction tx, CancellationToken ct) =>
        MoveAsync(tx, "refund", m.RedemptionId, m.VolunteerId, m.Points, m.At, ct);
}

/// <summary>
/// Goods handed over: the points left the volunteer at reservation (the redeem movement), so this
/// movement carries none; it records that the redemption completed, for counts of goods handed out.
/// </summary>
public sealed class RedemptionPickedUpProjection(Projector p) : PointsProjection<RedemptionPickedUp>(p)
{
    protected override DateTimeOffset OccurredAt(RedemptionPickedUp m) => m.At;
    protected override Task ApplyAsync(RedemptionPickedUp m, NpgsqlTransaction tx, CancellationToken ct) =>
        MoveAsync(tx, "pickup", m.RedemptionId, m.VolunteerId, 0, m.At, ct);
}

public sealed class PointsExpiredProjection(Projector p) : PointsProjection<PointsExpired>(p)
{
    protected override DateTimeOffset OccurredAt(PointsExpired m) => m.At;
    protected override Task ApplyAsync(PointsExpired m, NpgsqlTransaction tx, CancellationToken ct) =>
        MoveAsync(tx, "expire", m.EntryId, m.VolunteerId, -m.Points, m.At, ct);
}

public sealed class PointsCorrectedProjection(Projector p) : PointsProjection<PointsCorrected>(p)
{
    protected override DateTimeOffset OccurredAt(PointsCorrected m) => m.At;
    // A correction's Points is already signed (a deduction is negative).
    protected override Task ApplyAsync(PointsCorrected m, NpgsqlTransaction tx, CancellationToken ct) =>
        MoveAsync(tx, "correct", m.EntryId, m.VolunteerId, m.Points, m.At, ct);
}

public sealed class PartyMemberReportedProjection(Projector p) : Projection<PartyMemberReported>(p)
{
    protected override DateTimeOffset OccurredAt(PartyMemberReported m) => m.At;

    private const string Sql = """
        INSERT INTO party_member_reports AS r (volunteer_id, unit_id, community_code, at)
        VALUES (@VolunteerId, @UnitId, @CommunityCode, @at)
        ON CONFLICT (volunteer_id, unit_id) DO UPDATE
            SET community_code = excluded.community_code, at = excluded.at WHERE r.at <= excluded.at
        """;

    protected override Task ApplyAsync(PartyMemberReported m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.VolunteerId, m.UnitId, m.CommunityCode, at = Utc(m.At) }, ct);
}
