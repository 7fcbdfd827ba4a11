using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GovPlatform.IntegrationTests.Infrastructure;
using static GovPlatform.IntegrationTests.Volunteer.VolunteerKit;

namespace GovPlatform.IntegrationTests.Volunteer;

/// <summary>The points supermarket: reserve, pick up, cancel; no oversell and no negative balance under contention.</summary>
public sealed class PointsSupermarketTests(SharedStack shared) : IAsyncLifetime
{
    private readonly TestStack _stack = shared.Stack;
    private readonly TestCounty _county = new();
    private HttpClient Api => _stack.Client("volunteer");
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await _stack.ImportAsync(_county);

    public async ValueTask DisposeAsync() => await AssertLedgerInvariantAsync(_stack);

    private sealed record Redemption(Guid Id, Guid VolunteerId, string ItemCode, int Quantity, long Points, string Status);

    private async Task<string> AddGoodsAsync(long price, int stock, int? limit = null)
    {
        var code = $"G{Guid.NewGuid():N}"[..20];
        var response = await Api.SendAsync(HttpMethod.Post, "/api/v1/supermarket/goods",
            new { code, name = "洗衣液 2kg", pricePoints = price, stock, perPersonLimit = limit }, Tokens.For("admin"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return code;
    }

    private static string As(Guid volunteerId) => Tokens.For("volunteer", subject: volunteerId.ToString());

    private Task<HttpResponseMessage> RedeemAsync(Guid volunteerId, string itemCode, int quantity = 1) =>
        Api.SendAsync(HttpMethod.Post, "/api/v1/supermarket/redemptions", new { itemCode, quantity }, As(volunteerId));

    /// <summary>
    /// As a well-behaved client does: a 503 stored nothing, so it is sent again after its Retry-After,
    /// until a deadline. A burst of a thousand may exhaust the service's connection pool on a slow machine.
    /// </summary>
    private static async Task<T> RetryingAsync<T>(Func<Task<T>> send, Func<T, HttpResponseMessage?> responseOf)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var result = await send();
            var response = responseOf(result);
            if (response?.StatusCode != HttpStatusCode.ServiceUnavailable || DateTime.UtcNow > deadline) return result;
            await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        }
    }

    private Task<HttpResponseMessage> RedeemRetryingAsync(Guid volunteerId, string itemCode) =>
        RetryingAsync(() => RedeemAsync(volunteerId, itemCode), r => r);

    private async Task<Guid> VolunteerWithAsync(long points)
    {
        var id = await RegisterAsync(Api, _county.Grid);
        Assert.Equal(HttpStatusCode.Created, (await AwardAsync(Api, id, points)).StatusCode);
        return id;
    }

    private Task<int> StockAsync(string code) => _stack.ScalarAsync<int>("volunteer", "SELECT stock FROM goods WHERE code = @code", new { code });

    [Fact]
    public async Task A_redemption_reserves_points_and_stock_then_pickup_spends_them()
    {
        var item = await AddGoodsAsync(price: 30, stock: 5);
        var volunteerId = await VolunteerWithAsync(100);

        var response = await RedeemAsync(volunteerId, item, 2);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var redemption = (await response.Content.ReadFromJsonAsync<Redemption>(Ct))!;
        Assert.Equal(("reserved", 60L, 2), (redemption.Status, redemption.Points, redemption.Quantity));
        Assert.Equal(40, await BalanceAsync(Api, volunteerId));
        Assert.Equal(3, await StockAsync(item));

        var pickup = await Api.SendAsync(HttpMethod.Post, $"/api/v1/supermarket/redemptions/{redemption.Id}/pickup", null, Tokens.For("organiser"));
        var again = await Api.SendAsync(HttpMethod.Post, $"/api/v1/supermarket/redemptions/{redemption.Id}/cancel", null, As(volunteerId));

        Assert.Equal(HttpStatusCode.OK, pickup.StatusCode);
        Assert.Equal("picked_up", (await pickup.Content.ReadFromJsonAsync<Redemption>(Ct))!.Status);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("picked_up", (await ProblemAsync(again)).GetProperty("status").GetString());
        Assert.Equal(40, await BalanceAsync(Api, volunteerId));
        Assert.Equal(3, await StockAsync(item));
        var legs = await _stack.QueryAsync<(string Kind, string Account, long Amount)>("volunteer", """
            SELECT e.kind, p.account, p.amount FROM ledger_entries e JOIN ledger_postings p ON p.entry_id = e.id
            WHERE e.source_key LIKE @key ORDER BY p.id
            """, new { key = $"redemption:{redemption.Id}%" });
        Assert.Equal([("redemption", $"volunteer:{volunteerId}", -60L), ("redemption", "system:held", 60L),
                      ("pickup", "system:held", -60L), ("pickup", "system:spent", 60L)], legs);
        Assert.Equal(1, await _stack.ScalarAsync<long>("volunteer",
            "SELECT count(*) FROM outbox_messages WHERE message_type LIKE '%PointsRedeemed' AND body->>'redemptionId' = @id", new { id = redemption.Id.ToString() }));
        Assert.Equal(1, await _stack.ScalarAsync<long>("volunteer",
            "SELECT count(*) FROM outbox_messages WHERE message_type LIKE '%RedemptionPickedUp' AND body->>'redemptionId' = @id", new { id = redemption.Id.ToString() }));
    }

