using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GovPlatform.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GovPlatform.IntegrationTests;

/// <summary>Who may do what at the desk: staff by role, other city systems by API key, each key with its own rate limit.</summary>
public sealed class IntakeAccessTests(SharedStack shared)
{
    private readonly TestStack _stack = shared.Stack;
    private HttpClient Intake => _stack.Client("intake");

    internal static object Body(string location, string? phone = "13812345678", object? externalId = null) => new
    {
        channel = "external_system",
        category = "street_light",
        description = "锦园路口路灯整晚不亮",
        location = new { code = location },
        reporter = phone is null ? null : new { name = "王五", phone },
        externalId,
    };

    internal static async Task<(Guid Id, string Key)> IssueKeyAsync(HttpClient intake, string name, int ratePerMinute = 60)
    {
        var response = await intake.SendAsync(HttpMethod.Post, "/api/v1/api-keys", new { name, rateLimitPerMinute = ratePerMinute }, role: "admin");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var issued = await response.JsonAsync();
        return (issued.GetProperty("id").GetGuid(), issued.GetProperty("key").GetString()!);
    }

    [Fact]
    public async Task Requests_are_filed_by_desk_operators_admins_and_api_keys_grid_workers_only_on_patrol_and_nobody_else()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var (_, key) = await IssueKeyAsync(Intake, "12345热线");

        var anonymous = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", Body(county.Building), role: null);
        // A grid worker files patrol reports only (CaseFileTests): a hotline filing is refused on its channel.
        var gridWorker = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", Body(county.Building), token: Tokens.For("grid_worker", county.Grid));
        var leader = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", Body(county.Building), role: "leader");
        var badKey = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", Body(county.Building), role: null, apiKey: "gpk_not-a-key");
        var operatorResponse = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", Body(county.Building), role: "desk_operator");
        var adminResponse = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", Body(county.Building), role: "admin");
        var keyResponse = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", Body(county.Building), role: null, apiKey: key);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, gridWorker.StatusCode);
        Assert.Contains("channel", (await gridWorker.JsonAsync()).GetProperty("errors").EnumerateObject().Select(p => p.Name));
        Assert.Equal(HttpStatusCode.Forbidden, leader.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, badKey.StatusCode);
        Assert.Equal("application/problem+json", badKey.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Created, operatorResponse.StatusCode);
        Assert.Equal(HttpStatusCode.Created, adminResponse.StatusCode);
        Assert.Equal(HttpStatusCode.Created, keyResponse.StatusCode);
        Assert.Equal(3, await _stack.ScalarAsync<long>("intake", "SELECT count(*) FROM requests WHERE location_path[1] = @District", new { county.District }));
    }

    [Fact]
    public async Task Reading_a_request_needs_a_staff_role()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var created = await (await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", Body(county.Building))).JsonAsync();
        var url = $"/api/v1/requests/{created.GetProperty("id").GetGuid()}";

        Assert.Equal(HttpStatusCode.Unauthorized, (await Intake.SendAsync(HttpMethod.Get, url, role: null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Intake.SendAsync(HttpMethod.Get, url, role: "volunteer")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Intake.SendAsync(HttpMethod.Get, url, role: "desk_operator")).StatusCode);
    }

    [Fact]
    public async Task A_key_is_shown_once_stored_only_as_a_hash_and_files_requests_under_its_systems_name()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var name = "城管平台-" + county.District;
        var (id, key) = await IssueKeyAsync(Intake, name);

        var listed = await (await Intake.SendAsync(HttpMethod.Get, "/api/v1/api-keys", role: "admin")).JsonAsync();
        var filed = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", Body(county.Building, externalId: "CG-2026-77"), role: null, apiKey: key);
        var claimsOtherName = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests",
            new { channel = "external_system", category = "street_light", description = "路灯坏了", location = new { code = county.Building }, externalSystem = "假冒系统", externalId = "X" },
            role: null, apiKey: key);

        Assert.StartsWith("gpk_", key);
        Assert.True(key.Length >= 40);
        Assert.DoesNotContain(key, listed.GetRawText());
        var entry = Assert.Single(listed.EnumerateArray(), k => k.GetProperty("id").GetGuid() == id);
        Assert.Equal(key[..12], entry.GetProperty("keyPrefix").GetString());
        var stored = await _stack.ScalarAsync<byte[]>("intake", "SELECT key_hash FROM api_keys WHERE id = @id", new { id });
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(key)), stored);

        Assert.Equal(HttpStatusCode.Created, filed.StatusCode);
        var requestId = (await filed.JsonAsync()).GetProperty("id").GetGuid();
        var request = await (await Intake.SendAsync(HttpMethod.Get, $"/api/v1/requests/{requestId}")).JsonAsync();
        Assert.Equal(name, request.GetProperty("externalSystem").GetString());
        Assert.Equal("CG-2026-77", request.GetProperty("externalId").GetString());

        Assert.Equal(HttpStatusCode.BadRequest, claimsOtherName.StatusCode);
        Assert.True((await claimsOtherName.JsonAsync()).GetProperty("errors").TryGetProperty("externalSystem", out _));
    }

    [Fact]
    public async Task A_revoked_key_is_refused_from_its_next_request()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var (id, key) = await IssueKeyAsync(Intake, "revoked-" + county.District);
        Assert.Equal(HttpStatusCode.Created, (await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", Body(county.Building), role: null, apiKey: key)).StatusCode);

        var revoke = await Intake.SendAsync(HttpMethod.Delete, $"/api/v1/api-keys/{id}", role: "admin");
        var after = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", Body(county.Building), role: null, apiKey: key);

        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Equal(1, await _stack.ScalarAsync<long>("intake", "SELECT count(*) FROM requests WHERE location_path[1] = @District", new { county.District }));
        var listed = await (await Intake.SendAsync(HttpMethod.Get, "/api/v1/api-keys", role: "admin")).JsonAsync();
        Assert.NotEqual(JsonValueKind.Null, listed.EnumerateArray().Single(k => k.GetProperty("id").GetGuid() == id).GetProperty("revokedAt").ValueKind);
        Assert.Equal(HttpStatusCode.NotFound, (await Intake.SendAsync(HttpMethod.Delete, $"/api/v1/api-keys/{Guid.NewGuid()}", role: "admin")).StatusCode);
    }

    [Fact]
    public async Task Only_admins_manage_api_keys_and_bad_key_requests_name_the_field()
    {
        var asOperator = await Intake.SendAsync(HttpMethod.Post, "/api/v1/api-keys", new { name = "x" }, role: "desk_operator");
        var listAsOperator = await Intake.SendAsync(HttpMethod.Get, "/api/v1/api-keys", role: "desk_operator");
        var bad = await Intake.SendAsync(HttpMethod.Post, "/api/v1/api-keys", new { name = "", rateLimitPerMinute = 0 }, role: "admin");

        Assert.Equal(HttpStatusCode.Forbidden, asOperator.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, listAsOperator.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.JsonAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("name", out _));
        Assert.True(errors.TryGetProperty("rateLimitPerMinute", out _));
    }
}

