using System.Net;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests.Identity;

/// <summary>A service whose authority is unreachable still takes shared-key tokens, and never a token it cannot check.</summary>
[Collection(IdentityCollection.Name)]
public sealed class AuthorityOutageTests(IdentityStack identity)
{
    [Fact]
    public async Task When_the_authority_is_down_shared_key_tokens_still_work_and_its_tokens_are_refused()
    {
        var (_, user) = await identity.CreateAccountAsync(["desk_operator"], "Desk2026pass", identity.County.District);
        using var browser = new ConsoleBrowser(identity.Authority);
        var issued = (await browser.SignInForTokensAsync(user, "Desk2026pass")).AccessToken;

        await using var stack = await TestStack.CreateAsync();
        // Port 9 (discard) has nothing listening here: the metadata fetch fails at once.
        var intake = stack.Start("intake", new Dictionary<string, string?> { ["Auth:Authority"] = "http://127.0.0.1:9/" });
        var missing = $"/api/v1/requests/{Guid.NewGuid()}";

        var sharedKey = await intake.SendAsync(HttpMethod.Get, missing, role: "desk_operator");
        var fromIdentity = await intake.SendAsync(HttpMethod.Get, missing, token: issued);
        var atItsOwnAuthority = await identity.Intake.SendAsync(HttpMethod.Get, missing, token: issued);

        // 404 means the caller got past authentication and authorization to the handler.
        Assert.Equal(HttpStatusCode.NotFound, sharedKey.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, fromIdentity.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, atItsOwnAuthority.StatusCode);
    }
}
