namespace GovPlatform.Contracts;

/// <summary>
/// The community was told of a new work order at once because its category's routing rule asks for it
/// (safety hazards): the community watches the case from the first minute, whoever handles it.
/// </summary>
public record CommunityNotified(Guid WorkOrderId, Guid RequestId, string CommunityCode, string Category, string Reason, DateTimeOffset At);

/// <summary>Where a category's routing rule sends a new request first.</summary>
public static class RoutingTargets
{
    public const string Grid = "grid";
    public const string PropertyCompany = "property_company";
    /// <summary>A unit that adopted the grid as its responsibility area (包保单位).</summary>
    public const string ResponsibleUnit = "responsible_unit";
    /// <summary>The compound's owners' committee (业委会).</summary>
    public const string OwnersCommittee = "owners_committee";
}
