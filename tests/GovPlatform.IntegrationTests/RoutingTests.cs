using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GovPlatform.Dispatch.Bodies;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests;

/// <summary>
/// Per-category routing rules: property-service work goes to the compound's property company, safety
/// hazards also tell the community at once, and every assignment says which rule and which candidates.
/// </summary>
public sealed class RoutingTests(SharedStack shared)
{
    private readonly TestStack _stack = shared.Stack;
    private readonly DispatchDriver _dispatch = new(shared.Stack);

    private static JsonElement Detail(JsonElement order, string action) =>
        JsonDocument.Parse(order.GetProperty("history").EnumerateArray().First(h => h.GetProperty("action").GetString() == action)
            .GetProperty("detail").GetString()!).RootElement.Clone();

    private async Task<TestCounty> CountyAsync(bool withPropertyCompany)
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        if (withPropertyCompany)
        {
            using var response = await _dispatch.SendAsync(HttpMethod.Post, "/api/v1/bodies/import", DispatchDriver.Admin,
                new BodiesImportRequest(PropertyCompanies: [new BodyInput($"{county.Community}-C01", "湄江物业公司", "王经理", "13912345678")]));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        return county;
    }

    [Fact]
    public async Task A_property_service_request_goes_to_the_compounds_property_company()
    {
        var county = await CountyAsync(withPropertyCompany: true);

        var order = await _dispatch.GetAsync(await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(county, "property_service")));

