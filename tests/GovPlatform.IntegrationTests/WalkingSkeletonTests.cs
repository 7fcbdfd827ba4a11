using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests;

/// <summary>A request flows through all four services: intake → dispatch → reporting, with volunteer alongside.</summary>
public sealed class WalkingSkeletonTests(SharedStack shared)
{
    private readonly TestStack _stack = shared.Stack;
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    public sealed record Submitted(Guid Id, string TicketNo, string Status);
    public sealed record WorkOrder(Guid Id, Guid RequestId, string? GridCode, string? CommunityCode, string AssigneeKind, Guid? AssigneeId, string AssigneeName, string Status);
    public sealed record GridCount(string? GridCode, string? GridName, string Status, int Count);

    // Parking is a compound-tier category: its order starts in the grid, which is what these tests follow.
    public static object Body(string location, string? phone = "13812345678", string category = "parking") => new
    {
        channel = "hotline",
        category,
        description = "1号楼单元门口车辆乱停，堵住了出入口",
        location = new { code = location },
        reporter = phone is null ? null : new { name = "张三", phone },
    };

    private async Task<Submitted> SubmitAsync(object body)
    {
        var response = await _stack.Client("intake").SendAsync(HttpMethod.Post, "/api/v1/requests", body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var submitted = (await response.Content.ReadFromJsonAsync<Submitted>(Ct))!;
        Assert.Equal($"/api/v1/requests/{submitted.Id}", response.Headers.Location?.OriginalString);
        return submitted;
    }

    private Task<WorkOrder> AssignedOrderAsync(Guid requestId) =>
        Eventually.Get(async () => (await GetDispatchAsync<List<WorkOrder>>($"/api/v1/work-orders?requestId={requestId}"))!.SingleOrDefault(),
            $"a work order for request {requestId}");

    /// <summary>Work orders are for staff: read them as an admin.</summary>
    private async Task<T?> GetDispatchAsync<T>(string url)
    {
        using var response = await _stack.Client("dispatch").SendAsync(new HttpRequestMessage(HttpMethod.Get, url).WithBearer(Tokens.For("admin")), Ct);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<T>(Ct);
    }

    [Fact]
    public async Task A_submitted_request_is_assigned_to_a_grid_worker_and_counted_by_grid()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);

        var submitted = await SubmitAsync(Body(county.Building));
        Assert.Matches(@"^\d{8}-\d{6}$", submitted.TicketNo);

        var order = await AssignedOrderAsync(submitted.Id);
        Assert.Equal(county.Grid, order.GridCode);
        Assert.Equal(county.Community, order.CommunityCode);
        Assert.Equal("grid_worker", order.AssigneeKind);
        Assert.StartsWith("网格员", order.AssigneeName);

