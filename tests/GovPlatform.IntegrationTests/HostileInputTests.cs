using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.IntegrationTests.Infrastructure;
using GovPlatform.ServiceDefaults;

namespace GovPlatform.IntegrationTests;

/// <summary>
/// Hostile input, generated from each service's own OpenAPI document: for every operation, every path and query
/// parameter and every body field gets each hostile class (NUL, C0 and C1 control characters, a lone surrogate, a
/// noncharacter, oversized text, the wrong JSON type, extreme dates and numbers, a null list element), and every body
/// loses a required field and gains an unknown one. Each answer must be a 4xx with a problem body (the spec's error
/// format under /open311), never a 5xx; no table of any service gains or loses a row; and valid requests right after work.
/// </summary>
public sealed class HostileInputTests(HostileInputTests.Platform platform) : IClassFixture<HostileInputTests.Platform>
{
    /// <summary>A stack of its own: the row counts must see only what this class sends (its tests run one after another).</summary>
    public sealed class Platform : IAsyncLifetime
    {
        public TestStack Stack { get; private set; } = null!;
        public TestCounty County { get; } = new();
        public string Token { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            Stack = await TestStack.CreateAsync();
            Stack.StartAll();
            await Stack.ImportAsync(County);
            // Every role, so requests get past authorization and reach validation.
            Token = PlatformTokens.Issue(TestServers.AuthOptions, Guid.NewGuid().ToString(), "测试管理员",
                [Roles.Admin, Roles.DeskOperator, Roles.Leader, Roles.Organiser, Roles.CommunityCadre, Roles.SubdistrictOfficer,
                 Roles.GridLeader, Roles.GridWorker, Roles.Department, Roles.Volunteer],
                County.District, Departments.CityManagement);
        }

        public ValueTask DisposeAsync() => Stack.DisposeAsync();
    }

    private readonly TestStack _stack = platform.Stack;
    private readonly TestCounty _county = platform.County;
    private readonly string _token = platform.Token;
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record Operation(string Service, string Method, string Path, JsonObject Spec);
    private sealed record Case(string Service, string Method, string Url, string? Body, string? ContentType, string Label);
    private sealed record Outcome(Case Case, int Status, string? MediaType, string Text);

    /// <summary>A JSON string literal standing in for the hostile value, replaced in the serialized body.</summary>
    private const string Placeholder = "__HOSTILE__";

    private static readonly (string Label, string Json)[] HostileStrings =
    [
        ("NUL", "\"a\\u0000b\""), ("C0 ESC", "\"a\\u001bb\""), ("C0 BEL", "\"a\\u0007b\""), ("C1 NEL", "\"a\\u0085b\""),
        ("lone surrogate", "\"a\\ud800b\""), ("noncharacter U+FFFF", "\"a\\uffffb\""), ("noncharacter U+FDD0", "\"a\\ufdd0b\""),
        ("oversized", "\"" + new string('长', 100_000) + "\""), ("wrong type", "{\"x\":1}"),
    ];

    private static readonly (string Label, string Json)[] HostileNumbers =
    [
        ("long.MinValue", "-9223372036854775808"), ("huge", "1e308"), ("wrong type", "\"abc\""),
    ];

    private static readonly (string Label, string Json)[] HostileDates =
    [
        ("0001-01-01", "\"0001-01-01T00:00:00Z\""), ("9999-12-31", "\"9999-12-31T23:59:59Z\""), ("NUL", "\"2026-12-01\\u0000\""), ("wrong type", "12"),
    ];

    private static readonly (string Label, string Raw)[] HostileQueryValues =
    [
        ("NUL", "a%00b"), ("C0 ESC", "a%1Bb"), ("C1 NEL", "a%C2%85b"), ("encoded surrogate", "a%ED%A0%80b"), ("invalid UTF-8", "a%FFb"),
        ("noncharacter U+FFFF", "a%EF%BF%BFb"), ("oversized", new string('a', 12_000)),
    ];

