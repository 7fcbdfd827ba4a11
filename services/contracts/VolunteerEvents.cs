namespace GovPlatform.Contracts;

/// <summary>A volunteer's service was verified by the organiser (hours are final).</summary>
public record ServiceRecorded(Guid ServiceId, Guid VolunteerId, Guid ActivityId, string ActivityType, string GridCode,
    Guid? UnitId, decimal Hours, DateTimeOffset At);

/// <summary>Points were credited; <paramref name="SourceKey"/> makes each award happen once.</summary>
public record PointsAwarded(Guid EntryId, Guid VolunteerId, long Points, string Reason, string SourceKey, string? GridCode, Guid? UnitId, DateTimeOffset At);

/// <summary>Points were spent in the points supermarket (积分超市).</summary>
public record PointsRedeemed(Guid RedemptionId, Guid VolunteerId, long Points, string ItemCode, int Quantity, DateTimeOffset At);

/// <summary>A cancelled redemption gave its points back.</summary>
public record PointsRefunded(Guid RedemptionId, Guid VolunteerId, long Points, DateTimeOffset At);

public record PointsExpired(Guid EntryId, Guid VolunteerId, long Points, DateTimeOffset At);

/// <summary>An admin corrected a balance, with a reason.</summary>
public record PointsCorrected(Guid EntryId, Guid VolunteerId, long Points, string Reason, string By, DateTimeOffset At);

/// <summary>A party member registered with their employer unit and their home community (双报到).</summary>
public record PartyMemberReported(Guid VolunteerId, Guid UnitId, string CommunityCode, DateTimeOffset At);
