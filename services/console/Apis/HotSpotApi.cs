using GovPlatform.Web.SignIn;
using Microsoft.AspNetCore.Components.Authorization;

namespace GovPlatform.Web.Apis;

public sealed record HotSpotRequest(Guid Id, string TicketNo, string Description, string LocationCode, string Status, DateTime SubmittedAt);

public sealed record HotSpot(Guid Id, string Category, string PlaceCode, string PlaceLevel, string? PlaceName, IReadOnlyList<string> Topic,
    int RequestCount, DateTime FirstAt, DateTime LastAt, DateTime DetectedAt, string Status, DateTime? DecidedAt, string? DecisionNote,
    Guid? OrderId, DateTime? OrderResolvedAt, IReadOnlyList<HotSpotRequest>? Requests);

/// <summary>Intake's hot spots (未诉先办): what the detector proposed in the signed-in cadre's part of the tree, and their decision.</summary>
public sealed class HotSpotApi(HttpClient http, AuthenticationStateProvider auth, TokenStore tokens) : PlatformApi(http, auth, tokens)
{
    public Task<ApiResult<PageOf<HotSpot>>> ListAsync(string? status, CancellationToken ct = default) =>
        GetAsync<PageOf<HotSpot>>(status is null ? "/api/v1/hot-spots?pageSize=100" : $"/api/v1/hot-spots?pageSize=100&status={status}", ct);

    public Task<ApiResult<HotSpot>> GetAsync(Guid id, CancellationToken ct = default) => GetAsync<HotSpot>($"/api/v1/hot-spots/{id}", ct);

    public Task<ApiResult<HotSpot>> DecideAsync(Guid id, string decision, string? note, CancellationToken ct = default) =>
        PostAsync<HotSpot>($"/api/v1/hot-spots/{id}/decision", new { decision, note = string.IsNullOrWhiteSpace(note) ? null : note.Trim() }, ct);
}
