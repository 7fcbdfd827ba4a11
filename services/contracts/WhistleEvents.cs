namespace GovPlatform.Contracts;

/// <summary>Departments a community or subdistrict can whistle in (吹哨报到).</summary>
public static class Departments
{
    public const string EmergencyOffice = "emergency";
    public const string CityManagement = "city_management";
    public const string Police = "police";
    public const string Fire = "fire";
    public const string Housing = "housing";
    public const string CivilAffairs = "civil_affairs";
    public const string Water = "water";
    public const string Power = "power";
}

/// <summary>A community or subdistrict blew the whistle on a work order to one or more departments.</summary>
public record WhistleBlown(Guid WhistleId, Guid WorkOrderId, Guid RequestId, string BlownBy, string Tier,
    IReadOnlyList<string> Departments, DateTimeOffset ReportDueAt, DateTimeOffset At);

/// <summary>A whistled department reported in; late when after its deadline.</summary>
public record DepartmentReported(Guid WhistleId, Guid WorkOrderId, string Department, bool Late, DateTimeOffset At);

/// <summary>A whistled department recorded what it did.</summary>
public record DepartmentActed(Guid WhistleId, Guid WorkOrderId, string Department, string Action, DateTimeOffset At);

/// <summary>A department did not report in time and was escalated to the county.</summary>
public record DepartmentReportMissed(Guid WhistleId, Guid WorkOrderId, string Department, DateTimeOffset DueAt, DateTimeOffset At);
