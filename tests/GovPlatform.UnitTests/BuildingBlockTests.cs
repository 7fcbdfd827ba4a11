using GovPlatform.Contracts;
using GovPlatform.Dispatch.Extensions;
using GovPlatform.ServiceDefaults.Data;
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

    [Fact]
    public void A_service_migrations_are_its_embedded_sql_files_in_number_order()
    {
        var scripts = Migrator.EmbeddedScripts(new Migrator.Source("service", typeof(DispatchApp).Assembly, "Migrations.")).ToList();
        Assert.NotEmpty(scripts);
        Assert.All(scripts, s => Assert.Matches(@"^service/\d{4}_[a-z0-9_]+\.sql$", s.Id));
        Assert.Equal(scripts.Select(s => s.Id).Order(StringComparer.Ordinal), scripts.Select(s => s.Id));
        Assert.Contains("CREATE TABLE work_orders", scripts[0].Sql);
    }

    [Fact]
    public void A_script_checksum_changes_when_its_text_does()
    {
        var a = new Migrator.Script("service/0001_a.sql", "CREATE TABLE a (id int)");
        Assert.Equal(a.Checksum, (a with { }).Checksum);
        Assert.NotEqual(a.Checksum, (a with { Sql = "CREATE TABLE a (id bigint)" }).Checksum);
    }
}
