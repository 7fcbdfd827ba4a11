using System.Net;
using System.Net.Http.Json;
using GovPlatform.IntegrationTests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using OtpNet;

namespace GovPlatform.IntegrationTests.Identity;

/// <summary>Staff sign in at the identity service as the console will, and the services take the tokens it issues.</summary>
[Collection(IdentityCollection.Name)]
public sealed class SignInTests(IdentityStack identity)
{
    private const string Password = "Desk2026pass";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ConsoleBrowser Browser() => new(identity.Authority);

    private static JsonWebToken Read(string token) => new JsonWebTokenHandler().ReadJsonWebToken(token);

    private static string[] RolesOf(JsonWebToken token) => [.. token.Claims.Where(c => c.Type == "role").Select(c => c.Value)];

    [Fact]
    public async Task A_desk_operator_signed_in_with_code_and_PKCE_files_a_request_at_intake_and_a_leader_is_refused()
    {
        var (deskId, desk) = await identity.CreateAccountAsync(["desk_operator"], Password, identity.County.District);
        var (_, leader) = await identity.CreateAccountAsync(["leader"], Password, identity.County.District);

        using var deskBrowser = Browser();
        var deskTokens = await deskBrowser.SignInForTokensAsync(desk, Password);
        using var leaderBrowser = Browser();
        var leaderTokens = await leaderBrowser.SignInForTokensAsync(leader, Password);

        var token = Read(deskTokens.AccessToken);
        Assert.Equal("RS256", token.Alg);
        Assert.Equal(identity.Authority.ToString(), token.Issuer);
        Assert.Contains("govplatform", token.Audiences);
        Assert.Equal(deskId, token.Subject);
        Assert.Equal(["desk_operator"], RolesOf(token));
        Assert.Equal(identity.County.District, token.GetClaim("scope_node").Value);
        Assert.Equal("测试人员", token.GetClaim("name").Value);
        Assert.NotNull(deskTokens.RefreshToken);
        Assert.NotNull(deskTokens.IdToken);

        var filed = await identity.Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", IntakeAccessTests.Body(identity.County.Building),
            token: deskTokens.AccessToken);
        var refused = await identity.Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", IntakeAccessTests.Body(identity.County.Building),
            token: leaderTokens.AccessToken);
        // The shared key keeps working beside the authority: tests and scripts/dev-token.sh use it.
        var withSharedKey = await identity.Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", IntakeAccessTests.Body(identity.County.Building),
            role: "desk_operator");
        var forged = await identity.Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", IntakeAccessTests.Body(identity.County.Building),
            token: deskTokens.AccessToken[..^4] + (deskTokens.AccessToken.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA"));

        Assert.Equal(HttpStatusCode.Created, filed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Created, withSharedKey.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
    }

    [Fact]
    public async Task A_code_is_worthless_without_the_verifier_it_was_issued_for()
    {
        var (_, user) = await identity.CreateAccountAsync(["desk_operator"], Password, identity.County.District);
        using var browser = Browser();
        var signIn = await browser.SignInAsync(user, Password);
        Assert.NotNull(signIn.Code);

        var stolen = await browser.TokenRequestAsync(new()
        {
            ["grant_type"] = "authorization_code",
            ["code"] = signIn.Code,
            ["redirect_uri"] = IdentityStack.RedirectUri,
            ["client_id"] = "govplatform-console",
            ["code_verifier"] = new string('x', 43),
        });

        Assert.Equal(HttpStatusCode.BadRequest, stolen.StatusCode);
        Assert.Contains("invalid_grant", await stolen.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_even_against_the_right_one_until_an_admin_resets_it()
    {
        var (id, user) = await identity.CreateAccountAsync(["desk_operator"], Password, identity.County.District);
        using var browser = Browser();

        for (var i = 0; i < 4; i++)
        {
            var wrong = await browser.SignInAsync(user, "Wrong-password-1");
            Assert.Equal(HttpStatusCode.BadRequest, wrong.PageStatus);
            Assert.Contains("用户名或密码不正确", wrong.Page);
        }
        var fifth = await browser.SignInAsync(user, "Wrong-password-1");
        var right = await browser.SignInAsync(user, Password);
        var account = await IdentityStack.ReadAsync<AccountView>(await identity.AdminAsync(HttpMethod.Get, $"/api/v1/accounts/{id}"));

        Assert.Contains("已暂时锁定", fifth.Page);
        Assert.Null(right.Code);
        Assert.Contains("已暂时锁定", right.Page);
        Assert.NotNull(account.LockedOutUntil);
        Assert.InRange(account.LockedOutUntil.Value - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15.5));

        var reset = await identity.AdminAsync(HttpMethod.Post, $"/api/v1/accounts/{id}/password", new { password = "Reset2026pass" });
        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        Assert.NotNull((await browser.SignInAsync(user, "Reset2026pass")).Code);
    }

    [Fact]
    public async Task A_disabled_account_can_neither_sign_in_nor_refresh_and_an_enabled_one_can_again()
    {
        var (id, user) = await identity.CreateAccountAsync(["grid_worker"], Password, identity.County.Grid);
        using var browser = Browser();
        var before = await browser.SignInForTokensAsync(user, Password);

        var disabled = await identity.AdminAsync(HttpMethod.Post, $"/api/v1/accounts/{id}/disable");
        var refresh = await browser.RefreshAsync(before.RefreshToken!);
        // The sign-in cookie from before is worthless too: the authorize endpoint sends the browser back to sign in.
        var again = await browser.AuthorizeAgainAsync();
        using var other = Browser();
        var signIn = await other.SignInAsync(user, Password);

        Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
        Assert.True((await IdentityStack.ReadAsync<AccountView>(disabled)).Disabled);
        Assert.Equal(HttpStatusCode.BadRequest, refresh.StatusCode);
        Assert.Contains("invalid_grant", await refresh.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        Assert.Contains("/account/login", again.Headers.Location!.ToString());
        Assert.Null(signIn.Code);
        Assert.Contains("账号已停用", signIn.Page);

        Assert.Equal(HttpStatusCode.OK, (await identity.AdminAsync(HttpMethod.Post, $"/api/v1/accounts/{id}/enable")).StatusCode);
        using var third = Browser();
        Assert.NotNull((await third.SignInAsync(user, Password)).Code);
    }

    [Fact]
    public async Task Rescoping_an_account_changes_the_roles_and_scope_node_of_its_next_token()
    {
        var (id, user) = await identity.CreateAccountAsync(["grid_worker"], Password, identity.County.Grid);
        using var browser = Browser();
        var before = await browser.SignInForTokensAsync(user, Password);

        var rescoped = await identity.AdminAsync(HttpMethod.Put, $"/api/v1/accounts/{id}/scope",
            new { roles = new[] { "grid_leader" }, scopeNode = identity.County.EmptyGrid });
        var refreshed = await browser.RefreshAsync(before.RefreshToken!);
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        var after = Read((await ConsoleBrowser.ReadTokensAsync(refreshed)).AccessToken);
        using var fresh = Browser();
        var signedInAgain = Read((await fresh.SignInForTokensAsync(user, Password)).AccessToken);

        Assert.Equal(HttpStatusCode.OK, rescoped.StatusCode);
        Assert.Equal(identity.County.Grid, Read(before.AccessToken).GetClaim("scope_node").Value);
        Assert.Equal(identity.County.EmptyGrid, after.GetClaim("scope_node").Value);
        Assert.Equal(["grid_leader"], RolesOf(after));
        Assert.Equal(identity.County.EmptyGrid, signedInAgain.GetClaim("scope_node").Value);
    }

    [Fact]
    public async Task With_an_authenticator_confirmed_sign_in_requires_its_code()
    {
        var (id, user) = await identity.CreateAccountAsync(["department"], Password, identity.County.District, "water");
        using var browser = Browser();
        var tokens = await browser.SignInForTokensAsync(user, Password);

        // The person enrols with the token they just got: the identity service takes its own tokens.
        using var enrolRequest = new HttpRequestMessage(HttpMethod.Post, "/api/v1/me/authenticator").WithBearer(tokens.AccessToken);
        var enrol = await identity.Identity.SendAsync(enrolRequest, Ct);
        Assert.Equal(HttpStatusCode.OK, enrol.StatusCode);
        var enrolment = await IdentityStack.ReadAsync<Enrolment>(enrol);
        Assert.StartsWith("otpauth://totp/", enrolment.OtpauthUri);
        Assert.Contains($"secret={enrolment.SharedKey}", enrolment.OtpauthUri);
        var totp = new Totp(Base32Encoding.ToBytes(enrolment.SharedKey));

        using var wrongConfirm = new HttpRequestMessage(HttpMethod.Post, "/api/v1/me/authenticator/confirm")
            { Content = JsonContent.Create(new { code = Wrong(totp.ComputeTotp()) }) }.WithBearer(tokens.AccessToken);
        Assert.Equal(HttpStatusCode.BadRequest, (await identity.Identity.SendAsync(wrongConfirm, Ct)).StatusCode);
        using var confirm = new HttpRequestMessage(HttpMethod.Post, "/api/v1/me/authenticator/confirm")
            { Content = JsonContent.Create(new { code = totp.ComputeTotp() }) }.WithBearer(tokens.AccessToken);
        var confirmed = await identity.Identity.SendAsync(confirm, Ct);
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.True((await IdentityStack.ReadAsync<AccountView>(confirmed)).TwoFactorEnabled);

        using var later = Browser();
        var withoutCode = await later.SignInAsync(user, Password);
        Assert.Null(withoutCode.Code);
        Assert.Contains("请输入验证码", withoutCode.Page);
        var wrongCode = await later.SubmitAsync(withoutCode.Page!, user, Password, Wrong(totp.ComputeTotp()));
        Assert.Null(wrongCode.Code);
        Assert.Contains("验证码不正确", wrongCode.Page);
        var withCode = await later.SubmitAsync(wrongCode.Page!, user, Password, totp.ComputeTotp());
        Assert.NotNull(withCode.Code);
        var token = Read((await later.RedeemAsync(withCode.Code)).AccessToken);
        Assert.Equal("water", token.GetClaim("department").Value);
        Assert.Equal(id, token.Subject);
    }

    [Fact]
    public async Task Userinfo_reads_the_account_and_end_session_returns_to_the_console()
    {
        var (id, user) = await identity.CreateAccountAsync(["community_cadre"], Password, identity.County.Community);
        using var browser = Browser();
        var tokens = await browser.SignInForTokensAsync(user, Password);

        using var userinfoRequest = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo").WithBearer(tokens.AccessToken);
        var userinfo = await (await browser.Http.SendAsync(userinfoRequest, Ct)).JsonAsync();
        var endSession = await browser.Http.GetAsync(
            $"/connect/endsession?id_token_hint={tokens.IdToken}&post_logout_redirect_uri={Uri.EscapeDataString(IdentityStack.PostLogoutRedirectUri)}", Ct);
        var afterwards = await browser.AuthorizeAgainAsync();

        Assert.Equal(id, userinfo.GetProperty("sub").GetString());
        Assert.Equal(identity.County.Community, userinfo.GetProperty("scope_node").GetString());
        Assert.Equal("community_cadre", userinfo.GetProperty("role")[0].GetString());
        Assert.Equal(HttpStatusCode.Redirect, endSession.StatusCode);
        Assert.StartsWith(IdentityStack.PostLogoutRedirectUri, endSession.Headers.Location!.ToString());
        // Signed out at the identity service: asking for a code leads to the sign-in page again.
        Assert.Equal(HttpStatusCode.Redirect, afterwards.StatusCode);
        Assert.Contains("/account/login", afterwards.Headers.Location!.ToString());
    }

    private static string Wrong(string code) => code[..5] + (char)('0' + (code[5] - '0' + 5) % 10);

    private sealed record Enrolment(string OtpauthUri, string SharedKey);
}
