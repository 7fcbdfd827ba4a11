using GovPlatform.Web.SignIn;
using Microsoft.AspNetCore.Components.Authorization;

namespace GovPlatform.Web.Apis;

public sealed record Candidate(string Category, double Score);
public sealed record Classification(string? Category, double Confidence, IReadOnlyList<Candidate> Candidates);

public sealed record LocationInput(string? Code = null, string? Address = null, double? Latitude = null, double? Longitude = null);
public sealed record ReporterInput(string Phone, string? Name = null);
public sealed record SubmitRequest(string Channel, string Description, LocationInput Location, string? Category = null,
    string Urgency = "normal", ReporterInput? Reporter = null);
public sealed record Submitted(Guid Id, string TicketNo, string Status, DateTimeOffset SubmittedAt, string? Category = null,
    double? Confidence = null, string? DuplicateOf = null, string? LocationCode = null);

public sealed record RequestView(Guid Id, string TicketNo, string Channel, string? Category, string Urgency, string Description,
    string? ReporterName, string? ReporterPhone, string LocationCode, string? Address, string Status, string? Satisfaction,
    int ReopenCount, DateTime SubmittedAt, DateTime UpdatedAt, DateTime? ClosedAt);
public sealed record PageOf<T>(IReadOnlyList<T> Items, int Page, int PageSize, long Total);

public sealed record TriageItem(Guid Id, string TicketNo, string Channel, string Description, string LocationCode,
    string? ReporterPhone, DateTime SubmittedAt, Classification? Suggestion);

public sealed record CategoryNode(string Code, string? ParentCode, string NameZh, string NameEn, IReadOnlyList<CategoryNode> Children);

public sealed record CallbackInput(bool Reached, string? Satisfaction = null, string? Comment = null);
public sealed record CallbackRecorded(Guid Id, Guid RequestId, bool Reached, string? Satisfaction, string? Comment,
    string Outcome, string Status, int ReopenCount, DateTimeOffset At);

/// <summary>The intake service: the desk's filing, triage, ledger and callbacks.</summary>
public sealed class IntakeApi(HttpClient http, AuthenticationStateProvider auth, TokenStore tokens) : PlatformApi(http, auth, tokens)
{
    public Task<ApiResult<List<CategoryNode>>> CategoriesAsync(CancellationToken ct = default) =>
        GetAsync<List<CategoryNode>>("/api/v1/categories", ct);

    public Task<ApiResult<Classification>> ClassifyAsync(string text, CancellationToken ct = default) =>
        PostAsync<Classification>("/api/v1/classify", new { text }, ct);

    public Task<ApiResult<Submitted>> SubmitAsync(SubmitRequest request, CancellationToken ct = default) =>
        PostAsync<Submitted>("/api/v1/requests", request, ct);

    public Task<ApiResult<PageOf<RequestView>>> SearchAsync(string? q = null, string? status = null, string? region = null,
        string? ticket = null, int page = 1, int pageSize = 20, CancellationToken ct = default)
    {
        var query = new Dictionary<string, string?> { ["q"] = q, ["status"] = status, ["region"] = region, ["ticket"] = ticket,
            ["page"] = page.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["pageSize"] = pageSize.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        return GetAsync<PageOf<RequestView>>(Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString("/api/v1/requests",
            query.Where(p => !string.IsNullOrWhiteSpace(p.Value))), ct);
    }

    public Task<ApiResult<List<TriageItem>>> TriageAsync(CancellationToken ct = default) =>
        GetAsync<List<TriageItem>>("/api/v1/triage", ct);

    public Task<ApiResult<object>> ChooseCategoryAsync(Guid id, string category, CancellationToken ct = default) =>
        PostAsync<object>($"/api/v1/requests/{id}/category", new { category }, ct);

    public Task<ApiResult<CallbackRecorded>> RecordCallbackAsync(Guid id, CallbackInput input, CancellationToken ct = default) =>
        PostAsync<CallbackRecorded>($"/api/v1/requests/{id}/callbacks", input, ct);
}
