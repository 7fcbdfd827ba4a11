using System.Net;
using System.Text.Json;
using System.Xml.Linq;
using GovPlatform.Contracts;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests;

/// <summary>
/// Open311 GeoReport v2 conformance, from the spec (http://wiki.open311.org/GeoReport_v2): discovery,
/// service list, service definition, POST/GET requests, tokens; JSON and XML; errors as a list of
/// code + description; no personal data in GET responses.
/// </summary>
public sealed class Open311ConformanceTests(SharedStack shared)
{
    private readonly TestStack _stack = shared.Stack;
    private HttpClient Intake => _stack.Client("intake");
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<HttpResponseMessage> GetAsync(string url) => Intake.GetAsync(url, Ct);

    /// <summary>Reading requests needs a key: the spec's <c>api_key</c>, as a query parameter.</summary>
    private Task<HttpResponseMessage> ReadAsync(string url, string key) =>
        Intake.GetAsync($"{url}{(url.Contains('?') ? '&' : '?')}api_key={Uri.EscapeDataString(key)}", Ct);

    private Task<long> FiledInAsync(TestCounty county) =>
        _stack.ScalarAsync<long>("intake", "SELECT count(*) FROM requests WHERE location_path[1] = @District", new { county.District });

    private Task<HttpResponseMessage> PostFormAsync(string format, IEnumerable<KeyValuePair<string, string>> fields, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/open311/v2/requests.{format}") { Content = new FormUrlEncodedContent(fields) };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return Intake.SendAsync(request, Ct);
    }

