using GovPlatform.Reporting.Kpis;

namespace GovPlatform.UnitTests;

public sealed class ReportingRulesTests
{
    [Theory]
    [InlineData(1, 1, 0.2065)]
    [InlineData(45, 50, 0.7864)]
    [InlineData(3, 4, 0.3006)]
    [InlineData(9, 10, 0.5958)]
    [InlineData(0, 1, 0.0)]
    [InlineData(0, 0, 0.0)]
    public void The_wilson_lower_bound_matches_values_computed_by_hand(long successes, long n, double expected) =>
        Assert.Equal(expected, Math.Round(Rankings.Wilson(successes, n), 4));

    [Fact]
    public void One_request_resolved_out_of_one_ranks_below_45_out_of_50()
    {
        Assert.True(Rankings.Wilson(1, 1) < Rankings.Wilson(45, 50));
        Assert.True(Rankings.Wilson(45, 50) < 45.0 / 50);
    }

    [Theory]
    [InlineData(10, 10, 10, 10, "good")]
    [InlineData(10, 9, 10, 9, "good")]
    [InlineData(10, 8, 10, 10, "fair")]
    [InlineData(10, 6, 10, 10, "poor")]
    [InlineData(10, 10, 10, 6, "poor")]
    [InlineData(4, 4, 4, 4, "ungraded")]
    [InlineData(10, 10, 0, 0, "ungraded")]
    public void Property_companies_are_graded_on_resolution_and_satisfaction(long requests, long resolved, long rated, long satisfied, string grade) =>
        Assert.Equal(grade, new KpiQueries.CompanyFigures("物业", 1, requests, resolved, rated, satisfied).Grade);

    [Fact]
    public void A_period_is_whole_days_in_china_standard_time()
    {
        var filter = new ReportFilter(new DateOnly(2026, 3, 2), new DateOnly(2026, 3, 2), null, null, null);
        Assert.Equal(new DateTime(2026, 3, 1, 16, 0, 0, DateTimeKind.Utc), filter.FromUtc);
        Assert.Equal(new DateTime(2026, 3, 2, 16, 0, 0, DateTimeKind.Utc), filter.ToUtc);
    }

    [Fact]
    public void A_rate_with_nothing_counted_has_no_value()
    {
        Assert.Null(new Rate(0, 0).Value);
        Assert.Equal(0.6667, new Rate(2, 3).Value);
    }
}
