using System.Net.Http.Json;
using GovPlatform.Web.SignIn;
using Microsoft.AspNetCore.Components.Authorization;

namespace GovPlatform.Web.Apis;

public sealed record AttributeValueDto(string Key, string Name);
public sealed record CategoryAttributeDto(string Code, string Datatype, bool Required, string Description, int Order = 0,
    IReadOnlyList<AttributeValueDto>? Values = null);
public sealed record CatalogueCategory(string Code, string? ParentCode, string NameZh, string NameEn, string DefaultTier,
    IReadOnlyList<CategoryAttributeDto> Attributes, bool Active, int SortOrder, IReadOnlyList<CatalogueCategory> Children);
public sealed record NewCatalogueCategory(string Code, string NameZh, string NameEn, string? ParentCode, string DefaultTier,
    IReadOnlyList<CategoryAttributeDto> Attributes, bool Active, int SortOrder);
public sealed record CatalogueCategoryChange(string NameZh, string NameEn, string DefaultTier, IReadOnlyList<CategoryAttributeDto> Attributes,
    bool Active, int SortOrder);

public sealed record ApiKeyView(Guid Id, string Name, string KeyPrefix, int RateLimitPerMinute, string CreatedBy, DateTime CreatedAt, DateTime? RevokedAt);
public sealed record IssuedKey(Guid Id, string Name, string Key, string KeyPrefix, int RateLimitPerMinute, DateTimeOffset CreatedAt);

/// <summary>
/// Intake's catalogue and API keys, as the admin screens change them. Each call carries the admin's own token, so what
/// intake refuses comes back as its ProblemDetails words it.
/// </summary>
public sealed class IntakeAdminApi(HttpClient http, AuthenticationStateProvider auth, TokenStore tokens) : PlatformApi(http, auth, tokens)
{
    /// <summary>The whole catalogue, retired categories too: an admin may bring one back.</summary>
    public Task<ApiResult<List<CatalogueCategory>>> CategoriesAsync(CancellationToken ct = default) =>
        GetAsync<List<CatalogueCategory>>("/api/v1/categories?includeInactive=true", ct);

    public Task<ApiResult<CatalogueCategory>> AddCategoryAsync(NewCatalogueCategory category, CancellationToken ct = default) =>
        PostAsync<CatalogueCategory>("/api/v1/categories", category, ct);

    public Task<ApiResult<CatalogueCategory>> ChangeCategoryAsync(string code, CatalogueCategoryChange change, CancellationToken ct = default) =>
        SendAsync<CatalogueCategory>(new HttpRequestMessage(HttpMethod.Put, $"/api/v1/categories/{Uri.EscapeDataString(code)}")
        {
            Content = JsonContent.Create(change, options: Json),
        }, ct);

    public Task<ApiResult<List<ApiKeyView>>> ApiKeysAsync(CancellationToken ct = default) => GetAsync<List<ApiKeyView>>("/api/v1/api-keys", ct);

    public Task<ApiResult<IssuedKey>> IssueKeyAsync(string name, int rateLimitPerMinute, CancellationToken ct = default) =>
        PostAsync<IssuedKey>("/api/v1/api-keys", new { name, rateLimitPerMinute }, ct);

    public Task<ApiResult<object>> RevokeKeyAsync(Guid id, CancellationToken ct = default) =>
        SendAsync<object>(new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/api-keys/{id}"), ct);
}

public sealed record BodyView(string At, string Name, string? ContactName, string? Phone);
public sealed record BodyRow(string At, string Name, string ContactName, string Phone);
public sealed record BodiesImported(int PropertyCompanies, int OwnersCommittees, int ResponsibleUnits, int Departments);

public sealed record SlaPolicyView(string Category, string Urgency, int AcceptMinutes, int ArriveMinutes, int ResolveMinutes, int PlanMinutes,
    bool WorkingTime, int WarnPercent);
public sealed record SlaPolicyInput(int AcceptMinutes, int ArriveMinutes, int ResolveMinutes, int PlanMinutes, bool WorkingTime, int WarnPercent);
public sealed record RoutingRuleView(string Category, string Target, bool NotifyCommunity);
public sealed record CalendarDayView(DateOnly Day, string Kind, string Name);
public sealed record CalendarYearView(string County, int Year, IReadOnlyList<CalendarDayView> Days, int WorkingDays);

/// <summary>Dispatch's bodies, service levels, routing rules and working-day calendar, as the admin screens change them.</summary>
public sealed class DispatchAdminApi(HttpClient http, AuthenticationStateProvider auth, TokenStore tokens) : PlatformApi(http, auth, tokens)
{
    /// <summary>The four kinds of body, each the path of its list and the field of the import that registers it.</summary>
    public static readonly (string Kind, string Path, string ImportField)[] BodyKinds =
    [
        ("propertyCompanies", "property-companies", "propertyCompanies"),
        ("ownersCommittees", "owners-committees", "ownersCommittees"),
        ("responsibleUnits", "responsible-units", "responsibleUnits"),
        ("departments", "departments", "departments"),
    ];

