using GovPlatform.Web.SignIn;
using Microsoft.AspNetCore.Components.Authorization;

namespace GovPlatform.Web.Apis;

public sealed record MeetingAttendee(string Party, string Name);
public sealed record MeetingItem(Guid Id, string Kind, string Text, string? RaisedBy, string? LocationCode, bool? Resolved, Guid? RequestId, string? TicketNo);
public sealed record Meeting(Guid Id, string CommunityCode, string Kind, string Title, string Place, DateTime HeldAt, string RecordedByName,
    IReadOnlyList<MeetingAttendee> Attendees, IReadOnlyList<MeetingItem> Needs, IReadOnlyList<MeetingItem> Suggestions, IReadOnlyList<MeetingItem> Disputes);
public sealed record FollowUpTask(Guid Id, string Title, string TakenBy, int Progress, DateTime? DoneAt);
public sealed record Proposal(Guid Id, string Title, string Description, string ProposedBy, string State, int VotesFor, int VotesAgainst, int VotesAbstain,
    string? Decision, DateTime? CarriedOutAt, IReadOnlyList<FollowUpTask> Tasks);
public sealed record CommunityDeliberation(string CommunityCode, string CommunityName, IReadOnlyList<Proposal> Proposals);

/// <summary>Dispatch's deliberation API: a community's meetings (居民议事会, 岭上夜话, 议事亭) and its residents' proposals.</summary>
public sealed class DeliberationApi(HttpClient http, AuthenticationStateProvider auth, TokenStore tokens) : PlatformApi(http, auth, tokens)
{
    public Task<ApiResult<List<Meeting>>> MeetingsAsync(string community, CancellationToken ct = default) =>
        GetAsync<List<Meeting>>($"/api/v1/meetings?community={Uri.EscapeDataString(community)}", ct);

    public Task<ApiResult<Meeting>> RecordAsync(object meeting, CancellationToken ct = default) => PostAsync<Meeting>("/api/v1/meetings", meeting, ct);

    /// <summary>The residents' own view of the proposals: tally, decision and follow-up progress.</summary>
    public Task<ApiResult<CommunityDeliberation>> ProposalsAsync(string community, CancellationToken ct = default) =>
        GetAsync<CommunityDeliberation>($"/api/v1/public/communities/{Uri.EscapeDataString(community)}/deliberation", ct);
}