/// <summary>Rate limits and logs, on a private intake whose clock the test moves.</summary>
public sealed class IntakeRateLimitAndLogTests : IAsyncLifetime
{
    private TestStack _stack = null!;
    private readonly FakeClock _clock = new(new DateTimeOffset(2026, 11, 22, 9, 0, 10, TimeSpan.Zero));
    private readonly LogCapture _logs = new();

    public async ValueTask InitializeAsync()
    {
        _stack = await TestStack.CreateAsync();
        _stack.Start("dispatch");
        _stack.Start("intake", services: s =>
        {
            s.AddSingleton<TimeProvider>(_clock);
            s.AddSingleton<ILoggerProvider>(_logs);
        });
    }

    public ValueTask DisposeAsync() => _stack.DisposeAsync();

    [Fact]
    public async Task A_key_over_its_limit_gets_429_with_retry_after_until_the_next_minute_and_other_keys_are_unaffected()
    {
        var intake = _stack.Client("intake");
        var (_, limited) = await IntakeAccessTests.IssueKeyAsync(intake, "small", ratePerMinute: 3);
        var (_, other) = await IntakeAccessTests.IssueKeyAsync(intake, "other", ratePerMinute: 3);
        // Bodies that fail validation still count: the limit protects the desk, whatever is sent.
        Task<HttpResponseMessage> Post(string key) =>
            intake.SendAsync(HttpMethod.Post, "/api/v1/requests", IntakeAccessTests.Body("NOWHERE"), role: null, apiKey: key);

        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.BadRequest, (await Post(limited)).StatusCode);
        var over = await Post(limited);
        var otherKey = await Post(other);
        var staff = await intake.SendAsync(HttpMethod.Post, "/api/v1/requests", IntakeAccessTests.Body("NOWHERE"));

        Assert.Equal(HttpStatusCode.TooManyRequests, over.StatusCode);
        Assert.Equal("application/problem+json", over.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(50), over.Headers.RetryAfter?.Delta); // 09:00:10 → next window at 09:01:00
        Assert.Contains("3 requests a minute", (await over.JsonAsync()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, otherKey.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, staff.StatusCode);

        _clock.Advance(TimeSpan.FromSeconds(50));
        Assert.Equal(HttpStatusCode.BadRequest, (await Post(limited)).StatusCode);
    }