    private async Task<(TestCounty County, string Key)> SetUpAsync()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var (_, key) = await IntakeAccessTests.IssueKeyAsync(Intake, "城管平台");
        return (county, key);
    }

    private static List<KeyValuePair<string, string>> Form(string key, TestCounty county, string description = "楼下烧烤店油烟和噪音很大，每晚到凌晨",
        string service = "noise", params (string, string)[] extra)
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("api_key", key), new("jurisdiction_id", "govplatform"), new("service_code", service), new("address_id", county.Building),
            new("address_string", "锦园路18号"), new("lat", "27.7661"), new("long", "107.4653"), new("description", description),
            new("first_name", "小明"), new("last_name", "王"), new("phone", "13512345678"), new("email", "wang@example.cn"),
            new("media_url", "https://files.example.cn/p/1.jpg"),
        };
        fields.AddRange(extra.Select(e => new KeyValuePair<string, string>(e.Item1, e.Item2)));
        return fields;
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return await response.JsonAsync();
    }

    private async Task<XElement> XmlAsync(HttpResponseMessage response)
    {
        Assert.Equal("text/xml", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"utf-8\"?>", text);
        return XDocument.Parse(text).Root!;
    }

    private static void AssertErrors(JsonElement errors, int code, string mentioned)
    {
        var list = errors.EnumerateArray().ToList();
        Assert.NotEmpty(list);
        Assert.All(list, e => Assert.Equal(code, e.GetProperty("code").GetInt32()));
        Assert.Contains(list, e => e.GetProperty("description").GetString()!.Contains(mentioned, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Discovery_lists_a_production_and_a_test_v2_endpoint_in_both_formats()
    {
        var json = await JsonAsync(await GetAsync("/open311/discovery.json"));
        var xml = await XmlAsync(await GetAsync("/open311/discovery.xml"));

        Assert.Equal(["production", "test"], json.GetProperty("endpoints").EnumerateArray().Select(e => e.GetProperty("type").GetString()));
        // Repeated <endpoint> elements inside <endpoints>: a list even to a client that maps a single element to an object.
        Assert.Equal(["production", "test"], xml.Element("endpoints")!.Elements("endpoint").Select(e => e.Element("type")!.Value));
        var endpoint = json.GetProperty("endpoints")[0];
        Assert.Equal("http://wiki.open311.org/GeoReport_v2", endpoint.GetProperty("specification").GetString());
        Assert.EndsWith("/open311/v2", endpoint.GetProperty("url").GetString());
        Assert.Equal(["application/json", "text/xml"], endpoint.GetProperty("formats").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal("discovery", xml.Name.LocalName);
        Assert.Equal("http://wiki.open311.org/GeoReport_v2", xml.Element("endpoints")!.Element("endpoint")!.Element("specification")!.Value);
        Assert.Equal(["application/json", "text/xml"], xml.Element("endpoints")!.Element("endpoint")!.Element("formats")!.Elements("format").Select(f => f.Value));
    }

    [Fact]
    public async Task The_service_list_is_the_catalogues_active_minor_categories()
    {
        var json = await JsonAsync(await GetAsync("/open311/v2/services.json?jurisdiction_id=govplatform"));
        var xml = await XmlAsync(await GetAsync("/open311/v2/services.xml"));

        var noise = json.EnumerateArray().Single(s => s.GetProperty("service_code").GetString() == "noise");
        Assert.Equal("噪音扰民", noise.GetProperty("service_name").GetString());
        Assert.True(noise.GetProperty("metadata").GetBoolean());
        Assert.Equal("realtime", noise.GetProperty("type").GetString());
        Assert.Equal("社会秩序", noise.GetProperty("group").GetString());
        Assert.DoesNotContain(json.EnumerateArray(), s => s.GetProperty("service_code").GetString() == "public_order");
        Assert.Equal("services", xml.Name.LocalName);
        var service = xml.Elements("service").Single(s => s.Element("service_code")!.Value == "noise");
        Assert.Equal("噪音扰民", service.Element("service_name")!.Value);
        Assert.Equal("true", service.Element("metadata")!.Value);
    }

    [Fact]
    public async Task A_service_definition_lists_its_attributes_and_an_unknown_service_is_a_404_error()
    {
        var json = await JsonAsync(await GetAsync("/open311/v2/services/thrown_objects.json"));
        var xml = await XmlAsync(await GetAsync("/open311/v2/services/thrown_objects.xml"));
        var missing = await GetAsync("/open311/v2/services/no_such_service.json");

        Assert.Equal("thrown_objects", json.GetProperty("service_code").GetString());
        var injured = json.GetProperty("attributes").EnumerateArray().Single(a => a.GetProperty("code").GetString() == "injured");
        Assert.True(injured.GetProperty("variable").GetBoolean());
        Assert.Equal("singlevaluelist", injured.GetProperty("datatype").GetString());
        Assert.Equal("是否有人受伤", injured.GetProperty("description").GetString());
        Assert.Equal(["yes", "no"], injured.GetProperty("values").EnumerateArray().Select(v => v.GetProperty("key").GetString()));
        Assert.Equal("service_definition", xml.Name.LocalName);
        var attribute = xml.Element("attributes")!.Elements("attribute").Single(a => a.Element("code")!.Value == "injured");
        Assert.Equal(["有", "没有"], attribute.Element("values")!.Elements("value").Select(v => v.Element("name")!.Value));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        AssertErrors(await JsonAsync(missing), 404, "no_such_service");
    }

    [Fact]
    public async Task A_system_posts_a_request_as_form_data_and_reads_it_back_without_personal_data_in_both_formats()
    {
        var (county, key) = await SetUpAsync();

        var posted = await PostFormAsync("json", Form(key, county));

        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        var id = (await JsonAsync(posted))[0].GetProperty("service_request_id").GetString()!;
        Assert.Matches(@"^\d{8}-\d{6}$", id);

        var one = await ReadAsync($"/open311/v2/requests/{id}.json", key);
        var request = Assert.Single((await JsonAsync(one)).EnumerateArray());
        Assert.Equal("open", request.GetProperty("status").GetString());
        Assert.Equal("noise", request.GetProperty("service_code").GetString());
        Assert.Equal("楼下烧烤店油烟和噪音很大，每晚到凌晨", request.GetProperty("description").GetString());
        Assert.Equal(27.7661, request.GetProperty("lat").GetDouble());
        Assert.Equal(107.4653, request.GetProperty("long").GetDouble());
        Assert.Equal(county.Building, request.GetProperty("address_id").GetString());
        Assert.Equal("https://files.example.cn/p/1.jpg", request.GetProperty("media_url").GetString());
        Assert.EndsWith("+08:00", request.GetProperty("requested_datetime").GetString());

        var xml = await XmlAsync(await ReadAsync($"/open311/v2/requests/{id}.xml", key));
        Assert.Equal("service_requests", xml.Name.LocalName);
        Assert.Equal(id, xml.Element("request")!.Element("service_request_id")!.Value);

        var stored = await _stack.ScalarAsync<string>("intake", "SELECT reporter_phone FROM requests WHERE ticket_no = @id", new { id });
        Assert.Equal("13512345678", stored);
        foreach (var text in new[] { await one.Content.ReadAsStringAsync(Ct), xml.ToString() })
        {
            Assert.DoesNotContain("13512345678", text);
            Assert.DoesNotContain("wang@example.cn", text);
            Assert.DoesNotContain("王小明", text);
            Assert.DoesNotContain("phone", text);
        }
    }

    [Fact]
    public async Task A_post_answers_in_xml_when_asked_and_a_token_resolves_to_the_request()
    {
        var (county, key) = await SetUpAsync();

        var posted = await PostFormAsync("xml", Form(key, county, "小区门口路灯不亮", "street_light"));

        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        var xml = await XmlAsync(posted);
        var id = xml.Element("request")!.Element("service_request_id")!.Value;
        var token = await JsonAsync(await ReadAsync($"/open311/v2/tokens/{id}.json", key));
        var tokenXml = await XmlAsync(await ReadAsync($"/open311/v2/tokens/{id}.xml", key));
        var unknown = await ReadAsync("/open311/v2/tokens/19990101-000000.xml", key);

        Assert.Equal(id, token[0].GetProperty("service_request_id").GetString());
        Assert.Equal(id, token[0].GetProperty("token").GetString());
        Assert.Equal("service_requests", tokenXml.Name.LocalName);
        Assert.Equal(id, tokenXml.Element("request")!.Element("service_request_id")!.Value);
        Assert.Equal(id, tokenXml.Element("request")!.Element("token")!.Value);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("404", (await XmlAsync(unknown)).Element("error")!.Element("code")!.Value);
    }

    [Fact]
    public async Task Get_requests_filters_by_service_code_status_and_dates_and_an_id_list_overrides_them_all()
    {
        var (county, key) = await SetUpAsync();
        var a = (await JsonAsync(await PostFormAsync("json", Form(key, county))))[0].GetProperty("service_request_id").GetString()!;
        var b = (await JsonAsync(await PostFormAsync("json", Form(key, county, "单元门口违停车辆挡住出口", "parking"))))[0].GetProperty("service_request_id").GetString()!;

        string[] Ids(JsonElement list) => list.EnumerateArray().Select(r => r.GetProperty("service_request_id").GetString()!).ToArray();
        var now = DateTimeOffset.UtcNow;
        var range = $"start_date={Uri.EscapeDataString(now.AddHours(-1).ToString("O"))}&end_date={Uri.EscapeDataString(now.AddHours(1).ToString("O"))}";
        var byIds = await JsonAsync(await ReadAsync($"/open311/v2/requests.json?service_request_id={a},{b}", key));
        // "This overrides all other arguments" (GeoReport v2): a filter that matches neither request, dates long past, a bad status.
        var idsOverride = await JsonAsync(await ReadAsync(
            $"/open311/v2/requests.json?service_request_id={a},{b}&service_code=street_light&status=closed&start_date=2001-01-01T00:00:00Z&end_date=2001-01-02T00:00:00Z", key));
        var idsOverrideBadStatus = await ReadAsync($"/open311/v2/requests.json?service_request_id={a}&status=pending", key);
        var byCode = await JsonAsync(await ReadAsync($"/open311/v2/requests.json?service_code=parking&{range}", key));
        var closed = await JsonAsync(await ReadAsync($"/open311/v2/requests.json?service_code=parking&status=closed&{range}", key));
        var open = await JsonAsync(await ReadAsync($"/open311/v2/requests.json?service_code=parking&status=open&{range}", key));
        var both = await JsonAsync(await ReadAsync($"/open311/v2/requests.json?service_code=parking&status=open,closed&{range}", key));
        var tooWide = await ReadAsync($"/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", key);
        var badStatus = await ReadAsync("/open311/v2/requests.xml?status=pending", key);
        var badInList = await ReadAsync("/open311/v2/requests.json?status=open,pending", key);

        Assert.Equal(new[] { a, b }.Order(), Ids(byIds).Order());
        Assert.Equal(new[] { a, b }.Order(), Ids(idsOverride).Order());
        Assert.Equal([a], Ids(await JsonAsync(idsOverrideBadStatus)));
        Assert.Contains(b, Ids(byCode));
        Assert.DoesNotContain(a, Ids(byCode));
        Assert.DoesNotContain(b, Ids(closed));
        Assert.Contains(b, Ids(open));
        Assert.Contains(b, Ids(both));
        Assert.Equal(HttpStatusCode.BadRequest, tooWide.StatusCode);
        AssertErrors(await JsonAsync(tooWide), 400, "90 days");
        Assert.Equal(HttpStatusCode.BadRequest, badStatus.StatusCode);
        var xmlErrors = await XmlAsync(badStatus);
        Assert.Equal("errors", xmlErrors.Name.LocalName);
        Assert.Equal("400", xmlErrors.Element("error")!.Element("code")!.Value);
        Assert.Equal(HttpStatusCode.BadRequest, badInList.StatusCode);
        AssertErrors(await JsonAsync(badInList), 400, "status");
    }

    [Fact]
    public async Task Get_requests_answers_a_list_in_xml_without_personal_data()
    {
        var (county, key) = await SetUpAsync();
        var a = (await JsonAsync(await PostFormAsync("json", Form(key, county))))[0].GetProperty("service_request_id").GetString()!;
        var b = (await JsonAsync(await PostFormAsync("json", Form(key, county, "单元门口违停车辆挡住出口", "parking"))))[0].GetProperty("service_request_id").GetString()!;

        var response = await ReadAsync($"/open311/v2/requests.xml?service_request_id={a},{b}", key);
        var xml = await XmlAsync(response);

        Assert.Equal("service_requests", xml.Name.LocalName);
        var requests = xml.Elements("request").ToList();
        Assert.Equal(new[] { a, b }.Order(), requests.Select(r => r.Element("service_request_id")!.Value).Order());
        var parking = requests.Single(r => r.Element("service_request_id")!.Value == b);
        Assert.Equal("parking", parking.Element("service_code")!.Value);
        Assert.Equal("open", parking.Element("status")!.Value);
        Assert.Equal("单元门口违停车辆挡住出口", parking.Element("description")!.Value);
        Assert.Equal(county.Building, parking.Element("address_id")!.Value);
        Assert.Equal("27.7661", parking.Element("lat")!.Value);
        Assert.DoesNotContain("13512345678", xml.ToString());
        Assert.DoesNotContain("王小明", xml.ToString());
    }

    [Fact]
    public async Task Anyone_reads_requests_without_a_key_in_the_public_view_while_a_key_or_desk_staff_sees_them_in_full()
    {
        var (county, key) = await SetUpAsync();
        const string description = "楼下烧烤店油烟很大，我是王小明，电话139 1234 5678，邮箱wang@example.cn，可找李先生，2026-12-01起每晚如此";
        var id = (await JsonAsync(await PostFormAsync("json", Form(key, county, description))))[0].GetProperty("service_request_id").GetString()!;
        var urls = new[] { $"/open311/v2/requests.json?service_request_id={id}", $"/open311/v2/requests/{id}.json" };

        foreach (var url in urls)
        {
            var anonymous = await GetAsync(url);
            var gridWorker = await Intake.SendAsync(HttpMethod.Get, url, role: "grid_worker");
            var wrongKey = await ReadAsync(url, "gpk_not-a-key");
            foreach (var response in new[] { anonymous, gridWorker })
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var request = Assert.Single((await JsonAsync(response)).EnumerateArray());
                Assert.Equal(id, request.GetProperty("service_request_id").GetString());
                Assert.Equal("open", request.GetProperty("status").GetString());
                Assert.Equal("noise", request.GetProperty("service_code").GetString());
                Assert.Equal("楼下烧烤店油烟很大，我是王**，电话139****5678，邮箱***@***，可找*先生，2026-12-01起每晚如此", request.GetProperty("description").GetString());
                Assert.Equal("锦园社区 东苑小区 1号楼", request.GetProperty("address").GetString());
                Assert.Equal(county.Building, request.GetProperty("address_id").GetString());
                Assert.Equal(27.766, request.GetProperty("lat").GetDouble());
                Assert.Equal(107.465, request.GetProperty("long").GetDouble());
                Assert.Equal(JsonValueKind.Null, request.GetProperty("media_url").ValueKind);
                Assert.EndsWith("+08:00", request.GetProperty("requested_datetime").GetString());
            }
            Assert.Equal(HttpStatusCode.Forbidden, wrongKey.StatusCode);
            AssertErrors(await JsonAsync(wrongKey), 403, "api_key");

            var staff = await Intake.SendAsync(HttpMethod.Get, url, role: "desk_operator");
            var header = await Intake.SendAsync(HttpMethod.Get, url, role: null, apiKey: key);
            var query = await ReadAsync(url, key);
            foreach (var allowed in new[] { staff, header, query })
            {
                Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
                var request = (await JsonAsync(allowed))[0];
                Assert.Equal(description, request.GetProperty("description").GetString());
                Assert.Equal("锦园路18号", request.GetProperty("address").GetString());
                Assert.Equal(27.7661, request.GetProperty("lat").GetDouble());
                Assert.Equal("https://files.example.cn/p/1.jpg", request.GetProperty("media_url").GetString());
            }
        }
        var anonymousXml = await XmlAsync(await GetAsync($"/open311/v2/requests/{id}.xml"));
        Assert.Equal(id, anonymousXml.Element("request")!.Element("service_request_id")!.Value);
        Assert.DoesNotContain("13912345678", anonymousXml.ToString());
        Assert.DoesNotContain("锦园路18号", anonymousXml.ToString());
        Assert.Equal(HttpStatusCode.OK, (await GetAsync($"/open311/v2/tokens/{id}.json")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/open311/discovery.json")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/open311/v2/services.xml")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/open311/v2/services/noise.json")).StatusCode);
    }

    [Fact]
    public async Task Service_request_updates_list_each_step_of_the_timeline_by_date_range_without_a_key()
    {
        var (county, key) = await SetUpAsync();
        var id = (await JsonAsync(await PostFormAsync("json", Form(key, county))))[0].GetProperty("service_request_id").GetString()!;
        var now = DateTimeOffset.UtcNow;
        var range = $"start_date={Uri.EscapeDataString(now.AddMinutes(-5).ToString("O"))}&end_date={Uri.EscapeDataString(now.AddMinutes(5).ToString("O"))}";

        var updates = (await JsonAsync(await GetAsync($"/open311/v2/servicerequestupdates.json?{range}"))).EnumerateArray()
            .Where(u => u.GetProperty("service_request_id").GetString() == id).ToList();
        var xml = await XmlAsync(await GetAsync($"/open311/v2/servicerequestupdates.xml?{range}"));
        var timeline = await _stack.QueryAsync<long>("intake",
            "SELECT t.id FROM request_timeline t JOIN requests r ON r.id = t.request_id WHERE r.ticket_no = @id ORDER BY t.at, t.id", new { id });
        var long_ago = await GetAsync("/open311/v2/servicerequestupdates.json?start_date=2001-01-01T00:00:00Z&end_date=2001-01-02T00:00:00Z");
        var extreme = await GetAsync("/open311/v2/servicerequestupdates.json?start_date=0001-01-01T00:00:00Z");

        var submitted = updates[0];
        Assert.Equal("open", submitted.GetProperty("status").GetString());
        Assert.Equal("已受理", submitted.GetProperty("description").GetString());
        Assert.EndsWith("+08:00", submitted.GetProperty("updated_datetime").GetString());
        Assert.False(string.IsNullOrEmpty(submitted.GetProperty("update_id").GetString()));
        Assert.True(submitted.TryGetProperty("media_url", out _));
        // Every step of the timeline at the time of the call, in order (later steps may have arrived since).
        Assert.Equal(timeline.Take(updates.Count).Select(t => t.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            updates.Select(u => u.GetProperty("update_id").GetString()));
        Assert.Equal("service_request_updates", xml.Name.LocalName);
        Assert.Contains(xml.Elements("request_update"), u => u.Element("service_request_id")!.Value == id && u.Element("description")!.Value == "已受理");
        Assert.Empty((await JsonAsync(long_ago)).EnumerateArray());
        Assert.Equal(HttpStatusCode.BadRequest, extreme.StatusCode);
        AssertErrors(await JsonAsync(extreme), 400, "start_date");
    }

    [Fact]
    public async Task Every_open311_answer_has_exactly_the_specs_media_type_without_a_charset()
    {
        var (county, key) = await SetUpAsync();
        var id = (await JsonAsync(await PostFormAsync("json", Form(key, county))))[0].GetProperty("service_request_id").GetString()!;
        foreach (var format in new[] { "json", "xml" })
        {
            var expected = format == "json" ? "application/json" : "text/xml";
            var answers = new List<HttpResponseMessage>
            {
                await GetAsync($"/open311/discovery.{format}"),
                await GetAsync($"/open311/v2/services.{format}"),
                await GetAsync($"/open311/v2/services/noise.{format}"),
                await GetAsync($"/open311/v2/services/no_such_service.{format}"),
                await GetAsync($"/open311/v2/requests.{format}"),
                await GetAsync($"/open311/v2/requests/{id}.{format}"),
                await GetAsync($"/open311/v2/tokens/{id}.{format}"),
                await GetAsync($"/open311/v2/servicerequestupdates.{format}"),
                await GetAsync($"/open311/v2/requests.{format}?status=pending"),
                await GetAsync($"/open311/v2/requests.{format}?service_code=a%00b"),
                await GetAsync($"/open311/v2/no_such_path.{format}"),
                await PostFormAsync(format, Form(key, county, "门口路灯不亮", "street_light")),
                await PostFormAsync(format, Form(key, county, "a\u0000b")),
            };
            foreach (var answer in answers)
                Assert.True(answer.Content.Headers.ContentType?.ToString() == expected,
                    $"{answer.RequestMessage!.Method} {answer.RequestMessage.RequestUri}: {(int)answer.StatusCode} {answer.Content.Headers.ContentType}");
        }
    }

    [Fact]
    public async Task A_post_to_an_unknown_format_is_refused_before_anything_is_stored()
    {
        var (county, key) = await SetUpAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/open311/v2/requests.yaml") { Content = new FormUrlEncodedContent(Form(key, county)) };

        var response = await Intake.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        AssertErrors(await JsonAsync(response), 404, "format");
        Assert.Equal(0, await FiledInAsync(county));
    }

    [Theory]
    [InlineData("description", "a\u0000b", "NUL")]
    [InlineData("description", "a\uffffb", "noncharacter")]
    [InlineData("address_string", "a\u001bb", "U+001B")]
    [InlineData("first_name", "a\u0085b", "U+0085")]
    public async Task Hostile_characters_in_a_form_are_refused_naming_the_field_and_store_nothing(string field, string value, string mentioned)
    {
        var (county, key) = await SetUpAsync();
        var fields = Form(key, county).Where(f => f.Key != field).Append(new(field, value));

        var response = await PostFormAsync("json", fields);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        AssertErrors(await JsonAsync(response), 400, field);
        AssertErrors(await JsonAsync(response), 400, mentioned);
        Assert.Equal(0, await FiledInAsync(county));
    }

    [Fact]
    public async Task Text_stored_with_a_noncharacter_before_the_guard_never_fails_the_xml_list()
    {
        var (county, key) = await SetUpAsync();
        var id = (await JsonAsync(await PostFormAsync("json", Form(key, county))))[0].GetProperty("service_request_id").GetString()!;
        await using (var conn = await _stack.OpenAsync("intake"))
            await Dapper.SqlMapper.ExecuteAsync(conn, "UPDATE requests SET description = description || @odd WHERE ticket_no = @id", new { odd = "\uffff\u001b", id });

        var response = await ReadAsync($"/open311/v2/requests.xml?service_request_id={id}", key);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.EndsWith("\ufffd\ufffd", (await XmlAsync(response)).Element("request")!.Element("description")!.Value);
    }

    [Fact]
    public async Task A_revoked_key_gets_403_in_the_specs_error_format_and_files_nothing()
    {
        var (county, _) = await SetUpAsync();
        var (keyId, key) = await IntakeAccessTests.IssueKeyAsync(Intake, "revoked-" + county.District);
        var id = (await JsonAsync(await PostFormAsync("json", Form(key, county))))[0].GetProperty("service_request_id").GetString()!;
        Assert.Equal(HttpStatusCode.NoContent, (await Intake.SendAsync(HttpMethod.Delete, $"/api/v1/api-keys/{keyId}", role: "admin")).StatusCode);

        var post = await PostFormAsync("xml", Form(key, county, "另一户反映楼下夜里施工噪音"));
        var read = await ReadAsync($"/open311/v2/requests/{id}.json", key);

        Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
        var error = (await XmlAsync(post)).Element("error")!;
        Assert.Equal("403", error.Element("code")!.Value);
        Assert.Contains("api_key", error.Element("description")!.Value);
        Assert.Equal(HttpStatusCode.Forbidden, read.StatusCode);
        AssertErrors(await JsonAsync(read), 403, "api_key");
        Assert.Equal(1, await FiledInAsync(county));
    }

    [Theory]
    [InlineData("api_key", "", 403, "api_key")]
    [InlineData("jurisdiction_id", "elsewhere", 404, "jurisdiction_id")]
    [InlineData("service_code", "no_such_service", 400, "service_code")]
    [InlineData("phone", "12345", 400, "phone")]
    [InlineData("lat", "north", 400, "lat")]
    [InlineData("lat", "95", 400, "lat")]
    [InlineData("long", "-180.5", 400, "long")]
    [InlineData("address_id", "NOWHERE-B01", 400, "address_id")]
    [InlineData("description", "楼下\u0001噪音", 400, "description")]
    [InlineData("address_string", "锦园路\u000718号", 400, "address_string")]
    [InlineData("first_name", "小\u001b明", 400, "first_name")]
    [InlineData("media_url", "ftp://files.example.cn/1.jpg", 400, "media_url")]
    [InlineData("colour", "red", 400, "colour")]
    public async Task Bad_posts_get_the_specs_error_format_and_store_nothing(string field, string value, int code, string mentioned)
    {
        var (county, key) = await SetUpAsync();
        var fields = Form(key, county).Where(f => f.Key != field).ToList();
        if (value.Length > 0) fields.Add(new(field, value));

        var response = await PostFormAsync("json", fields);

        Assert.Equal(code, (int)response.StatusCode);
        AssertErrors(await JsonAsync(response), code, mentioned);
        Assert.Equal(0, await _stack.ScalarAsync<long>("intake", "SELECT count(*) FROM requests WHERE location_path[1] = @District", new { county.District }));
    }

    [Fact]
    public async Task A_post_that_is_not_form_data_gets_a_400_error()
    {
        var response = await Intake.PostAsync("/open311/v2/requests.json", new StringContent("{\"service_code\":\"noise\"}", System.Text.Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        AssertErrors(await JsonAsync(response), 400, "x-www-form-urlencoded");
    }

    [Fact]
    public async Task Over_long_descriptions_and_invalid_utf8_are_refused_naming_the_field_and_store_nothing()
    {
        var (county, key) = await SetUpAsync();
        var withoutDescription = Form(key, county).Where(f => f.Key != "description").ToList();
        // A byte that is not UTF-8 once percent-decoded (%FF), and a lone lead byte sent raw.
        var encoded = await new FormUrlEncodedContent(withoutDescription).ReadAsStringAsync(Ct);
        HttpContent Raw(byte[] tail)
        {
            var content = new ByteArrayContent([.. System.Text.Encoding.ASCII.GetBytes(encoded + "&description="), .. tail]);
            content.Headers.ContentType = new("application/x-www-form-urlencoded");
            return content;
        }

        var tooLong = await PostFormAsync("json", Form(key, county, new string('吵', 4001)));
        var percentFf = await Intake.PostAsync("/open311/v2/requests.json", Raw("%E5%99%AA%FF"u8.ToArray()), Ct);
        var rawByte = await Intake.PostAsync("/open311/v2/requests.xml", Raw([0xE5, 0x99, 0x20]), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        AssertErrors(await JsonAsync(tooLong), 400, "description: At most 4000 characters");
        Assert.Equal(HttpStatusCode.BadRequest, percentFf.StatusCode);
        AssertErrors(await JsonAsync(percentFf), 400, "description: not valid UTF-8");
        Assert.Equal(HttpStatusCode.BadRequest, rawByte.StatusCode);
        Assert.Contains("not valid UTF-8", (await XmlAsync(rawByte)).Element("error")!.Element("description")!.Value);
        Assert.Equal(0, await FiledInAsync(county));
    }

    /// <summary>Why Open311 reads its form itself: the framework's reader would have stored the broken byte as U+FFFD.</summary>
    [Fact]
    public async Task AspNets_own_form_reader_would_store_invalid_utf8_as_text_the_client_never_sent()
    {
        static Task<Dictionary<string, Microsoft.Extensions.Primitives.StringValues>> Read(byte[] body) =>
            new Microsoft.AspNetCore.WebUtilities.FormPipeReader(System.IO.Pipelines.PipeReader.Create(new MemoryStream(body)))
                .ReadFormAsync(TestContext.Current.CancellationToken);

        var percent = await Read("description=%E5%99%AA%FF"u8.ToArray());
        var raw = await Read([.. "description="u8.ToArray(), 0xE5, 0x99, 0x20]);

        // The undecodable escape is kept as the three characters "%FF"; a raw broken byte becomes U+FFFD.
        Assert.Equal("噪%FF", percent["description"].ToString());
        Assert.Contains('\uFFFD', raw["description"].ToString());
    }

    [Fact]
    public async Task A_post_without_a_description_is_filed_with_one_made_of_the_service_the_place_and_the_answers()
    {
        var (county, key) = await SetUpAsync();
        var fields = Form(key, county, service: "thrown_objects", extra: [("attribute[floor]", "12"), ("attribute[injured]", "yes")])
            .Where(f => f.Key != "description").ToList();

        var posted = await PostFormAsync("json", fields);

        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        var id = (await JsonAsync(posted))[0].GetProperty("service_request_id").GetString()!;
        var stored = await _stack.ScalarAsync<string>("intake", "SELECT description FROM requests WHERE ticket_no = @id", new { id });
        Assert.Equal("高空抛物（来件未附描述）；地址：锦园路18号；从几楼抛下（估计）：12；是否有人受伤：有", stored);
        Assert.Equal(stored, (await JsonAsync(await ReadAsync($"/open311/v2/requests/{id}.json", key)))[0].GetProperty("description").GetString());
    }

    [Fact]
    public async Task A_client_retrying_without_an_idempotency_key_gets_the_same_request_id_and_files_once()
    {
        var (county, key) = await SetUpAsync();

        // Without coordinates: other tests' noise reports share the form's point, and this one must be an original.
        List<KeyValuePair<string, string>> Fields(string description = "楼下烧烤店油烟和噪音很大，每晚到凌晨") =>
            Form(key, county, description).Where(f => f.Key is not ("lat" or "long")).ToList();
        var first = await PostFormAsync("json", Fields());
        // The same form again, its fields in another order, answered in the other format.
        var reordered = Fields();
        reordered.Reverse();
        var retry = await PostFormAsync("xml", reordered);
        var other = await PostFormAsync("json", Fields("楼下烧烤店的油烟熏得窗户都黑了"));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        var id = (await JsonAsync(first))[0].GetProperty("service_request_id").GetString()!;
        Assert.Equal(id, (await XmlAsync(retry)).Element("request")!.Element("service_request_id")!.Value);
        Assert.True(retry.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(HttpStatusCode.Created, other.StatusCode);
        Assert.NotEqual(id, (await JsonAsync(other))[0].GetProperty("service_request_id").GetString());
        Assert.Equal(2, await FiledInAsync(county));
        Assert.Equal(1, await _stack.ScalarAsync<long>("intake",
            "SELECT count(*) FROM outbox_messages WHERE message_type LIKE '%RequestSubmitted' AND body->>'ticketNo' = @id", new { id }));
    }

    [Fact]
    public async Task Concurrent_retries_without_an_idempotency_key_all_get_the_one_request()
    {
        var (county, key) = await SetUpAsync();
        var fields = Form(key, county).Where(f => f.Key is not ("lat" or "long")).ToList();

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => PostFormAsync("json", fields)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var ids = await Task.WhenAll(responses.Select(async r => (await JsonAsync(r))[0].GetProperty("service_request_id").GetString()));
        Assert.Single(ids.Distinct());
        Assert.Equal(1, await FiledInAsync(county));
    }

    [Fact]
    public async Task A_repeat_of_the_same_form_after_the_retry_window_is_a_new_request()
    {
        var (county, key) = await SetUpAsync();
        var id = (await JsonAsync(await PostFormAsync("json", Form(key, county))))[0].GetProperty("service_request_id").GetString()!;
        // As if the first post were 25 hours old (the window is 24 h by default).
        await using (var conn = await _stack.OpenAsync("intake"))
            await Dapper.SqlMapper.ExecuteAsync(conn, """
                UPDATE idempotency_keys SET created_at = created_at - interval '25 hours'
                WHERE key LIKE 'open311-form:%' AND response_body::jsonb->>'ticketNo' = @id
                """, new { id });

        var again = await PostFormAsync("json", Form(key, county));

        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.NotEqual(id, (await JsonAsync(again))[0].GetProperty("service_request_id").GetString());
        Assert.Equal(2, await FiledInAsync(county));
    }

    [Fact]
    public async Task The_same_idempotency_key_with_a_different_form_gets_422_in_the_specs_error_format()
    {
        var (county, key) = await SetUpAsync();
        var retryKey = Guid.NewGuid().ToString();
        Assert.Equal(HttpStatusCode.Created, (await PostFormAsync("json", Form(key, county), retryKey)).StatusCode);

        var json = await PostFormAsync("json", Form(key, county, "另一件事：楼道灯坏了", "street_light"), retryKey);
        var xml = await PostFormAsync("xml", Form(key, county, "另一件事：楼道灯坏了", "street_light"), retryKey);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, json.StatusCode);
        AssertErrors(await JsonAsync(json), 422, "Idempotency-Key");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, xml.StatusCode);
        Assert.Equal("422", (await XmlAsync(xml)).Element("error")!.Element("code")!.Value);
        Assert.Equal(1, await FiledInAsync(county));
    }

    [Fact]
    public async Task A_client_retrying_with_its_idempotency_key_gets_the_same_request_id()
    {
        var (county, key) = await SetUpAsync();
        var retryKey = Guid.NewGuid().ToString();

        var first = await JsonAsync(await PostFormAsync("json", Form(key, county), retryKey));
        var retry = await JsonAsync(await PostFormAsync("json", Form(key, county), retryKey));

        Assert.Equal(first[0].GetProperty("service_request_id").GetString(), retry[0].GetProperty("service_request_id").GetString());
        Assert.Equal(1, await _stack.ScalarAsync<long>("intake", "SELECT count(*) FROM requests WHERE location_path[1] = @District", new { county.District }));
    }

    /// <summary>
    /// Publishes, as dispatch's import will, the test county's grids with places: the first grid surveyed
    /// (a square about 440 m across around a spot of this test's own), the second with only a centre 1 km east.
    /// </summary>
    private async Task<(double Lat, double Lon)> PlaceGridsAsync(TestCounty county)
    {
        // Other tests share the grid copy, so each test places its grids somewhere nobody else does.
        var (lat, lon) = (20 + Random.Shared.NextDouble() * 20, 75 + Random.Shared.NextDouble() * 20);
        const double half = 0.002;
        string[] Path(string code) => [county.District, $"{county.District}-01", county.Community, $"{county.Community}-C01", code];
        var grid = new GridNode(county.Grid, $"{county.Community}-C01", "grid", "第一网格", Path(county.Grid), new GeoPoint(lat, lon),
            [new(lat - half, lon - half), new(lat - half, lon + half), new(lat + half, lon + half), new(lat + half, lon - half)]);
        var empty = new GridNode(county.EmptyGrid, $"{county.Community}-C01", "grid", "第二网格", Path(county.EmptyGrid), new GeoPoint(lat, lon + 0.01));
        await RequestTimelineTests.PublishAsync(_stack, new GridNodesChanged([grid, empty], DateTimeOffset.UtcNow));
        await Eventually.True(async () => await _stack.ScalarAsync<long>("intake",
            "SELECT count(*) FROM grid_copy WHERE code = ANY(@codes) AND centre_lat IS NOT NULL", new { codes = new[] { county.Grid, county.EmptyGrid } }) == 2,
            "the grids' places in intake's copy");
        return (lat, lon);
    }

    private static List<KeyValuePair<string, string>> PointForm(string key, double lat, double lon, string description = "路口的路灯整晚不亮", params (string, string)[] extra) =>
    [
        new("api_key", key), new("service_code", "street_light"), new("description", description),
        new("lat", lat.ToString("R", System.Globalization.CultureInfo.InvariantCulture)), new("long", lon.ToString("R", System.Globalization.CultureInfo.InvariantCulture)),
        new("address_string", "锦园路与湄江路交叉口"),
        .. extra.Select(e => new KeyValuePair<string, string>(e.Item1, e.Item2)),
    ];

    private Task<(string LocationCode, string[] LocationPath, double Latitude)> StoredPlaceAsync(string ticket) =>
        _stack.QueryAsync<(string, string[], double)>("intake", "SELECT location_code, location_path, latitude FROM requests WHERE ticket_no = @ticket", new { ticket })
            .ContinueWith(t => t.Result.Single());

    [Fact]
    public async Task A_post_with_only_lat_and_long_inside_a_surveyed_grid_is_filed_under_that_grid()
    {
        var (county, key) = await SetUpAsync();
        var (lat, lon) = await PlaceGridsAsync(county);

        var posted = await PostFormAsync("json", PointForm(key, lat + 0.001, lon - 0.0015));

        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        var id = (await JsonAsync(posted))[0].GetProperty("service_request_id").GetString()!;
        var (code, path, storedLat) = await StoredPlaceAsync(id);
        Assert.Equal(county.Grid, code);
        Assert.Equal([county.District, $"{county.District}-01", county.Community, $"{county.Community}-C01", county.Grid], path);
        Assert.Equal(lat + 0.001, storedLat, 9);
        var read = (await JsonAsync(await ReadAsync($"/open311/v2/requests/{id}.json", key)))[0];
        Assert.Equal(county.Grid, read.GetProperty("address_id").GetString());
        Assert.Equal("锦园路与湄江路交叉口", read.GetProperty("address").GetString());
        // Dispatch gets it as work for that grid.
        await Eventually.True(async () => await _stack.ScalarAsync<long>("dispatch",
            "SELECT count(*) FROM work_orders WHERE location_code = @Grid", new { county.Grid }) == 1, "dispatch's work order for the grid");
    }

    [Fact]
    public async Task A_point_outside_every_boundary_goes_to_the_grid_whose_centre_is_within_500_m_and_answers_in_xml()
    {
        var (county, key) = await SetUpAsync();
        var (lat, lon) = await PlaceGridsAsync(county);

        // About 200 m from the second grid's centre, well outside the first grid's boundary.
        var posted = await PostFormAsync("xml", PointForm(key, lat + 0.0015, lon + 0.01, "这里的路灯杆被撞歪了，灯也不亮"));

        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        var id = (await XmlAsync(posted)).Element("request")!.Element("service_request_id")!.Value;
        Assert.Equal(county.EmptyGrid, (await StoredPlaceAsync(id)).LocationCode);
    }

    [Fact]
    public async Task A_point_outside_every_known_grid_gets_a_400_saying_so_and_stores_nothing()
    {
        var (county, key) = await SetUpAsync();
        var (lat, lon) = await PlaceGridsAsync(county);

        var json = await PostFormAsync("json", PointForm(key, lat + 0.05, lon));
        var xml = await PostFormAsync("xml", PointForm(key, lat + 0.05, lon));
        var addressOnly = await PostFormAsync("json", PointForm(key, lat, lon).Where(f => f.Key is not ("lat" or "long")).ToList());

        Assert.Equal(HttpStatusCode.BadRequest, json.StatusCode);
        AssertErrors(await JsonAsync(json), 400, "outside every known grid");
        Assert.Equal(HttpStatusCode.BadRequest, xml.StatusCode);
        Assert.Contains("outside every known grid", (await XmlAsync(xml)).Element("error")!.Element("description")!.Value);
        Assert.Equal(HttpStatusCode.BadRequest, addressOnly.StatusCode);
        AssertErrors(await JsonAsync(addressOnly), 400, "address_id");
        Assert.Equal(0, await _stack.ScalarAsync<long>("intake", "SELECT count(*) FROM requests WHERE location_path[1] = @District", new { county.District }));
    }

    [Fact]
    public async Task The_json_api_also_places_a_request_given_only_coordinates()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var (lat, lon) = await PlaceGridsAsync(county);

        var inside = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", new
        {
            channel = "grid_patrol", category = "street_light", description = "巡查发现路灯不亮", location = new { latitude = lat, longitude = lon },
        });
        var outside = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", new
        {
            channel = "grid_patrol", category = "street_light", description = "巡查发现路灯不亮", location = new { latitude = lat - 0.05, longitude = lon },
        });

        Assert.Equal(HttpStatusCode.Created, inside.StatusCode);
        var created = await inside.JsonAsync();
        Assert.Equal(county.Grid, created.GetProperty("locationCode").GetString());
        Assert.Equal(county.Grid, (await StoredPlaceAsync(created.GetProperty("ticketNo").GetString()!)).LocationCode);
        Assert.Equal(HttpStatusCode.BadRequest, outside.StatusCode);
        Assert.Contains("outside every known grid", (await outside.JsonAsync()).GetProperty("errors").GetProperty("location")[0].GetString());
    }

    [Fact]
    public async Task Attribute_answers_are_checked_stored_and_shown_on_the_requests_detail()
    {
        var (county, key) = await SetUpAsync();

        var posted = await PostFormAsync("json", Form(key, county, "楼上有人往下扔花盆，差点砸到人", "thrown_objects",
            ("attribute[floor]", "12"), ("attribute[injured]", "no")));
        var badList = await PostFormAsync("json", Form(key, county, "楼上有人往下扔酒瓶", "thrown_objects", ("attribute[injured]", "maybe")));
        var badNumber = await PostFormAsync("xml", Form(key, county, "楼上有人往下扔酒瓶", "thrown_objects", ("attribute[floor]", "十二楼")));
        var unknown = await PostFormAsync("json", Form(key, county, "楼上有人往下扔酒瓶", "thrown_objects", ("attribute[colour]", "red")));

        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        var ticket = (await JsonAsync(posted))[0].GetProperty("service_request_id").GetString()!;
        var id = await _stack.ScalarAsync<Guid>("intake", "SELECT id FROM requests WHERE ticket_no = @ticket", new { ticket });
        var detail = await (await Intake.SendAsync(HttpMethod.Get, $"/api/v1/requests/{id}")).JsonAsync();
        Assert.Equal(12, detail.GetProperty("attributes").GetProperty("floor").GetDouble());
        Assert.Equal("no", detail.GetProperty("attributes").GetProperty("injured").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, badList.StatusCode);
        AssertErrors(await JsonAsync(badList), 400, "attribute[injured]");
        Assert.Equal(HttpStatusCode.BadRequest, badNumber.StatusCode);
        Assert.Contains("attribute[floor]", (await XmlAsync(badNumber)).Element("error")!.Element("description")!.Value);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        AssertErrors(await JsonAsync(unknown), 400, "attribute[colour]");
        Assert.Equal(1, await _stack.ScalarAsync<long>("intake", "SELECT count(*) FROM requests WHERE location_path[1] = @District", new { county.District }));
    }
}
