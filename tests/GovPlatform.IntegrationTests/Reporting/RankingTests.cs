using System.Net;
using System.Text.Json;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests.Reporting;

public sealed class RankingTests(SharedStack shared)
{
    private readonly TestStack _stack = shared.Stack;
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<JsonElement> GetAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        var response = await _stack.Client("reporting").SendAsync(request.WithBearer(Tokens.For("leader")), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
    }

    private static List<string> Rows(JsonElement ranking) =>
        ranking.GetProperty("entries").EnumerateArray().Select(e =>
            $"{e.GetProperty("name").GetString()} {e.GetProperty("numerator").GetInt64()}/{e.GetProperty("denominator").GetInt64()} " +
            $"wilson={e.GetProperty("wilsonLowerBound").GetDouble()} rank={(e.GetProperty("rank").ValueKind == JsonValueKind.Null ? "-" : e.GetProperty("rank").GetInt32())}").ToList();

    [Fact]
    public async Task Grids_below_the_minimum_count_are_listed_unranked_and_the_page_says_why()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        await KpiScenario.PublishScenarioAsync(_stack, county);
        var period = $"from={KpiScenario.Day}&to={KpiScenario.Day}&under={county.District}";

        var guarded = await GetAsync($"/api/v1/rankings?level=grid&metric=resolution&{period}");
        var permissive = await GetAsync($"/api/v1/rankings?level=grid&metric=resolution&minCount=1&{period}");

        // Grid 1: R1 R2 R5 resolved of R1 R2 R5 R6; grid 2: R3 unresolved. Neither reaches 10.
        Assert.Equal(["第一网格 3/4 wilson=0.3006 rank=-", "第二网格 0/1 wilson=0 rank=-"], Rows(guarded));
        Assert.Equal(10, guarded.GetProperty("minCount").GetInt32());
        Assert.Contains("威尔逊", guarded.GetProperty("methodZh").GetString());
        Assert.Contains("样本少于10件", guarded.GetProperty("methodZh").GetString());
        Assert.Equal(["第一网格 3/4 wilson=0.3006 rank=1", "第二网格 0/1 wilson=0 rank=2"], Rows(permissive));
    }

    [Fact]
    public async Task Departments_rank_on_reporting_in_on_time_and_units_on_double_reporting()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        await KpiScenario.PublishScenarioAsync(_stack, county);
        var period = $"from={KpiScenario.Day}&to={KpiScenario.Day}&under={county.District}&minCount=1";

        var departments = await GetAsync($"/api/v1/rankings?level=department&{period}");
        var units = await GetAsync($"/api/v1/rankings?level=unit&{period}");
        var satisfaction = await GetAsync($"/api/v1/rankings?level=community&metric=satisfaction&{period}");

        Assert.Equal("report_on_time", departments.GetProperty("metric").GetString());
        Assert.Equal(["housing 1/1 wilson=0.2065 rank=1", "fire 0/1 wilson=0 rank=2", "police 0/1 wilson=0 rank=3"], Rows(departments));
        Assert.Equal(["1/2"], units.GetProperty("entries").EnumerateArray().Select(e => $"{e.GetProperty("numerator")}/{e.GetProperty("denominator")}"));
        Assert.Equal(["锦园社区 2/3 wilson=0.2077 rank=1"], Rows(satisfaction));
    }

    [Theory]
    [InlineData("level=province", "level")]
    [InlineData("metric=speed", "metric")]
    [InlineData("minCount=0", "minCount")]
    [InlineData("bucket=year", "bucket", "/api/v1/kpis/trend")]
    public async Task Unknown_levels_metrics_and_buckets_get_a_problem_naming_the_parameter(string query, string field, string path = "/api/v1/rankings")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{path}?from=2026-03-02&to=2026-03-02&{query}");
        var response = await _stack.Client("reporting").SendAsync(request.WithBearer(Tokens.For("leader")), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), problem.RootElement.ToString());
    }

    [Fact]
    public async Task The_trend_counts_requests_per_day_week_and_month_of_submission()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        await KpiScenario.PublishScenarioAsync(_stack, county);
        var period = $"from=2026-03-01&to=2026-03-31&under={county.District}";

        var days = await GetAsync($"/api/v1/kpis/trend?bucket=day&{period}");
        var weeks = await GetAsync($"/api/v1/kpis/trend?bucket=week&{period}");
        var months = await GetAsync($"/api/v1/kpis/trend?bucket=month&{period}");

        string Row(JsonElement p) => $"{p.GetProperty("bucket").GetString()}:{p.GetProperty("requests").GetInt64()}:{p.GetProperty("resolutionRate").GetProperty("value")}";
        Assert.Equal(["2026-03-01:1:1", "2026-03-02:6:0.6"], days.EnumerateArray().Select(Row));
        // 1 March 2026 is a Sunday (week of 23 February); 2 March a Monday.
        Assert.Equal(["2026-02-23:1:1", "2026-03-02:6:0.6"], weeks.EnumerateArray().Select(Row));
        Assert.Equal(["2026-03-01:7:0.6667"], months.EnumerateArray().Select(Row));
    }
}
