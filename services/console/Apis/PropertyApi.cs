using GovPlatform.Web.SignIn;
using Microsoft.AspNetCore.Components.Authorization;

namespace GovPlatform.Web.Apis;

public sealed record PropertyItem(string Code, string Name, decimal Weight);
public sealed record PropertySystem(string Code, string Name, decimal Weight, IReadOnlyList<PropertyItem> Items);
public sealed record PropertyStandard(string County, int Version, string Name, bool IsDefault, int Items, IReadOnlyList<PropertySystem> Systems);
public sealed record PropertyInspection(Guid Id, string CompoundCode, string Company, int StandardVersion, decimal InspectionScore,
    decimal? SurveySatisfaction, decimal? OrdersOnTimeRate, decimal? OrdersSatisfactionRate, int Orders, decimal Score, string Grade,
    DateTime InspectedAt, string InspectorName, Guid? NoticeId, string? NoticeState);
public sealed record RectificationNotice(Guid Id, Guid InspectionId, string CompoundCode, string Company, string[] Items, string State, DateTime DueAt,
    DateTime OpenedAt, Guid? RectifiedBy, DateTime? ClosedAt, string? OwnersCommittee);
public sealed record MajorMatter(Guid Id, string CompoundCode, string Kind, string Title, string Description, decimal? AmountYuan, string State,
    DateTime ProposedAt, Guid? PartyOrgId, string? PartyOrgName, string? ConsentNote, DateTime? ConsentAt, int? EligibleOwners, decimal? EligibleArea,
    int? VotedOwners, decimal? VotedArea, int? ForOwners, decimal? ForArea, int? AgainstOwners, decimal? AgainstArea, DateTime? VoteHeldAt);

/// <summary>Dispatch's red property management API (红色物业): the standard, inspections and grades, notices, major matters.</summary>
public sealed class PropertyApi(HttpClient http, AuthenticationStateProvider auth, TokenStore tokens) : PlatformApi(http, auth, tokens)
{
    public Task<ApiResult<PropertyStandard>> StandardAsync(string county, CancellationToken ct = default) =>
        GetAsync<PropertyStandard>($"/api/v1/property/standards/{Uri.EscapeDataString(county)}", ct);

    public Task<ApiResult<PropertyInspection>> InspectAsync(object inspection, CancellationToken ct = default) =>
        PostAsync<PropertyInspection>("/api/v1/property/inspections", inspection, ct);

    public Task<ApiResult<List<RectificationNotice>>> NoticesAsync(string under, CancellationToken ct = default) =>
        GetAsync<List<RectificationNotice>>($"/api/v1/property/notices?under={Uri.EscapeDataString(under)}", ct);

    public Task<ApiResult<List<MajorMatter>>> MattersAsync(string under, CancellationToken ct = default) =>
        GetAsync<List<MajorMatter>>($"/api/v1/property/matters?under={Uri.EscapeDataString(under)}", ct);

    public Task<ApiResult<MajorMatter>> ProposeAsync(object matter, CancellationToken ct = default) =>
        PostAsync<MajorMatter>("/api/v1/property/matters", matter, ct);

    public Task<ApiResult<MajorMatter>> ConsentAsync(Guid id, bool consented, string note, CancellationToken ct = default) =>
        PostAsync<MajorMatter>($"/api/v1/property/matters/{id}/consent", new { consented, note }, ct);

    public Task<ApiResult<MajorMatter>> VoteAsync(Guid id, object tally, CancellationToken ct = default) =>
        PostAsync<MajorMatter>($"/api/v1/property/matters/{id}/vote", tally, ct);
}