    [Fact]
    public async Task Cancelling_a_reservation_refunds_the_points_and_returns_the_stock_once()
    {
        var item = await AddGoodsAsync(price: 10, stock: 1);
        var volunteerId = await VolunteerWithAsync(25);
        var redemption = (await (await RedeemAsync(volunteerId, item)).Content.ReadFromJsonAsync<Redemption>(Ct))!;

        var cancels = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ =>
            Api.SendAsync(HttpMethod.Post, $"/api/v1/supermarket/redemptions/{redemption.Id}/cancel", null, As(volunteerId))));

        Assert.Single(cancels, c => c.StatusCode == HttpStatusCode.OK);
        Assert.Equal(4, cancels.Count(c => c.StatusCode == HttpStatusCode.Conflict));
        Assert.Equal(25, await BalanceAsync(Api, volunteerId));
        Assert.Equal(1, await StockAsync(item));
        using var refund = JsonDocument.Parse(await _stack.ScalarAsync<string>("volunteer",
            "SELECT body::text FROM outbox_messages WHERE message_type LIKE '%PointsRefunded' AND body->>'redemptionId' = @id", new { id = redemption.Id.ToString() }));
        Assert.Equal(10, refund.RootElement.GetProperty("points").GetInt64());
    }

    [Fact]
    public async Task Nobody_redeems_or_cancels_for_someone_else_and_bad_input_changes_nothing()
    {
        var item = await AddGoodsAsync(price: 10, stock: 10, limit: 1);
        var me = await VolunteerWithAsync(50);
        var other = await VolunteerWithAsync(50);
        var theirs = (await (await RedeemAsync(other, item)).Content.ReadFromJsonAsync<Redemption>(Ct))!;

        var forOther = await Api.SendAsync(HttpMethod.Post, "/api/v1/supermarket/redemptions", new { itemCode = item, quantity = 1, volunteerId = other }, As(me));
        var cancelTheirs = await Api.SendAsync(HttpMethod.Post, $"/api/v1/supermarket/redemptions/{theirs.Id}/cancel", null, As(me));
        var pickupByVolunteer = await Api.SendAsync(HttpMethod.Post, $"/api/v1/supermarket/redemptions/{theirs.Id}/pickup", null, As(other));
        var bad = await Api.SendAsync(HttpMethod.Post, "/api/v1/supermarket/redemptions", new { itemCode = "NO-SUCH", quantity = 0 }, As(me));
        var overLimit = await RedeemAsync(other, item);
        var tooPoor = await RedeemAsync(me, await AddGoodsAsync(price: 51, stock: 10));

        Assert.Equal(HttpStatusCode.Forbidden, forOther.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, cancelTheirs.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, pickupByVolunteer.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(["itemCode", "quantity"], (await ProblemAsync(bad)).GetProperty("errors").EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(HttpStatusCode.Conflict, overLimit.StatusCode);
        Assert.Equal(1, (await ProblemAsync(overLimit)).GetProperty("limit").GetInt32());
        Assert.Equal(HttpStatusCode.Conflict, tooPoor.StatusCode);
        Assert.Equal(50, (await ProblemAsync(tooPoor)).GetProperty("balance").GetInt64());
        Assert.Equal((50L, 40L), (await BalanceAsync(Api, me), await BalanceAsync(Api, other)));
        Assert.Equal(9, await StockAsync(item));
        Assert.Equal(1, await _stack.ScalarAsync<long>("volunteer", "SELECT count(*) FROM redemptions WHERE item_code = @item", new { item }));
    }

    [Fact]
    public async Task A_thousand_concurrent_redemptions_for_a_hundred_items_neither_oversell_nor_overdraw()
    {
        // 200 people send 5 requests each. Half can afford one item, half five but may hold
        // only two: together they could take 300, so stock, balance and limit all bind.
        var item = await AddGoodsAsync(price: 10, stock: 100, limit: 2);
        var poor = new List<Guid>();
        var rich = new List<Guid>();
        foreach (var _ in Enumerable.Range(0, 100)) { poor.Add(await VolunteerWithAsync(15)); rich.Add(await VolunteerWithAsync(50)); }
        var requests = poor.Concat(rich).SelectMany(v => Enumerable.Repeat(v, 5)).OrderBy(_ => Random.Shared.Next()).ToList();
        var balancesBefore = poor.ToDictionary(v => v, _ => 15L).Concat(rich.ToDictionary(v => v, _ => 50L)).ToDictionary();

        var results = await Task.WhenAll(requests.Select(async v => (Volunteer: v, (await RedeemRetryingAsync(v, item)).StatusCode)));

        Assert.All(results, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.Conflict }));
        var won = results.Where(r => r.StatusCode == HttpStatusCode.Created).GroupBy(r => r.Volunteer).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(100, won.Values.Sum());
        Assert.Equal(0, await StockAsync(item));
        Assert.All(poor, v => Assert.True(won.GetValueOrDefault(v) <= 1, $"{v} could afford one item"));
        Assert.All(rich, v => Assert.True(won.GetValueOrDefault(v) <= 2, $"{v} may hold two items"));
        Assert.Equal(100, await _stack.ScalarAsync<long>("volunteer",
            "SELECT coalesce(sum(quantity), 0) FROM redemptions WHERE item_code = @item AND status = 'reserved'", new { item }));
        var balances = await _stack.QueryAsync<(Guid Id, long Balance)>("volunteer",
            "SELECT volunteer_id, balance FROM point_accounts WHERE volunteer_id = ANY(@ids)", new { ids = requests.Distinct().ToArray() });
        Assert.All(balances, b => Assert.Equal(balancesBefore[b.Id] - 10 * won.GetValueOrDefault(b.Id), b.Balance));
        await AssertLedgerInvariantAsync(_stack);
    }
}
