using GovPlatform.Web.SignIn;
using Microsoft.AspNetCore.Components.Authorization;

namespace GovPlatform.Web.Apis;

public sealed record VolunteerView(Guid Id, string Name, string Phone, string GridCode, bool PartyMember, DateTime CreatedAt);
public sealed record LedgerLine(Guid Id, string Kind, long Amount, string Reason, string CreatedBy, DateTime CreatedAt, DateTime? ExpiresAt);
public sealed record PointsAccount(Guid VolunteerId, long Balance, IReadOnlyList<LedgerLine> Entries);
public sealed record Goods(string Code, string Name, long PricePoints, int Stock, int? PerPersonLimit, bool Active);
public sealed record Redemption(Guid Id, Guid VolunteerId, string ItemCode, int Quantity, long Points, string Status, DateTime CreatedAt, DateTime UpdatedAt);
public sealed record Awarded(Guid EntryId, Guid VolunteerId, long Points, long Balance, bool Duplicate);
public sealed record ActivityView(Guid Id, string Title, string Type, string GridCode, DateTime StartsAt, DateTime EndsAt, int Capacity,
    double? Latitude, double? Longitude, int? RadiusMeters, string Organiser, string Status, int Confirmed, int Waitlisted);
/// <summary>A check-in or check-out code as the volunteer service issues it; the token is what the QR carries.</summary>
public sealed record CheckInCode(string Token, string Purpose, DateTimeOffset ExpiresAt);
public sealed record PointsRule(string ActivityType, int PointsPerHour, int Bonus, int? ExpiryDays);
public sealed record PointsRuleChange(string ActivityType, int PointsPerHour, int Bonus, int? ExpiryDays, PointsRule? Previous, string ChangedBy, DateTime ChangedAt);
public sealed record HonourEntry(Guid Id, string List, string SubjectKind, Guid SubjectId, string SubjectName, string Reason, string Status,
    DateTime ProposedAt, DateTime? ReviewedAt);

/// <summary>
/// The volunteer service as the points counter uses it: find a volunteer, their ledger, the shelf and its stock, redemptions,
/// awards; the organisers' activities and their check-in codes; the points rules and the honour board's review.
/// </summary>
public sealed class VolunteerApi(HttpClient http, AuthenticationStateProvider auth, TokenStore tokens) : PlatformApi(http, auth, tokens)
{
    public Task<ApiResult<List<VolunteerView>>> FindAsync(string q, CancellationToken ct = default) =>
        GetAsync<List<VolunteerView>>($"/api/v1/volunteers?q={Uri.EscapeDataString(q)}", ct);

    public Task<ApiResult<PointsAccount>> AccountAsync(Guid volunteerId, CancellationToken ct = default) =>
        GetAsync<PointsAccount>($"/api/v1/points/accounts/{volunteerId}", ct);

    public Task<ApiResult<List<Goods>>> GoodsAsync(CancellationToken ct = default) => GetAsync<List<Goods>>("/api/v1/supermarket/goods", ct);

    public Task<ApiResult<List<Redemption>>> RedemptionsAsync(Guid volunteerId, CancellationToken ct = default) =>
        GetAsync<List<Redemption>>($"/api/v1/supermarket/redemptions?volunteerId={volunteerId}", ct);

    public Task<ApiResult<Redemption>> RedeemAsync(Guid volunteerId, string itemCode, int quantity, CancellationToken ct = default) =>
        PostAsync<Redemption>("/api/v1/supermarket/redemptions", new { itemCode, quantity, volunteerId }, ct);

    /// <summary>pickup (handed over: the points are spent) or cancel (points and stock come back).</summary>
    public Task<ApiResult<object>> FinishAsync(Guid redemptionId, string step, CancellationToken ct = default) =>
        PostAsync<object>($"/api/v1/supermarket/redemptions/{redemptionId}/{step}", new { }, ct);

    /// <param name="sourceKey">Makes the award happen once however often the button is pressed.</param>
    public Task<ApiResult<Awarded>> AwardAsync(Guid volunteerId, long points, string reason, string sourceKey, CancellationToken ct = default) =>
        PostAsync<Awarded>("/api/v1/points/awards", new { volunteerId, points, reason, sourceKey }, ct);

    public Task<ApiResult<Goods>> AddGoodsAsync(string code, string name, long pricePoints, int stock, int? perPersonLimit, CancellationToken ct = default) =>
        PostAsync<Goods>("/api/v1/supermarket/goods", new { code, name, pricePoints, stock, perPersonLimit }, ct);

    public Task<ApiResult<Goods>> RestockAsync(string code, int quantity, CancellationToken ct = default) =>
        PostAsync<Goods>($"/api/v1/supermarket/goods/{Uri.EscapeDataString(code)}/restock", new { quantity }, ct);

    /// <summary>Activities not yet over (the service lists everyone's; the page keeps the organiser's own).</summary>
    public Task<ApiResult<List<ActivityView>>> ActivitiesAsync(CancellationToken ct = default) => GetAsync<List<ActivityView>>("/api/v1/activities", ct);

    public Task<ApiResult<ActivityView>> ActivityAsync(Guid id, CancellationToken ct = default) => GetAsync<ActivityView>($"/api/v1/activities/{id}", ct);

    /// <param name="purpose">check_in or check_out.</param>
    public Task<ApiResult<CheckInCode>> CheckInCodeAsync(Guid activityId, string purpose, CancellationToken ct = default) =>
        GetAsync<CheckInCode>($"/api/v1/activities/{activityId}/qr?purpose={Uri.EscapeDataString(purpose)}", ct);

    public Task<ApiResult<List<PointsRule>>> RulesAsync(CancellationToken ct = default) => GetAsync<List<PointsRule>>("/api/v1/points/rules", ct);

    public Task<ApiResult<PointsRule>> SetRuleAsync(string activityType, int pointsPerHour, int bonus, int? expiryDays, CancellationToken ct = default) =>
        SendAsync<PointsRule>(new HttpRequestMessage(HttpMethod.Put, $"/api/v1/points/rules/{Uri.EscapeDataString(activityType)}")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { pointsPerHour, bonus, expiryDays }, options: Json),
        }, ct);

    public Task<ApiResult<List<PointsRuleChange>>> RuleChangesAsync(string activityType, CancellationToken ct = default) =>
        GetAsync<List<PointsRuleChange>>($"/api/v1/points/rules/{Uri.EscapeDataString(activityType)}/changes", ct);

    public Task<ApiResult<List<HonourEntry>>> PendingHonoursAsync(CancellationToken ct = default) => GetAsync<List<HonourEntry>>("/api/v1/honour-board/pending", ct);

    /// <param name="note">The reviewer's reason; the page asks for one when rejecting.</param>
    public Task<ApiResult<HonourEntry>> ReviewHonourAsync(Guid id, bool approve, string? note, CancellationToken ct = default) =>
        PostAsync<HonourEntry>($"/api/v1/honour-board/{id}/review", new { approve, note }, ct);
}
