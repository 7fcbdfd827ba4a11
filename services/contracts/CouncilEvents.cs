namespace GovPlatform.Contracts;

/// <summary>
/// A three-party council (三方联动议事) or a joint meeting (联席会议) was scheduled on a work order.
/// </summary>
/// <param name="Kind"><c>three_party</c> or <c>joint_meeting</c>.</param>
/// <param name="Tier">The order's tier when it was scheduled.</param>
/// <param name="TrackedBy">For a joint meeting, the id of the community cadre who tracks the case to the end.</param>
public record CouncilScheduled(Guid CouncilId, Guid WorkOrderId, Guid RequestId, string Kind, string Tier,
    DateTimeOffset ScheduledAt, Guid? TrackedBy, DateTimeOffset At);
