using System.Net;
using System.Text.Json;
using GovPlatform.Contracts;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests;

/// <summary>Order, dispatch, take, show (点单-派单-接单-晒单): from a community's service menu to its public list of results.</summary>
public sealed class ServiceOrderTests(SharedStack shared) : IAsyncLifetime
{
    private readonly TestStack _stack = shared.Stack;
    private readonly DispatchDriver _dispatch = new(shared.Stack);
    private readonly TestCounty _county = new();
    private CancellationToken Ct => TestContext.Current.CancellationToken;
    private string Cadre => Tokens.For("community_cadre", _county.Community);
    private static readonly string Desk = Tokens.For("desk_operator");
    private const string Resident = "陈秀英";
    private const string ResidentPhone = "13812345678";

    public async ValueTask InitializeAsync() => await _stack.ImportAsync(_county);
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string url, string? token, object? body = null)
    {
        using var response = await _dispatch.SendAsync(method, url, token, body);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private async Task<Guid> MenuItemAsync()
    {
        var (status, item) = await SendAsync(HttpMethod.Post, $"/api/v1/communities/{_county.Community}/service-menu", Cadre,
            new { title = "上门理发", description = "为行动不便的老人上门理发", points = 5 });
        Assert.True(status == HttpStatusCode.Created, $"menu answered {(int)status}: {item}");
        return item.GetProperty("id").GetGuid();
    }

    private async Task<Guid> PlaceAsync(Guid menuItemId)
    {
        var (status, order) = await SendAsync(HttpMethod.Post, "/api/v1/service-orders", Desk,
            new { menuItemId, orderer = new { kind = "resident", name = Resident, contact = ResidentPhone }, note = "周六上午在家" });
        Assert.True(status == HttpStatusCode.Created, $"place answered {(int)status}: {order}");
        Assert.Equal("placed", order.GetProperty("state").GetString());
        return order.GetProperty("id").GetGuid();
    }

    private Task<(HttpStatusCode, JsonElement)> StepAsync(Guid orderId, string step, string token, object? body = null) =>
        SendAsync(HttpMethod.Post, $"/api/v1/service-orders/{orderId}/{step}", token, body ?? new { });

    private static object ToPartyMember(Guid takerId) => new { takerKind = "party_member", takerName = "刘建国", takerId };

    private async Task<IReadOnlyList<string>> EventTypesAsync(Guid orderId) =>
        await _stack.QueryAsync<string>("dispatch",
            "SELECT replace(message_type, 'GovPlatform.Contracts.', '') FROM outbox_messages WHERE body->>'orderId' = @id ORDER BY id",
            new { id = orderId.ToString() });

    [Fact]
    public async Task An_order_goes_from_the_menu_to_the_public_list_with_who_and_when_at_every_step()
    {
        var menuItemId = await MenuItemAsync();
        var (menuStatus, menu) = await SendAsync(HttpMethod.Get, $"/api/v1/communities/{_county.Community}/service-menu", null);
        Assert.Equal(HttpStatusCode.OK, menuStatus);
        Assert.Equal(("上门理发", 5), (menu[0].GetProperty("title").GetString(), menu[0].GetProperty("points").GetInt32()));

        var orderId = await PlaceAsync(menuItemId);
        var takerId = Guid.NewGuid();
        var taker = Tokens.For("volunteer", subject: takerId.ToString());
        var (dispatched, afterDispatch) = await StepAsync(orderId, "dispatch", Cadre, ToPartyMember(takerId));
        var (taken, _) = await StepAsync(orderId, "take", taker);
        var (completed, done) = await StepAsync(orderId, "complete", taker, new { result = "已为王奶奶理发，老人很满意" });

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK), (dispatched, taken, completed));
        Assert.Equal("dispatched", afterDispatch.GetProperty("state").GetString());
        Assert.Equal("completed", done.GetProperty("state").GetString());
        var history = done.GetProperty("history").EnumerateArray().ToList();
        Assert.Equal(["placed", "dispatched", "taken", "completed"], history.Select(h => h.GetProperty("action").GetString()));
        Assert.Equal(takerId.ToString(), history[2].GetProperty("actor").GetString());
        Assert.All(history, h => Assert.True(h.GetProperty("at").GetDateTime() > DateTime.UtcNow.AddMinutes(-5)));
        Assert.Equal(["ServiceOrderPlaced", "ServiceOrderDispatched", "ServiceOrderTaken", "ServiceOrderCompleted"], await EventTypesAsync(orderId));
        var completedEvent = JsonDocument.Parse(await _stack.ScalarAsync<string>("dispatch",
            "SELECT body::text FROM outbox_messages WHERE message_type = @t AND body->>'orderId' = @id",
            new { t = $"GovPlatform.Contracts.{nameof(ServiceOrderCompleted)}", id = orderId.ToString() })).RootElement;
        Assert.Equal((5, takerId.ToString()), (completedEvent.GetProperty("points").GetInt32(), completedEvent.GetProperty("takerId").GetString()));

        // 晒单: anyone may read it; it names the deed and the (masked) party member, never the resident.
        using var response = await _dispatch.SendAsync(HttpMethod.Get, $"/api/v1/public/communities/{_county.Community}/service-results", null);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var shown = Assert.Single(JsonDocument.Parse(text).RootElement.EnumerateArray());
        Assert.Equal(("上门理发", "已为王奶奶理发，老人很满意", "刘**"),
            (shown.GetProperty("title").GetString(), shown.GetProperty("result").GetString(), shown.GetProperty("takerName").GetString()));
        Assert.DoesNotContain(Resident, text);
        Assert.DoesNotContain("1381234", text);
        Assert.DoesNotContain("5678", text);
        Assert.DoesNotContain("周六", text);
    }

    [Fact]
    public async Task A_step_out_of_order_answers_409_with_the_current_state_and_changes_nothing()
    {
        var orderId = await PlaceAsync(await MenuItemAsync());

        var (takeEarly, p1) = await StepAsync(orderId, "take", Cadre);
        var (completeEarly, p2) = await StepAsync(orderId, "complete", Cadre, new { result = "x" });
        Assert.Equal((HttpStatusCode.Conflict, "placed"), (takeEarly, p1.GetProperty("currentState").GetString()));
        Assert.Equal((HttpStatusCode.Conflict, "placed"), (completeEarly, p2.GetProperty("currentState").GetString()));

        Assert.Equal(HttpStatusCode.OK, (await StepAsync(orderId, "dispatch", Cadre, new { takerKind = "member_unit", takerName = "县供电公司" })).Item1);
        var (again, p3) = await StepAsync(orderId, "dispatch", Cadre, ToPartyMember(Guid.NewGuid()));
        Assert.Equal((HttpStatusCode.Conflict, "dispatched"), (again, p3.GetProperty("currentState").GetString()));

        // With no taker id the community records the unit's acceptance and result for it.
        Assert.Equal(HttpStatusCode.OK, (await StepAsync(orderId, "take", Cadre)).Item1);
        Assert.Equal(HttpStatusCode.OK, (await StepAsync(orderId, "complete", Cadre, new { result = "更换楼道灯 12 盏" })).Item1);
        var (twice, p4) = await StepAsync(orderId, "complete", Cadre, new { result = "改写结果" });
        Assert.Equal((HttpStatusCode.Conflict, "completed"), (twice, p4.GetProperty("currentState").GetString()));

        var (_, order) = await SendAsync(HttpMethod.Get, $"/api/v1/service-orders/{orderId}", Cadre);
        Assert.Equal(("县供电公司", "更换楼道灯 12 盏"), (order.GetProperty("takerName").GetString(), order.GetProperty("result").GetString()));
        Assert.Equal(4, order.GetProperty("history").GetArrayLength());
        Assert.Equal(["ServiceOrderPlaced", "ServiceOrderDispatched", "ServiceOrderTaken", "ServiceOrderCompleted"], await EventTypesAsync(orderId));
    }

    [Fact]
    public async Task Only_the_community_and_the_dispatched_taker_see_an_order_and_lists_mask_the_orderer()
    {
        var orderId = await PlaceAsync(await MenuItemAsync());
        var takerId = Guid.NewGuid();
        var elsewhere = Tokens.For("community_cadre", new TestCounty().Community);

        Assert.Equal(HttpStatusCode.NotFound, (await StepAsync(orderId, "dispatch", elsewhere, ToPartyMember(takerId))).Item1);
        Assert.Equal(HttpStatusCode.OK, (await StepAsync(orderId, "dispatch", Cadre, ToPartyMember(takerId))).Item1);
        Assert.Equal(HttpStatusCode.NotFound, (await StepAsync(orderId, "take", Tokens.For("volunteer", subject: Guid.NewGuid().ToString()))).Item1);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"/api/v1/service-orders/{orderId}", elsewhere)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await StepAsync(orderId, "take", null!)).Item1);
        var (takerSees, asTaker) = await SendAsync(HttpMethod.Get, $"/api/v1/service-orders/{orderId}", Tokens.For("volunteer", subject: takerId.ToString()));
        Assert.Equal(HttpStatusCode.OK, takerSees);
        Assert.Equal(ResidentPhone, asTaker.GetProperty("ordererContact").GetString());

        var (_, cadreList) = await SendAsync(HttpMethod.Get, $"/api/v1/service-orders?community={_county.Community}&state=dispatched", Cadre);
        var (_, countyList) = await SendAsync(HttpMethod.Get, $"/api/v1/service-orders?community={_county.Community}", DispatchDriver.Admin);
        var (_, placedList) = await SendAsync(HttpMethod.Get, $"/api/v1/service-orders?community={_county.Community}&state=placed", Cadre);
        Assert.Equal(("陈**", "138****5678"), (cadreList[0].GetProperty("ordererName").GetString(), cadreList[0].GetProperty("ordererContact").GetString()));
        Assert.Equal((Resident, ResidentPhone), (countyList[0].GetProperty("ordererName").GetString(), countyList[0].GetProperty("ordererContact").GetString()));
        Assert.Equal(0, placedList.GetArrayLength());
    }

    [Fact]
    public async Task Bad_input_is_a_400_naming_the_field_and_stores_nothing()
    {
        var (unknownItem, p1) = await SendAsync(HttpMethod.Post, "/api/v1/service-orders", Desk,
            new { menuItemId = Guid.NewGuid(), orderer = new { kind = "resident", name = Resident, contact = ResidentPhone } });
        var menuItemId = await MenuItemAsync();
        var (badOrderer, p2) = await SendAsync(HttpMethod.Post, "/api/v1/service-orders", Desk,
            new { menuItemId, orderer = new { kind = "tourist", name = "", contact = ResidentPhone } });
        var (badPoints, p3) = await SendAsync(HttpMethod.Post, $"/api/v1/communities/{_county.Community}/service-menu", Cadre,
            new { title = "义诊", description = "社区义诊", points = -1 });
        var (unknownCommunity, _) = await SendAsync(HttpMethod.Get, "/api/v1/communities/NOWHERE-01/service-menu", null);

        Assert.Equal(HttpStatusCode.BadRequest, unknownItem);
        Assert.True(p1.GetProperty("errors").TryGetProperty("menuItemId", out _));
        Assert.Equal(HttpStatusCode.BadRequest, badOrderer);
        Assert.True(p2.GetProperty("errors").TryGetProperty("orderer.kind", out _));
        Assert.True(p2.GetProperty("errors").TryGetProperty("orderer.name", out _));
        Assert.Equal(HttpStatusCode.BadRequest, badPoints);
        Assert.True(p3.GetProperty("errors").TryGetProperty("points", out _));
        Assert.Equal(HttpStatusCode.NotFound, unknownCommunity);
        Assert.Equal(0, await _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM service_orders WHERE community_code = @c", new { c = _county.Community }));
        Assert.Equal(1, await _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM service_menu_items WHERE community_code = @c", new { c = _county.Community }));
    }
}
