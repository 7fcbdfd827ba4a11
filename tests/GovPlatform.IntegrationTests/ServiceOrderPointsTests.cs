using System.Net;
using System.Text.Json;
using GovPlatform.Contracts;
using GovPlatform.IntegrationTests.Infrastructure;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using static GovPlatform.IntegrationTests.Volunteer.VolunteerKit;

namespace GovPlatform.IntegrationTests;

/// <summary>
/// Points on a service-menu item go to whoever took and completed the order (点单-派单-接单-晒单 → 积分), once; a wish or
/// hardship a unit's reported party member solved counts for the unit in double reporting (双报到).
/// </summary>
public sealed class ServiceOrderPointsTests(SharedStack shared) : IAsyncLifetime
{
    private readonly TestStack _stack = shared.Stack;
    private readonly DispatchDriver _dispatch = new(shared.Stack);
    private readonly TestCounty _county = new();
    private CancellationToken Ct => TestContext.Current.CancellationToken;
    private HttpClient Volunteers => _stack.Client("volunteer");
    private string Cadre => Tokens.For("community_cadre", _county.Community);

    public async ValueTask InitializeAsync() => await _stack.ImportAsync(_county);
    public async ValueTask DisposeAsync() => await AssertLedgerInvariantAsync(_stack);

    private async Task<(HttpStatusCode Status, JsonElement Body)> DispatchAsync(HttpMethod method, string url, string? token, object? body = null)
    {
        using var response = await _dispatch.SendAsync(method, url, token, body);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private async Task<Guid> MenuItemAsync(int? points, string kind = "service")
    {
        var (status, item) = await DispatchAsync(HttpMethod.Post, $"/api/v1/communities/{_county.Community}/service-menu", Cadre,
            new { title = kind == "service" ? "上门理发" : "为独居老人修好收音机", description = "社区服务清单", points, kind });
        Assert.True(status == HttpStatusCode.Created, $"menu answered {(int)status}: {item}");
        Assert.Equal(kind, item.GetProperty("kind").GetString());
        return item.GetProperty("id").GetGuid();
    }

    /// <summary>Places, dispatches, takes and completes an order; the taker acts for themselves when they have an id, else the community for them.</summary>
    private async Task<Guid> CompletedOrderAsync(Guid menuItemId, string takerKind, Guid? takerId)
    {
        var (placed, order) = await DispatchAsync(HttpMethod.Post, "/api/v1/service-orders", Tokens.For("desk_operator"),
            new { menuItemId, orderer = new { kind = "resident", name = "陈秀英", contact = "13812345678" } });
        Assert.True(placed == HttpStatusCode.Created, $"place answered {(int)placed}: {order}");
        var orderId = order.GetProperty("id").GetGuid();
        var taker = takerId is { } id && takerKind != "member_unit" ? Tokens.For("volunteer", subject: id.ToString()) : Cadre;
        var steps = new[]
        {
            await DispatchAsync(HttpMethod.Post, $"/api/v1/service-orders/{orderId}/dispatch", Cadre, new { takerKind, takerName = "刘建国", takerId }),
            await DispatchAsync(HttpMethod.Post, $"/api/v1/service-orders/{orderId}/take", taker, new { }),
            await DispatchAsync(HttpMethod.Post, $"/api/v1/service-orders/{orderId}/complete", taker, new { result = "已办好，居民满意" }),
        };
        Assert.All(steps, s => Assert.True(s.Status == HttpStatusCode.OK, $"a step answered {(int)s.Status}: {s.Body}"));
        return orderId;
    }

    internal static async Task<JsonElement> WaitAsync(Func<Task<JsonElement?>> probe, string what) => (await Eventually.Get(probe, what))!.Value;

    private Task<JsonElement> CreditAsync(Guid orderId) =>
        WaitAsync(async () =>
        {
            var response = await Volunteers.SendAsync(HttpMethod.Get, $"/api/v1/service-order-credits/{orderId}", null, Tokens.For("organiser"));
            return response.StatusCode == HttpStatusCode.OK ? (JsonElement?)JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone() : null;
        }, $"the volunteer service's record of order {orderId}");

    [Fact]
    public async Task The_volunteer_who_took_and_completed_an_order_gets_the_items_points_exactly_once_even_when_the_event_comes_again()
    {
        using var activities = new ActivityCollector();
        var volunteer = await RegisterAsync(Volunteers, _county.Grid, "刘建国", partyMember: true);
        var orderId = await CompletedOrderAsync(await MenuItemAsync(7), "party_member", volunteer);

        var credit = await CreditAsync(orderId);
        Assert.Equal((volunteer, (string?)null), (credit.GetProperty("creditedVolunteerId").GetGuid(), credit.GetProperty("uncreditedReason").GetString()));
        Assert.Equal(7, await BalanceAsync(Volunteers, volunteer));

        // The same completion again: redelivered under one message id twice, and republished under a new one.
        var body = await _stack.ScalarAsync<string>("dispatch", "SELECT body::text FROM outbox_messages WHERE message_type = @t AND body->>'orderId' = @id",
            new { t = $"GovPlatform.Contracts.{nameof(ServiceOrderCompleted)}", id = orderId.ToString() });
        var completed = JsonSerializer.Deserialize<ServiceOrderCompleted>(body, JsonSerializerOptions.Web)!;
        Assert.Equal((7, ServiceItemKinds.Service), (completed.Points, completed.ItemKind));
        var bus = _stack.Provider("volunteer").GetRequiredService<IBus>();
        var (first, again) = (NewId.NextGuid(), NewId.NextGuid());
        await bus.Publish(completed, ctx => ctx.MessageId = first, Ct);
        await bus.Publish(completed, ctx => ctx.MessageId = first, Ct);
        await bus.Publish(completed, ctx => ctx.MessageId = again, Ct);
        await Eventually.True(() => Task.FromResult(
            activities.Handled("ServiceOrderCompletedConsumer", first).Count == 2 && activities.Handled("ServiceOrderCompletedConsumer", again).Count == 1),
            "all three deliveries to be handled");

        Assert.Equal(7, await BalanceAsync(Volunteers, volunteer));
        Assert.Equal(1, await _stack.ScalarAsync<long>("volunteer", "SELECT count(*) FROM ledger_entries WHERE source_key = @key",
            new { key = $"service-order:{orderId}" }));
        Assert.Equal(1, await _stack.ScalarAsync<long>("volunteer",
            "SELECT count(*) FROM outbox_messages WHERE message_type = @t AND body->>'volunteerId' = @id",
            new { t = $"GovPlatform.Contracts.{nameof(PointsAwarded)}", id = volunteer.ToString() }));
    }

    [Fact]
    public async Task An_order_completed_without_a_volunteer_taker_credits_nobody_and_records_why()
    {
        var unit = await UnitAsync();
        var item = await MenuItemAsync(5);
        var byUnit = await CompletedOrderAsync(item, "member_unit", unit);
        var nameOnly = await CompletedOrderAsync(item, "party_member", null);
        var stranger = Guid.NewGuid();
        var notRegistered = await CompletedOrderAsync(item, "volunteer", stranger);
        var volunteer = await RegisterAsync(Volunteers, _county.Grid);
        var noPoints = await CompletedOrderAsync(await MenuItemAsync(null), "volunteer", volunteer);

        var reasons = new List<(string?, Guid?)>();
        foreach (var order in new[] { byUnit, nameOnly, notRegistered, noPoints })
        {
            var credit = await CreditAsync(order);
            Assert.Equal(JsonValueKind.Null, credit.GetProperty("creditedVolunteerId").ValueKind);
            reasons.Add((credit.GetProperty("uncreditedReason").GetString(),
                credit.GetProperty("unitId").ValueKind == JsonValueKind.Null ? null : credit.GetProperty("unitId").GetGuid()));
        }
        Assert.Equal([("member_unit", unit), ("no_taker_id", null), ("not_a_volunteer", null), ("no_points", null)], reasons);
        Assert.Equal(0, await _stack.ScalarAsync<long>("volunteer", "SELECT count(*) FROM ledger_entries WHERE source_key = ANY(@keys)",
            new { keys = new[] { byUnit, nameOnly, notRegistered, noPoints }.Select(o => $"service-order:{o}").ToArray() }));
        Assert.Equal(0, await BalanceAsync(Volunteers, volunteer));
    }

    [Fact]
    public async Task A_wish_solved_by_a_reported_party_member_counts_for_their_unit_in_volunteer_and_reporting()
    {
        var unit = await UnitAsync();
        var member = await RegisterAsync(Volunteers, _county.Grid, "王红", partyMember: true);
        Assert.Equal(HttpStatusCode.Created, (await Volunteers.SendAsync(HttpMethod.Put, $"/api/v1/volunteers/{member}/double-report",
            new { unitId = unit, communityCode = _county.Community }, Tokens.For("volunteer", subject: member.ToString()))).StatusCode);
        var wish = await CompletedOrderAsync(await MenuItemAsync(10, "wish"), "party_member", member);
        // A plain service by the same member is no hardship.
        await CompletedOrderAsync(await MenuItemAsync(3), "party_member", member);

        Assert.Equal(unit, (await CreditAsync(wish)).GetProperty("unitId").GetGuid());
        await Eventually.True(async () => await BalanceAsync(Volunteers, member) == 13, "both orders' points (10 + 3)");
        var figures = await Volunteers.SendAsync(HttpMethod.Get, "/api/v1/units/figures", null, Tokens.For("leader"));
        var row = JsonDocument.Parse(await figures.Content.ReadAsStringAsync(Ct)).RootElement.EnumerateArray().Single(u => u.GetProperty("unitId").GetGuid() == unit);
        Assert.Equal((1, 1), (row.GetProperty("hardshipsSolved").GetInt32(), row.GetProperty("membersReported").GetInt32()));

        var community = await WaitAsync(async () =>
        {
            var report = await ReportAsync($"/api/v1/stats/double-reporting?{Period()}&under={_county.Community}");
            var c = report.GetProperty("communities").EnumerateArray().SingleOrDefault(x => x.GetProperty("code").GetString() == _county.Community);
            return c.ValueKind == JsonValueKind.Object && c.GetProperty("hardshipsSolved").GetInt64() == 1 && c.GetProperty("membersReported").GetInt64() == 1
                ? (JsonElement?)c : null;
        }, "the hardship in reporting");
        Assert.Equal(1, community.GetProperty("units").GetInt64());
        Assert.Equal(0, community.GetProperty("coBuildingEvents").GetInt64());
    }

    private async Task<Guid> UnitAsync()
    {
        var response = await Volunteers.SendAsync(HttpMethod.Post, "/api/v1/units", new { name = $"县供电公司{Guid.NewGuid():N}"[..18], kind = "enterprise" }, Tokens.For("admin"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetGuid();
    }

    internal static string Period()
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8));
        return $"from={today.AddDays(-1):yyyy-MM-dd}&to={today.AddDays(1):yyyy-MM-dd}";
    }

    private async Task<JsonElement> ReportAsync(string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        using var response = await _stack.Client("reporting").SendAsync(request.WithBearer(Tokens.For("leader")), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
