using GovPlatform.Web.SignIn;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.WebUtilities;

namespace GovPlatform.Web.Apis;

/// <summary>A council or joint meeting with the order it is about (dispatch's <c>GET /api/v1/councils</c>).</summary>
public sealed record Council(Guid Id, Guid WorkOrderId, string TicketNo, string Category, string Tier, string OrderStatus, string Kind,
    DateTime ScheduledAt, string Place, string? TrackedBy, string? TrackedByName, DateTime? HeldAt, string[]? Attendees, string? Decision);

public sealed record MediationParty(string Name, string Role);
public sealed record MediationSession(Guid Id, DateTime HeldAt, string Place, string[] Attendees, string Notes, string RecordedBy);

public sealed record MediationCase(Guid Id, string CommunityCode, string Kind, string Summary, Guid? RequestId, Guid? WorkOrderId,
    string MediatorKind, string MediatorName, string State, DateTime OpenedAt, DateTime? ClosedAt, string? Outcome,
    DateTime? AgreementSignedAt, string? ReferredTo, string? ClosingNote, int SessionCount)
{
    public IReadOnlyList<MediationParty> Parties { get; init; } = [];
    public IReadOnlyList<MediationSession> Sessions { get; init; } = [];
}

public sealed record MenuItem(Guid Id, string CommunityCode, string Title, string Description, int? Points, DateTime PublishedAt);

public sealed record ServiceOrder(Guid Id, Guid MenuItemId, string Title, int? Points, string CommunityCode, string State, string OrdererKind,
    string OrdererName, string OrdererContact, string? Note, string? TakerKind, Guid? TakerId, string? TakerName, string? Result,
    DateTime PlacedAt, DateTime? DispatchedAt, DateTime? TakenAt, DateTime? CompletedAt);

/// <summary>A completed service as the public board shows it (晒单).</summary>
public sealed record ServiceResult(Guid OrderId, string Title, string TakerKind, string TakerName, string Result, int? Points, DateTime CompletedAt);

public sealed record SupervisedOrder(Guid Id, Guid WorkOrderId, string TicketNo, string Category, string OrderStatus, string Tier, string AssigneeName,
    string FlaggedBy, string FlaggedByName, string Reason, DateTime FlaggedAt, DateTime DueAt, string State, DateTime? OverdueAt, DateTime? DoneAt);

public sealed record Arbitration(Guid Id, Guid WorkOrderId, string TicketNo, string OrderStatus, string Claim, string RequestedByName,
    DateTime RequestedAt, string ArbiterTier, string State, Guid? ResponsibleId, string? ResponsibleName, string? DecisionReason,
    string? DecidedByName, DateTime? DecidedAt);

public sealed record RatingAppeal(Guid Id, Guid WorkOrderId, string TicketNo, string Reason, string Evidence, string FiledByName, DateTime FiledAt,
    string DeciderTier, string State, string? DecisionReason, string? DecidedByName, DateTime? DecidedAt);

/// <summary>
/// Dispatch as the community and the leaders above it use it beyond the board: councils and joint meetings, mediation
/// cases, the service menu and its orders (点单-派单-接单-晒单), supervision (督办), arbitration of disputed returns
/// and appeals of dissatisfied ratings. The bodies are the APIs' own; dispatch decides and words every refusal.
/// </summary>
public sealed class BoardApi(HttpClient http, AuthenticationStateProvider auth, TokenStore tokens) : PlatformApi(http, auth, tokens)
{
    private static string Query(string path, params (string Key, string? Value)[] query) =>
        QueryHelpers.AddQueryString(path, query.Where(q => q.Value is not null).Select(q => new KeyValuePair<string, string?>(q.Key, q.Value)));

    public Task<ApiResult<List<Council>>> CouncilsAsync(string? state = null, CancellationToken ct = default) =>
        GetAsync<List<Council>>(Query("/api/v1/councils", ("state", state)), ct);

    public Task<ApiResult<object>> ScheduleCouncilAsync(Guid orderId, string kind, DateTimeOffset scheduledAt, string place, string? trackedBy,
        CancellationToken ct = default) =>
        PostAsync<object>($"/api/v1/work-orders/{orderId}/councils", new { kind, scheduledAt, place, trackedBy }, ct);

    public Task<ApiResult<object>> RecordCouncilAsync(Council council, IEnumerable<(string Party, string Name)> attendees, string decision,
        CancellationToken ct = default) =>
        PostAsync<object>($"/api/v1/work-orders/{council.WorkOrderId}/councils/{council.Id}/record",
            new { attendees = attendees.Select(a => new { party = a.Party, name = a.Name }).ToList(), decision }, ct);

    public Task<ApiResult<List<MediationCase>>> MediationCasesAsync(string community, string? state = null, CancellationToken ct = default) =>
        GetAsync<List<MediationCase>>(Query("/api/v1/mediation-cases", ("community", community), ("state", state)), ct);

