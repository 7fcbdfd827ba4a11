using System.Net;
using GovPlatform.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace GovPlatform.IntegrationTests;

/// <summary>Idempotency-Key on POST: a retry returns the original response and never files a second request.</summary>
public sealed class IdempotencyTests(SharedStack shared)
{
    private readonly TestStack _stack = shared.Stack;
    private HttpClient Intake => _stack.Client("intake");

    private static object Body(TestCounty county, string description = "小区北门井盖松动，有人踩空") => new
    {
        channel = "hotline", category = "safety_hazard", description, location = new { code = county.Building },
        reporter = new { name = "孙七", phone = "13600001111" },
    };

    private Task<HttpResponseMessage> PostAsync(object body, string key, string token) =>
        Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", body, token: token, headers: new Dictionary<string, string> { ["Idempotency-Key"] = key });

    private Task<long> FiledInAsync(TestCounty county) =>
        _stack.ScalarAsync<long>("intake", "SELECT count(*) FROM requests WHERE location_path[1] = @District", new { county.District });

    [Fact]
    public async Task A_retry_with_the_same_key_returns_the_original_response_and_files_once()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var token = Tokens.For("desk_operator");
        var key = Guid.NewGuid().ToString();

        var first = await PostAsync(Body(county), key, token);
        var retry = await PostAsync(Body(county), key, token);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        var (a, b) = (await first.JsonAsync(), await retry.JsonAsync());
        // Every field, the ticket number drawn by the insert included, as the first call gave it.
        foreach (var field in a.EnumerateObject())
            Assert.Equal(field.Value.GetRawText(), b.GetProperty(field.Name).GetRawText());
        Assert.Matches(@"^\d{8}-\d{6,}$", b.GetProperty("ticketNo").GetString());
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        Assert.True(retry.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(1, await FiledInAsync(county));
        Assert.Equal(1, await _stack.ScalarAsync<long>("intake",
            "SELECT count(*) FROM outbox_messages WHERE message_type LIKE '%RequestSubmitted' AND body->'locationPath'->>0 = @District", new { county.District }));
        // The key's row was written with its answer by the insert that filed the request.
        Assert.Equal(201, await _stack.ScalarAsync<int>("intake",
            "SELECT status_code FROM idempotency_keys WHERE key = @key", new { key }));
    }

    [Fact]
    public async Task A_systems_retry_with_an_external_id_replays_the_first_answer_instead_of_a_conflict()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var (_, apiKey) = await IntakeAccessTests.IssueKeyAsync(Intake, "热线平台-" + county.District);
        var key = Guid.NewGuid().ToString();
        var body = IntakeAccessTests.Body(county.Building, externalId: "RX-" + county.District);
        var headers = new Dictionary<string, string> { ["Idempotency-Key"] = key };

        var first = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", body, role: null, apiKey: apiKey, headers: headers);
        var retry = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", body, role: null, apiKey: apiKey, headers: headers);
        var anotherKey = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", body, role: null, apiKey: apiKey,
            headers: new Dictionary<string, string> { ["Idempotency-Key"] = Guid.NewGuid().ToString() });

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.True(retry.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal((await first.JsonAsync()).GetProperty("ticketNo").GetString(), (await retry.JsonAsync()).GetProperty("ticketNo").GetString());
        // A new key for the same external request is a second filing of it: the ledger's conflict, not a replay.
        Assert.Equal(HttpStatusCode.Conflict, anotherKey.StatusCode);
        Assert.Equal(1, await FiledInAsync(county));
    }

    [Fact]
    public async Task Concurrent_retries_with_one_key_all_get_the_one_request()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var token = Tokens.For("desk_operator");
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => PostAsync(Body(county), key, token)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var ids = await Task.WhenAll(responses.Select(async r => (await r.JsonAsync()).GetProperty("id").GetGuid()));
        Assert.Single(ids.Distinct());
        Assert.Equal(1, await FiledInAsync(county));
        // The event is written by the insert itself: once, by the call that filed, with the ticket that insert drew.
        var events = await _stack.QueryAsync<(string RequestId, string TicketNo)>("intake", """
            SELECT body->>'requestId', body->>'ticketNo' FROM outbox_messages
            WHERE message_type LIKE '%RequestSubmitted' AND body->'locationPath'->>0 = @District
            """, new { county.District });
        var ticket = (await responses[0].JsonAsync()).GetProperty("ticketNo").GetString();
        Assert.Equal([(ids[0].ToString(), ticket!)], events);
    }

    [Fact]
    public async Task The_same_key_with_a_different_body_gets_422_and_stores_nothing_new()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var token = Tokens.For("desk_operator");
        var key = Guid.NewGuid().ToString();
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(Body(county), key, token)).StatusCode);

        var different = await PostAsync(Body(county, "另一件事：路灯不亮"), key, token);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, different.StatusCode);
        Assert.Equal("application/problem+json", different.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Idempotency-Key", (await different.JsonAsync()).GetProperty("title").GetString());
        Assert.Equal(1, await FiledInAsync(county));
    }

    [Fact]
    public async Task Keys_belong_to_their_caller_so_two_callers_with_one_key_file_two_requests()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var key = "retry-1";

        var one = await PostAsync(Body(county), key, Tokens.For("desk_operator", subject: "operator-" + Guid.NewGuid()));
        var other = await PostAsync(Body(county), key, Tokens.For("desk_operator", subject: "operator-" + Guid.NewGuid()));

        Assert.Equal(HttpStatusCode.Created, one.StatusCode);
        Assert.Equal(HttpStatusCode.Created, other.StatusCode);
        Assert.NotEqual((await one.JsonAsync()).GetProperty("id").GetGuid(), (await other.JsonAsync()).GetProperty("id").GetGuid());
        Assert.Equal(2, await FiledInAsync(county));
    }

    [Fact]
    public async Task A_rejected_request_does_not_use_up_its_key()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var token = Tokens.For("desk_operator");
        var key = Guid.NewGuid().ToString();

        var rejected = await PostAsync(new { channel = "hotline", category = "safety_hazard", description = "", location = new { code = county.Building } }, key, token);
        var corrected = await PostAsync(Body(county), key, token);

        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        Assert.Equal(HttpStatusCode.Created, corrected.StatusCode);
        Assert.Equal(1, await FiledInAsync(county));
    }

    [Fact]
    public async Task A_malformed_key_gets_a_problem_naming_the_header()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);

        var response = await PostAsync(Body(county), new string('k', 201), Tokens.For("desk_operator"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty("Idempotency-Key", out _));
        Assert.Equal(0, await FiledInAsync(county));
    }
}

