namespace GovPlatform.Contracts;

public static class AssigneeKinds
{
    public const string GridWorker = "grid_worker";
    public const string GridLeader = "grid_leader";
    public const string Community = "community";
}

/// <summary>Dispatch turned a request into a work order and named who must act on it.</summary>
/// <param name="GridCode">The grid that covers the request's location, or null when none does.</param>
/// <param name="AssigneeId">The person assigned; null when the order went to a community as a whole.</param>
/// <param name="Rule">Why this assignee: the routing rule that matched, for the order's history.</param>
public record WorkOrderAssigned(
    Guid WorkOrderId,
    Guid RequestId,
    string? GridCode,
    string? CommunityCode,
    string AssigneeKind,
    Guid? AssigneeId,
    string AssigneeName,
    string Rule,
    DateTimeOffset AssignedAt);
