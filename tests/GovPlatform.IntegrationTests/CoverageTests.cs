using System.Net;
using System.Text.Json;
using GovPlatform.Contracts;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests;

/// <summary>
/// The three coverages (三覆盖: a party branch, an owners' committee and a property service in every compound) as
/// reporting counts them, and work orders that reach a building's party-member households and household-group heads.
/// </summary>
public sealed class CoverageTests(SharedStack shared) : IAsyncLifetime
{
    private readonly TestStack _stack = shared.Stack;
    private readonly DispatchDriver _dispatch = new(shared.Stack);
    private readonly TestCounty _county = new();
    private CancellationToken Ct => TestContext.Current.CancellationToken;
    private string Cadre => Tokens.For("community_cadre", _county.Community);
    private string Worker => Tokens.For("grid_worker", _county.Grid);
    private string Compound => $"{_county.Community}-C01";

    public async ValueTask InitializeAsync() => await _stack.ImportAsync(_county);
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string url, string? token, object? body = null)
    {
        using var response = await _dispatch.SendAsync(method, url, token, body);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private async Task<JsonElement> CreatedAsync(string url, string token, object body)
    {
        var (status, answer) = await SendAsync(HttpMethod.Post, url, token, body);
        Assert.True(status is HttpStatusCode.Created or HttpStatusCode.OK, $"{url}: {(int)status} {answer}");
        return answer;
    }

    private async Task<JsonElement> CoverageAsync(Func<JsonElement, bool> until, string what)
    {
        var today = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd");
        var url = $"/api/v1/stats/coverage?under={_county.Community}&from={today}&to={today}";
        JsonElement figures = default;
        await Eventually.True(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url).WithBearer(Tokens.For("leader"));
            using var response = await _stack.Client("reporting").SendAsync(request, Ct);
            if (!response.IsSuccessStatusCode) return false;
            figures = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone();
            return until(figures);
        }, what);
        return figures;
    }

    private Task<JsonElement> ImportBodyAsync(string section, string name) =>
        CreatedAsync("/api/v1/bodies/import", DispatchDriver.Admin,
            new Dictionary<string, object> { [section] = new[] { new { at = Compound, name, contactName = "联系人", phone = "13800003333" } } });

    [Fact]
    public async Task The_three_coverages_move_as_a_compound_gets_its_party_branch_property_service_and_owners_committee()
    {
        var none = await CoverageAsync(f => f.GetProperty("compounds").GetInt64() == 1, "reporting to know the county's one compound");
        Assert.Equal(0, none.GetProperty("withAllThree").GetInt64());
        Assert.Equal(0.0, none.GetProperty("threeCoverage").GetDouble());

        var committee = (await CreatedAsync("/api/v1/party-orgs", Cadre, new { kind = "committee", name = "锦园社区党委", nodeCode = _county.Community })).GetProperty("id").GetGuid();
        await CreatedAsync("/api/v1/party-orgs", Cadre, new { kind = "branch", name = "东苑小区党支部", nodeCode = Compound, parentId = committee });
        await ImportBodyAsync("propertyCompanies", "东苑物业");
        var two = await CoverageAsync(f => f.GetProperty("withPartyBranch").GetInt64() == 1 && f.GetProperty("withPropertyService").GetInt64() == 1,
            "reporting to see the branch and the property service");
        Assert.Equal(0, two.GetProperty("withOwnersCommittee").GetInt64());
        Assert.Equal(0.0, two.GetProperty("threeCoverage").GetDouble());

        await ImportBodyAsync("ownersCommittees", "东苑业委会");
        var all = await CoverageAsync(f => f.GetProperty("withAllThree").GetInt64() == 1, "reporting to see all three in the compound");
        Assert.Equal(1.0, all.GetProperty("threeCoverage").GetDouble());
        Assert.Equal(1.0, all.GetProperty("ownersCommitteeCoverage").GetDouble());

        var published = await _stack.ScalarAsync<long>("dispatch",
            "SELECT count(*) FROM outbox_messages WHERE message_type = 'GovPlatform.Contracts.CompoundBodyRegistered' AND body->>'compoundCode' = @Compound",
            new { Compound });
        Assert.Equal(2, published);
    }

    [Fact]
    public async Task A_work_order_on_a_building_reaches_its_party_member_households_and_household_group_heads()
    {
        async Task<Guid> HouseholdAsync(string node, string address, object? flags = null)
        {
            var body = new Dictionary<string, object?> { ["nodeCode"] = node, ["address"] = address, ["headName"] = $"户主{address}", ["headPhone"] = "13912340000" };
            if (flags is not null)
                foreach (var p in JsonSerializer.SerializeToElement(flags).EnumerateObject()) body[p.Name] = p.Value;
            return (await CreatedAsync("/api/v1/households", Worker, body)).GetProperty("id").GetGuid();
        }
        var party = await HouseholdAsync(_county.Building, "1单元101", new { partyHousehold = true });
        var head = await HouseholdAsync(_county.Building, "2单元301", new { linkHead = true });
        var neighbour = await HouseholdAsync(_county.Building, "2单元302");
        await SendAsync(HttpMethod.Put, $"/api/v1/households/{neighbour}/link", Worker, new { centerId = head });
        await HouseholdAsync($"{_county.Grid}-B02", "1单元101", new { partyHousehold = true });

        var orderId = await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(_county));
        var quiet = await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(_county, location: $"{_county.EmptyGrid}-B03"));

        var informed = await Eventually.Get(async () =>
        {
            var events = await _dispatch.EventsAsync(nameof(HouseholdHeadsInformed), orderId);
            return events.Count > 0 ? events : null;
        }, "the building's heads informed of the order");
        var evt = Assert.Single(informed);
        Assert.Equal([party, head], evt.GetProperty("householdIds").EnumerateArray().Select(h => h.GetGuid()));
        Assert.Equal(1, evt.GetProperty("partyHouseholds").GetInt32());
        Assert.Equal(1, evt.GetProperty("linkHeads").GetInt32());
        Assert.Contains("household_heads_informed", DispatchDriver.Actions(await _dispatch.GetAsync(orderId)));

        var (status, reach) = await SendAsync(HttpMethod.Get, $"/api/v1/work-orders/{orderId}/household-heads", Worker);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(_county.Building, reach.GetProperty("buildingCode").GetString());
        Assert.NotEqual(JsonValueKind.Null, reach.GetProperty("informedAt").ValueKind);
        var heads = reach.GetProperty("heads").EnumerateArray().ToList();
        Assert.Equal(["party_household", "link_head"], heads.Select(h => h.GetProperty("role").GetString()));
        Assert.Equal(1, heads[1].GetProperty("linkedHouseholds").GetInt32());
        Assert.Equal("13912340000", heads[0].GetProperty("phone").GetString());

        // An order on a building without heads reaches nobody; another grid's worker does not see the order at all.
        var (_, none) = await SendAsync(HttpMethod.Get, $"/api/v1/work-orders/{quiet}/household-heads", Cadre);
        Assert.Equal(0, none.GetProperty("heads").GetArrayLength());
        var (otherGrid, _) = await SendAsync(HttpMethod.Get, $"/api/v1/work-orders/{orderId}/household-heads", Tokens.For("grid_worker", _county.EmptyGrid));
        Assert.Equal(HttpStatusCode.NotFound, otherGrid);

        var figures = await CoverageAsync(f => f.GetProperty("ordersReachingHouseholdHeads").GetInt64() == 1, "reporting to count the order that reached the heads");
        Assert.Equal(2, figures.GetProperty("householdHeadsReached").GetInt64());
        Assert.Empty(await _dispatch.EventsAsync(nameof(HouseholdHeadsInformed), quiet));
    }
}
