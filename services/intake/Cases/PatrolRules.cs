using System.Security.Claims;
using GovPlatform.Intake.Access;
using GovPlatform.Intake.Requests;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GovPlatform.Intake.Cases;

/// <summary>
/// A grid worker files what they find on patrol (网格巡查): only on the grid_patrol channel, and only inside the
/// node their token scopes them to. Desk operators, admins and city systems file on every channel anywhere; a
/// person holding a desk role as well is judged as desk.
/// </summary>
public static class PatrolRules
{
    private static bool PatrolOnly(ClaimsPrincipal user) =>
        user.IsInRole(Roles.GridWorker) && !user.IsInRole(Roles.DeskOperator) && !user.IsInRole(Roles.Admin) && !user.IsInRole(IntakeAccess.ApiClient);

    public static Dictionary<string, string[]>? ChannelProblem(ClaimsPrincipal user, SubmitRequest body) =>
        PatrolOnly(user) && body.Channel != RequestRules.GridPatrol
            ? new() { ["channel"] = [$"A grid worker files patrol reports: use channel '{RequestRules.GridPatrol}'."] }
            : null;

    /// <summary>403 when a patrolling worker files outside their scope (or has no scope at all).</summary>
    public static ProblemHttpResult? ScopeProblem(ClaimsPrincipal user, IReadOnlyList<string> locationPath)
    {
        if (!PatrolOnly(user)) return null;
        var scope = user.ScopeNodeOf();
        if (scope is not null && locationPath.Contains(scope)) return null;
        return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden,
            title: "A grid worker reports only from their own grid.",
            detail: scope is null ? "Your account has no grid (scope_node); ask an admin to set it."
                : $"The location is not under {scope}, the grid you answer for.");
    }
}
