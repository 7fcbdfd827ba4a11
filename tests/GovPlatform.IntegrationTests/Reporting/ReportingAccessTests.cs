using System.Net;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests.Reporting;

/// <summary>Figures are for staff roles; no resident's or person's name or phone ever reaches reporting.</summary>
public sealed class ReportingAccessTests(SharedStack shared)
{
    private readonly TestStack _stack = shared.Stack;
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    public static readonly TheoryData<string> Endpoints =
    [
        "/api/v1/kpis?from=2026-03-02&to=2026-03-02",
        "/api/v1/kpis/trend?from=2026-03-02&to=2026-03-02",
        "/api/v1/kpis/tree?from=2026-03-02&to=2026-03-02",
        "/api/v1/rankings?from=2026-03-02&to=2026-03-02",
        "/api/v1/exports/kpis.csv?from=2026-03-02&to=2026-03-02",
        "/api/v1/stats/requests-by-grid",
    ];

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Every_figure_needs_a_staff_role(string path)
    {
        async Task<HttpStatusCode> As(string? role)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (role is not null) request.WithBearer(Tokens.For(role));
            return (await _stack.Client("reporting").SendAsync(request, Ct)).StatusCode;
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await As(null));
        foreach (var outsider in new[] { "volunteer", "organiser", "grid_worker", "department" })
            Assert.Equal(HttpStatusCode.Forbidden, await As(outsider));
        foreach (var staff in new[] { "leader", "admin", "community_cadre", "subdistrict_officer", "desk_operator" })
            Assert.Equal(HttpStatusCode.OK, await As(staff));
    }

    [Fact]
    public async Task No_persons_name_from_the_events_is_stored_anywhere_in_reporting()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        await KpiScenario.PublishScenarioAsync(_stack, county);

        // Names of people the scenario's events carry: workers, operators, mediators, council attendees.
        string[] people = ["网格员1", "网格员2", "网格长", "坐席1", "坐席2", "物业经理", "社区书记", "业委会主任", "老王说事点", "绿色心情工作室", "管理员", "超市店员",
            // and the joint meeting's tracker, a staff id
            KpiScenario.Tracker.ToString()];
        var tables = await _stack.QueryAsync<string>("reporting",
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'");
        Assert.Contains("request_facts", tables);
        foreach (var table in tables)
        {
            var hits = await _stack.ScalarAsync<long>("reporting",
                $"SELECT count(*) FROM \"{table}\" t WHERE t::text LIKE ANY(@patterns)", new { patterns = people.Select(p => $"%{p}%").ToArray() });
            Assert.True(hits == 0, $"{table} holds a person's name");
        }
        // The company's name is kept on purpose: companies are graded by name. So are registered mediation places' names
        // (MediationPlaceTests), which is why that test names its talk point after a tree, not after a mediator as the scenario does.
        Assert.Equal(1L, await _stack.ScalarAsync<long>("reporting",
            "SELECT count(DISTINCT property_company) FROM request_facts WHERE location_path[1] = @District", new { county.District }));
    }
}