        Assert.Equal("property_company", order.GetProperty("assigneeKind").GetString());
        Assert.Equal("湄江物业公司", order.GetProperty("assigneeName").GetString());
        Assert.Equal(JsonValueKind.Null, order.GetProperty("assigneeId").ValueKind);
        var why = Detail(order, "assigned");
        Assert.Equal("property_service", why.GetProperty("routingRule").GetProperty("category").GetString());
        Assert.Equal("湄江物业公司", why.GetProperty("propertyCompany").GetProperty("name").GetString());
        var assigned = Assert.Single(await _dispatch.EventsAsync("WorkOrderAssigned", order.GetProperty("id").GetGuid()));
        Assert.Equal("property_company", assigned.GetProperty("assigneeKind").GetString());
        Assert.Contains("property company", assigned.GetProperty("rule").GetString());
    }

    [Fact]
    public async Task Without_a_property_company_the_request_falls_back_to_the_grid_and_says_why()
    {
        var county = await CountyAsync(withPropertyCompany: false);

        var order = await _dispatch.GetAsync(await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(county, "roof_leak")));

        Assert.Equal("grid_worker", order.GetProperty("assigneeKind").GetString());
        var why = Detail(order, "assigned");
        Assert.Equal("roof_leak", why.GetProperty("routingRule").GetProperty("category").GetString());
        Assert.Contains($"compound {county.Community}-C01 has none", why.GetProperty("fallback").GetString());
        Assert.Contains("has none", why.GetProperty("rule").GetString());
        var candidates = why.GetProperty("candidates").EnumerateArray().ToList();
        Assert.Equal(3, candidates.Count); // two grid workers and the leader, each with its load
        Assert.All(candidates, c => Assert.True(c.GetProperty("eligible").GetBoolean()));
        Assert.All(candidates, c => Assert.Equal(0, c.GetProperty("openLoad").GetInt64()));
    }

    [Fact]
    public async Task A_safety_hazard_starts_with_the_community_its_catalogue_tier_and_the_community_is_told_at_once()
    {
        var county = await CountyAsync(withPropertyCompany: true);

        var order = await _dispatch.GetAsync(await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(county, "safety_hazard")));

        // The catalogue ships safety hazards at the community tier; the rule's 'grid' names no body, so the tier decides.
        Assert.Equal(("community", "community"), (order.GetProperty("tier").GetString(), order.GetProperty("assigneeKind").GetString()));
        var notified = Detail(order, "community_notified");
        Assert.Equal(county.Community, notified.GetProperty("community").GetString());
        Assert.Equal("锦园社区", notified.GetProperty("communityName").GetString());
        var e = Assert.Single(await _dispatch.EventsAsync("CommunityNotified", order.GetProperty("id").GetGuid()));
        Assert.Equal(county.Community, e.GetProperty("communityCode").GetString());
        Assert.Equal("safety_hazard", e.GetProperty("category").GetString());
        Assert.True(Detail(order, "assigned").GetProperty("routingRule").GetProperty("notifyCommunity").GetBoolean());
    }

    [Fact]
    public async Task Routing_rules_are_data_admins_set_and_the_next_request_follows()
    {
        var category = "test_" + Guid.NewGuid().ToString("N")[..10];
        var county = await CountyAsync(withPropertyCompany: true);

        using var byWorker = await _dispatch.SendAsync(HttpMethod.Put, $"/api/v1/routing-rules/{category}", Tokens.For("grid_worker"), new { target = "property_company" });
        using var badTarget = await _dispatch.SendAsync(HttpMethod.Put, $"/api/v1/routing-rules/{category}", DispatchDriver.Admin, new { target = "police" });
        using var unset = await _dispatch.SendAsync(HttpMethod.Get, $"/api/v1/routing-rules/{category}", DispatchDriver.Admin);
        Assert.Equal(HttpStatusCode.Forbidden, byWorker.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badTarget.StatusCode);
        Assert.Contains("police", (await badTarget.JsonAsync()).GetProperty("errors").GetProperty("target")[0].GetString());
        Assert.Equal(HttpStatusCode.NotFound, unset.StatusCode);

        using var set = await _dispatch.SendAsync(HttpMethod.Put, $"/api/v1/routing-rules/{category}", DispatchDriver.Admin,
            new { target = "property_company", notifyCommunity = true });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        using var read = await _dispatch.SendAsync(HttpMethod.Get, $"/api/v1/routing-rules/{category}", Tokens.For("grid_worker"));
        var rule = await read.JsonAsync();
        Assert.Equal("property_company", rule.GetProperty("target").GetString());
        Assert.True(rule.GetProperty("notifyCommunity").GetBoolean());

        var order = await _dispatch.GetAsync(await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(county, category)));
        Assert.Equal("property_company", order.GetProperty("assigneeKind").GetString());
        Assert.Contains("community_notified", DispatchDriver.Actions(order));

        using var defaults = await _dispatch.SendAsync(HttpMethod.Get, "/api/v1/routing-rules", Tokens.For("grid_worker"));
        var all = (await defaults.JsonAsync()).EnumerateArray().ToDictionary(r => r.GetProperty("category").GetString()!, r => r.GetProperty("target").GetString());
        Assert.Equal("grid", all["*"]);
        Assert.Equal("property_company", all["property_service"]);
    }

    [Fact]
    public async Task Rules_may_send_a_category_to_the_grids_responsible_units_or_the_owners_committee()
    {
        var county = await CountyAsync(withPropertyCompany: false);
        var (units, committee, orphan) = ("test_" + Guid.NewGuid().ToString("N")[..10], "test_" + Guid.NewGuid().ToString("N")[..10], "test_" + Guid.NewGuid().ToString("N")[..10]);
        foreach (var (category, target) in new[] { (units, "responsible_unit"), (committee, "owners_committee"), (orphan, "responsible_unit") })
        {
            using var set = await _dispatch.SendAsync(HttpMethod.Put, $"/api/v1/routing-rules/{category}", DispatchDriver.Admin, new { target });
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }
        using var imported = await _dispatch.SendAsync(HttpMethod.Post, "/api/v1/bodies/import", DispatchDriver.Admin, new BodiesImportRequest(
            OwnersCommittees: [new BodyInput($"{county.Community}-C01", "东苑小区业主委员会", "赵主任", "13900002222")],
            ResponsibleUnits: [new BodyInput(county.Grid, "县财政局", "周科长", "0851-24221234"), new BodyInput(county.Grid, "县税务局", "吴科长", "0851-24225678")]));
        imported.EnsureSuccessStatusCode();

        // Two requests in one grid: the second goes to the unit with less open work.
        var first = await _dispatch.GetAsync(await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(county, units)));
        var second = await _dispatch.GetAsync(await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(county, units)));
        var toCommittee = await _dispatch.GetAsync(await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(county, committee)));
        // The second grid has no unit: the rule falls back to its grid, and says so.
        var fellBack = await _dispatch.GetAsync(await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(county, orphan, location: $"{county.EmptyGrid}-B03")));

        Assert.All(new[] { first, second }, o => Assert.Equal("responsible_unit", o.GetProperty("assigneeKind").GetString()));
        Assert.Equal(["县税务局", "县财政局"], new[] { first, second }.Select(o => o.GetProperty("assigneeName").GetString()!).Order(StringComparer.Ordinal));
        var why = Detail(second, "assigned");
        Assert.Equal(("responsible_unit", county.Grid), (why.GetProperty("body").GetProperty("kind").GetString(), why.GetProperty("body").GetProperty("at").GetString()));
        Assert.Contains("responsible unit", why.GetProperty("rule").GetString());
        Assert.Equal(("owners_committee", "东苑小区业主委员会"), (toCommittee.GetProperty("assigneeKind").GetString(), toCommittee.GetProperty("assigneeName").GetString()));
        Assert.Equal("owners_committee", Assert.Single(await _dispatch.EventsAsync("WorkOrderAssigned", toCommittee.GetProperty("id").GetGuid()))
            .GetProperty("assigneeKind").GetString());
        Assert.NotEqual("responsible_unit", fellBack.GetProperty("assigneeKind").GetString());
        Assert.Contains($"grid {county.EmptyGrid} has none", Detail(fellBack, "assigned").GetProperty("fallback").GetString());
    }

    [Fact]
    public async Task Bodies_are_imported_by_admins_validated_and_listed_with_phones_masked_for_staff()
    {
        var county = await CountyAsync(withPropertyCompany: false);
        var compound = $"{county.Community}-C01";
        var body = new BodiesImportRequest(
            PropertyCompanies: [new BodyInput(compound, "东苑物业", "李经理", "13900001111")],
            OwnersCommittees: [new BodyInput(compound, "东苑小区业主委员会", "赵主任", "13900002222")],
            ResponsibleUnits: [new BodyInput(county.Grid, "县财政局", "周科长", "0851-24221234")],
            Departments: [new BodyInput("fire", "县消防救援大队", "陈队长", "13900003333")]);

        using var byCadre = await _dispatch.SendAsync(HttpMethod.Post, "/api/v1/bodies/import", Tokens.For("community_cadre"), body);
        using var wrongLevel = await _dispatch.SendAsync(HttpMethod.Post, "/api/v1/bodies/import", DispatchDriver.Admin,
            body with { PropertyCompanies = [new BodyInput(county.Grid, "错物业", "某人", "13900004444")], Departments = [new BodyInput("Army!", "部队", "某人", "bad")] });
        Assert.Equal(HttpStatusCode.Forbidden, byCadre.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, wrongLevel.StatusCode);
        var errors = (await wrongLevel.JsonAsync()).GetProperty("errors");
        Assert.Contains("is a grid", errors.GetProperty("propertyCompanies[0].at")[0].GetString());
        Assert.Contains("not a department code", errors.GetProperty("departments[0].at")[0].GetString());
        Assert.True(errors.TryGetProperty("departments[0].phone", out _));
        Assert.Equal(0, await _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM owners_committees WHERE compound_code = @compound", new { compound }));

        using var ok = await _dispatch.SendAsync(HttpMethod.Post, "/api/v1/bodies/import", DispatchDriver.Admin, body);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        using var asStaff = await _dispatch.SendAsync(HttpMethod.Get, $"/api/v1/bodies/owners-committees?under={county.District}", Tokens.For("community_cadre"));
        var committee = Assert.Single((await asStaff.JsonAsync()).EnumerateArray());
        Assert.Equal("东苑小区业主委员会", committee.GetProperty("name").GetString());
        Assert.Equal("139****2222", committee.GetProperty("phone").GetString());
        using var asAdmin = await _dispatch.SendAsync(HttpMethod.Get, $"/api/v1/bodies/responsible-units?under={county.District}", DispatchDriver.Admin);
        Assert.Equal("0851-24221234", Assert.Single((await asAdmin.JsonAsync()).EnumerateArray()).GetProperty("phone").GetString());
        using var departments = await _dispatch.SendAsync(HttpMethod.Get, "/api/v1/bodies/departments", Tokens.For("grid_worker"));
        var fire = (await departments.JsonAsync()).EnumerateArray().Single(d => d.GetProperty("at").GetString() == "fire");
        Assert.Equal("139****3333", fire.GetProperty("phone").GetString());
    }
}