    public Task<ApiResult<MediationCase>> MediationCaseAsync(Guid id, CancellationToken ct = default) =>
        GetAsync<MediationCase>($"/api/v1/mediation-cases/{id}", ct);

    public Task<ApiResult<MediationCase>> OpenMediationAsync(object body, CancellationToken ct = default) =>
        PostAsync<MediationCase>("/api/v1/mediation-cases", body, ct);

    public Task<ApiResult<MediationCase>> RecordSessionAsync(Guid id, DateTimeOffset heldAt, string place, IReadOnlyList<string> attendees, string notes,
        CancellationToken ct = default) =>
        PostAsync<MediationCase>($"/api/v1/mediation-cases/{id}/sessions", new { heldAt, place, attendees, notes }, ct);

    public Task<ApiResult<MediationCase>> CloseMediationAsync(Guid id, string outcome, DateTimeOffset? agreementSignedAt, string? referredTo, string? note,
        CancellationToken ct = default) =>
        PostAsync<MediationCase>($"/api/v1/mediation-cases/{id}/close", new { outcome, agreementSignedAt, referredTo, note }, ct);

    public Task<ApiResult<List<MenuItem>>> MenuAsync(string community, CancellationToken ct = default) =>
        GetAsync<List<MenuItem>>($"/api/v1/communities/{Uri.EscapeDataString(community)}/service-menu", ct);

    public Task<ApiResult<MenuItem>> AddMenuItemAsync(string community, string title, string description, int? points, CancellationToken ct = default) =>
        PostAsync<MenuItem>($"/api/v1/communities/{Uri.EscapeDataString(community)}/service-menu", new { title, description, points }, ct);

    public Task<ApiResult<List<ServiceOrder>>> ServiceOrdersAsync(string community, string? state = null, CancellationToken ct = default) =>
        GetAsync<List<ServiceOrder>>(Query("/api/v1/service-orders", ("community", community), ("state", state)), ct);

    public Task<ApiResult<ServiceOrder>> PlaceServiceOrderAsync(Guid menuItemId, string ordererKind, string name, string contact, string? note,
        CancellationToken ct = default) =>
        PostAsync<ServiceOrder>("/api/v1/service-orders", new { menuItemId, orderer = new { kind = ordererKind, name, contact }, note }, ct);

    public Task<ApiResult<ServiceOrder>> DispatchServiceOrderAsync(Guid id, string takerKind, string takerName, Guid? takerId, CancellationToken ct = default) =>
        PostAsync<ServiceOrder>($"/api/v1/service-orders/{id}/dispatch", new { takerKind, takerName, takerId }, ct);

    public Task<ApiResult<ServiceOrder>> TakeServiceOrderAsync(Guid id, CancellationToken ct = default) =>
        PostAsync<ServiceOrder>($"/api/v1/service-orders/{id}/take", new { }, ct);

    public Task<ApiResult<ServiceOrder>> CompleteServiceOrderAsync(Guid id, string result, CancellationToken ct = default) =>
        PostAsync<ServiceOrder>($"/api/v1/service-orders/{id}/complete", new { result }, ct);

    public Task<ApiResult<List<ServiceResult>>> ServiceResultsAsync(string community, CancellationToken ct = default) =>
        GetAsync<List<ServiceResult>>($"/api/v1/public/communities/{Uri.EscapeDataString(community)}/service-results", ct);

    public Task<ApiResult<List<SupervisedOrder>>> SupervisionBoardAsync(string? state = null, bool mine = false, CancellationToken ct = default) =>
        GetAsync<List<SupervisedOrder>>(Query("/api/v1/supervision/board", ("state", state), ("mine", mine ? "true" : null)), ct);

    public Task<ApiResult<object>> SuperviseAsync(Guid orderId, string reason, DateTimeOffset dueAt, CancellationToken ct = default) =>
        PostAsync<object>($"/api/v1/work-orders/{orderId}/supervise", new { reason, dueAt }, ct);

    public Task<ApiResult<List<Arbitration>>> ArbitrationsAsync(string? state = null, CancellationToken ct = default) =>
        GetAsync<List<Arbitration>>(Query("/api/v1/arbitrations", ("state", state)), ct);

    public Task<ApiResult<object>> DecideArbitrationAsync(Guid id, Guid responsibleWorkerId, string reason, CancellationToken ct = default) =>
        PostAsync<object>($"/api/v1/arbitrations/{id}/decision", new { responsibleWorkerId, reason }, ct);

    public Task<ApiResult<List<RatingAppeal>>> RatingAppealsAsync(string? state = null, CancellationToken ct = default) =>
        GetAsync<List<RatingAppeal>>(Query("/api/v1/rating-appeals", ("state", state)), ct);

    public Task<ApiResult<object>> DecideRatingAppealAsync(Guid id, bool upheld, string reason, CancellationToken ct = default) =>
        PostAsync<object>($"/api/v1/rating-appeals/{id}/decision", new { upheld, reason }, ct);
}
