using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults;

namespace GovPlatform.Dispatch.WorkOrders;

public static class WorkOrderStatus
{
    public const string Assigned = "assigned";
    public const string Accepted = "accepted";
    public const string OnSite = "on_site";
    public const string Resolved = "resolved";
    public const string PlanFormed = "plan_formed";
    public const string Returned = "returned";
    public const string Suspended = "suspended";
    public const string Closed = "closed";

    /// <summary>States in which someone still owes the resident work (clocks run, escalation applies).</summary>
    public static readonly string[] Open = [Assigned, Accepted, OnSite, PlanFormed, Returned];
}

public static class WorkOrderActions
{
    public const string Accept = "accept";
    public const string Arrive = "arrive";
    public const string Resolve = "resolve";
    public const string Plan = "plan";
    public const string Return = "return";
    public const string Transfer = "transfer";
    public const string Suspend = "suspend";
    public const string Resume = "resume";
    public const string Escalate = "escalate";
}

/// <summary>
/// The work order's state machine as data: which action is legal from which state, and which
/// roles may take it at which tier. Everything that changes an order asks here first, so the
/// HTTP API, the consumers and the clock scheduler cannot disagree about the rules.
/// </summary>
public static class WorkOrderRules
{
    private static readonly Dictionary<string, string[]> From = new()
    {
        [WorkOrderActions.Accept] = [WorkOrderStatus.Assigned],
        [WorkOrderActions.Arrive] = [WorkOrderStatus.Accepted],
        [WorkOrderActions.Resolve] = [WorkOrderStatus.OnSite, WorkOrderStatus.PlanFormed],
        [WorkOrderActions.Plan] = [WorkOrderStatus.OnSite],
        [WorkOrderActions.Return] = [WorkOrderStatus.Assigned, WorkOrderStatus.Accepted, WorkOrderStatus.OnSite],
        [WorkOrderActions.Transfer] = [WorkOrderStatus.Assigned, WorkOrderStatus.Accepted, WorkOrderStatus.OnSite, WorkOrderStatus.Returned],
        [WorkOrderActions.Suspend] = WorkOrderStatus.Open,
        [WorkOrderActions.Resume] = [WorkOrderStatus.Suspended],
        [WorkOrderActions.Escalate] = WorkOrderStatus.Open,
    };

    /// <summary>The state an action leads to; resume (back to where it was) and escalate (a fresh assignment) are decided by the caller.</summary>
    public static string? To(string action) => action switch
    {
        WorkOrderActions.Accept => WorkOrderStatus.Accepted,
        WorkOrderActions.Arrive => WorkOrderStatus.OnSite,
        WorkOrderActions.Resolve => WorkOrderStatus.Resolved,
        WorkOrderActions.Plan => WorkOrderStatus.PlanFormed,
        WorkOrderActions.Return => WorkOrderStatus.Returned,
        WorkOrderActions.Transfer or WorkOrderActions.Escalate => WorkOrderStatus.Assigned,
        WorkOrderActions.Suspend => WorkOrderStatus.Suspended,
        _ => null,
    };

    public static bool IsLegal(string action, string status) => From.TryGetValue(action, out var from) && from.Contains(status);

    public static IReadOnlyCollection<string> Actions => From.Keys;

    /// <summary>The work itself, which the order's named assignee does at any tier; re-dispatching and pausing stay with leaders.</summary>
    public static readonly string[] HandlerActions =
        [WorkOrderActions.Accept, WorkOrderActions.Arrive, WorkOrderActions.Resolve, WorkOrderActions.Plan, WorkOrderActions.Return, WorkOrderActions.Escalate];

    /// <summary>What a department that reported in to a whistle on the order may do: the work, not re-dispatch or escalation.</summary>
    public static readonly string[] DepartmentActions =
        [WorkOrderActions.Accept, WorkOrderActions.Arrive, WorkOrderActions.Resolve, WorkOrderActions.Plan];

    /// <summary>
    /// Roles that answer for a tier: "small things stay in the compound, hard things in the
    /// community, big things in the subdistrict". A tier's staff and everyone above may act.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string[]> TierRoles = new Dictionary<string, string[]>
    {
        [Tiers.Compound] = [Roles.GridWorker, Roles.GridLeader, Roles.CommunityCadre, Roles.SubdistrictOfficer, Roles.Admin],
        [Tiers.Community] = [Roles.CommunityCadre, Roles.SubdistrictOfficer, Roles.Admin],
        [Tiers.Subdistrict] = [Roles.SubdistrictOfficer, Roles.Admin],
        [Tiers.County] = [Roles.Admin],
    };

    /// <summary>Re-dispatching and pausing are decisions for whoever leads, not for the handler alone.</summary>
    private static readonly string[] Managers = [Roles.GridLeader, Roles.CommunityCadre, Roles.SubdistrictOfficer, Roles.Admin];

    public static bool MayAct(IReadOnlyCollection<string> roles, string action, string tier)
    {
        var tierRoles = TierRoles.TryGetValue(tier, out var r) ? r : [Roles.Admin];
        var allowed = action is WorkOrderActions.Transfer or WorkOrderActions.Suspend or WorkOrderActions.Resume
            ? tierRoles.Intersect(Managers)
            : tierRoles;
        return roles.Any(allowed.Contains);
    }

    public static readonly string[] TierOrder = [Tiers.Compound, Tiers.Community, Tiers.Subdistrict, Tiers.County];

    /// <summary>The tier above, or null at the county, where nothing is higher.</summary>
    public static string? Above(string tier) => Array.IndexOf(TierOrder, tier) is var i and >= 0 and < 3 ? TierOrder[i + 1] : null;
}
