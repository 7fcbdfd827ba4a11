using System.Diagnostics;
using System.Net;
using GovPlatform.Intake.Reference;
using GovPlatform.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace GovPlatform.IntegrationTests;

/// <summary>
/// API keys are authenticated from memory (ReferenceCache): a key revoked or rotated through any instance must stop
/// working on every instance within a second (the revocation's NOTIFY; 30 s at the very worst, when a listening
/// connection hangs unnoticed), and a key issued a moment ago must work at once.
/// </summary>
public sealed class ApiKeyCacheTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>An empty filing: 400 on its fields (nothing stored) when the key is accepted, 401 when it is not.</summary>
    private static async Task<HttpStatusCode> ProbeAsync(HttpClient intake, string key)
    {
        using var response = await intake.SendAsync(HttpMethod.Post, "/api/v1/requests", new { }, role: null, apiKey: key);
        return response.StatusCode;
    }

    /// <summary>The same key in Open311's query parameter: 200 when accepted, 403 when not.</summary>
    private static async Task<HttpStatusCode> Open311ReadAsync(HttpClient intake, string key)
    {
        using var response = await intake.GetAsync($"/open311/v2/requests.json?service_request_id=19990101-000001&api_key={Uri.EscapeDataString(key)}", Ct);
        return response.StatusCode;
    }

    [Fact]
    public async Task A_key_revoked_through_one_instance_is_refused_by_the_other_within_a_second_and_its_replacement_works_at_once()
    {
        await using var stack = await TestStack.CreateAsync();
        var first = stack.Start("intake");
        var secondProvider = stack.StartExtraInstance("intake");
        using var second = new HttpClient
        {
            BaseAddress = new Uri(secondProvider.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()),
        };
        var caches = new[] { stack.Provider("intake"), secondProvider }.Select(p => p.GetRequiredService<ReferenceCache>()).ToArray();
        await Eventually.True(() => Task.FromResult(caches.All(c => c.Listening)), "both instances listening for reference changes");

        var (oldId, oldKey) = await IntakeAccessTests.IssueKeyAsync(first, "12345热线");
        // Issued through the first, used at once on both; used again, the second answers from its cache.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.BadRequest, await ProbeAsync(second, oldKey));
            Assert.Equal(HttpStatusCode.BadRequest, await ProbeAsync(first, oldKey));
        }
        Assert.Equal(HttpStatusCode.OK, await Open311ReadAsync(second, oldKey));

        // Rotation: a new key under the same name, then the old one revoked through the first instance.
        var (_, newKey) = await IntakeAccessTests.IssueKeyAsync(first, "12345热线");
        Assert.Equal(HttpStatusCode.BadRequest, await ProbeAsync(second, newKey));
        using (var revoke = await first.SendAsync(HttpMethod.Delete, $"/api/v1/api-keys/{oldId}", role: "admin"))
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        var sinceRevoked = Stopwatch.StartNew();

        // The instance that revoked refuses the key from its next request.
        Assert.Equal(HttpStatusCode.Unauthorized, await ProbeAsync(first, oldKey));
        await Eventually.True(async () => await ProbeAsync(second, oldKey) == HttpStatusCode.Unauthorized,
            "the other instance to refuse the revoked key", TimeSpan.FromSeconds(1));
        var refusedAfter = sinceRevoked.Elapsed;
        TestContext.Current.TestOutputHelper?.WriteLine($"revoked key refused by the other instance {refusedAfter.TotalMilliseconds:F0} ms after the revocation's answer");
        Assert.Equal(HttpStatusCode.Forbidden, await Open311ReadAsync(second, oldKey));
        Assert.Equal(HttpStatusCode.Forbidden, await Open311ReadAsync(first, oldKey));

        // The replacement still works everywhere, and none of the probes filed anything.
        Assert.Equal(HttpStatusCode.BadRequest, await ProbeAsync(second, newKey));
        Assert.Equal(HttpStatusCode.BadRequest, await ProbeAsync(first, newKey));
        Assert.Equal(0, await stack.ScalarAsync<long>("intake", "SELECT count(*) FROM requests"));
    }
}
