using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests;

/// <summary>
/// The organisation beside the grid: party organisations as a tree (committee → branch → group),
/// the household register with special-care groups, ten-household links (十联户), visits, and the
/// public board of who to call in a building.
/// </summary>
public sealed class OrganisationTests(SharedStack shared) : IAsyncLifetime
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

    private async Task<Guid> OrgAsync(string kind, string node, Guid? parentId, string? secretary = null, string? phone = null)
    {
        var (status, body) = await SendAsync(HttpMethod.Post, "/api/v1/party-orgs", Cadre,
            new { kind, name = $"{node} {kind}", nodeCode = node, parentId, secretaryName = secretary, secretaryPhone = phone, memberCount = 12 });
        Assert.True(status == HttpStatusCode.Created, $"{status}: {body}");
        return body.GetProperty("id").GetGuid();
    }

    private async Task<JsonElement> HouseholdAsync(string token, string node, string address, object? extra = null)
    {
        var body = new Dictionary<string, object?> { ["nodeCode"] = node, ["address"] = address, ["headName"] = $"户主{address}", ["headPhone"] = "13912345678" };
        if (extra is not null)
            foreach (var p in JsonSerializer.SerializeToElement(extra).EnumerateObject()) body[p.Name] = p.Value;
        var (status, created) = await SendAsync(HttpMethod.Post, "/api/v1/households", token, body);
        Assert.True(status == HttpStatusCode.Created, $"{status}: {created}");
        return created;
    }

    [Fact]
    public async Task Party_organisations_form_a_tree_beside_the_grid_and_refuse_a_wrong_place_or_parent()
    {
        var committee = await OrgAsync("committee", _county.Community, null, "王书记", "0851-1234567");
        var branch = await OrgAsync("branch", Compound, committee);
        var group = await OrgAsync("group", _county.Building, branch, "李组长", "0851-7654321");

        var (groupOnGrid, problem) = await SendAsync(HttpMethod.Post, "/api/v1/party-orgs", Cadre,
            new { kind = "group", name = "错位", nodeCode = _county.Grid, parentId = branch });
        var (groupUnderCommittee, parentProblem) = await SendAsync(HttpMethod.Post, "/api/v1/party-orgs", Cadre,
            new { kind = "group", name = "越级", nodeCode = $"{_county.Grid}-B02", parentId = committee });
        var (second, conflict) = await SendAsync(HttpMethod.Post, "/api/v1/party-orgs", Cadre,
            new { kind = "branch", name = "第二支部", nodeCode = Compound, parentId = committee });
        var (byWorker, _) = await SendAsync(HttpMethod.Post, "/api/v1/party-orgs", Worker,
            new { kind = "group", name = "网格员建的", nodeCode = $"{_county.Grid}-B02", parentId = branch });
        var (otherCadre, _) = await SendAsync(HttpMethod.Post, "/api/v1/party-orgs", Tokens.For("community_cadre", new TestCounty().Community),
            new { kind = "group", name = "别的社区", nodeCode = $"{_county.Grid}-B02", parentId = branch });

        Assert.Equal(HttpStatusCode.BadRequest, groupOnGrid);
        Assert.Contains("building", problem.GetProperty("errors").GetProperty("nodeCode")[0].GetString());
        Assert.Equal(HttpStatusCode.BadRequest, groupUnderCommittee);
        Assert.True(parentProblem.GetProperty("errors").TryGetProperty("parentId", out _));
        Assert.Equal(HttpStatusCode.Conflict, second);
        Assert.Equal("registered", conflict.GetProperty("currentState").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, byWorker);
        Assert.Equal(HttpStatusCode.NotFound, otherCadre);

        var (_, tree) = await SendAsync(HttpMethod.Get, $"/api/v1/party-orgs?under={_county.Community}", Cadre);
        Assert.Equal([committee, branch, group], tree.EnumerateArray().Select(o => o.GetProperty("id").GetGuid()));
        Assert.Equal(["committee", "branch", "group"], tree.EnumerateArray().Select(o => o.GetProperty("kind").GetString()));
        Assert.Equal(branch, tree[2].GetProperty("parentId").GetGuid());
        var registered = await _stack.ScalarAsync<long>("dispatch",
            "SELECT count(*) FROM outbox_messages WHERE message_type = 'GovPlatform.Contracts.PartyOrganisationRegistered' AND body->>'nodeCode' = ANY(@nodes)",
            new { nodes = new[] { _county.Community, Compound, _county.Building } });
        Assert.Equal(3, registered);
    }

    [Fact]
    public async Task Households_link_to_their_party_member_household_within_the_building_and_a_care_visit_is_published()
    {
        var center = await HouseholdAsync(Worker, _county.Building, "1单元101", new { partyHousehold = true });
        var centerId = center.GetProperty("id").GetGuid();
        var elderly = await HouseholdAsync(Worker, _county.Building, "1单元102",
            new { people = new[] { new { name = "赵奶奶", birthYear = 1941, care = new[] { "elderly_alone" } } } });
        var elderlyId = elderly.GetProperty("id").GetGuid();
        var otherBuilding = await HouseholdAsync(Worker, $"{_county.Grid}-B02", "1单元101");

        var (linked, after) = await SendAsync(HttpMethod.Put, $"/api/v1/households/{elderlyId}/link", Worker, new { centerId });
        var (acrossBuildings, problem) = await SendAsync(HttpMethod.Put, $"/api/v1/households/{otherBuilding.GetProperty("id").GetGuid()}/link", Worker, new { centerId });
        var (centerLinked, _) = await SendAsync(HttpMethod.Put, $"/api/v1/households/{centerId}/link", Worker, new { centerId = elderlyId });
        var (visited, visit) = await SendAsync(HttpMethod.Post, $"/api/v1/households/{elderlyId}/visits", Worker,
            new { kind = "care", visitedAt = DateTimeOffset.UtcNow.AddHours(-1), notes = "上门看望，血压正常，帮助换了灯泡" });
        var (future, _) = await SendAsync(HttpMethod.Post, $"/api/v1/households/{elderlyId}/visits", Worker,
            new { kind = "care", visitedAt = DateTimeOffset.UtcNow.AddDays(1), notes = "还没去" });

        Assert.Equal(HttpStatusCode.OK, linked);
        Assert.Equal(centerId, after.GetProperty("linkedTo").GetGuid());
        Assert.Equal(HttpStatusCode.BadRequest, acrossBuildings);
        Assert.Contains("building", problem.GetProperty("errors").GetProperty("centerId")[0].GetString());
        Assert.Equal(HttpStatusCode.Conflict, centerLinked);
        Assert.Equal(HttpStatusCode.Created, visited);
        Assert.Equal(HttpStatusCode.BadRequest, future);

        var (_, cared) = await SendAsync(HttpMethod.Get, $"/api/v1/households?under={_county.Grid}&care=elderly_alone", Worker);
        var only = Assert.Single(cared.EnumerateArray());
        Assert.Equal(elderlyId, only.GetProperty("id").GetGuid());
        Assert.Equal("赵奶奶", only.GetProperty("people")[0].GetProperty("name").GetString());
        Assert.Equal(visit.GetProperty("id").GetGuid(), only.GetProperty("visits")[0].GetProperty("id").GetGuid());
        var (_, all) = await SendAsync(HttpMethod.Get, $"/api/v1/households?under={_county.Building}", Worker);
        Assert.Equal(1, all.EnumerateArray().Single(h => h.GetProperty("id").GetGuid() == centerId).GetProperty("linkedHouseholds").GetInt32());

        var published = await _stack.QueryAsync<string>("dispatch",
            "SELECT body::text FROM outbox_messages WHERE message_type = 'GovPlatform.Contracts.HouseholdVisited' AND body->>'householdId' = @id",
            new { id = elderlyId.ToString() });
        var evt = JsonDocument.Parse(Assert.Single(published)).RootElement;
        Assert.Equal("care", evt.GetProperty("kind").GetString());
        Assert.Equal(["elderly_alone"], evt.GetProperty("careGroups").EnumerateArray().Select(c => c.GetString()));
        Assert.Contains(_county.Community, evt.GetProperty("scopePath").EnumerateArray().Select(c => c.GetString()));
    }

    [Fact]
    public async Task The_household_register_is_seen_only_by_staff_answering_for_its_grid()
    {
        var household = await HouseholdAsync(Cadre, _county.Building, "2单元201");
        var id = household.GetProperty("id").GetGuid();

        var (otherGrid, otherList) = await SendAsync(HttpMethod.Get, $"/api/v1/households?under={_county.District}", Tokens.For("grid_worker", _county.EmptyGrid));
        var (otherVisit, _) = await SendAsync(HttpMethod.Post, $"/api/v1/households/{id}/visits", Tokens.For("grid_worker", _county.EmptyGrid),
            new { kind = "routine", visitedAt = DateTimeOffset.UtcNow, notes = "走错了" });
        var (department, _) = await SendAsync(HttpMethod.Get, $"/api/v1/households?under={_county.District}", Tokens.For("department", department: "water"));
        var (anonymous, _) = await SendAsync(HttpMethod.Get, $"/api/v1/households?under={_county.District}", null);
        var (bad, problem) = await SendAsync(HttpMethod.Post, "/api/v1/households", Cadre,
            new { nodeCode = _county.Grid, address = "", headName = "x", headPhone = "12345", people = new[] { new { name = "y", care = new[] { "rich" } } } });

        Assert.Equal(HttpStatusCode.OK, otherGrid);
        Assert.DoesNotContain(otherList.EnumerateArray(), h => h.GetProperty("id").GetGuid() == id);
        Assert.Equal(HttpStatusCode.NotFound, otherVisit);
        Assert.Equal(HttpStatusCode.Forbidden, department);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous);
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.Equal(["address", "headPhone", "people[0].care"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(0, await _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM households WHERE node_code = @grid", new { grid = _county.Grid }));
    }

    [Fact]
    public async Task A_buildings_public_board_names_who_to_call_without_any_residents_phone()
    {
        var committee = await OrgAsync("committee", _county.Community, null);
        var branch = await OrgAsync("branch", Compound, committee);
        await OrgAsync("group", _county.Building, branch, "李组长", "0851-7654321");
        await HouseholdAsync(Worker, _county.Building, "1单元101", new { partyHousehold = true });
        await HouseholdAsync(Worker, _county.Building, "3单元301", new { linkHead = true });
        await HouseholdAsync(Worker, _county.Building, "2单元202");

        var (status, board) = await SendAsync(HttpMethod.Get, $"/api/v1/buildings/{_county.Building}/board", null);
        var (unknown, _) = await SendAsync(HttpMethod.Get, $"/api/v1/buildings/{_county.Grid}/board", null);

        Assert.Equal(HttpStatusCode.OK, status);
        var entries = board.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(["grid_leader", "grid_worker", "grid_worker", "link_head", "party_group_secretary", "party_household"],
            entries.Select(e => e.GetProperty("role").GetString()).Order());
        Assert.Equal("0851-7654321", entries.Single(e => e.GetProperty("role").GetString() == "party_group_secretary").GetProperty("phone").GetString());
        Assert.All(entries.Where(e => e.GetProperty("role").GetString() is "party_household" or "link_head"),
            e => Assert.Equal(JsonValueKind.Null, e.GetProperty("phone").ValueKind));
        Assert.DoesNotContain("13912345678", board.GetRawText());
        Assert.DoesNotContain("2单元202", board.GetRawText());
        Assert.Equal(HttpStatusCode.NotFound, unknown);
    }

    [Fact]
    public async Task Reporting_counts_party_branch_coverage_of_compounds_and_the_visits_made_in_the_period()
    {
        var committee = await OrgAsync("committee", _county.Community, null);
        await OrgAsync("branch", Compound, committee);
        var elderly = (await HouseholdAsync(Worker, _county.Building, "1单元102",
            new { people = new[] { new { name = "钱爷爷", birthYear = 1938, care = new[] { "elderly_alone", "disabled" } } } })).GetProperty("id").GetGuid();
        var plain = (await HouseholdAsync(Worker, _county.Building, "1单元103")).GetProperty("id").GetGuid();
        foreach (var (household, kind) in new[] { (elderly, "care"), (elderly, "festival"), (plain, "routine") })
        {
            var (status, _) = await SendAsync(HttpMethod.Post, $"/api/v1/households/{household}/visits", Worker,
                new { kind, visitedAt = DateTimeOffset.UtcNow.AddMinutes(-10), notes = "走访" });
            Assert.Equal(HttpStatusCode.Created, status);
        }

        var today = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd");
        var url = $"/api/v1/stats/organisation?under={_county.Community}&from={today}&to={today}";
        JsonElement figures = default;
        await Eventually.True(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url).WithBearer(Tokens.For("leader"));
            using var response = await _stack.Client("reporting").SendAsync(request, Ct);
            figures = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
            return response.IsSuccessStatusCode && figures.GetProperty("visits").GetInt64() == 3 && figures.GetProperty("compoundsWithPartyBranch").GetInt64() == 1;
        }, "reporting to count the three visits and the branch");

        Assert.Equal(1, figures.GetProperty("compounds").GetInt64());
        Assert.Equal(1.0, figures.GetProperty("partyBranchCoverage").GetDouble());
        Assert.Equal(3, figures.GetProperty("buildings").GetInt64());
        Assert.Equal(0, figures.GetProperty("buildingsWithPartyGroup").GetInt64());
        Assert.Equal(2, figures.GetProperty("careVisits").GetInt64());
        Assert.Equal(2, figures.GetProperty("householdsVisited").GetInt64());
        Assert.Equal(0, figures.GetProperty("partyHouseholdVisits").GetInt64());
    }
}