    [Fact]
    public async Task An_open311_key_over_its_limit_gets_429_with_retry_after_in_the_specs_error_format()
    {
        var intake = _stack.Client("intake");
        var (_, key) = await IntakeAccessTests.IssueKeyAsync(intake, "open311-small", ratePerMinute: 2);
        var list = $"/open311/v2/requests.json?service_request_id=19990101-000001&api_key={Uri.EscapeDataString(key)}";
        Task<HttpResponseMessage> Post() => intake.PostAsync("/open311/v2/requests.xml",
            new FormUrlEncodedContent([new("api_key", key), new("service_code", "noise"), new("address_id", "NOWHERE")]), TestContext.Current.CancellationToken);

        // A read and a (refused) post use up the key's two requests this minute.
        var read = await intake.GetAsync(list, TestContext.Current.CancellationToken);
        var refused = await Post();
        var overRead = await intake.GetAsync(list, TestContext.Current.CancellationToken);
        var overPost = await Post();

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, overRead.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(50), overRead.Headers.RetryAfter?.Delta);
        var error = Assert.Single((await overRead.JsonAsync()).EnumerateArray());
        Assert.Equal(429, error.GetProperty("code").GetInt32());
        Assert.Contains("2 requests a minute", error.GetProperty("description").GetString());
        Assert.Equal(HttpStatusCode.TooManyRequests, overPost.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(50), overPost.Headers.RetryAfter?.Delta);
        var xml = System.Xml.Linq.XDocument.Parse(await overPost.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Root!;
        Assert.Equal("429", xml.Element("error")!.Element("code")!.Value);

        _clock.Advance(TimeSpan.FromSeconds(50));
        Assert.Equal(HttpStatusCode.OK, (await intake.GetAsync(list, TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task An_open311_key_sent_as_a_header_over_its_limit_gets_the_specs_error_format_too()
    {
        var intake = _stack.Client("intake");
        var (_, key) = await IntakeAccessTests.IssueKeyAsync(intake, "open311-header", ratePerMinute: 1);
        HttpRequestMessage Read(string format)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"/open311/v2/requests.{format}?service_request_id=19990101-000001");
            request.Headers.Add("X-Api-Key", key);
            return request;
        }

        Assert.Equal(HttpStatusCode.OK, (await intake.SendAsync(Read("json"), TestContext.Current.CancellationToken)).StatusCode);
        var overJson = await intake.SendAsync(Read("json"), TestContext.Current.CancellationToken);
        var overXml = await intake.SendAsync(Read("xml"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.TooManyRequests, overJson.StatusCode);
        Assert.NotNull(overJson.Headers.RetryAfter?.Delta);
        var error = Assert.Single((await overJson.JsonAsync()).EnumerateArray());
        Assert.Equal(429, error.GetProperty("code").GetInt32());
        Assert.Contains("1 requests a minute", error.GetProperty("description").GetString());
        Assert.Equal(HttpStatusCode.TooManyRequests, overXml.StatusCode);
        var xml = System.Xml.Linq.XDocument.Parse(await overXml.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Root!;
        Assert.Equal("errors", xml.Name.LocalName);
        Assert.Equal("429", xml.Element("error")!.Element("code")!.Value);
    }

    [Fact]
    public async Task Log_lines_show_phones_masked()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);

        var response = await _stack.Client("intake").SendAsync(HttpMethod.Post, "/api/v1/requests", IntakeAccessTests.Body(county.Building, phone: "13566667777"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var ticket = (await response.JsonAsync()).GetProperty("ticketNo").GetString()!;
        // The submission's own line, and (as it may come meanwhile) the "received" text to the reporter: each
        // names the phone masked.
        var lines = _logs.Messages.Where(m => m.Contains(ticket)).ToList();
        Assert.Contains(lines, l => l.Contains("Text to") is false);
        Assert.All(lines, l => Assert.Contains("135****7777", l));
        Assert.DoesNotContain(_logs.Messages, m => m.Contains("13566667777") || m.Contains("王五"));
    }

    private sealed class LogCapture : ILoggerProvider
    {
        public readonly ConcurrentQueue<string> Lines = new();
        public IEnumerable<string> Messages => Lines;
        public ILogger CreateLogger(string categoryName) => new Logger(this);
        public void Dispose() { }

        private sealed class Logger(LogCapture capture) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                capture.Lines.Enqueue(formatter(state, exception) + (exception is null ? "" : " " + exception));
        }
    }
}