        var counts = await Eventually.Get(async () =>
            (await ReportingCountsAsync(county.District)).SingleOrDefault(c => c.Status == "assigned"), "the assigned count in reporting");
        Assert.Equal(new GridCount(county.Grid, "第一网格", "assigned", 1), counts);
    }

    [Fact]
    public async Task The_work_order_history_explains_the_assignment()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var order = await AssignedOrderAsync((await SubmitAsync(Body(county.Building))).Id);

        using var json = (await GetDispatchAsync<JsonDocument>($"/api/v1/work-orders/{order.Id}"))!;
        var history = json.RootElement.GetProperty("history");
        var assigned = Assert.Single(history.EnumerateArray());
        Assert.Equal("assigned", assigned.GetProperty("action").GetString());
        using var detail = JsonDocument.Parse(assigned.GetProperty("detail").GetString()!);
        Assert.Equal("grid worker with the least open work", detail.RootElement.GetProperty("rule").GetString());
        Assert.Equal(3, detail.RootElement.GetProperty("candidates").GetArrayLength()); // two workers and the leader
    }

    [Fact]
    public async Task Requests_in_one_grid_are_spread_over_its_workers_by_open_load()
    {
        var county = new TestCounty(workersInGrid: 2);
        await _stack.ImportAsync(county);

        var first = await AssignedOrderAsync((await SubmitAsync(Body(county.Building))).Id);
        // A different problem: the same report twice would be linked to the first as a duplicate.
        var second = await AssignedOrderAsync((await SubmitAsync(Body(county.Building, category: "noise"))).Id);

        Assert.Equal("grid_worker", second.AssigneeKind);
        Assert.NotEqual(first.AssigneeId, second.AssigneeId);
    }

    [Fact]
    public async Task A_grid_with_nobody_on_duty_passes_the_request_to_its_community()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);

        var order = await AssignedOrderAsync((await SubmitAsync(Body($"{county.EmptyGrid}-B03"))).Id);

        Assert.Equal("community", order.AssigneeKind);
        Assert.Null(order.AssigneeId);
        Assert.Equal("锦园社区", order.AssigneeName);
        Assert.Equal(county.EmptyGrid, order.GridCode);
    }

    [Fact]
    public async Task The_request_shows_the_reporters_phone_and_name_masked()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var submitted = await SubmitAsync(Body(county.Building, phone: "13912345678"));

        using var json = JsonDocument.Parse(await (await _stack.Client("intake").SendAsync(HttpMethod.Get, $"/api/v1/requests/{submitted.Id}")).Content.ReadAsStringAsync(Ct));
        Assert.Equal("139****5678", json.RootElement.GetProperty("reporterPhone").GetString());
        Assert.Equal("张*", json.RootElement.GetProperty("reporterName").GetString());
        Assert.Equal("1号楼单元门口车辆乱停，堵住了出入口", json.RootElement.GetProperty("description").GetString());
    }

    private static readonly (string Json, string Field, string Message)[] BadBodies =
    [
        ("""{"channel":"fax","category":"drainage","description":"x","location":{"code":"B"}}""", "channel", "Unknown channel"),
        ("""{"channel":"hotline","category":"drainage","description":"","location":{"code":"B"}}""", "description", "required"),
        ("""{"channel":"hotline","category":"drainage","description":"x","location":{"code":"B"},"reporter":{"phone":"12345"}}""", "reporter.phone", "mainland mobile"),
        ("""{"channel":"hotline","category":"drainage","description":"x","location":{"code":"B","latitude":91,"longitude":100}}""", "location.latitude", "between -90 and 90"),
        ("""{"channel":"hotline","category":"no_such","description":"x","location":{"code":"B"}}""", "category", "Unknown category"),
        ("""{"channel":"hotline","category":"drainage","description":"x","location":{"code":"NOWHERE-1"}}""", "location.code", "not in the grid tree"),
        ("""{"channel":"hotline","category":"drainage","description":"a\u0007b","location":{"code":"B"}}""", "description", "Control characters"),
        ("{\"channel\":\"hotline\",\"category\":\"drainage\",\"description\":\"" + new string('堵', 4001) + "\",\"location\":{\"code\":\"B\"}}", "description", "At most 4000"),
    ];

    [Fact]
    public async Task Invalid_requests_get_a_problem_naming_the_field_and_store_nothing()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var before = await StoredCountsAsync(county);

        foreach (var (json, field, message) in BadBodies)
        {
            var response = await PostRawAsync(json.Replace("\"code\":\"B\"", $"\"code\":\"{county.Building}\""));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
            Assert.Equal(400, problem.RootElement.GetProperty("status").GetInt32());
            Assert.True(problem.RootElement.TryGetProperty("errors", out var errors), $"expected field errors for '{field}' in {problem.RootElement}");
            Assert.True(errors.TryGetProperty(field, out var messages), $"expected an error for '{field}' in {problem.RootElement}");
            Assert.Contains(message, messages[0].GetString());
        }

        Assert.Equal(before, await StoredCountsAsync(county));
    }

    [Theory]
    [InlineData("{\"channel\":\"hotline\",", "JSON body is not valid")]
    [InlineData("""{"channel":"hotline","category":"drainage","description":"x","location":{"code":"B"},"extra":1}""", "extra")]
    [InlineData("""{"channel":"hotline","category":"drainage","location":{"code":"B"}}""", "description")]
    [InlineData("""{"channel":"hotline","category":"drainage","description":123,"location":{"code":"B"}}""", "$.description")]
    public async Task Unreadable_bodies_get_a_400_problem_that_says_why_and_store_nothing(string json, string mentioned)
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var before = await StoredCountsAsync(county);

        var response = await PostRawAsync(json.Replace("\"code\":\"B\"", $"\"code\":\"{county.Building}\""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Contains(mentioned, problem.RootElement.GetProperty("detail").GetString());
        Assert.Equal(before, await StoredCountsAsync(county));
    }

    [Fact]
    public async Task Unknown_routes_and_missing_records_answer_with_problem_details()
    {
        var unknownRoute = await _stack.Client("intake").GetAsync("/api/v1/nothing-here", Ct);
        var missing = await _stack.Client("dispatch").SendAsync(
            new HttpRequestMessage(HttpMethod.Get, $"/api/v1/work-orders/{Guid.NewGuid()}").WithBearer(Tokens.For("admin")), Ct);

        foreach (var response in new[] { unknownRoute, missing })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
            Assert.Equal(404, problem.RootElement.GetProperty("status").GetInt32());
        }
    }

    [Fact]
    public async Task Health_checks_the_database_the_broker_and_redis_of_every_service()
    {
        foreach (var service in TestStack.Services)
        {
            using var health = JsonDocument.Parse(await _stack.Client(service).GetStringAsync("/health", Ct));
            Assert.Equal("Healthy", health.RootElement.GetProperty("status").GetString());
            var checks = health.RootElement.GetProperty("checks");
            foreach (var check in new[] { $"{service}db", "redis", "masstransit-bus" })
                Assert.Equal("Healthy", checks.GetProperty(check).GetProperty("status").GetString());

            using var alive = JsonDocument.Parse(await _stack.Client(service).GetStringAsync("/alive", Ct));
            Assert.Equal(["self"], alive.RootElement.GetProperty("checks").EnumerateObject().Select(p => p.Name));
        }
    }

    [Fact]
    public async Task Every_service_publishes_an_openapi_document_and_a_browsable_ui()
    {
        foreach (var service in TestStack.Services)
        {
            using var doc = JsonDocument.Parse(await _stack.Client(service).GetStringAsync("/openapi/v1.json", Ct));
            Assert.StartsWith("3.", doc.RootElement.GetProperty("openapi").GetString());
            Assert.Contains(doc.RootElement.GetProperty("paths").EnumerateObject(), p => p.Name.StartsWith("/api/v1/", StringComparison.Ordinal));
            var ui = await _stack.Client(service).GetStringAsync("/swagger/index.html", Ct);
            Assert.Contains("swagger-ui", ui);
        }
    }

    [Fact]
    public async Task A_volunteer_registers_in_a_grid_known_from_dispatchs_events()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var volunteers = _stack.Client("volunteer");

        // Registration is done by community staff (docs/volunteer.md, Access).
        using var okRequest = new HttpRequestMessage(HttpMethod.Post, "/api/v1/volunteers")
        { Content = JsonContent.Create(new { name = "李四", phone = "13700001111", gridCode = county.Grid, partyMember = true }) };
        using var notAGridRequest = new HttpRequestMessage(HttpMethod.Post, "/api/v1/volunteers")
        { Content = JsonContent.Create(new { name = "王五", phone = "13700002222", gridCode = county.Building }) };
        var ok = await volunteers.SendAsync(okRequest.WithBearer(Tokens.For("organiser")), Ct);
        var notAGrid = await volunteers.SendAsync(notAGridRequest.WithBearer(Tokens.For("organiser")), Ct);

        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        using var created = JsonDocument.Parse(await ok.Content.ReadAsStringAsync(Ct));
        Assert.Equal("137****1111", created.RootElement.GetProperty("phone").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, notAGrid.StatusCode);
        Assert.Equal(1L, await _stack.ScalarAsync<long>("volunteer", "SELECT count(*) FROM volunteers WHERE grid_code LIKE @p", new { p = county.District + "%" }));
    }

    // Figures are for staff: reporting answers a leader's token.
    private async Task<List<GridCount>> ReportingCountsAsync(string under)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/stats/requests-by-grid?under={under}");
        var response = await _stack.Client("reporting").SendAsync(request.WithBearer(Tokens.For("leader")), Ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<List<GridCount>>(Ct))!;
    }

    private Task<HttpResponseMessage> PostRawAsync(string json) =>
        _stack.Client("intake").SendAsync(HttpMethod.Post, "/api/v1/requests", new StringContent(json, Encoding.UTF8, "application/json"));

    // Counted within the test's own county: other tests file requests into the shared stack meanwhile.
    private async Task<(long Requests, long Outbox)> StoredCountsAsync(TestCounty county) =>
        (await _stack.ScalarAsync<long>("intake", "SELECT count(*) FROM requests WHERE location_path[1] = @District", new { county.District }),
         await _stack.ScalarAsync<long>("intake", "SELECT count(*) FROM outbox_messages WHERE body->'locationPath'->>0 = @District", new { county.District }));
}