    private static readonly (string Label, string Raw)[] HostilePathValues =
    [
        ("NUL", "a%00b"), ("C0 ESC", "a%1Bb"), ("C1 NEL", "a%C2%85b"), ("noncharacter U+FFFF", "a%EF%BF%BFb"), ("oversized", new string('a', 9_000)),
    ];

    [Fact]
    public async Task Every_operation_refuses_every_hostile_input_with_a_4xx_problem_stores_nothing_and_keeps_serving()
    {
        var operations = new List<Operation>();
        var documents = new Dictionary<string, JsonObject>();
        foreach (var service in TestStack.Services)
        {
            var doc = (JsonObject)JsonNode.Parse(await _stack.Client(service).GetStringAsync("/openapi/v1.json", Ct))!;
            documents[service] = doc;
            foreach (var (path, item) in doc["paths"]!.AsObject())
                foreach (var (method, op) in item!.AsObject())
                    if (method is "get" or "post" or "put" or "patch" or "delete")
                        operations.Add(new Operation(service, method.ToUpperInvariant(), path, op!.AsObject()));
        }
        var cases = operations.SelectMany(o => CasesFor(o, documents[o.Service])).ToList();
        var before = await SettledRowCountsAsync();

        var outcomes = new ConcurrentBag<Outcome>();
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct }, async (c, ct) =>
        {
            using var request = new HttpRequestMessage(new HttpMethod(c.Method), c.Url);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
            if (c.Body is not null) request.Content = new StringContent(c.Body, new MediaTypeHeaderValue(c.ContentType!) { CharSet = "utf-8" });
            using var response = await _stack.Client(c.Service).SendAsync(request, ct);
            outcomes.Add(new Outcome(c, (int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync(ct)));
        });
        var after = await RowCountsAsync();

        var serverErrors = outcomes.Where(o => o.Status >= 500).ToList();
        var accepted = outcomes.Where(o => o.Status < 400).ToList();
        // Kestrel itself refuses a %00 in the path with a bare 400 before any middleware runs (see docs/intake.md); counted apart.
        var kestrel = outcomes.Where(o => o.Status == 400 && o.Text.Length == 0 && o.Case.Label.EndsWith(": NUL", StringComparison.Ordinal)
            && o.Case.Url.Split('?')[0].Contains("%00", StringComparison.Ordinal)).ToList();
        var bare = outcomes.Where(o => o.Status is >= 400 and < 500 && !IsProblem(o)).Except(kestrel).ToList();
        var changed = before.Keys.Union(after.Keys).Where(t => before.GetValueOrDefault(t) != after.GetValueOrDefault(t))
            .Select(t => $"{t}: {before.GetValueOrDefault(t)} → {after.GetValueOrDefault(t)}").ToList();
        var output = TestContext.Current.TestOutputHelper!;
        output.WriteLine($"{operations.Count} operations in {TestStack.Services.Length} OpenAPI documents; {cases.Count} hostile requests; " +
            $"{serverErrors.Count} answered 5xx, {accepted.Count} accepted, {bare.Count} 4xx without a problem body " +
            $"(besides {kestrel.Count} NUL-in-path refused by Kestrel itself); {changed.Count} tables changed.");
        foreach (var o in serverErrors.Concat(accepted).Concat(bare).Take(60))
            output.WriteLine($"{o.Status} {o.Case.Service} {o.Case.Method} {o.Case.Url[..Math.Min(120, o.Case.Url.Length)]} [{o.Case.Label}] {o.Text[..Math.Min(160, o.Text.Length)]}");
        foreach (var c in changed) output.WriteLine($"changed: {c}");

