using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GovPlatform.Contracts;
using GovPlatform.IntegrationTests.Infrastructure;
using GovPlatform.Volunteer.Points;
using MassTransit;
using Npgsql;
using Microsoft.Extensions.DependencyInjection;
using static GovPlatform.IntegrationTests.Volunteer.VolunteerKit;

namespace GovPlatform.IntegrationTests.Volunteer;

/// <summary>The points ledger: append-only, double-entry, idempotent awards, admin corrections, credits from dispatch.</summary>
public sealed class PointsLedgerTests(SharedStack shared) : IAsyncLifetime
{
    private readonly TestStack _stack = shared.Stack;
    private readonly TestCounty _county = new();
    private HttpClient Api => _stack.Client("volunteer");
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await _stack.ImportAsync(_county);

    // The ledger invariant must hold after every test, whatever it did.
    public async ValueTask DisposeAsync() => await AssertLedgerInvariantAsync(_stack);

    private sealed record Award(Guid EntryId, Guid VolunteerId, long Points, long Balance, bool Duplicate);

    private Task<long> OutboxCountAsync(string type, Guid volunteerId) =>
        _stack.ScalarAsync<long>("volunteer", "SELECT count(*) FROM outbox_messages WHERE message_type = @type AND body->>'volunteerId' = @id",
            new { type = $"GovPlatform.Contracts.{type}", id = volunteerId.ToString() });

    [Fact]
    public async Task Distinct_first_awards_racing_to_open_a_new_account_are_all_credited()
    {
        // Every round races eight awards, each on a connection of its own, at an account no credit
        // has opened yet, so they all open it at once; every one must be credited. (Under load one
        // of them once failed on a unique index the opening statement's conflict clause did not
        // cover; driven through the ledger directly, the race is frequent enough to show that.)
        await using var db = NpgsqlDataSource.Create(TestServers.PostgresDatabase(_stack.Database("volunteer")));
        for (var round = 0; round < 40; round++)
        {
            var volunteerId = await RegisterAsync(Api, _county.Grid);
            using var start = new Barrier(8);
            var awards = Enumerable.Range(1, 8).Select(i => Task.Run(async () =>
            {
                await using var conn = await db.OpenConnectionAsync(Ct);
                await using var tx = await conn.BeginTransactionAsync(Ct);
                start.SignalAndWait(Ct);
                var id = await PointsBook.AwardAsync(tx, new PointsBook.Award(volunteerId, i, "并发首笔", $"first-{volunteerId}-{i}", "test", DateTimeOffset.UtcNow), Ct);
                await tx.CommitAsync(Ct);
                return id;
            }, Ct));

            Assert.All(await Task.WhenAll(awards), id => Assert.NotNull(id));
            Assert.Equal(36, await BalanceAsync(Api, volunteerId));
        }
    }

