namespace GovPlatform.Contracts;

public static class AssigneeKinds
{
    public const string GridWorker = "grid_worker";
    public const string GridLeader = "grid_leader";
    public const string Community = "community";
    public const string PropertyCompany = "property_company";
    public const string ResponsibleUnit = "responsible_unit";
    public const string OwnersCommittee = "owners_committee";
    public const string Subdistrict = "subdistrict";
    public const string County = "county";
}

/// <summary>Handling tiers: "small things stay in the compound, hard things in the community, big things in the subdistrict".</summary>
public static class Tiers
{
    public const string Compound = "compound";
    public const string Community = "community";
    public const string Subdistrict = "subdistrict";
    public const string County = "county";
}

/// <summary>The service-level clocks a work order runs against.</summary>
public static class Clocks
{
    public const string Accept = "accept";
    public const string Arrive = "arrive";
    public const string Resolve = "resolve";
    public const string Plan = "plan";
    /// <summary>The date a formed plan promised the work done by.</summary>
    public const string PlanDue = "plan_due";
}

/// <summary>Dispatch turned a request into a work order and named who must act on it.</summary>
/// <param name="GridCode">The grid that covers the request's location, or null when none does.</param>
/// <param name="AssigneeId">The person assigned; null when the order went to a body (a community, a company) as a whole.</param>
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

// The step events below say two things about time. OnTime judges the step against the clock of the tier and round
// that holds the order now (a tier that got the order by escalation has its own fresh clocks). FirstDueAt is the
// first promise made to the resident for that clock: its deadline at the tier that first had the order, in the
// order's first round (moved on by a suspension while that tier held it); for a planned resolution, the first
// plan's own date. Reporting judges on FirstDueAt, so an escalation never turns a late step into an on-time one.
// Both extra members come last with defaults, so messages published before they existed still read.

/// <summary>The assignee took the work order (the accept clock, 1 minute by default).</summary>
/// <param name="Tier">The tier whose clock <paramref name="OnTime"/> was judged against; null in older messages.</param>
/// <param name="FirstDueAt">The first promise's deadline for accepting; null in older messages.</param>
public record WorkOrderAccepted(Guid WorkOrderId, Guid RequestId, string By, bool OnTime, DateTimeOffset At,
    string? Tier = null, DateTimeOffset? FirstDueAt = null);

/// <summary>The handler reached the site (the arrive clock, 30 minutes by default).</summary>
/// <param name="Complex">The handler judged the problem complex on site (a plan is due instead of a quick fix); null in older messages.</param>
public record WorkOrderArrived(Guid WorkOrderId, Guid RequestId, string By, bool OnTime, DateTimeOffset At,
    string? Tier = null, DateTimeOffset? FirstDueAt = null, bool? Complex = null);

/// <summary>A problem was fixed: a simple one against the resolve clock (1 hour by default), a planned one against its plan's date.</summary>
/// <param name="AttachmentIds">The resolver's photos in dispatch's attachment store (read them from dispatch, which checks who asks); null in older messages.</param>
public record WorkOrderResolved(Guid WorkOrderId, Guid RequestId, string By, string Resolution, bool OnTime, DateTimeOffset At,
    string? Tier = null, DateTimeOffset? FirstDueAt = null, IReadOnlyList<Guid>? AttachmentIds = null);

/// <summary>A complex problem has a solution plan (the plan clock, half a day by default).</summary>
/// <param name="PlanDueAt">The date the plan promises the work done by; null in older messages.</param>
public record WorkOrderPlanFormed(Guid WorkOrderId, Guid RequestId, string By, string Plan, bool OnTime, DateTimeOffset At,
    string? Tier = null, DateTimeOffset? FirstDueAt = null, DateTimeOffset? PlanDueAt = null);

/// <summary>The handler gave the order back, with a reason, for re-dispatch.</summary>
public record WorkOrderReturned(Guid WorkOrderId, Guid RequestId, string By, string Reason, DateTimeOffset At);

public record WorkOrderTransferred(Guid WorkOrderId, Guid RequestId, string By, string ToKind, Guid? ToId, string ToName, string Reason, DateTimeOffset At);

public record WorkOrderSuspended(Guid WorkOrderId, Guid RequestId, string By, string Reason, DateTimeOffset Until, DateTimeOffset At);

public record WorkOrderResumed(Guid WorkOrderId, Guid RequestId, string By, DateTimeOffset At);

/// <summary>A clock ran out: fired exactly once per clock per tier.</summary>
public record DeadlineMissed(Guid WorkOrderId, Guid RequestId, string Clock, string Tier, DateTimeOffset DueAt, DateTimeOffset At);

/// <summary>The order moved up a tier, on a missed clock or at the handler's request.</summary>
public record WorkOrderEscalated(Guid WorkOrderId, Guid RequestId, string FromTier, string ToTier, string Reason, string ToName, DateTimeOffset At);

/// <summary>Closed after the resident's callback.</summary>
public record WorkOrderClosed(Guid WorkOrderId, Guid RequestId, DateTimeOffset At);

/// <summary>A dissatisfied resident reopened the request; the order is live again.</summary>
public record WorkOrderReopened(Guid WorkOrderId, Guid RequestId, int ReopenCount, DateTimeOffset At);