        await Valid_requests_still_succeed_on_every_service();
        Assert.True(operations.Count >= 100, $"only {operations.Count} operations found in the OpenAPI documents");
        Assert.Empty(serverErrors.Select(Describe));
        Assert.Empty(accepted.Select(Describe));
        Assert.Empty(bare.Select(Describe));
        Assert.Empty(changed);
    }

    private static string Describe(Outcome o) => $"{o.Status} {o.Case.Service} {o.Case.Method} {o.Case.Url[..Math.Min(100, o.Case.Url.Length)]} [{o.Case.Label}]";

    /// <summary>A ProblemDetails, or the spec's error list under /open311.</summary>
    private static bool IsProblem(Outcome o)
    {
        if (o.Case.Url.StartsWith("/open311", StringComparison.Ordinal))
            return o.MediaType is "application/json" && o.Text.Contains("\"description\"", StringComparison.Ordinal)
                || o.MediaType is "text/xml" && o.Text.Contains("<errors>", StringComparison.Ordinal);
        if (o.MediaType != "application/problem+json") return false;
        using var doc = JsonDocument.Parse(o.Text);
        return doc.RootElement.TryGetProperty("status", out var status) && status.GetInt32() == o.Status;
    }

    private async Task Valid_requests_still_succeed_on_every_service()
    {
        async Task Ok(string service, HttpMethod method, string url, object? body = null)
        {
            using var request = new HttpRequestMessage(method, url) { Content = body is null ? null : System.Net.Http.Json.JsonContent.Create(body) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
            using var response = await _stack.Client(service).SendAsync(request, Ct);
            Assert.True(response.IsSuccessStatusCode, $"{service} {method} {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        }
        await Ok("intake", HttpMethod.Post, "/api/v1/requests", new
        {
            channel = "hotline", category = "parking", description = "1号楼门口车辆乱停", location = new { code = _county.Building },
        });
        await Ok("intake", HttpMethod.Get, "/api/v1/requests?pageSize=5");
        await Ok("dispatch", HttpMethod.Get, $"/api/v1/grid/nodes/{_county.Building}");
        await Ok("volunteer", HttpMethod.Get, "/api/v1/activities");
        await Ok("reporting", HttpMethod.Get, $"/api/v1/stats/requests-by-grid?under={_county.District}");
    }

    [Theory]
    [InlineData("intake", "/api/v1/requests?q=a%00b")]
    [InlineData("dispatch", "/api/v1/work-orders?status=a%00b")]
    [InlineData("volunteer", "/api/v1/activities?gridCode=a%00b")]
    [InlineData("reporting", "/api/v1/stats/requests-by-grid?under=a%00b")]
    public async Task A_nul_attempt_is_refused_and_the_next_valid_request_on_the_same_service_succeeds(string service, string hostile)
    {
        for (var round = 0; round < 3; round++)
        {
            using var refused = new HttpRequestMessage(HttpMethod.Get, hostile);
            refused.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
            using var answer = await _stack.Client(service).SendAsync(refused, Ct);
            Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
            Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
            await Valid_requests_still_succeed_on_every_service();
        }
    }

    [Theory]
    [InlineData("reporting", "/api/v1/kpis?from=0001-01-01&to=0001-01-02")]
    [InlineData("reporting", "/api/v1/kpis?from=9999-12-30&to=9999-12-31")]
    [InlineData("reporting", "/api/v1/stats/requests-by-grid?under=x&from=9999-12-31")]
    [InlineData("intake", "/open311/v2/requests.json?start_date=9999-12-31T00:00:00Z")]
    [InlineData("intake", "/open311/v2/requests.json?end_date=0001-01-01T00:00:00Z")]
    public async Task Dates_at_the_calendars_ends_are_a_400_not_an_overflow(string service, string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        using var response = await _stack.Client(service).SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("1900-01-01", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task A_points_correction_of_long_min_value_is_a_400_not_an_overflow()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/points/corrections")
        {
            Content = new StringContent($$"""{"volunteerId":"{{Guid.NewGuid()}}","points":-9223372036854775808,"reason":"纠正"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        using var response = await _stack.Client("volunteer").SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty("points", out _));
    }

    [Fact]
    public async Task A_json_body_with_a_nul_names_the_field_in_a_400_problem()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/requests")
        {
            Content = new StringContent("""{"channel":"hotline","category":"drainage","description":"ok","location":{"code":"BUILDING"},"reporter":{"name":"王\u0000五","phone":"13812341234"}}""".Replace("BUILDING", _county.Building),
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        using var response = await _stack.Client("intake").SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.JsonAsync();
        Assert.True(problem.GetProperty("errors").TryGetProperty("reporter.name", out _), problem.ToString());
    }

    [Fact]
    public async Task A_grid_csv_with_control_characters_or_invalid_utf8_is_refused_naming_the_line_and_stores_nothing()
    {
        var district = "T" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var header = "code,parent_code,level,name\n"u8.ToArray();
        var withEsc = Encoding.UTF8.GetBytes($"{district},,district,测试\u001b县\n");
        var invalid = Encoding.UTF8.GetBytes($"{district},,district,测试").Concat(new byte[] { 0xFF, 0x0A }).ToArray();
        foreach (var body in new[] { withEsc, invalid })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/grid/import") { Content = new ByteArrayContent([.. header, .. body]) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("text/csv") { CharSet = "utf-8" };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
            using var response = await _stack.Client("dispatch").SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty("rows[2]", out _));
        }
        Assert.Equal(0, await _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM grid_nodes WHERE code = @district", new { district }));
    }

    [Fact]
    public async Task A_nul_in_a_path_is_refused_by_kestrel_itself_and_the_service_keeps_serving()
    {
        using var refused = new HttpRequestMessage(HttpMethod.Get, "/api/v1/grid/nodes/a%00b");
        refused.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        using var answer = await _stack.Client("dispatch").SendAsync(refused, Ct);

        // Kestrel rejects the request line before any middleware: a 400 whose empty body the platform cannot change.
        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        await Valid_requests_still_succeed_on_every_service();
    }

    [Fact]
    public async Task The_platforms_own_414_and_431_answers_are_problems()
    {
        using var longRequest = new HttpRequestMessage(HttpMethod.Get, "/api/v1/requests?q=" + new string('a', 10_000));
        longRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        using var longLine = await _stack.Client("intake").SendAsync(longRequest, Ct);
        Assert.Equal(HttpStatusCode.RequestUriTooLong, longLine.StatusCode);
        Assert.Equal("application/problem+json", longLine.Content.Headers.ContentType?.MediaType);
        using var bigHeaders = new HttpRequestMessage(HttpMethod.Get, "/api/v1/requests");
        bigHeaders.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        for (var i = 0; i < 5; i++) bigHeaders.Headers.Add($"X-Filler-{i}", new string('h', 8_000));
        using var headers = await _stack.Client("intake").SendAsync(bigHeaders, Ct);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, headers.StatusCode);
        Assert.Equal("application/problem+json", headers.Content.Headers.ContentType?.MediaType);
    }

    private IEnumerable<Case> CasesFor(Operation op, JsonObject doc)
    {
        var parameters = (op.Spec["parameters"] as JsonArray ?? []).OfType<JsonObject>().Select(p => Resolve(p, doc)!).ToList();
        var baseline = parameters.ToDictionary(p => (string)p["name"]!, p => SampleScalar(Resolve(p["schema"] as JsonObject, doc), (string)p["name"]!));
        string Url(string? name, string? raw)
        {
            var path = op.Path;
            var query = new List<string>();
            foreach (var p in parameters)
            {
                var n = (string)p["name"]!;
                var value = n == name ? raw! : Uri.EscapeDataString(baseline[n]);
                if ((string?)p["in"] == "path") path = path.Replace("{" + n + "}", value, StringComparison.Ordinal);
                else if ((string?)p["in"] == "query" && (n == name || p["required"]?.GetValue<bool>() == true)) query.Add($"{n}={value}");
            }
            return query.Count == 0 ? path : $"{path}?{string.Join('&', query)}";
        }
        var content = op.Spec["requestBody"]?["content"] as JsonObject;
        var jsonSchema = Resolve(content?["application/json"]?["schema"] as JsonObject, doc);
        var sample = jsonSchema is null ? null : Sample(jsonSchema, doc, 0);
        var body = sample?.ToJsonString();
        var contentType = body is null ? null : "application/json";

        foreach (var p in parameters)
        {
            var name = (string)p["name"]!;
            var inPath = (string?)p["in"] == "path";
            var schema = Resolve(p["schema"] as JsonObject, doc);
            foreach (var (label, raw) in inPath ? HostilePathValues : HostileQueryValues)
                yield return new Case(op.Service, op.Method, Url(name, raw), body, contentType, $"{name}: {label}");
            if (TypeOf(schema) is "integer" or "number")
            {
                yield return new Case(op.Service, op.Method, Url(name, "abc"), body, contentType, $"{name}: wrong type");
                yield return new Case(op.Service, op.Method, Url(name, "-9223372036854775809"), body, contentType, $"{name}: beyond long");
            }
            if ((string?)schema?["format"] is "date" or "date-time")
                foreach (var extreme in new[] { "0001-01-01", "9999-12-31" })
                    yield return new Case(op.Service, op.Method, Url(name, extreme), body, contentType, $"{name}: {extreme}");
        }
        if (sample is not null)
        {
            var url = Url(null, null);
            foreach (var (path, schema) in Leaves(sample, jsonSchema!, doc, []))
            {
                var kind = (string?)schema["format"] is "date" or "date-time" ? HostileDates
                    : TypeOf(schema) is "integer" or "number" ? HostileNumbers
                    : TypeOf(schema) is "string" ? HostileStrings
                    : TypeOf(schema) is "array" ? [("null element", "[null]"), ("wrong type", "\"abc\"")]
                    : [];
                foreach (var (label, json) in kind)
                    yield return new Case(op.Service, op.Method, url, With(sample, path, json), contentType, $"{string.Join('.', path)}: {label}");
            }
            if (sample is JsonObject root)
            {
                var unknown = (JsonObject)root.DeepClone();
                unknown["zzUnknownField"] = 1;
                yield return new Case(op.Service, op.Method, url, unknown.ToJsonString(), contentType, "unknown field");
                var required = (Resolve(jsonSchema, doc)?["required"] as JsonArray)?.Select(r => (string)r!).FirstOrDefault();
                if (required is not null)
                {
                    var missing = (JsonObject)root.DeepClone();
                    missing.Remove(required);
                    yield return new Case(op.Service, op.Method, url, missing.ToJsonString(), contentType, $"{required}: missing");
                }
            }
        }
        if (content?.ContainsKey("text/csv") == true)
            foreach (var (label, json) in HostileStrings.Take(7))
                yield return new Case(op.Service, op.Method, Url(null, null),
                    $"code,parent_code,level,name\nTCSV,,district,{JsonSerializer.Deserialize<string>(json.Replace("\\ud800", "\\ufffe"))}\n", "text/csv", $"csv: {label}");
    }

    private static string With(JsonNode sample, IReadOnlyList<object> path, string json)
    {
        var copy = sample.DeepClone();
        JsonNode parent = copy;
        for (var i = 0; i < path.Count - 1; i++) parent = path[i] is string k ? parent[k]! : parent[(int)path[i]]!;
        if (path[^1] is string key) parent[key] = Placeholder; else parent[(int)path[^1]] = Placeholder;
        return copy.ToJsonString().Replace($"\"{Placeholder}\"", json, StringComparison.Ordinal);
    }

    /// <summary>Every field of the sample body, to three levels: objects are walked, everything else is a field to attack.</summary>
    private static IEnumerable<(IReadOnlyList<object> Path, JsonObject Schema)> Leaves(JsonNode node, JsonObject schema, JsonObject doc, List<object> path)
    {
        schema = Resolve(schema, doc)!;
        if (node is JsonObject obj && path.Count < 3)
        {
            var properties = schema["properties"] as JsonObject;
            foreach (var (name, value) in obj.ToList())
                if (value is not null && Resolve(properties?[name] as JsonObject, doc) is { } s)
                    foreach (var leaf in Leaves(value, s, doc, [.. path, name])) yield return leaf;
        }
        else if (path.Count > 0)
        {
            yield return (path, schema);
            if (node is JsonArray { Count: > 0 } array && array[0] is JsonObject && Resolve(schema["items"] as JsonObject, doc) is { } items && path.Count < 3)
                foreach (var leaf in Leaves(array[0]!, items, doc, [.. path, 0])) yield return leaf;
        }
    }

    private static string? TypeOf(JsonObject? schema) => schema?["type"] switch
    {
        JsonValue v => (string?)v,
        JsonArray a => a.Select(t => (string?)t).FirstOrDefault(t => t != "null"),
        _ => schema?["anyOf"] is JsonArray or JsonObject ? null : null,
    };

    private static JsonObject? Resolve(JsonObject? schema, JsonObject doc)
    {
        for (var i = 0; i < 10 && schema?["$ref"] is JsonValue r; i++)
        {
            var parts = ((string)r!).TrimStart('#', '/').Split('/');
            JsonNode? target = doc;
            foreach (var part in parts) target = target?[part];
            schema = target as JsonObject;
        }
        if (schema is not null && TypeOf(schema) is null && (schema["anyOf"] ?? schema["oneOf"]) is JsonArray alternatives)
            return alternatives.OfType<JsonObject>().Select(a => Resolve(a, doc)).FirstOrDefault(a => TypeOf(a) is not (null or "null")) ?? schema;
        return schema;
    }

    private string SampleScalar(JsonObject? schema, string name) => (string?)schema?["format"] switch
    {
        "uuid" => Guid.NewGuid().ToString(),
        "date" => "2026-12-01",
        "date-time" => "2026-12-01T08:00:00+08:00",
        _ => schema?["enum"] is JsonArray { Count: > 0 } e ? e[0]!.ToString()
            : TypeOf(schema) is "integer" or "number" ? "1"
            : TypeOf(schema) is "boolean" ? "true"
            : name is "format" ? "json"
            : name.Contains("code", StringComparison.OrdinalIgnoreCase) || name is "under" ? _county.Building : "x",
    };

    private JsonNode? Sample(JsonObject schema, JsonObject doc, int depth)
    {
        schema = Resolve(schema, doc)!;
        if (depth > 4) return null;
        if (schema["enum"] is JsonArray { Count: > 0 } e) return e.FirstOrDefault(v => v is not null)?.DeepClone();
        switch (TypeOf(schema))
        {
            case "object" or null when schema["properties"] is JsonObject properties:
                var obj = new JsonObject();
                foreach (var (name, s) in properties)
                    if (s is JsonObject ps && Sample(ps, doc, depth + 1) is { } v) obj[name] = v;
                return obj;
            case "object" when schema["additionalProperties"] is JsonObject values:
                return new JsonObject { ["k"] = Sample(values, doc, depth + 1) };
            case "array":
                return schema["items"] is JsonObject items && Sample(items, doc, depth + 1) is { } item ? new JsonArray(item) : new JsonArray();
            case "integer" or "number":
                return 1;
            case "boolean":
                return true;
            case "string":
                return (string?)schema["format"] switch
                {
                    "uuid" => Guid.NewGuid().ToString(),
                    "date" => "2026-12-01",
                    "date-time" => "2026-12-01T08:00:00+08:00",
                    _ => "测试",
                };
            default:
                return null;
        }
    }

    /// <summary>The counts once the county's import has finished flowing through every service (two equal looks in a row).</summary>
    private async Task<Dictionary<string, long>> SettledRowCountsAsync()
    {
        var last = await RowCountsAsync();
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline;)
        {
            await Task.Delay(500, Ct);
            var next = await RowCountsAsync();
            if (next.Count == last.Count && next.All(kv => last.GetValueOrDefault(kv.Key) == kv.Value)) return next;
            last = next;
        }
        return last;
    }

    /// <summary>Rows in every table of every service's database, so a stored change anywhere shows.</summary>
    private async Task<Dictionary<string, long>> RowCountsAsync()
    {
        var counts = new Dictionary<string, long>();
        foreach (var service in TestStack.Services)
        {
            await using var conn = await _stack.OpenAsync(service);
            var tables = (await conn.QueryAsync<string>(
                "SELECT quote_ident(table_name) FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")).ToList();
            foreach (var table in tables)
                counts[$"{service}.{table}"] = await conn.ExecuteScalarAsync<long>($"SELECT count(*) FROM {table}");
        }
        return counts;
    }
}
