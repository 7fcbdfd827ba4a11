using GovPlatform.Dispatch.WorkOrders;

namespace GovPlatform.UnitTests;

public sealed class WorkOrderRulesTests
{
    [Theory]
    [InlineData("accept", "assigned", true)]
    [InlineData("accept", "accepted", false)]
    [InlineData("arrive", "accepted", true)]
    [InlineData("resolve", "on_site", true)]
    [InlineData("resolve", "plan_formed", true)]
    [InlineData("resolve", "assigned", false)]
    [InlineData("plan", "on_site", true)]
    [InlineData("transfer", "returned", true)]
    [InlineData("return", "returned", false)]
    [InlineData("resume", "suspended", true)]
    [InlineData("escalate", "suspended", false)]
    [InlineData("escalate", "closed", false)]
    public void Each_action_is_legal_only_from_its_states(string action, string status, bool legal) =>
        Assert.Equal(legal, WorkOrderRules.IsLegal(action, status));

    [Fact]
    public void Nothing_but_the_callback_moves_a_closed_order() =>
        Assert.DoesNotContain(WorkOrderRules.Actions, a => WorkOrderRules.IsLegal(a, WorkOrderStatus.Closed));

    [Theory]
    [InlineData("grid_worker", "accept", "compound", true)]
    [InlineData("grid_worker", "accept", "community", false)]
    [InlineData("grid_worker", "transfer", "compound", false)]
    [InlineData("grid_leader", "transfer", "compound", true)]
    [InlineData("community_cadre", "accept", "subdistrict", false)]
    [InlineData("subdistrict_officer", "suspend", "subdistrict", true)]
    [InlineData("subdistrict_officer", "accept", "county", false)]
    [InlineData("admin", "accept", "county", true)]
    [InlineData("department", "accept", "compound", false)]
    public void Each_tier_is_answered_for_by_its_roles_and_those_above(string role, string action, string tier, bool may) =>
        Assert.Equal(may, WorkOrderRules.MayAct([role], action, tier));

    [Fact]
    public void Tiers_climb_from_the_compound_to_the_county_and_stop() =>
        Assert.Equal(["community", "subdistrict", "county", null],
            new[] { "compound", "community", "subdistrict", "county" }.Select(WorkOrderRules.Above));

    [Fact]
    public void An_assignee_may_do_the_work_but_re_dispatching_and_pausing_stay_with_leaders()
    {
        Assert.Contains("accept", WorkOrderRules.HandlerActions);
        Assert.Contains("escalate", WorkOrderRules.HandlerActions);
        Assert.DoesNotContain("transfer", WorkOrderRules.HandlerActions);
        Assert.DoesNotContain("suspend", WorkOrderRules.HandlerActions);
        Assert.DoesNotContain("resume", WorkOrderRules.HandlerActions);
    }

    [Fact]
    public void A_department_called_in_does_the_work_but_moves_the_order_nowhere()
    {
        Assert.Equal(["accept", "arrive", "plan", "resolve"], WorkOrderRules.DepartmentActions.Order());
        Assert.All(WorkOrderRules.DepartmentActions, a => Assert.Contains(a, WorkOrderRules.HandlerActions));
    }
}
