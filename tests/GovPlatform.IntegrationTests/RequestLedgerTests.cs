using System.Net;
using System.Text;
using System.Text.Json;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests;

/// <summary>The request ledger (诉求台账): every field kept as sent, searched and paged by staff, reporters masked.</summary>
public sealed class RequestLedgerTests(SharedStack shared)
{
    private readonly TestStack _stack = shared.Stack;
    private HttpClient Intake => _stack.Client("intake");

    private static object Body(string location, string category = "drainage", string channel = "hotline",
        string description = "1号楼下水道堵塞，污水外溢到楼道", string? phone = "13812345678", string? name = "张三丰",
        object? extra = null)
    {
        var body = new Dictionary<string, object?>
        {
            ["channel"] = channel,
            ["category"] = category,
            ["description"] = description,
            ["location"] = new { code = location },
            ["reporter"] = phone is null ? null : new { name, phone },
        };
        foreach (var p in extra?.GetType().GetProperties() ?? []) body[p.Name] = p.GetValue(extra);
        return body;
    }

    private async Task<JsonElement> SubmitAsync(object body)
    {
        var response = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return await response.JsonAsync();
    }

    private async Task<JsonElement> SearchAsync(string query, string role = "desk_operator")
    {
        var response = await Intake.SendAsync(HttpMethod.Get, $"/api/v1/requests?{query}", role: role);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return await response.JsonAsync();
    }

    private static string[] Tickets(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("ticketNo").GetString()!).ToArray();

    [Fact]
    public async Task Every_field_of_a_request_is_stored_exactly_as_sent()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        // Chinese, an emoji outside the BMP, markup and line breaks: text is data, stored as sent.
        const string description = "3单元楼顶漏水😢，<b>雨天</b>滴到5楼 & 6楼\n已联系物业未处理";
        var submitted = await SubmitAsync(Body(county.Building, channel: "external_system", description: description, extra: new
        {
            urgency = "urgent",
            attachments = new[] { "https://files.example.cn/a/1.jpg", "https://files.example.cn/a/2.mp3?x=1&y=2" },
            externalSystem = "12345热线",
            externalId = "GZ-12345-0001",
        }));

        var response = await Intake.SendAsync(HttpMethod.Get, $"/api/v1/requests/{submitted.GetProperty("id").GetGuid()}");
        var r = await response.JsonAsync();

        Assert.Equal(description, r.GetProperty("description").GetString());
        Assert.Equal("external_system", r.GetProperty("channel").GetString());
        Assert.Equal("urgent", r.GetProperty("urgency").GetString());
        Assert.Equal(["https://files.example.cn/a/1.jpg", "https://files.example.cn/a/2.mp3?x=1&y=2"],
            r.GetProperty("attachments").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("12345热线", r.GetProperty("externalSystem").GetString());
        Assert.Equal("GZ-12345-0001", r.GetProperty("externalId").GetString());
        Assert.Equal(county.Building, r.GetProperty("locationCode").GetString());
        Assert.Equal(county.Building, r.GetProperty("locationPath").EnumerateArray().Last().GetString());
        Assert.Equal(county.District, r.GetProperty("locationPath")[0].GetString());
        Assert.Equal("submitted", r.GetProperty("status").GetString());
        Assert.Matches(@"^\d{8}-\d{6}$", r.GetProperty("ticketNo").GetString());
    }

    [Fact]
    public async Task Address_and_coordinates_are_kept_with_the_grid_location()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var submitted = await SubmitAsync(new
        {
            channel = "qr_doorplate", category = "street_light", description = "小区门口路灯不亮",
            location = new { code = county.Grid, address = "湄江街道锦园路18号东苑小区南门", latitude = 27.7661, longitude = 107.4653 },
        });

        var r = await (await Intake.SendAsync(HttpMethod.Get, $"/api/v1/requests/{submitted.GetProperty("id").GetGuid()}")).JsonAsync();

