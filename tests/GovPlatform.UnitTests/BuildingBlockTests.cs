using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults.Messaging;

namespace GovPlatform.UnitTests;

public sealed class BuildingBlockTests
{
    [Fact]
    public void Grid_levels_run_from_the_district_down_to_the_household_group()
    {
        Assert.True(GridLevels.Depth(GridLevels.District) < GridLevels.Depth(GridLevels.Subdistrict));
        Assert.True(GridLevels.Depth(GridLevels.Grid) < GridLevels.Depth(GridLevels.Building));
        Assert.Equal(GridLevels.Ordered.Length - 1, GridLevels.Depth(GridLevels.HouseholdGroup));
        Assert.Equal(-1, GridLevels.Depth("province"));
    }

    [Fact]
    public void Only_contract_types_can_go_through_the_outbox()
    {
        Assert.Equal(typeof(RequestSubmitted), ContractTypes.Resolve(ContractTypes.NameOf(typeof(RequestSubmitted))));
        Assert.Throws<ArgumentException>(() => ContractTypes.NameOf(typeof(string)));
        Assert.Throws<InvalidOperationException>(() => ContractTypes.Resolve("System.IO.File"));
    }
}
