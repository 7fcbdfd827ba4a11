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

    /// <summary>Every state, in the order the lifecycle table lists them.</summary>
    public static readonly string[] All = [Assigned, Accepted, OnSite, PlanFormed, Returned, Suspended, Resolved, Closed];
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

    /// <summary>Intake's <c>RequestClosed</c>: the resident's callback (or an operator) closed the request.</summary>
    public const string Close = "close";
    /// <summary>Intake's <c>RequestReopened</c>: a dissatisfied resident reopened the request.</summary>
    public const string Reopen = "reopen";
}

/// <summary>
/// Who may take an action, read from <see cref="WorkOrderTransitions.Table"/>: everything that changes an order asks
/// here first, so the HTTP API, the consumers and the clock scheduler cannot disagree about the rules.
/// </summary>
public static class WorkOrderRules
{
    /// <summary>Whether <paramref name="action"/> moves an order that is <paramref name="status"/> (a row of the table covers it).</summary>
    public static bool IsLegal(string action, string status) => WorkOrderTransitions.Find(action, status) is not null;

    /// <summary>The actions staff take through the API (intake's close and reopen are not among them).</summary>
    public static IReadOnlyCollection<string> Actions { get; } =
        WorkOrderTransitions.Table.Where(t => t.Who != Who.Intake).Select(t => t.Action).Distinct().ToArray();

    /// <summary>The work itself, which the order's named assignee does at any tier; re-dispatching and pausing stay with leaders.</summary>
    public static readonly string[] HandlerActions =
        WorkOrderTransitions.Table.Where(t => t.Who == Who.Handler).Select(t => t.Action).Distinct().ToArray();

    /// <summary>What a department that reported in to a whistle on the order may do: the work, not re-dispatch or escalation.</summary>
    public static readonly string[] DepartmentActions =
        WorkOrderTransitions.Table.Where(t => t.Departments).Select(t => t.Action).Distinct().ToArray();

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

    /// <summary>Whether someone with <paramref name="roles"/> answers for <paramref name="action"/> at <paramref name="tier"/> (the table's who column).</summary>
    public static bool MayAct(IReadOnlyCollection<string> roles, string action, string tier)
    {
        var tierRoles = TierRoles.TryGetValue(tier, out var r) ? r : [Roles.Admin];
        IEnumerable<string> allowed = WorkOrderTransitions.WhoMay(action) switch
        {
            Who.Leaders => tierRoles.Intersect(Managers),
            Who.Intake => [], // only intake's events close and reopen an order
            _ => tierRoles,
        };
        return roles.Any(allowed.Contains);
    }

    public static readonly string[] TierOrder = [Tiers.Compound, Tiers.Community, Tiers.Subdistrict, Tiers.County];

    /// <summary>The tier above, or null at the county, where nothing is higher.</summary>
    public static string? Above(string tier) => Array.IndexOf(TierOrder, tier) is var i and >= 0 and < 3 ? TierOrder[i + 1] : null;
}