        Assert.Equal("湄江街道锦园路18号东苑小区南门", r.GetProperty("address").GetString());
        Assert.Equal(27.7661, r.GetProperty("latitude").GetDouble());
        Assert.Equal(107.4653, r.GetProperty("longitude").GetDouble());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("reporterPhone").ValueKind);
    }

    [Fact]
    public async Task The_ledger_is_searched_by_category_channel_region_text_ticket_and_date_and_paged_newest_first()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var otherBuilding = $"{county.Grid}-B02";
        var t1 = (await SubmitAsync(Body(county.Building, "drainage", "hotline", "1号楼下水道堵塞，污水外溢"))).GetProperty("ticketNo").GetString()!;
        var t2 = (await SubmitAsync(Body(county.Building, "noise", "wechat_group", "楼上深夜装修噪音扰民"))).GetProperty("ticketNo").GetString()!;
        var t3 = (await SubmitAsync(Body(otherBuilding, "drainage", "walk_in", "2号楼化粪池冒水，臭味很大"))).GetProperty("ticketNo").GetString()!;
        var t4 = (await SubmitAsync(Body(otherBuilding, "parking", "grid_patrol", "消防通道旁乱停车 100%_堵死"))).GetProperty("ticketNo").GetString()!;
        var t5 = (await SubmitAsync(Body($"{county.EmptyGrid}-B03", "drainage", "hotline", "3号楼雨水井堵塞"))).GetProperty("ticketNo").GetString()!;
        var inCounty = $"region={county.District}";

        var all = await SearchAsync(inCounty);
        Assert.Equal(5, all.GetProperty("total").GetInt64());
        Assert.Equal([t5, t4, t3, t2, t1], Tickets(all));

        Assert.Equal([t5, t3, t1], Tickets(await SearchAsync($"{inCounty}&category=drainage")));
        Assert.Equal([t5, t1], Tickets(await SearchAsync($"{inCounty}&channel=hotline")));
        Assert.Equal([t4, t3], Tickets(await SearchAsync($"region={otherBuilding}")));
        Assert.Equal([t5], Tickets(await SearchAsync($"region={county.EmptyGrid}")));
        Assert.Equal(new[] { t3, t2, t1, t4 }.Order(), Tickets(await SearchAsync($"region={county.Grid}")).Order());
        // Text as written first (newest first), then requests that say it in other words: 堵死 and 冒水 are 堵 too.
        Assert.Equal([t5, t1, t4, t3], Tickets(await SearchAsync($"{inCounty}&q={Uri.EscapeDataString("堵塞")}")));
        // Wildcards typed by a user are text: "100%_" matches only where it is written.
        Assert.Equal([t4], Tickets(await SearchAsync($"{inCounty}&q={Uri.EscapeDataString("100%_")}")));
        Assert.Equal([t3], Tickets(await SearchAsync($"ticket={t3}")));
        // Dispatch assigns each request soon after it is filed; the status filter sees that.
        await Eventually.True(async () => (await SearchAsync($"{inCounty}&status=assigned")).GetProperty("total").GetInt64() == 5, "all five assigned");
        Assert.Equal([t2], Tickets(await SearchAsync($"{inCounty}&status=assigned&category=noise")));
        Assert.Equal(0, (await SearchAsync($"{inCounty}&status=submitted")).GetProperty("total").GetInt64());

        var now = DateTimeOffset.UtcNow;
        string At(DateTimeOffset t) => Uri.EscapeDataString(t.ToOffset(TimeSpan.FromHours(8)).ToString("O"));
        Assert.Equal(5, (await SearchAsync($"{inCounty}&from={At(now.AddMinutes(-5))}&to={At(now.AddMinutes(5))}")).GetProperty("total").GetInt64());
        Assert.Equal(0, (await SearchAsync($"{inCounty}&from={At(now.AddMinutes(5))}")).GetProperty("total").GetInt64());
        Assert.Equal(0, (await SearchAsync($"{inCounty}&to={At(now.AddMinutes(-5))}")).GetProperty("total").GetInt64());

        var page2 = await SearchAsync($"{inCounty}&page=2&pageSize=2");
        Assert.Equal([t3, t2], Tickets(page2));
        Assert.Equal(5, page2.GetProperty("total").GetInt64());
        Assert.Equal(2, page2.GetProperty("page").GetInt32());
        Assert.Equal([t1], Tickets(await SearchAsync($"{inCounty}&page=3&pageSize=2")));
        Assert.Empty(Tickets(await SearchAsync($"{inCounty}&page=4&pageSize=2")));
    }

    [Fact]
    public async Task Lists_show_reporters_phones_and_names_masked()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        await SubmitAsync(Body(county.Building, phone: "13987654321", name: "欧阳娜娜"));
        await SubmitAsync(Body(county.Building, phone: "0851-28221234", name: "李四"));

        var page = await SearchAsync($"region={county.District}");
        var text = page.GetRawText();

        Assert.Equal(["085****1234", "139****4321"], page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("reporterPhone").GetString()));
        Assert.Equal(["李*", "欧***"], page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("reporterName").GetString()));
        Assert.DoesNotContain("13987654321", text);
        Assert.DoesNotContain("欧阳娜娜", text);
    }

    [Fact]
    public async Task Only_desk_operators_and_admins_search_the_ledger()
    {
        var anonymous = await Intake.SendAsync(HttpMethod.Get, "/api/v1/requests", role: null);
        var gridWorker = await Intake.SendAsync(HttpMethod.Get, "/api/v1/requests", role: "grid_worker");
        var admin = await Intake.SendAsync(HttpMethod.Get, "/api/v1/requests?pageSize=1", role: "admin");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, gridWorker.StatusCode);
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        Assert.Equal(1, (await admin.JsonAsync()).GetProperty("pageSize").GetInt32());
    }

    [Theory]
    [InlineData("status=lost", "status")]
    [InlineData("channel=fax", "channel")]
    [InlineData("pageSize=1000", "pageSize")]
    [InlineData("page=0", "page")]
    [InlineData("ticket=abc", "ticket")]
    [InlineData("from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z", "from")]
    [InlineData("q=%20%20", "q")]
    public async Task Bad_search_parameters_get_a_problem_naming_the_parameter(string query, string field)
    {
        var response = await Intake.SendAsync(HttpMethod.Get, $"/api/v1/requests?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task A_date_that_is_not_a_date_gets_a_400_problem()
    {
        var response = await Intake.SendAsync(HttpMethod.Get, "/api/v1/requests?from=yesterday");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"yesterday\"", (await response.JsonAsync()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task The_same_external_id_from_the_same_system_is_filed_once()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var externalId = "CM-" + Guid.NewGuid().ToString("N")[..8];
        var body = Body(county.Building, channel: "external_system", extra: new { externalSystem = "城管系统", externalId });
        var first = await SubmitAsync(body);

        var again = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", body);
        var otherSystem = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests",
            Body(county.Building, channel: "external_system", extra: new { externalSystem = "12345热线", externalId }));

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
        var problem = await again.JsonAsync();
        Assert.Equal(first.GetProperty("ticketNo").GetString(), problem.GetProperty("ticketNo").GetString());
        Assert.Equal(HttpStatusCode.Created, otherSystem.StatusCode);
        Assert.Equal(1, await _stack.ScalarAsync<long>("intake",
            "SELECT count(*) FROM requests WHERE external_id = @externalId AND external_system = '城管系统'", new { externalId }));
    }

    [Theory]
    [InlineData("""{"attachments":["ftp://files.example.cn/1.jpg"]}""", "attachments[0]")]
    [InlineData("""{"attachments":["https://ok.example.cn/1.jpg","not a url"]}""", "attachments[1]")]
    [InlineData("""{"externalId":"X-1"}""", "externalSystem")]
    [InlineData("""{"externalSystem":"12345","externalId":""}""", "externalId")]
    public async Task Bad_attachments_and_external_ids_get_a_problem_naming_the_field_and_store_nothing(string extraJson, string field)
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var json = $$"""{"channel":"hotline","category":"drainage","description":"堵了","location":{"code":"{{county.Building}}"},{{extraJson[1..]}}""";

        var response = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty(field, out _), $"expected an error for {field}");
        Assert.Equal(0, await _stack.ScalarAsync<long>("intake", "SELECT count(*) FROM requests WHERE location_path[1] = @District", new { county.District }));
    }
}

