using GovPlatform.Web.SignIn;
using Microsoft.AspNetCore.Components.Authorization;

namespace GovPlatform.Web.Apis;

/// <summary>A call on a department (吹哨) with the order it is about, as dispatch lists them for the department.</summary>
public sealed record DepartmentCall(Guid WhistleId, Guid WorkOrderId, string TicketNo, string Category, string LocationCode,
    string OrderStatus, string OrderTier, string Department, string Reason, DateTime BlownAt, DateTime ReportDueAt,
    DateTime? ReportedAt, bool? Late, DateTime? MissedAt, DateTime? ActedAt, string? Action);

/// <summary>Dispatch as a department uses it: the calls on it, report-in, the action it records, and the order's own steps.</summary>
public sealed class DepartmentApi(HttpClient http, AuthenticationStateProvider auth, TokenStore tokens) : PlatformApi(http, auth, tokens)
{
    public Task<ApiResult<List<DepartmentCall>>> CallsAsync(CancellationToken ct = default) =>
        GetAsync<List<DepartmentCall>>("/api/v1/whistles", ct);

    public Task<ApiResult<object>> ReportInAsync(DepartmentCall call, CancellationToken ct = default) =>
        PostAsync<object>($"/api/v1/work-orders/{call.WorkOrderId}/whistles/{call.WhistleId}/report", new { }, ct);

    public Task<ApiResult<object>> RecordActionAsync(DepartmentCall call, string action, CancellationToken ct = default) =>
        PostAsync<object>($"/api/v1/work-orders/{call.WorkOrderId}/whistles/{call.WhistleId}/act", new { action }, ct);

    /// <summary>accept, arrive, resolve: the order's steps, which dispatch lets a department take once it has reported in.</summary>
    public Task<ApiResult<object>> StepAsync(Guid workOrderId, string step, object? body = null, CancellationToken ct = default) =>
        PostAsync<object>($"/api/v1/work-orders/{workOrderId}/{step}", body ?? new { }, ct);
}
