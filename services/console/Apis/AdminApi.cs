using System.Text.Json;
using GovPlatform.Web.SignIn;
using Microsoft.AspNetCore.Components.Authorization;

namespace GovPlatform.Web.Apis;

public sealed record StaffAccount(string Id, string UserName, string DisplayName, string[] Roles, string? ScopeNode, string? Department,
    bool Disabled, DateTimeOffset? LockedOutUntil, bool TwoFactorEnabled, DateTimeOffset CreatedAt);
public sealed record NewStaffAccount(string UserName, string DisplayName, string[] Roles, string Password, string? ScopeNode, string? Department);
public sealed record GridImported(int Nodes, int Workers);

/// <summary>The identity service's admin API: staff accounts, their roles and their scope in the tree or a department.</summary>
public sealed class AccountsApi(HttpClient http, AuthenticationStateProvider auth, TokenStore tokens) : PlatformApi(http, auth, tokens)
{
    public Task<ApiResult<List<StaffAccount>>> ListAsync(CancellationToken ct = default) => GetAsync<List<StaffAccount>>("/api/v1/accounts?limit=500", ct);

    public Task<ApiResult<StaffAccount>> CreateAsync(NewStaffAccount account, CancellationToken ct = default) =>
        PostAsync<StaffAccount>("/api/v1/accounts", account, ct);

    public Task<ApiResult<StaffAccount>> SetDisabledAsync(string id, bool disabled, CancellationToken ct = default) =>
        PostAsync<StaffAccount>($"/api/v1/accounts/{Uri.EscapeDataString(id)}/{(disabled ? "disable" : "enable")}", new { }, ct);
}

/// <summary>Dispatch's grid import, as the admin screen uploads it.</summary>
public sealed class GridImportApi(HttpClient http, AuthenticationStateProvider auth, TokenStore tokens) : PlatformApi(http, auth, tokens)
{
    /// <summary>The grid file as uploaded (nodes and workers), passed on to dispatch's import unchanged.</summary>
    public Task<ApiResult<GridImported>> ImportAsync(JsonElement grid, CancellationToken ct = default) =>
        PostAsync<GridImported>("/api/v1/grid/import", grid, ct);
}
