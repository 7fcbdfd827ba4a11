using System.Security.Claims;
using GovPlatform.ServiceDefaults;

namespace GovPlatform.Dispatch.WorkOrders;

/// <summary>Who is acting, from their token: what they may see and what the history records.</summary>
public sealed record Actor(string Subject, string Name, string[] Roles, string? ScopeNode, string? Department, string? WorkerId = null)
{
    /// <summary>The scheduler and the consumers act as the service itself.</summary>
    public static readonly Actor System = new("dispatch", "调度系统", [ServiceDefaults.Roles.Admin], null, null);

    public static Actor From(ClaimsPrincipal user) => new(
        user.SubjectOf() ?? "unknown",
        user.FindFirst("name")?.Value ?? user.SubjectOf() ?? "unknown",
        user.FindAll("role").Select(c => c.Value).ToArray(),
        user.ScopeNodeOf(),
        user.DepartmentOf(),
        user.FindFirst(PlatformClaims.WorkerId)?.Value);

    /// <summary>
    /// The worker of the roster this person is: the identity service's accounts say so in <c>worker_id</c>; tokens made
    /// with the shared key carry the worker id as their subject. Orders assigned to this id are theirs to work.
    /// </summary>
    public string Worker => WorkerId ?? Subject;

    public bool IsAdmin => Roles.Contains(ServiceDefaults.Roles.Admin);

    /// <summary>Staff who answer for a node of the tree see the orders under it.</summary>
    public string? NodeScope =>
        Roles.Any(r => r is ServiceDefaults.Roles.GridWorker or ServiceDefaults.Roles.GridLeader
            or ServiceDefaults.Roles.CommunityCadre or ServiceDefaults.Roles.SubdistrictOfficer) ? ScopeNode : null;

    /// <summary>A department's staff see what was whistled to their department.</summary>
    public string? DepartmentScope => Roles.Contains(ServiceDefaults.Roles.Department) ? Department : null;

    /// <summary>A community cadre named to track a joint meeting's case (by their worker id).</summary>
    public string? TrackerScope => Roles.Contains(ServiceDefaults.Roles.CommunityCadre) ? Worker : null;

    /// <summary>
    /// The visibility filter on <c>work_orders o</c>, with parameters @admin, @scopeNode,
    /// @department and @tracker (see <see cref="Parameters"/>). Anything outside it answers 404, as if it did not
    /// exist: telling a worker that another grid's order exists already says too much.
    /// </summary>
    public const string VisibleSql = """
        (@admin
         OR (@scopeNode::text IS NOT NULL AND @scopeNode = ANY(o.scope_path))
         OR (@department::text IS NOT NULL AND EXISTS (
                SELECT 1 FROM whistle_departments wd WHERE wd.work_order_id = o.id AND wd.department = @department))
         OR (@tracker::text IS NOT NULL AND EXISTS (
                SELECT 1 FROM councils c WHERE c.work_order_id = o.id AND c.kind = 'joint_meeting' AND c.tracked_by = @tracker)))
        """;

    public object Parameters => new { admin = IsAdmin, scopeNode = NodeScope, department = DepartmentScope, tracker = TrackerScope };
}
