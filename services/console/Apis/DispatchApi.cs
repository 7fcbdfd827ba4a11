using GovPlatform.Web.SignIn;
using Microsoft.AspNetCore.Components.Authorization;

namespace GovPlatform.Web.Apis;

public sealed record HistoryEntry(DateTime At, string Action, string Actor, string? ActorName, string Detail);

public sealed record WorkOrder(Guid Id, Guid RequestId, string TicketNo, string Category, string LocationCode, string? GridCode,
    string? CommunityCode, string AssigneeKind, Guid? AssigneeId, string AssigneeName, string Status, string Tier, int ReopenCount,
    DateTime? SuspendedUntil, DateTime CreatedAt, DateTime UpdatedAt, DateTime? PlanDueAt)
{
    public IReadOnlyList<HistoryEntry> History { get; init; } = [];

    /// <summary>The case as intake sent it (the resident's words, address, photos on intake, reporter masked).</summary>
    public CaseDetails? Case { get; init; }

    /// <summary>The clocks running on the order, soonest first.</summary>
    public IReadOnlyList<OrderClock> Clocks { get; init; } = [];
}

public sealed record CaseAttachment(Guid Id, string Service, string Kind, string ContentType, string FileName, string Url, string? ThumbnailUrl);
public sealed record CaseDetails(string Description, string? Address, IReadOnlyList<CaseAttachment> Attachments, string? ReporterName, string? ReporterPhone);
/// <param name="State">pending (running) or paused.</param>
public sealed record OrderClock(string Clock, string Tier, DateTime DueAt, string State);

public sealed record GridNode(string Code, string Name, string Level);
public sealed record Worker(Guid Id, string Name, string Phone, string Role, string NodeCode, bool OnDuty, DateTime? LastHeartbeatAt, long OpenLoad);
public sealed record DutyStatus(bool OnDuty);

/// <summary>The dispatch service: work orders, the grid tree and workers' duty.</summary>
public sealed class DispatchApi(HttpClient http, AuthenticationStateProvider auth, TokenStore tokens) : PlatformApi(http, auth, tokens)
{
    public Task<ApiResult<List<WorkOrder>>> OrdersAsync(string? status = null, string? gridCode = null, CancellationToken ct = default) =>
        GetAsync<List<WorkOrder>>(Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString("/api/v1/work-orders",
            new Dictionary<string, string?> { ["status"] = status, ["gridCode"] = gridCode }.Where(p => p.Value is not null)), ct);

    public Task<ApiResult<WorkOrder>> OrderAsync(Guid id, CancellationToken ct = default) => GetAsync<WorkOrder>($"/api/v1/work-orders/{id}", ct);

    /// <summary>accept, arrive, plan, resolve, return, transfer, escalate: the step and its body as the API takes them.</summary>
    public Task<ApiResult<object>> ActAsync(Guid id, string step, object? body = null, CancellationToken ct = default) =>
        PostAsync<object>($"/api/v1/work-orders/{id}/{step}", body ?? new { }, ct);

    public Task<ApiResult<object>> WhistleAsync(Guid id, IReadOnlyList<string> departments, string reason, CancellationToken ct = default) =>
        PostAsync<object>($"/api/v1/work-orders/{id}/whistles", new { departments, reason }, ct);

    public Task<ApiResult<GridNode>> LocateAsync(double lat, double lon, CancellationToken ct = default) =>
        GetAsync<GridNode>(FormattableString.Invariant($"/api/v1/grid/locate?lat={lat}&lon={lon}"), ct);

    public Task<ApiResult<GridNode>> NodeAsync(string code, CancellationToken ct = default) =>
        GetAsync<GridNode>($"/api/v1/grid/nodes/{Uri.EscapeDataString(code)}", ct);

    /// <summary>The nodes under a node, of one level (a grid's buildings, say).</summary>
    public Task<ApiResult<List<GridNode>>> NodesAsync(string under, string? level = null, CancellationToken ct = default) =>
        GetAsync<List<GridNode>>(Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString("/api/v1/grid/nodes",
            new Dictionary<string, string?> { ["under"] = under, ["level"] = level }.Where(p => p.Value is not null)), ct);

    public Task<ApiResult<List<Worker>>> WorkersAsync(string under, CancellationToken ct = default) =>
        GetAsync<List<Worker>>($"/api/v1/workers?under={Uri.EscapeDataString(under)}", ct);

    public Task<ApiResult<DutyStatus>> SetDutyAsync(Guid workerId, bool onDuty, CancellationToken ct = default) =>
        PostAsync<DutyStatus>($"/api/v1/workers/{workerId}/duty", new { onDuty }, ct);
}
