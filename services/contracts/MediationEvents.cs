namespace GovPlatform.Contracts;

public static class MediationOutcomes
{
    public const string Agreement = "agreement";
    public const string Failed = "failed";
    public const string Referred = "referred";
}

/// <summary>A dispute (矛盾纠纷) case was opened with a named mediator or mediation point; <paramref name="PlaceId"/> when held at a registered place.</summary>
public record MediationCaseOpened(Guid CaseId, Guid? RequestId, string CommunityCode, string Kind, string MediatorName, DateTimeOffset At,
    Guid? PlaceId = null);

/// <summary>
/// A mediation studio (调解工作室) or talk-it-over point (说事点) was registered in a community as a place cases are held at.
/// The host is a named person and stays in dispatch; the place's own name is public.
/// </summary>
public record MediationPlaceRegistered(Guid PlaceId, string CommunityCode, string Kind, string Name, DateTimeOffset At);

/// <summary>
/// A mediation case ended. Volunteers who mediated are credited by the volunteer service,
/// keyed by <paramref name="CaseId"/> so the award is made once.
/// </summary>
public record MediationCaseClosed(Guid CaseId, Guid? RequestId, string CommunityCode, string Outcome,
    IReadOnlyList<Guid> MediatorVolunteerIds, int Sessions, DateTimeOffset At);

/// <summary>A point in the three-party council or joint meeting path, recorded for the timeline and reports.</summary>
public record CouncilHeld(Guid CouncilId, Guid WorkOrderId, Guid RequestId, string Kind, IReadOnlyList<string> Attendees, string Decision, DateTimeOffset At);
