namespace GovPlatform.Web;

/// <summary>
/// Who may open each area of the console: the roles the area's APIs accept, so a screen is offered only to people
/// whose calls will not be refused. Used in <c>[Authorize(Roles = ...)]</c> on the pages and in the navigation.
/// </summary>
public static class Areas
{
    /// <summary>Intake's filing, triage, ledger and callbacks.</summary>
    public const string Desk = "desk_operator,admin";
    /// <summary>Work orders assigned to a person: grid workers and the grid leaders who take orders themselves.</summary>
    public const string Worker = "grid_worker,grid_leader";
    /// <summary>The board of work orders above the worker: leaders, community cadres, subdistrict officers.</summary>
    public const string Dispatcher = "grid_leader,community_cadre,subdistrict_officer,admin";
    /// <summary>未诉先办: the hot spots a cadre accepts as proactive work or dismisses (intake's deciders).</summary>
    public const string HotSpots = "community_cadre,subdistrict_officer,admin";
    public const string Department = "department,admin";
    /// <summary>The community's own business: councils, mediation, service orders, supervision, deliberation; what dispatch lets the community and the levels above it do.</summary>
    public const string Community = "community_cadre,subdistrict_officer,admin";
    /// <summary>The points supermarket's counter and the organisers' activities.</summary>
    public const string Points = "organiser,admin";
    public const string Admin = "admin";
    /// <summary>Reporting's KPIs and rankings (the dashboard and the bulletin).</summary>
    public const string Reports = "leader,admin,community_cadre,subdistrict_officer,desk_operator";

    public static bool Allows(this System.Security.Claims.ClaimsPrincipal user, string area) =>
        area.Split(',').Any(user.IsInRole);
}
