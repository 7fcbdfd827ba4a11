using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GovPlatform.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static GovPlatform.IntegrationTests.Volunteer.VolunteerKit;

namespace GovPlatform.IntegrationTests.Volunteer;

/// <summary>Points that lapse: a private stack whose clock the test moves.</summary>
public sealed class PointsExpiryTests : IAsyncLifetime
{
    private TestStack _stack = null!;
    private readonly FakeClock _clock = new();
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _stack = await TestStack.CreateAsync();
        _stack.Start("dispatch");
        _stack.Start("volunteer", services: s => s.AddSingleton<TimeProvider>(_clock));
    }

    public async ValueTask DisposeAsync()
    {
        await AssertLedgerInvariantAsync(_stack);
        await _stack.DisposeAsync();
    }

    [Fact]
    public async Task When_an_award_expires_only_its_unspent_points_lapse_and_only_once()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var api = _stack.Client("volunteer");
        var volunteerId = await RegisterAsync(api, county.Grid);
        Assert.Equal(HttpStatusCode.Created, (await AwardAsync(api, volunteerId, 100, expiresAt: _clock.GetUtcNow().AddDays(30))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await AwardAsync(api, volunteerId, 50)).StatusCode);
        var spend = await api.SendAsync(HttpMethod.Post, "/api/v1/points/corrections", new { volunteerId, points = -30, reason = "兑换登记补录" }, Tokens.For("admin"));
        Assert.Equal(HttpStatusCode.Created, spend.StatusCode);

        var early = await RunExpiryAsync(api);
        _clock.Advance(TimeSpan.FromDays(31));
        var due = await RunExpiryAsync(api);
        var repeat = await RunExpiryAsync(api);

        Assert.Equal(0, early.GetProperty("points").GetInt64());
        // 30 of the 100 expiring points were spent first; 70 lapse, the 50 that never expire stay.
        Assert.Equal(70, due.GetProperty("points").GetInt64());
        Assert.Equal(0, repeat.GetProperty("points").GetInt64());
        Assert.Equal(50, await BalanceAsync(api, volunteerId));
        using var evt = JsonDocument.Parse(await _stack.ScalarAsync<string>("volunteer",
            "SELECT body::text FROM outbox_messages WHERE message_type LIKE '%PointsExpired'"));
        Assert.Equal(70, evt.RootElement.GetProperty("points").GetInt64());
        Assert.Equal(volunteerId, evt.RootElement.GetProperty("volunteerId").GetGuid());
        Assert.Equal(70, await _stack.ScalarAsync<long>("volunteer", "SELECT sum(amount) FROM ledger_postings WHERE account = 'system:expired'"));
    }

    private async Task<JsonElement> RunExpiryAsync(HttpClient api)
    {
        var response = await api.SendAsync(HttpMethod.Post, "/api/v1/points/expiry-runs", null, Tokens.For("admin"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }
}