    [Fact]
    public async Task An_award_sent_ten_times_at_once_with_one_source_key_is_credited_once()
    {
        var volunteerId = await RegisterAsync(Api, _county.Grid);
        var key = $"team-bonus-{Guid.NewGuid()}";

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => AwardAsync(Api, volunteerId, 30, key)));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.Equal(9, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        var awards = await Task.WhenAll(responses.Select(r => r.Content.ReadFromJsonAsync<Award>(Ct)));
        Assert.Single(awards.Select(a => a!.EntryId).Distinct());
        Assert.Equal(9, awards.Count(a => a!.Duplicate));
        Assert.Equal(30, await BalanceAsync(Api, volunteerId));
        Assert.Equal(1, await OutboxCountAsync(nameof(PointsAwarded), volunteerId));
        using var body = JsonDocument.Parse(await _stack.ScalarAsync<string>("volunteer",
            "SELECT body::text FROM outbox_messages WHERE message_type LIKE '%PointsAwarded' AND body->>'volunteerId' = @id", new { id = volunteerId.ToString() }));
        Assert.Equal("bonus:" + key, body.RootElement.GetProperty("sourceKey").GetString());
        Assert.Equal(_county.Grid, body.RootElement.GetProperty("gridCode").GetString());
    }

    [Fact]
    public async Task Every_award_is_a_balanced_entry_drawn_from_the_issued_account()
    {
        var volunteerId = await RegisterAsync(Api, _county.Grid);
        var response = await AwardAsync(Api, volunteerId, 25);
        var award = (await response.Content.ReadFromJsonAsync<Award>(Ct))!;

        var postings = await _stack.QueryAsync<(string Account, long Amount)>("volunteer",
            "SELECT account, amount FROM ledger_postings WHERE entry_id = @EntryId ORDER BY amount", new { award.EntryId });
        Assert.Equal([("system:issued", -25L), ($"volunteer:{volunteerId}", 25L)], postings);
        Assert.Equal(25, award.Balance);
    }

    [Fact]
    public async Task The_ledger_refuses_to_edit_history_or_to_store_an_unbalanced_entry()
    {
        var volunteerId = await RegisterAsync(Api, _county.Grid);
        var award = (await (await AwardAsync(Api, volunteerId, 10)).Content.ReadFromJsonAsync<Award>(Ct))!;

        await using var conn = await _stack.OpenAsync("volunteer");
        var edit = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => Dapper.SqlMapper.ExecuteAsync(conn,
            "UPDATE ledger_postings SET amount = 1000 WHERE entry_id = @EntryId", new { award.EntryId }));
        Assert.Contains("append-only", edit.MessageText);
        var delete = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => Dapper.SqlMapper.ExecuteAsync(conn,
            "DELETE FROM ledger_entries WHERE id = @EntryId", new { award.EntryId }));
        Assert.Contains("append-only", delete.MessageText);

        // A one-legged entry written straight to the database fails at commit.
        await using var tx = await conn.BeginTransactionAsync(Ct);
        var id = Guid.NewGuid();
        await Dapper.SqlMapper.ExecuteAsync(conn, """
            INSERT INTO ledger_entries (id, kind, source_key, volunteer_id, points, reason, created_by, created_at)
            VALUES (@id, 'award', @key, @volunteerId, 5, 'forged', 'nobody', now());
            INSERT INTO ledger_postings (entry_id, account, amount) VALUES (@id, 'system:issued', -5);
            """, new { id, key = $"forged:{id}", volunteerId }, tx);
        var commit = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => tx.CommitAsync(Ct));
        Assert.Contains("not balanced", commit.MessageText);
        Assert.Equal(10, await BalanceAsync(Api, volunteerId));
    }

    [Fact]
    public async Task Corrections_need_an_admin_and_a_reason_and_never_take_a_balance_below_zero()
    {
        var volunteerId = await RegisterAsync(Api, _county.Grid);
        await AwardAsync(Api, volunteerId, 40);

        var byOrganiser = await Api.SendAsync(HttpMethod.Post, "/api/v1/points/corrections", new { volunteerId, points = -5, reason = "重复登记" }, Tokens.For("organiser"));
        var noReason = await Api.SendAsync(HttpMethod.Post, "/api/v1/points/corrections", new { volunteerId, points = -5, reason = " " }, Tokens.For("admin"));
        var tooMuch = await Api.SendAsync(HttpMethod.Post, "/api/v1/points/corrections", new { volunteerId, points = -41, reason = "重复登记" }, Tokens.For("admin"));

        Assert.Equal(HttpStatusCode.Forbidden, byOrganiser.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.True((await ProblemAsync(noReason)).GetProperty("errors").TryGetProperty("reason", out _));
        Assert.Equal(HttpStatusCode.Conflict, tooMuch.StatusCode);
        var problem = await ProblemAsync(tooMuch);
        Assert.Equal(40, problem.GetProperty("balance").GetInt64());
        Assert.Equal(41, problem.GetProperty("needed").GetInt64());
        Assert.Equal(0, await OutboxCountAsync(nameof(PointsCorrected), volunteerId));
        Assert.Equal(1, await _stack.ScalarAsync<long>("volunteer", "SELECT count(*) FROM ledger_entries WHERE volunteer_id = @volunteerId", new { volunteerId }));

        var admin = Tokens.For("admin", subject: "admin-wang");
        var ok = await Api.SendAsync(HttpMethod.Post, "/api/v1/points/corrections", new { volunteerId, points = -15, reason = "活动时长登记有误" }, admin);

        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        Assert.Equal(25, (await ok.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("balance").GetInt64());
        using var evt = JsonDocument.Parse(await _stack.ScalarAsync<string>("volunteer",
            "SELECT body::text FROM outbox_messages WHERE message_type LIKE '%PointsCorrected' AND body->>'volunteerId' = @id", new { id = volunteerId.ToString() }));
        Assert.Equal(-15, evt.RootElement.GetProperty("points").GetInt64());
        Assert.Equal("活动时长登记有误", evt.RootElement.GetProperty("reason").GetString());
        Assert.Equal("admin-wang", evt.RootElement.GetProperty("by").GetString());
    }

    [Fact]
    public async Task A_volunteer_sees_their_own_points_and_nobody_elses()
    {
        var me = await RegisterAsync(Api, _county.Grid);
        var other = await RegisterAsync(Api, _county.Grid);
        await AwardAsync(Api, me, 12);

        var mine = await Api.SendAsync(HttpMethod.Get, $"/api/v1/points/accounts/{me}", null, Tokens.For("volunteer", subject: me.ToString()));
        var theirs = await Api.SendAsync(HttpMethod.Get, $"/api/v1/points/accounts/{other}", null, Tokens.For("volunteer", subject: me.ToString()));
        var anonymous = await Api.GetAsync($"/api/v1/points/accounts/{me}", Ct);
        var awardByVolunteer = await Api.SendAsync(HttpMethod.Post, "/api/v1/points/awards",
            new { volunteerId = me, points = 1000, reason = "自己给自己", sourceKey = "self" }, Tokens.For("volunteer", subject: me.ToString()));

        Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
        var account = await mine.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(12, account.GetProperty("balance").GetInt64());
        var entry = Assert.Single(account.GetProperty("entries").EnumerateArray());
        Assert.Equal("award", entry.GetProperty("kind").GetString());
        Assert.Equal(12, entry.GetProperty("amount").GetInt64());
        Assert.Equal(HttpStatusCode.Forbidden, theirs.StatusCode);
        Assert.Equal(403, (await ProblemAsync(theirs)).GetProperty("status").GetInt32());
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, awardByVolunteer.StatusCode);
        Assert.Equal(12, await BalanceAsync(Api, me));
    }

    [Fact]
    public async Task Invalid_awards_get_a_problem_naming_each_field_and_store_nothing()
    {
        var volunteerId = await RegisterAsync(Api, _county.Grid);

        var response = await Api.SendAsync(HttpMethod.Post, "/api/v1/points/awards",
            new { volunteerId = Guid.NewGuid(), points = 0, reason = "", sourceKey = new string('k', 101), expiresAt = DateTimeOffset.UtcNow.AddDays(-1) }, Tokens.For("admin"));
        // A control character is refused by the platform's input guard before the endpoint runs, naming the field.
        var control = await Api.SendAsync(HttpMethod.Post, "/api/v1/points/awards",
            new { volunteerId, points = 5, reason = "x", sourceKey = "a\u0007b" }, Tokens.For("admin"));
        var unknownField = await Api.SendAsync(HttpMethod.Post, "/api/v1/points/awards",
            new { volunteerId, points = 5, reason = "x", sourceKey = "k", balance = 99999 }, Tokens.For("admin"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await ProblemAsync(response)).GetProperty("errors");
        Assert.Equal(["expiresAt", "points", "reason", "sourceKey", "volunteerId"], errors.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(HttpStatusCode.BadRequest, control.StatusCode);
        Assert.True((await ProblemAsync(control)).GetProperty("errors").TryGetProperty("sourceKey", out _));
        Assert.Equal(HttpStatusCode.BadRequest, unknownField.StatusCode);
        Assert.Contains("balance", (await ProblemAsync(unknownField)).GetProperty("detail").GetString());
        // Scoped to this test's keys and person: other tests write to the same ledger meanwhile.
        Assert.Equal(0, await _stack.ScalarAsync<long>("volunteer",
            "SELECT count(*) FROM ledger_entries WHERE volunteer_id = @volunteerId OR source_key IN ('bonus:k', 'bonus:a' || chr(7) || 'b')", new { volunteerId }));
    }

    [Fact]
    public async Task Randomized_concurrent_awards_and_corrections_leave_every_balance_equal_to_the_sum_of_its_entries()
    {
        var volunteers = new List<Guid>();
        for (var i = 0; i < 8; i++) volunteers.Add(await RegisterAsync(Api, _county.Grid));
        var random = new Random(20261122);
        var admin = Tokens.For("admin");

        // Awards, repeated awards (same key) and corrections both ways, for few people at once, so
        // operations on one account race; debits may fail for want of points, which is fine.
        var operations = Enumerable.Range(0, 300).Select<int, (Guid Who, long Delta, Func<Task<HttpResponseMessage>> Send)>(_ =>
        {
            var who = volunteers[random.Next(volunteers.Count)];
            var points = random.Next(1, 60);
            return (random.Next(4)) switch
            {
                0 or 1 => (who, points, () => AwardAsync(Api, who, points, $"op-{who}-{points}")),
                2 => (who, -points, () => Api.SendAsync(HttpMethod.Post, "/api/v1/points/corrections", new { volunteerId = who, points = -points, reason = "随机扣减" }, admin)),
                _ => (who, points, () => Api.SendAsync(HttpMethod.Post, "/api/v1/points/corrections", new { volunteerId = who, points, reason = "随机补发" }, admin)),
            };
        }).ToList();

        var results = await Task.WhenAll(operations.Select(async op => (op.Who, op.Delta, (await op.Send()).StatusCode)));

        Assert.All(results, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.Conflict }));
        Assert.Contains(results, r => r.StatusCode == HttpStatusCode.OK);       // some awards were repeats
        Assert.Contains(results, r => r.StatusCode == HttpStatusCode.Created);
        await AssertLedgerInvariantAsync(_stack);
        foreach (var who in volunteers)
        {
            var expected = results.Where(r => r.Who == who && r.StatusCode == HttpStatusCode.Created).Sum(r => r.Delta);
            Assert.Equal(expected, await BalanceAsync(Api, who));
        }

        var trial = await (await Api.SendAsync(HttpMethod.Get, "/api/v1/points/trial-balance", null, admin)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(0, trial.GetProperty("total").GetInt64());
        Assert.Equal(0, trial.GetProperty("unbalancedEntries").GetInt64());
        Assert.Equal(0, trial.GetProperty("cachedBalanceMismatches").GetInt64());
    }

    [Fact]
    public async Task A_closed_mediation_case_credits_each_mediating_volunteer_once()
    {
        using var activities = new ActivityCollector();
        var mediators = new[] { await RegisterAsync(Api, _county.Grid), await RegisterAsync(Api, _county.Grid) };
        var stranger = Guid.NewGuid();
        var closed = new MediationCaseClosed(Guid.NewGuid(), null, _county.Community, MediationOutcomes.Agreement,
            [mediators[0], mediators[1], stranger, mediators[0]], 3, DateTimeOffset.UtcNow);
        var bus = _stack.Provider("volunteer").GetRequiredService<IBus>();
        var (first, again) = (NewId.NextGuid(), NewId.NextGuid());

        // Delivered twice with one id, then republished under a new id.
        await bus.Publish(closed, ctx => ctx.MessageId = first, Ct);
        await bus.Publish(closed, ctx => ctx.MessageId = first, Ct);
        await bus.Publish(closed, ctx => ctx.MessageId = again, Ct);

        await Eventually.True(() => Task.FromResult(
            activities.Handled("MediationCaseClosedConsumer", first).Count == 2 && activities.Handled("MediationCaseClosedConsumer", again).Count == 1),
            "all three deliveries to be handled");
        foreach (var mediator in mediators)
        {
            Assert.Equal(20, await BalanceAsync(Api, mediator));
            Assert.Equal(1, await OutboxCountAsync(nameof(PointsAwarded), mediator));
        }
        Assert.Equal(0, await _stack.ScalarAsync<long>("volunteer", "SELECT count(*) FROM ledger_entries WHERE volunteer_id = @stranger", new { stranger }));
        Assert.Equal(2, await _stack.ScalarAsync<long>("volunteer", "SELECT count(*) FROM ledger_entries WHERE source_key LIKE @key",
            new { key = $"mediation:{closed.CaseId}:%" }));
    }
}