/// <summary>Idempotency keys expire: a private stack whose clock the test moves.</summary>
public sealed class IdempotencyExpiryTests : IAsyncLifetime
{
    private TestStack _stack = null!;
    private readonly FakeClock _clock = new();

    public async ValueTask InitializeAsync()
    {
        _stack = await TestStack.CreateAsync();
        _stack.Start("dispatch");
    }

    public ValueTask DisposeAsync() => _stack.DisposeAsync();

    private HttpClient StartIntake(string sweepInterval) => _stack.Start("intake",
        new Dictionary<string, string?> { ["Intake:IdempotencySweepInterval"] = sweepInterval },
        s => s.AddSingleton<TimeProvider>(_clock));

    private static Task<HttpResponseMessage> PostAsync(HttpClient intake, TestCounty county, string key, string token) =>
        intake.SendAsync(HttpMethod.Post, "/api/v1/requests", new
        {
            channel = "hotline", category = "safety_hazard", description = "小区北门井盖松动，有人踩空", location = new { code = county.Building },
        }, token: token, headers: new Dictionary<string, string> { ["Idempotency-Key"] = key });

    [Fact]
    public async Task A_key_replays_for_24_hours_and_then_files_a_new_request()
    {
        var intake = StartIntake("1.00:00:00");
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var (token, key) = (Tokens.For("desk_operator"), Guid.NewGuid().ToString());
        var first = await (await PostAsync(intake, county, key, token)).JsonAsync();

        _clock.Advance(TimeSpan.FromHours(23));
        var withinDay = await PostAsync(intake, county, key, token);
        _clock.Advance(TimeSpan.FromHours(1.5));
        var nextDay = await PostAsync(intake, county, key, token);

        Assert.Equal(HttpStatusCode.Created, withinDay.StatusCode);
        Assert.True(withinDay.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(first.GetProperty("id").GetGuid(), (await withinDay.JsonAsync()).GetProperty("id").GetGuid());
        Assert.Equal(HttpStatusCode.Created, nextDay.StatusCode);
        Assert.False(nextDay.Headers.Contains("Idempotent-Replayed"));
        var second = await nextDay.JsonAsync();
        Assert.NotEqual(first.GetProperty("id").GetGuid(), second.GetProperty("id").GetGuid());
        // The key now answers with the second request.
        var replay = await PostAsync(intake, county, key, token);
        Assert.Equal(second.GetProperty("id").GetGuid(), (await replay.JsonAsync()).GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task The_sweep_deletes_expired_keys_and_keeps_live_ones()
    {
        var intake = StartIntake("00:00:00.200");
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var token = Tokens.For("desk_operator");
        var (old, fresh) = ("old-" + Guid.NewGuid(), "fresh-" + Guid.NewGuid());
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(intake, county, old, token)).StatusCode);
        _clock.Advance(TimeSpan.FromHours(20));
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(intake, county, fresh, token)).StatusCode);

        _clock.Advance(TimeSpan.FromHours(5));

        await Eventually.True(async () => await _stack.ScalarAsync<long>("intake",
            "SELECT count(*) FROM idempotency_keys WHERE key = @old", new { old }) == 0, "the sweep of the expired key");
        Assert.Equal(1, await _stack.ScalarAsync<long>("intake", "SELECT count(*) FROM idempotency_keys WHERE key = @fresh", new { fresh }));
    }
}
