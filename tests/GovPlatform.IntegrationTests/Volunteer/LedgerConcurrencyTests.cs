using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GovPlatform.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static GovPlatform.IntegrationTests.Volunteer.VolunteerKit;

namespace GovPlatform.IntegrationTests.Volunteer;

/// <summary>
/// Every kind of ledger operation at once, on few accounts and scarce goods, on a private stack
/// whose clock the test moves so that points are due to lapse while people spend them.
/// </summary>
public sealed class LedgerConcurrencyTests : IAsyncLifetime
{
    private TestStack _stack = null!;
    private readonly FakeClock _clock = new();
    private HttpClient Api => _stack.Client("volunteer");
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _stack = await TestStack.CreateAsync();
        _stack.Start("dispatch");
        // Only the test's own expiry runs lapse points, so their reported totals can be checked.
        _stack.Start("volunteer", new Dictionary<string, string?> { ["Volunteer:ExpiryInterval"] = "1.00:00:00" },
            services: s => s.AddSingleton<TimeProvider>(_clock));
    }

    public async ValueTask DisposeAsync()
    {
        await AssertLedgerInvariantAsync(_stack);
        await _stack.DisposeAsync();
    }

    private static string As(Guid volunteerId) => Tokens.For("volunteer", subject: volunteerId.ToString());

    /// <summary>A 503 stored nothing and says to come back (a burst may drain the connection pool); anything else is the answer.</summary>
    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string url, object? body, string token)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var response = await Api.SendAsync(method, url, body, token);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline)
            {
                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1), Ct);
                continue;
            }
            var text = await response.Content.ReadAsStringAsync(Ct);
            return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
        }
    }

    [Fact]
    public async Task Randomized_concurrent_awards_redemptions_refunds_pickups_corrections_and_overlapping_expiry_runs_keep_the_books_right()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var admin = Tokens.For("admin");
        var counter = Tokens.For("organiser");
        var people = new List<Guid>();
        for (var i = 0; i < 10; i++) people.Add(await RegisterAsync(Api, county.Grid));
        // Scarce goods: one cheap with little stock, one dear with a per-person limit.
        var goods = new Dictionary<string, (long Price, int Stock)> { [$"OIL{Guid.NewGuid():N}"[..16]] = (15, 12), [$"RICE{Guid.NewGuid():N}"[..16]] = (40, 5) };
        foreach (var (code, (price, stock)) in goods)
            Assert.Equal(HttpStatusCode.Created, (await SendAsync(HttpMethod.Post, "/api/v1/supermarket/goods",
                new { code, name = code, pricePoints = price, stock, perPersonLimit = price == 40 ? 2 : (int?)null }, admin)).Status);

        // Each person starts with 60 points that expire tomorrow and 30 that never do; then the
        // clock moves two days on, so every run below has the 60 to lapse, less what was spent first.
        foreach (var who in people)
        {
            Assert.Equal(HttpStatusCode.Created, (await AwardAsync(Api, who, 60, $"seed-expiring-{who}", _clock.GetUtcNow().AddDays(1))).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await AwardAsync(Api, who, 30, $"seed-{who}")).StatusCode);
        }
        _clock.Advance(TimeSpan.FromDays(2));

        var tally = new ConcurrentBag<(Guid Who, string Kind, long Delta)>();
        var expiryRuns = new ConcurrentBag<long>();
        var statuses = new ConcurrentBag<(string Op, HttpStatusCode Status)>();
        var random = new Random(20261202);

        async Task Expire()
        {
            var (status, body) = await SendAsync(HttpMethod.Post, "/api/v1/points/expiry-runs", null, admin);
            statuses.Add(("expiry", status));
            if (status == HttpStatusCode.OK) expiryRuns.Add(body.GetProperty("points").GetInt64());
        }

        async Task Redeem(Guid who, string item, int settle)
        {
            var (status, body) = await SendAsync(HttpMethod.Post, "/api/v1/supermarket/redemptions", new { itemCode = item }, As(who));
            statuses.Add(("redeem", status));
            if (status != HttpStatusCode.Created) return;
            var (id, points) = (body.GetProperty("id").GetGuid(), body.GetProperty("points").GetInt64());
            tally.Add((who, "redeem", -points));
            async Task Cancel()
            {
                var (s, _) = await SendAsync(HttpMethod.Post, $"/api/v1/supermarket/redemptions/{id}/cancel", null, As(who));
                statuses.Add(("cancel", s));
                if (s == HttpStatusCode.OK) tally.Add((who, "refund", points));
            }
            async Task PickUp() => statuses.Add(("pickup", (await SendAsync(HttpMethod.Post, $"/api/v1/supermarket/redemptions/{id}/pickup", null, counter)).Status));
            switch (settle)
            {
                case 0: await Cancel(); break;
                case 1: await PickUp(); break;
                case 2: await Task.WhenAll(Cancel(), PickUp()); break; // the two race for one reservation
            }
        }

        var operations = Enumerable.Range(0, 240).Select<int, Func<Task>>(_ =>
        {
            var who = people[random.Next(people.Count)];
            var points = random.Next(1, 40);
            var item = goods.Keys.ElementAt(random.Next(goods.Count));
            var settle = random.Next(4);
            var key = $"op-{who}-{random.Next(15)}"; // a small pool of keys, so some awards are repeats
            var delta = random.Next(2) == 0 ? -points : points; // drawn here: the operations run at once, Random is not thread-safe
            return random.Next(10) switch
            {
                0 or 1 => async () =>
                {
                    var (status, body) = await SendAsync(HttpMethod.Post, "/api/v1/points/awards", new { volunteerId = who, points, reason = "随机奖励", sourceKey = key }, admin);
                    statuses.Add(("award", status));
                    if (status == HttpStatusCode.Created) tally.Add((who, "award", body.GetProperty("points").GetInt64()));
                },
                2 => async () =>
                {
                    var (status, _) = await SendAsync(HttpMethod.Post, "/api/v1/points/corrections", new { volunteerId = who, points = delta, reason = "随机更正" }, admin);
                    statuses.Add(("correction", status));
                    if (status == HttpStatusCode.Created) tally.Add((who, "correction", delta));
                },
                3 or 4 or 5 or 6 => () => Redeem(who, item, settle),
                7 => () => Task.WhenAll(Expire(), Expire()), // two runs overlapping
                _ => Expire,
            };
        }).ToList();

        await Task.WhenAll(operations.Select(op => op()));
        // However the race fell (it can leave no reservation cancelled on its own), one more on goods of its own and
        // fresh points is, so the books checked below always include a refund.
        var soap = $"SOAP{Guid.NewGuid():N}"[..16];
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(HttpMethod.Post, "/api/v1/supermarket/goods",
            new { code = soap, name = soap, pricePoints = 15, stock = 1, perPersonLimit = (int?)null }, admin)).Status);
        var (topUpStatus, topUp) = await SendAsync(HttpMethod.Post, "/api/v1/points/awards",
            new { volunteerId = people[0], points = 15, reason = "补充奖励", sourceKey = $"top-up-{Guid.NewGuid():N}" }, admin);
        Assert.Equal(HttpStatusCode.Created, topUpStatus);
        tally.Add((people[0], "award", topUp.GetProperty("points").GetInt64()));
        await Redeem(people[0], soap, settle: 0);
        // Refunds may have made more of the expiring points due; a last run lapses them, and one more finds nothing.
        await Expire();
        var (lastStatus, last) = await SendAsync(HttpMethod.Post, "/api/v1/points/expiry-runs", null, admin);

        var allowed = new Dictionary<string, HttpStatusCode[]>
        {
            ["award"] = [HttpStatusCode.Created, HttpStatusCode.OK], ["correction"] = [HttpStatusCode.Created, HttpStatusCode.Conflict],
            ["redeem"] = [HttpStatusCode.Created, HttpStatusCode.Conflict], ["cancel"] = [HttpStatusCode.OK, HttpStatusCode.Conflict],
            ["pickup"] = [HttpStatusCode.OK, HttpStatusCode.Conflict], ["expiry"] = [HttpStatusCode.OK],
        };
        Assert.All(statuses, s => Assert.True(allowed[s.Op].Contains(s.Status), $"{s.Op} answered {s.Status}"));
        // Every kind of operation really happened, or the test proves nothing about it.
        foreach (var (op, status) in new[] { ("award", HttpStatusCode.Created), ("award", HttpStatusCode.OK), ("correction", HttpStatusCode.Created),
                     ("redeem", HttpStatusCode.Created), ("redeem", HttpStatusCode.Conflict), ("cancel", HttpStatusCode.OK), ("pickup", HttpStatusCode.OK) })
            Assert.Contains((op, status), statuses);
        Assert.Equal(HttpStatusCode.OK, lastStatus);
        Assert.Equal(0, last.GetProperty("points").GetInt64());

        await AssertLedgerInvariantAsync(_stack);

        // Each balance is what the client saw happen, less what lapsed; never negative, never more lapsed than was due.
        var expired = (await _stack.QueryAsync<(Guid Who, long Points)>("volunteer",
            "SELECT volunteer_id, sum(points)::bigint FROM ledger_entries WHERE kind = 'expiry' GROUP BY volunteer_id")).ToDictionary(e => e.Who, e => e.Points);
        foreach (var who in people)
        {
            var balance = await BalanceAsync(Api, who);
            Assert.True(balance >= 0, $"{who} has {balance}");
            Assert.Equal(90 + tally.Where(t => t.Who == who).Sum(t => t.Delta) - expired.GetValueOrDefault(who), balance);
            Assert.InRange(expired.GetValueOrDefault(who), 0, 60);
        }
        var lapsed = expired.Values.Sum();
        Assert.True(lapsed > 0, "some expiring points were unspent when a run came");
        Assert.Equal(lapsed, expiryRuns.Sum());
        Assert.Equal(lapsed, await _stack.ScalarAsync<long>("volunteer",
            "SELECT coalesce(sum((body->>'points')::bigint), 0)::bigint FROM outbox_messages WHERE message_type LIKE '%PointsExpired'"));

        // The system accounts agree with the redemptions table, and stock was never oversold.
        var system = (await _stack.QueryAsync<(string Account, long Balance)>("volunteer",
            "SELECT account, sum(amount)::bigint FROM ledger_postings WHERE account LIKE 'system:%' GROUP BY account")).ToDictionary(a => a.Account, a => a.Balance);
        var redemptions = await _stack.QueryAsync<(string Item, string Status, int Quantity, long Points, long Refunds, long Pickups)>("volunteer", """
            SELECT r.item_code, r.status, r.quantity, r.points,
                   (SELECT count(*) FROM ledger_entries e WHERE e.source_key = 'redemption:' || r.id || ':refund'),
                   (SELECT count(*) FROM ledger_entries e WHERE e.source_key = 'redemption:' || r.id || ':pickup')
            FROM redemptions r WHERE r.item_code = ANY(@items)
            """, new { items = goods.Keys.ToArray() });
        Assert.Equal(redemptions.Where(r => r.Status == "reserved").Sum(r => r.Points), system.GetValueOrDefault("system:held"));
        Assert.Equal(redemptions.Where(r => r.Status == "picked_up").Sum(r => r.Points), system.GetValueOrDefault("system:spent"));
        Assert.Equal(lapsed, system["system:expired"]);
        Assert.All(redemptions, r => Assert.Equal((r.Status == "cancelled" ? 1L : 0L, r.Status == "picked_up" ? 1L : 0L), (r.Refunds, r.Pickups)));
        Assert.Equal(-(90L * people.Count + tally.Where(t => t.Kind == "award").Sum(t => t.Delta)), system["system:issued"]);
        Assert.Equal(-tally.Where(t => t.Kind == "correction").Sum(t => t.Delta), system.GetValueOrDefault("system:corrections"));
        foreach (var (code, (_, initial)) in goods)
        {
            var held = redemptions.Where(r => r.Item == code && r.Status != "cancelled").Sum(r => r.Quantity);
            var stock = await _stack.ScalarAsync<int>("volunteer", "SELECT stock FROM goods WHERE code = @code", new { code });
            Assert.InRange(held, 0, initial);
            Assert.Equal(initial - held, stock);
        }
    }
}
