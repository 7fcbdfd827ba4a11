namespace GovPlatform.Contracts;

// Deliberation (居民议事会, 岭上夜话, 议事亭): "居民提、众人议、一同定、联合做". Dispatch keeps meetings and
// proposals; intake files the needs raised at a meeting as requests of channel `meeting`; reporting counts.

/// <summary>
/// A residents' meeting was held and recorded, with what it raised. The counts are what the field reports of a
/// session (问题建议条数、化解纠纷起数); the needs travel one by one as <see cref="MeetingNeedRaised"/>.
/// </summary>
/// <param name="Kind"><c>residents_council</c> (居民议事会), <c>night_talk</c> (岭上夜话 / 居民夜话), <c>pavilion</c> (议事亭) or <c>other</c>.</param>
/// <param name="CommunityPath">Grid-tree codes from the district down to the community, so reports roll up without a lookup.</param>
/// <param name="AttendeeParties">One entry per attendee: cadre, police, mediator, resident, party_member or other (no names).</param>
public record MeetingHeld(Guid MeetingId, string CommunityCode, IReadOnlyList<string> CommunityPath, string Kind, DateTimeOffset HeldAt,
    IReadOnlyList<string> AttendeeParties, int Needs, int Suggestions, int Disputes, int DisputesResolved, DateTimeOffset At);

/// <summary>
/// A need (a problem to fix) raised at a meeting, for intake to file as a request of channel <c>meeting</c>.
/// Intake answers with <see cref="MeetingNeedFiled"/>; <paramref name="NeedId"/> makes filing it twice impossible.
/// </summary>
/// <param name="Category">The category the meeting put it under, if any; intake classifies it otherwise.</param>
/// <param name="RaisedBy">The resident who raised it, by name (no phone: they were in the room).</param>
public record MeetingNeedRaised(Guid NeedId, Guid MeetingId, string CommunityCode, string LocationCode, string Description,
    string? Category, string Urgency, string? RaisedBy, DateTimeOffset At);

/// <summary>Intake filed a meeting's need in the ledger (status <c>submitted</c>, or <c>triage</c> when its category must still be chosen).</summary>
public record MeetingNeedFiled(Guid NeedId, Guid MeetingId, Guid RequestId, string TicketNo, string Status, string? Category, DateTimeOffset At);

/// <summary>居民提: a resident's proposal was registered with the community.</summary>
public record ProposalMade(Guid ProposalId, string CommunityCode, IReadOnlyList<string> CommunityPath, string Title, DateTimeOffset At);

/// <summary>众人议: the proposal was discussed at a meeting; households may vote from now on.</summary>
public record ProposalDiscussed(Guid ProposalId, Guid MeetingId, string CommunityCode, DateTimeOffset At);

/// <summary>A household's vote, published once: a repeat of the same vote is not a second vote.</summary>
/// <param name="Choice"><c>for</c>, <c>against</c> or <c>abstain</c>.</param>
public record ProposalVoteCast(Guid ProposalId, Guid HouseholdId, string Choice, DateTimeOffset At);

/// <summary>一同定: voting closed and the tally decided the proposal.</summary>
/// <param name="Outcome"><c>adopted</c> or <c>rejected</c>.</param>
public record ProposalDecided(Guid ProposalId, string CommunityCode, IReadOnlyList<string> CommunityPath, string Outcome,
    int For, int Against, int Abstain, int FollowUpTasks, DateTimeOffset At);

/// <summary>A follow-up task of an adopted proposal moved on (progress in percent).</summary>
public record FollowUpProgressed(Guid ProposalId, Guid TaskId, int Progress, DateTimeOffset At);

/// <summary>联合做: every follow-up task of an adopted proposal is done; one practical matter (实事) done.</summary>
public record ProposalCarriedOut(Guid ProposalId, string CommunityCode, IReadOnlyList<string> CommunityPath, DateTimeOffset At);