/// <summary>Bodies no client should send: too big, or not UTF-8.</summary>
public sealed class RequestBodyLimitTests(SharedStack shared)
{
    private readonly TestStack _stack = shared.Stack;

    private async Task<HttpResponseMessage> PostBytesAsync(byte[] body, string contentType = "application/json")
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        return await _stack.Client("intake").SendAsync(HttpMethod.Post, "/api/v1/requests", content);
    }

    private Task<long> FiledInAsync(TestCounty county) =>
        _stack.ScalarAsync<long>("intake", "SELECT count(*) FROM requests WHERE location_path[1] = @District", new { county.District });

    [Fact]
    public async Task An_oversized_body_gets_a_413_problem_and_stores_nothing()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var json = $$"""{"channel":"hotline","category":"drainage","description":"堵了","location":{"code":"{{county.Building}}"},"attachments":["https://x.example.cn/{{new string('a', 70_000)}}"]}""";

        var response = await PostBytesAsync(Encoding.UTF8.GetBytes(json));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(413, (await response.JsonAsync()).GetProperty("status").GetInt32());
        Assert.Equal(0, await FiledInAsync(county));
    }

    [Fact]
    public async Task A_body_that_is_not_utf8_gets_a_400_problem_and_stores_nothing()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var before = Encoding.UTF8.GetBytes("""{"channel":"hotline","category":"drainage","description":"堵""");
        var after = Encoding.UTF8.GetBytes("了\",\"location\":{\"code\":\"" + county.Building + "\"}}");
        // 0xC3 0x28 is an invalid two-byte sequence; GB18030 bytes sent as UTF-8 look like this.
        var body = before.Concat(new byte[] { 0xC3, 0x28 }).Concat(after).ToArray();

        var response = await PostBytesAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        // The input guard refuses the bytes while reading the field, and says which field.
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty("description", out _));
        Assert.Equal(0, await FiledInAsync(county));
    }

    [Fact]
    public async Task An_oversized_open311_form_gets_the_specs_error_format()
    {
        var response = await _stack.Client("intake").PostAsync("/open311/v2/requests.json",
            new FormUrlEncodedContent([new("description", new string('长', 40_000))]), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var error = Assert.Single((await response.JsonAsync()).EnumerateArray());
        Assert.Equal(413, error.GetProperty("code").GetInt32());
    }
}
