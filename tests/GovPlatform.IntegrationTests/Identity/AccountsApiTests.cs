using System.Net;
using GovPlatform.IntegrationTests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;

namespace GovPlatform.IntegrationTests.Identity;

/// <summary>Administrators manage staff accounts; nobody else may, and bad input is told what is wrong.</summary>
[Collection(IdentityCollection.Name)]
public sealed class AccountsApiTests(IdentityStack identity)
{
    private const string Password = "Admin2026pass";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_admin_API_refuses_anyone_but_administrators()
    {
        var (id, user) = await identity.CreateAccountAsync(["desk_operator", "leader"], Password, identity.County.District);
        using var browser = new ConsoleBrowser(identity.Authority);
        var ownToken = (await browser.SignInForTokensAsync(user, Password)).AccessToken;

        var anonymous = await identity.Identity.SendAsync(HttpMethod.Get, "/api/v1/accounts", role: null);
        var deskWithSharedKey = await identity.AdminAsync(HttpMethod.Get, "/api/v1/accounts", role: "desk_operator");
        var deskWithOwnToken = await identity.Identity.SendAsync(HttpMethod.Post, $"/api/v1/accounts/{id}/enable", token: ownToken);
        var createAsLeader = await identity.Identity.SendAsync(HttpMethod.Post, "/api/v1/accounts",
            new { userName = "sneaky", displayName = "x", roles = new[] { "admin" }, password = Password }, role: "leader");
        var admin = await identity.AdminAsync(HttpMethod.Get, "/api/v1/accounts");
        var me = await identity.Identity.SendAsync(HttpMethod.Get, "/api/v1/me", token: ownToken);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, deskWithSharedKey.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, deskWithOwnToken.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, createAsLeader.StatusCode);
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal(user, (await IdentityStack.ReadAsync<AccountView>(me)).UserName);
    }

    [Fact]
    public async Task Bad_input_gets_a_400_problem_naming_each_field_and_a_taken_name_a_409()
    {
        var invalid = await identity.AdminAsync(HttpMethod.Post, "/api/v1/accounts", new
        {
            userName = "someone", displayName = "某人", roles = new[] { "grid_worker", "janitor" }, scopeNode = (string?)null,
            department = "Water Board", password = Password,
        });
        var unscoped = await identity.AdminAsync(HttpMethod.Post, "/api/v1/accounts", new
        {
            userName = "someone", displayName = "某人", roles = new[] { "department" }, scopeNode = "not a code", password = Password,
        });
        var weak = await identity.AdminAsync(HttpMethod.Post, "/api/v1/accounts", new
        {
            userName = $"w{Guid.NewGuid():N}"[..12], displayName = "某人", roles = new[] { "leader" }, password = "short",
        });
        var unreadable = await identity.AdminAsync(HttpMethod.Post, "/api/v1/accounts", new { userName = "x", surname = "y" });
        var (id, taken) = await identity.CreateAccountAsync(["leader"], Password);
        var duplicate = await identity.AdminAsync(HttpMethod.Post, "/api/v1/accounts", new
        {
            userName = taken, displayName = "某人", roles = new[] { "leader" }, password = Password,
        });
        var badRescope = await identity.AdminAsync(HttpMethod.Put, $"/api/v1/accounts/{id}/scope", new { roles = Array.Empty<string>() });
        var missing = await identity.AdminAsync(HttpMethod.Post, $"/api/v1/accounts/{Guid.NewGuid()}/disable");

        foreach (var response in new[] { invalid, unscoped, weak, unreadable, badRescope })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        var errors = (await invalid.JsonAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("roles", out var roles) && roles[0].GetString()!.Contains("janitor"));
        Assert.True(errors.TryGetProperty("scopeNode", out _));
        Assert.True(errors.TryGetProperty("department", out _));
        var unscopedErrors = (await unscoped.JsonAsync()).GetProperty("errors");
        Assert.True(unscopedErrors.TryGetProperty("scopeNode", out _));
        Assert.True(unscopedErrors.TryGetProperty("department", out _));
        Assert.True((await weak.JsonAsync()).GetProperty("errors").TryGetProperty("password", out _));
        Assert.True((await badRescope.JsonAsync()).GetProperty("errors").TryGetProperty("roles", out _));
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Accounts_are_listed_by_role_and_part_of_the_tree_without_any_password_data()
    {
        var (workerId, _) = await identity.CreateAccountAsync(["grid_worker"], Password, identity.County.Grid);
        var (cadreId, _) = await identity.CreateAccountAsync(["community_cadre"], Password, identity.County.Community);
        await identity.CreateAccountAsync(["grid_worker"], Password, "ELSEWHERE-01");

        var underCommunity = await identity.AdminAsync(HttpMethod.Get, $"/api/v1/accounts?under={identity.County.Community}&limit=500");
        var workersThere = await identity.AdminAsync(HttpMethod.Get, $"/api/v1/accounts?under={identity.County.Community}&role=grid_worker");
        var badLimit = await identity.AdminAsync(HttpMethod.Get, "/api/v1/accounts?limit=0");
        var body = await underCommunity.Content.ReadAsStringAsync(Ct);

        var listed = await IdentityStack.ReadAsync<AccountView[]>(underCommunity);
        Assert.Contains(listed, a => a.Id == workerId);
        Assert.Contains(listed, a => a.Id == cadreId);
        Assert.All(listed, a => Assert.StartsWith(identity.County.Community, a.ScopeNode));
        Assert.Equal([workerId], (await IdentityStack.ReadAsync<AccountView[]>(workersThere)).Select(a => a.Id).Where(i => i == workerId || i == cadreId));
        foreach (var secret in new[] { "password", "hash", "stamp", "authenticator", "key" })
            Assert.DoesNotContain(secret, body, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
    }

    [Fact]
    public async Task A_reset_without_a_password_answers_a_temporary_one_once_and_ends_the_old_sessions()
    {
        var (id, user) = await identity.CreateAccountAsync(["organiser"], Password, identity.County.Community);
        using var browser = new ConsoleBrowser(identity.Authority);
        var before = await browser.SignInForTokensAsync(user, Password);

        var reset = await identity.AdminAsync(HttpMethod.Post, $"/api/v1/accounts/{id}/password");
        var temporary = (await reset.JsonAsync()).GetProperty("temporaryPassword").GetString()!;
        var oldRefresh = await browser.RefreshAsync(before.RefreshToken!);
        using var other = new ConsoleBrowser(identity.Authority);
        var oldPassword = await other.SignInAsync(user, Password);
        var newPassword = await other.SignInAsync(user, temporary);

        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        Assert.Equal(16, temporary.Length);
        Assert.Equal(HttpStatusCode.BadRequest, oldRefresh.StatusCode);
        Assert.Null(oldPassword.Code);
        Assert.NotNull(newPassword.Code);
        var account = await identity.AdminAsync(HttpMethod.Get, $"/api/v1/accounts/{id}");
        Assert.DoesNotContain(temporary, await account.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Demo_accounts_are_one_per_role_in_the_demo_county_and_sign_in_with_the_password_shown()
    {
        var response = await identity.AdminAsync(HttpMethod.Post, "/api/v1/demo-accounts");
        var accounts = await IdentityStack.ReadAsync<DemoAccount[]>(response);
        var again = await IdentityStack.ReadAsync<DemoAccount[]>(await identity.AdminAsync(HttpMethod.Post, "/api/v1/demo-accounts"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["admin", "community_cadre", "department", "desk_operator", "grid_leader", "grid_worker", "leader", "organiser",
            "subdistrict_officer", "volunteer"], accounts.Select(a => a.Role).Order());
        Assert.All(accounts, a => Assert.StartsWith("MT", a.ScopeNode));
        // Each call shows fresh passwords: the earlier ones no longer work.
        Assert.All(accounts.Zip(again), pair => Assert.NotEqual(pair.First.Password, pair.Second.Password));

        var gridWorker = again.Single(a => a.Role == "grid_worker");
        using var browser = new ConsoleBrowser(identity.Authority);
        var token = new JsonWebTokenHandler().ReadJsonWebToken((await browser.SignInForTokensAsync(gridWorker.UserName, gridWorker.Password)).AccessToken);
        Assert.Equal("MT-01-01-C01-G1", token.GetClaim("scope_node").Value);
        using var withOldPassword = new ConsoleBrowser(identity.Authority);
        Assert.Null((await withOldPassword.SignInAsync(gridWorker.UserName, accounts.Single(a => a.Role == "grid_worker").Password)).Code);
    }

    private sealed record DemoAccount(string UserName, string DisplayName, string Role, string? ScopeNode, string? Department, string Password);
}
