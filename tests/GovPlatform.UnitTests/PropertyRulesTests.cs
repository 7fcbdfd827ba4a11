using GovPlatform.Dispatch.Property;

namespace GovPlatform.UnitTests;

/// <summary>The owners' vote thresholds of the Civil Code's art. 278 and the grade's weighting, at their edges.</summary>
public sealed class PropertyRulesTests
{
    private static VoteTally Tally(int votedOwners, decimal votedArea, int forOwners, decimal forArea) =>
        new(300, 30000m, votedOwners, votedArea, forOwners, forArea, 0, 0m, DateTimeOffset.UtcNow);

    [Theory]
    // Exactly two thirds take part and exactly half of them is not "more than half".
    [InlineData("fee", 200, 20000, 101, 10001, true)]
    [InlineData("fee", 200, 20000, 100, 10001, false)]
    [InlineData("fee", 200, 20000, 101, 10000, false)]
    // One owner short of two thirds: no quorum, however many are for.
    [InlineData("company_change", 199, 20000, 199, 20000, false)]
    [InlineData("company_change", 200, 19999, 200, 19999, false)]
    // A project needs three quarters of those who took part, by head and by area.
    [InlineData("project", 200, 20000, 150, 15000, true)]
    [InlineData("project", 200, 20000, 149, 15000, false)]
    [InlineData("project", 200, 20000, 150, 14999, false)]
    [InlineData("maintenance_fund", 200, 20000, 149, 14999, true)]
    public void A_matter_passes_only_with_the_quorum_and_the_majority_its_kind_needs(string kind, int voted, int votedArea, int forOwners, int forArea, bool passes) =>
        Assert.Equal(passes, PropertyDesk.Passes(kind, Tally(voted, votedArea, forOwners, forArea)));

    [Fact]
    public void A_missing_part_of_the_grade_gives_its_weight_to_the_parts_present()
    {
        var desk = new PropertyDesk(null!, TimeProvider.System, new PropertyOptions());

        Assert.Equal(80m, desk.Grade(80m, null, null, null, 0).Score);
        Assert.Equal(93.75m, desk.Grade(95m, 90m, null, null, 0).Score);
        Assert.Equal(87.5m, desk.Grade(100m, null, 100m, 0m, 2).Score);
        Assert.Equal("good", desk.Grade(90m, null, null, null, 0).Grade);
        Assert.Equal("fair", desk.Grade(70m, null, null, null, 0).Grade);
        Assert.Equal("poor", desk.Grade(69.99m, null, null, null, 0).Grade);
    }
}
