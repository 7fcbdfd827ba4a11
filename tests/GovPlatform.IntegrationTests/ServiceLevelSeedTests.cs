using System.Net;
using System.Text;
using System.Text.Json;
using GovPlatform.Contracts;
using GovPlatform.IntegrationTests.Infrastructure;
using MassTransit;

namespace GovPlatform.IntegrationTests;

/// <summary>Dispatch alone on a stack of its own: the seed changes the default service levels every other test runs against.</summary>
public sealed class ServiceLevelSeedStack : IAsyncLifetime
{
    public TestStack Stack { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Stack = await TestStack.CreateAsync();
        Stack.Start("dispatch");
    }

    public ValueTask DisposeAsync() => Stack.DisposeAsync();
}

/// <summary>
/// The 12345-style service levels <c>./run.sh</c> puts through the API from <c>services/dispatch/Seed/service-levels.txt</c>:
/// every line is accepted, a normal request is then fixed within 7 working days of the county's calendar, and a
/// critical one keeps its own short clock, also at the tier an escalation moves it to.
/// </summary>
public sealed class ServiceLevelSeedTests(ServiceLevelSeedStack fixture) : IClassFixture<ServiceLevelSeedStack>
{
    private readonly TestStack _stack = fixture.Stack;
    private readonly DispatchDriver _dispatch = new(fixture.Stack);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string SeedFile()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "GovPlatform.sln")))
                return Path.Combine(dir.FullName, "services", "dispatch", "Seed", "service-levels.txt");
        throw new FileNotFoundException("GovPlatform.sln above the test's directory");
    }

    private async Task<JsonElement> OkAsync(HttpMethod method, string url, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, url) { Content = content };
        using var response = await _stack.Client("dispatch").SendAsync(request.WithBearer(DispatchDriver.Admin), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{method} {url} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<Guid> SubmitAsync(TestCounty county, string urgency)
    {
        var requestId = NewId.NextGuid();
        var location = county.Building;
        var path = location.Split('-').Select((_, i) => string.Join('-', location.Split('-').Take(i + 1))).ToList();
        await _dispatch.PublishAsync(new RequestSubmitted(requestId, $"20260101-{Random.Shared.Next(0, 999_999):D6}", "hotline", "parking", urgency,
            location, path, null, null, DateTimeOffset.UtcNow));
        return await _dispatch.OrderIdForAsync(requestId);
    }

    private static DateTime Due(JsonElement order, string clock, string tier) =>
        order.GetProperty("clocks").EnumerateArray().Single(c => c.GetProperty("clock").GetString() == clock && c.GetProperty("tier").GetString() == tier)
            .GetProperty("dueAt").GetDateTime();

    [Fact]
    public async Task The_seeded_levels_give_normal_requests_seven_working_days_and_critical_ones_their_own_short_clock()
    {
        // As run.sh does: "category urgency {body}" a line, '#' lines skipped, '*' escaped in the path, the body as it is.
        var lines = (await File.ReadAllLinesAsync(SeedFile(), Ct)).Where(l => l.Trim().Length > 0 && !l.StartsWith('#')).ToList();
        Assert.Equal(4, lines.Count);
        foreach (var line in lines)
        {
            var parts = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
            await OkAsync(HttpMethod.Put, $"/api/v1/sla-policies/{parts[0].Replace("*", "%2A")}/{parts[1].Replace("*", "%2A")}",
                new StringContent(parts[2], Encoding.UTF8, "application/json"));
        }
        var policies = (await OkAsync(HttpMethod.Get, "/api/v1/sla-policies")).EnumerateArray().ToList();
        var normal = policies.Single(p => p.GetProperty("category").GetString() == "*" && p.GetProperty("urgency").GetString() == "normal");
        Assert.Equal(7 * 24 * 60, normal.GetProperty("resolveMinutes").GetInt32());
        Assert.True(normal.GetProperty("workingTime").GetBoolean());

        var county = new TestCounty();
        await _stack.ImportAsync(county);

        var ordinary = await _dispatch.GetAsync(await SubmitAsync(county, "normal"));
        var created = ordinary.GetProperty("createdAt").GetDateTime();
        var sevenWorkingDays = (await OkAsync(HttpMethod.Get,
            $"/api/v1/calendars/{county.District}/due?from={Uri.EscapeDataString(new DateTimeOffset(created, TimeSpan.Zero).ToString("O"))}&workingDays=7"))
            .GetProperty("dueAt").GetDateTimeOffset().UtcDateTime;
        Assert.InRange((Due(ordinary, Clocks.Resolve, Tiers.Compound) - sevenWorkingDays).Duration(), TimeSpan.Zero, TimeSpan.FromSeconds(1));

        var critical = await _dispatch.GetAsync(await SubmitAsync(county, "critical"));
        var criticalCreated = critical.GetProperty("createdAt").GetDateTime();
        Assert.InRange(Due(critical, Clocks.Resolve, Tiers.Compound) - criticalCreated, TimeSpan.FromMinutes(30) - TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(30) + TimeSpan.FromSeconds(1));
        Assert.InRange(Due(critical, Clocks.Arrive, Tiers.Compound) - criticalCreated, TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));

        // Escalated, the critical order runs on the critical level of any category: 2 hours to fix, not the normal 7 working days.
        var before = DateTime.UtcNow;
        var escalated = await _dispatch.ActOkAsync(critical.GetProperty("id").GetGuid(), "escalate", DispatchDriver.Admin, new { reason = "需要社区调度" });
        var after = DateTime.UtcNow;
        // The tier it reached (the community, or above should its 1-minute accept clock have run out first on a slow machine).
        var due = Due(await _dispatch.GetAsync(escalated.GetProperty("id").GetGuid()), Clocks.Resolve, escalated.GetProperty("tier").GetString()!);
        Assert.InRange(due, before.AddMinutes(120).AddSeconds(-1), after.AddMinutes(120).AddSeconds(1));
    }
}
