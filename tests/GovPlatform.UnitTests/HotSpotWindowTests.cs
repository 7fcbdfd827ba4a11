using GovPlatform.Intake.HotSpots;

namespace GovPlatform.UnitTests;

/// <summary>
/// The requests that make a new hot spot lie, with the request being considered, within one window of each other,
/// however late it is considered; in filing order every candidate is kept.
/// </summary>
public sealed class HotSpotWindowTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromDays(30);

    private static int[] Kept(int requestDaysAgo, params int[] membersDaysAgo) =>
        HotSpotDetector.InOneWindow(membersDaysAgo, d => Now.AddDays(-d), Now.AddDays(-requestDaysAgo), Window).ToArray();

    [Fact]
    public void In_filing_order_the_newest_request_keeps_every_candidate_of_the_window_before_it() =>
        Assert.Equal([29, 20, 9], Kept(0, 29, 20, 9));

    [Fact]
    public void Considered_late_a_request_keeps_only_the_candidates_of_one_window_not_both_sides() =>
        Assert.Single(Kept(20, 45, 9));

    [Fact]
    public void Considered_late_a_request_keeps_the_window_with_the_most_candidates() =>
        Assert.Equal([45, 40], Kept(20, 45, 40, 9));

    [Fact]
    public void Of_windows_holding_as_many_the_earliest_is_kept() =>
        Assert.Equal([45], Kept(20, 45, 9));
}