    public Task<ApiResult<List<BodyView>>> BodiesAsync(string kind, string? under, CancellationToken ct = default)
    {
        var path = BodyKinds.Single(k => k.Kind == kind).Path;
        var url = string.IsNullOrWhiteSpace(under) ? $"/api/v1/bodies/{path}" : $"/api/v1/bodies/{path}?under={Uri.EscapeDataString(under.Trim())}";
        return GetAsync<List<BodyView>>(url, ct);
    }

    /// <summary>One body registered, as an import of one row of its kind.</summary>
    public Task<ApiResult<BodiesImported>> RegisterBodyAsync(string kind, BodyRow row, CancellationToken ct = default) =>
        PostAsync<BodiesImported>("/api/v1/bodies/import", new Dictionary<string, object> { [BodyKinds.Single(k => k.Kind == kind).ImportField] = new[] { row } }, ct);

    /// <summary>A bodies file as uploaded, passed on to dispatch's import unchanged.</summary>
    public Task<ApiResult<BodiesImported>> ImportBodiesAsync(System.Text.Json.JsonElement file, CancellationToken ct = default) =>
        PostAsync<BodiesImported>("/api/v1/bodies/import", file, ct);

    public Task<ApiResult<List<SlaPolicyView>>> SlaPoliciesAsync(CancellationToken ct = default) => GetAsync<List<SlaPolicyView>>("/api/v1/sla-policies", ct);

    public Task<ApiResult<SlaPolicyView>> SetSlaPolicyAsync(string category, string urgency, SlaPolicyInput policy, CancellationToken ct = default) =>
        SendAsync<SlaPolicyView>(new HttpRequestMessage(HttpMethod.Put,
            $"/api/v1/sla-policies/{Uri.EscapeDataString(category)}/{Uri.EscapeDataString(urgency)}") { Content = JsonContent.Create(policy, options: Json) }, ct);

    public Task<ApiResult<List<RoutingRuleView>>> RoutingRulesAsync(CancellationToken ct = default) => GetAsync<List<RoutingRuleView>>("/api/v1/routing-rules", ct);

    public Task<ApiResult<RoutingRuleView>> SetRoutingRuleAsync(string category, string target, bool notifyCommunity, CancellationToken ct = default) =>
        SendAsync<RoutingRuleView>(new HttpRequestMessage(HttpMethod.Put, $"/api/v1/routing-rules/{Uri.EscapeDataString(category)}")
        {
            Content = JsonContent.Create(new { target, notifyCommunity }, options: Json),
        }, ct);

    public Task<ApiResult<CalendarYearView>> CalendarAsync(string county, int year, CancellationToken ct = default) =>
        GetAsync<CalendarYearView>($"/api/v1/calendars/{Uri.EscapeDataString(county)}/{year}", ct);

    /// <summary>The year replaced whole, as dispatch takes it: the published arrangement is one document.</summary>
    public Task<ApiResult<CalendarYearView>> SetCalendarAsync(string county, int year, IReadOnlyList<CalendarDayView> days, CancellationToken ct = default) =>
        SendAsync<CalendarYearView>(new HttpRequestMessage(HttpMethod.Put, $"/api/v1/calendars/{Uri.EscapeDataString(county)}/{year}")
        {
            Content = JsonContent.Create(new { days }, options: Json),
        }, ct);
}
