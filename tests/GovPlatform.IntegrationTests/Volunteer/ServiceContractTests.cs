using System.Net;
using System.Text.Json;
using GovPlatform.IntegrationTests.Infrastructure;
using static GovPlatform.IntegrationTests.Volunteer.VolunteerKit;

namespace GovPlatform.IntegrationTests.Volunteer;

/// <summary>Service contracts (服务合同) of member units with communities: commitments, fulfilment, what is overdue, and the co-building figures.</summary>
public sealed class ServiceContractTests(SharedStack shared) : IAsyncLifetime
{
    private readonly TestStack _stack = shared.Stack;
    private readonly DispatchDriver _dispatch = new(shared.Stack);
    private readonly TestCounty _county = new();
    private CancellationToken Ct => TestContext.Current.CancellationToken;
    private HttpClient Api => _stack.Client("volunteer");
    private static readonly string Organiser = Tokens.For("organiser");
    private static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8));

    public async ValueTask InitializeAsync() => await _stack.ImportAsync(_county);
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string url, string token, object? body = null)
    {
        using var response = await Api.SendAsync(method, url, body, token);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private async Task<Guid> UnitAsync()
    {
        var (status, unit) = await SendAsync(HttpMethod.Post, "/api/v1/units", Tokens.For("admin"), new { name = $"县人民医院{Guid.NewGuid():N}"[..18], kind = "institution" });
        Assert.Equal(HttpStatusCode.Created, status);
        return unit.GetProperty("id").GetGuid();
    }

    private object Contract(Guid unitId) => new
    {
        unitId,
        communityCode = _county.Community,
        title = "2026年度社区共建服务合同",
        startsOn = Today.AddDays(-200),
        endsOn = Today.AddDays(165),
        commitments = new object[]
        {
            new { title = "结对帮扶困难户", target = 10, measure = "户", dueOn = Today.AddDays(-30) },
            new { title = "开展共建活动", target = 4, measure = "次", dueOn = Today.AddDays(60) },
            new { title = "上门义诊", target = 2, measure = "次", dueOn = Today.AddDays(-10) },
        },
    };

    private async Task<Guid> ServiceOrderCompletedByAsync(Guid unitId)
    {
        var cadre = Tokens.For("community_cadre", _county.Community);
        async Task<JsonElement> Ok(HttpMethod method, string url, string token, object body)
        {
            using var response = await _dispatch.SendAsync(method, url, token, body);
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.IsSuccessStatusCode, $"{url} answered {(int)response.StatusCode}: {text}");
            return JsonDocument.Parse(text).RootElement.Clone();
        }
        var item = await Ok(HttpMethod.Post, $"/api/v1/communities/{_county.Community}/service-menu", cadre, new { title = "义诊", description = "上门量血压", kind = "hardship" });
        var order = await Ok(HttpMethod.Post, "/api/v1/service-orders", Tokens.For("desk_operator"),
            new { menuItemId = item.GetProperty("id").GetGuid(), orderer = new { kind = "resident", name = "陈秀英", contact = "13812345678" } });
        var id = order.GetProperty("id").GetGuid();
        await Ok(HttpMethod.Post, $"/api/v1/service-orders/{id}/dispatch", cadre, new { takerKind = "member_unit", takerName = "县人民医院", takerId = unitId });
        await Ok(HttpMethod.Post, $"/api/v1/service-orders/{id}/take", cadre, new { });
        await Ok(HttpMethod.Post, $"/api/v1/service-orders/{id}/complete", cadre, new { result = "为 12 位老人量了血压" });
        await Eventually.True(async () => await _stack.ScalarAsync<long>("volunteer", "SELECT count(*) FROM service_order_completions WHERE order_id = @id", new { id }) == 1,
            "the completion in the volunteer service");
        return id;
    }

    private Task<(HttpStatusCode, JsonElement)> FulfilAsync(Guid contractId, Guid commitmentId, object body) =>
        SendAsync(HttpMethod.Post, $"/api/v1/service-contracts/{contractId}/commitments/{commitmentId}/fulfilments", Organiser, body);

    [Fact]
    public async Task A_contract_shows_committed_against_fulfilled_with_its_overdue_commitments_and_counts_its_co_building_events()
    {
        var unit = await UnitAsync();
        var (signed, contract) = await SendAsync(HttpMethod.Post, "/api/v1/service-contracts", Organiser, Contract(unit));
        Assert.True(signed == HttpStatusCode.Created, $"contract answered {(int)signed}: {contract}");
        var id = contract.GetProperty("id").GetGuid();
        var items = contract.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ToList();

        var activity = await SendAsync(HttpMethod.Post, "/api/v1/activities", Organiser, new
        {
            title = "共建单位义务植树", type = "cleanup", gridCode = _county.Grid,
            startsAt = DateTimeOffset.UtcNow.AddHours(1), endsAt = DateTimeOffset.UtcNow.AddHours(3), capacity = 20,
        });
        Assert.Equal(HttpStatusCode.Created, activity.Status);
        var activityId = activity.Body.GetProperty("id").GetGuid();
        var order = await ServiceOrderCompletedByAsync(unit);

        var steps = new[]
        {
            await FulfilAsync(id, items[0], new { kind = "other", quantity = 4, heldOn = Today.AddDays(-40), note = "结对帮扶 4 户" }),
            await FulfilAsync(id, items[1], new { kind = "co_building", quantity = 1, heldOn = Today, note = "义务植树", activityId }),
            await FulfilAsync(id, items[2], new { kind = "service_order", quantity = 2, heldOn = Today, note = "上门义诊两次", serviceOrderId = order }),
        };
        Assert.All(steps, s => Assert.True(s.Item1 == HttpStatusCode.Created, $"fulfilment answered {(int)s.Item1}: {s.Item2}"));
        var (again, twice) = await FulfilAsync(id, items[1], new { kind = "co_building", quantity = 1, heldOn = Today, note = "重复登记", activityId });
        Assert.Equal(HttpStatusCode.BadRequest, again);
        Assert.True(twice.GetProperty("errors").TryGetProperty("activityId", out _));

        var (_, shown) = await SendAsync(HttpMethod.Get, $"/api/v1/service-contracts/{id}", Tokens.For("leader"));
        Assert.Equal((3L, 1L, 1L, 16L, 7L), (shown.GetProperty("commitments").GetInt64(), shown.GetProperty("commitmentsMet").GetInt64(),
            shown.GetProperty("commitmentsOverdue").GetInt64(), shown.GetProperty("committed").GetInt64(), shown.GetProperty("fulfilled").GetInt64()));
        Assert.Equal([(4L, true), (1L, false), (2L, false)], shown.GetProperty("items").EnumerateArray()
            .Select(i => (i.GetProperty("fulfilled").GetInt64(), i.GetProperty("overdue").GetBoolean())));
        Assert.Equal(activityId, shown.GetProperty("items")[1].GetProperty("entries")[0].GetProperty("activityId").GetGuid());

        var (_, overdue) = await SendAsync(HttpMethod.Get, $"/api/v1/service-contracts/overdue?community={_county.Community}", Organiser);
        var late = Assert.Single(overdue.EnumerateArray());
        Assert.Equal((items[0], "结对帮扶困难户", 4L), (late.GetProperty("commitmentId").GetGuid(), late.GetProperty("title").GetString(), late.GetProperty("fulfilled").GetInt64()));

        Assert.Equal(1, await _stack.ScalarAsync<long>("volunteer", "SELECT count(*) FROM outbox_messages WHERE message_type = 'GovPlatform.Contracts.ServiceContractSigned' AND body->>'contractId' = @id", new { id = id.ToString() }));
        Assert.Equal(3, await _stack.ScalarAsync<long>("volunteer", "SELECT count(*) FROM outbox_messages WHERE message_type = 'GovPlatform.Contracts.ServiceCommitmentFulfilled' AND body->>'contractId' = @id", new { id = id.ToString() }));

        // Double reporting: the co-building event and the hardship (the unit's own order) for the unit and the community.
        var (_, units) = await SendAsync(HttpMethod.Get, "/api/v1/units/figures", Tokens.For("leader"));
        var unitRow = units.EnumerateArray().Single(u => u.GetProperty("unitId").GetGuid() == unit);
        Assert.Equal((1, 1, 1), (unitRow.GetProperty("coBuildingEvents").GetInt32(), unitRow.GetProperty("hardshipsSolved").GetInt32(), unitRow.GetProperty("contracts").GetInt32()));
        var (_, communities) = await SendAsync(HttpMethod.Get, "/api/v1/units/figures/communities", Tokens.For("leader"));
        var communityRow = communities.EnumerateArray().Single(c => c.GetProperty("communityCode").GetString() == _county.Community);
        Assert.Equal((1, 1, 1, 0), (communityRow.GetProperty("coBuildingEvents").GetInt32(), communityRow.GetProperty("hardshipsSolved").GetInt32(),
            communityRow.GetProperty("contracts").GetInt32(), communityRow.GetProperty("membersReported").GetInt32()));

        var report = await ServiceOrderPointsTests.WaitAsync(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/stats/double-reporting?{ServiceOrderPointsTests.Period()}&under={_county.Community}");
            using var response = await _stack.Client("reporting").SendAsync(request.WithBearer(Tokens.For("leader")), Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var total = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("total").Clone();
            return total.GetProperty("coBuildingEvents").GetInt64() == 1 && total.GetProperty("hardshipsSolved").GetInt64() == 1
                && total.GetProperty("contractsSigned").GetInt64() == 1 ? total : null;
        }, "the contract's figures in reporting");
        Assert.Equal(16, report.GetProperty("committed").GetInt64());
    }

    [Fact]
    public async Task A_bad_contract_or_fulfilment_is_refused_with_its_fields_and_stores_nothing()
    {
        var unit = await UnitAsync();
        var (bad, problem) = await SendAsync(HttpMethod.Post, "/api/v1/service-contracts", Organiser, new
        {
            unitId = Guid.NewGuid(), communityCode = _county.Grid, title = "", startsOn = Today, endsOn = Today.AddDays(30),
            commitments = new[] { new { title = "共建活动", target = 0, measure = "次", dueOn = Today.AddDays(31) } },
        });
        var (empty, p2) = await SendAsync(HttpMethod.Post, "/api/v1/service-contracts", Organiser, new
        {
            unitId = unit, communityCode = _county.Community, title = "合同", startsOn = Today, endsOn = Today.AddDays(-1), commitments = Array.Empty<object>(),
        });
        var (byVolunteer, _) = await SendAsync(HttpMethod.Post, "/api/v1/service-contracts", Tokens.For("volunteer"), Contract(unit));
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.Equal(["commitments[0].dueOn", "commitments[0].target", "communityCode", "title", "unitId"],
            problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(HttpStatusCode.BadRequest, empty);
        Assert.Equal(["commitments", "endsOn"], p2.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(HttpStatusCode.Forbidden, byVolunteer);
        Assert.Equal(0, await _stack.ScalarAsync<long>("volunteer", "SELECT count(*) FROM service_contracts WHERE unit_id = @unit", new { unit }));

        var (_, contract) = await SendAsync(HttpMethod.Post, "/api/v1/service-contracts", Organiser, Contract(unit));
        var id = contract.GetProperty("id").GetGuid();
        var commitment = contract.GetProperty("items")[0].GetProperty("id").GetGuid();
        var someoneElses = await ServiceOrderCompletedByAsync(await UnitAsync());
        var refused = new[]
        {
            await FulfilAsync(id, commitment, new { kind = "service_order", quantity = 1, heldOn = Today, note = "别的单位的单", serviceOrderId = someoneElses }),
            await FulfilAsync(id, commitment, new { kind = "service_order", quantity = 1, heldOn = Today, note = "没有单号" }),
            await FulfilAsync(id, commitment, new { kind = "other", quantity = 1, heldOn = Today.AddDays(2), note = "还没发生" }),
            await FulfilAsync(id, commitment, new { kind = "other", quantity = 1, heldOn = Today.AddDays(-300), note = "合同之前" }),
            await FulfilAsync(id, commitment, new { kind = "party", quantity = 0, heldOn = Today, note = "" }),
        };
        Assert.Equal(["serviceOrderId", "serviceOrderId", "heldOn", "heldOn", "kind,note,quantity"],
            refused.Select(r => string.Join(",", r.Item2.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order())));
        Assert.All(refused, r => Assert.Equal(HttpStatusCode.BadRequest, r.Item1));
        var (missing, _) = await FulfilAsync(id, Guid.NewGuid(), new { kind = "other", quantity = 1, heldOn = Today, note = "不存在的承诺" });
        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Equal(0, await _stack.ScalarAsync<long>("volunteer", "SELECT count(*) FROM contract_fulfilments WHERE contract_id = @id", new { id }));
    }
}
