namespace GovPlatform.Contracts;

/// <summary>Levels of the grid tree, top down. Codes are stable; names are zh-CN.</summary>
public static class GridLevels
{
    public const string District = "district";
    public const string Subdistrict = "subdistrict";
    public const string Community = "community";
    public const string Compound = "compound";
    public const string Grid = "grid";
    public const string Building = "building";
    public const string Unit = "unit";
    public const string HouseholdGroup = "household_group";

    /// <summary>All levels in tree order; a child's level always comes after its parent's.</summary>
    public static readonly string[] Ordered =
        [District, Subdistrict, Community, Compound, Grid, Building, Unit, HouseholdGroup];

    public static int Depth(string level) => Array.IndexOf(Ordered, level);
}

/// <summary>A WGS-84 point, degrees.</summary>
public record GeoPoint(double Lat, double Lon);

/// <param name="Path">Codes from the top of the tree down to and including <paramref name="Code"/>, so a
/// copy can be kept from events that arrive in any order.</param>
/// <param name="Centre">Where the node is, when known: a point inside a grid finds the grid nearest to it when no
/// boundary contains it.</param>
/// <param name="Boundary">A grid's boundary ring, when surveyed; a point inside it belongs to the grid.</param>
public record GridNode(string Code, string? ParentCode, string Level, string Name, IReadOnlyList<string> Path,
    GeoPoint? Centre = null, IReadOnlyList<GeoPoint>? Boundary = null);

/// <summary>
/// Dispatch owns the grid tree; it publishes every change so intake and volunteer can keep a copy
/// for validating locations. Large imports are split into chunks of at most a few thousand nodes.
/// </summary>
public record GridNodesChanged(IReadOnlyList<GridNode> Nodes, DateTimeOffset ChangedAt);

/// <summary>
/// A worker went on or off duty (a heartbeat lapsing counts as off), published by dispatch so reporting can show
/// grid coverage. <paramref name="NodeCode"/> is the node the worker serves, normally a grid.
/// </summary>
public record WorkerDutyChanged(Guid WorkerId, string NodeCode, string Role, bool OnDuty, DateTimeOffset At);

/// <summary>
/// A worker was imported onto the roster (or imported again: moved, renamed), with their duty as it stands at
/// <paramref name="At"/>. A new worker is on duty by the roster and may never flip duty, so without this reporting
/// would never learn that their grid is staffed from the start.
/// </summary>
public record WorkerRostered(Guid WorkerId, string NodeCode, string Role, bool OnDuty, DateTimeOffset At);

/// <summary>A party organisation beside the grid was registered (committee, branch or building group).</summary>
public record PartyOrganisationRegistered(Guid Id, string Kind, string Name, string NodeCode, IReadOnlyList<string> ScopePath, DateTimeOffset At);

/// <summary>
/// Grid staff visited a household; <paramref name="CareGroups"/> are the special-care groups of its
/// people (elderly living alone, disabled, seriously ill, hardship), for the visit figures.
/// </summary>
public record HouseholdVisited(Guid VisitId, Guid HouseholdId, string NodeCode, IReadOnlyList<string> ScopePath, string Kind,
    IReadOnlyList<string> CareGroups, bool PartyHousehold, DateTimeOffset VisitedAt);
