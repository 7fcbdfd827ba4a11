using GovPlatform.Web.SignIn;
using Microsoft.AspNetCore.Components.Authorization;

namespace GovPlatform.Web.Apis;

public sealed record VolunteerView(Guid Id, string Name, string Phone, string GridCode, bool PartyMember, DateTime CreatedAt);
public sealed record LedgerLine(Guid Id, string Kind, long Amount, string Reason, string CreatedBy, DateTime CreatedAt, DateTime? ExpiresAt);
public sealed record PointsAccount(Guid VolunteerId, long Balance, IReadOnlyList<LedgerLine> Entries);
public sealed record Goods(string Code, string Name, long PricePoints, int Stock, int? PerPersonLimit, bool Active);
public sealed record Redemption(Guid Id, Guid VolunteerId, string ItemCode, int Quantity, long Points, string Status, DateTime CreatedAt, DateTime UpdatedAt);
public sealed record Awarded(Guid EntryId, Guid VolunteerId, long Points, long Balance, bool Duplicate);

/// <summary>The volunteer service as the points counter uses it: find a volunteer, their ledger, the shelf, redemptions, awards.</summary>
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
}
