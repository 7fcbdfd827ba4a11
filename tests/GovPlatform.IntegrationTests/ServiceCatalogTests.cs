using System.Net;
using System.Text;
using System.Text.Json;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests;

/// <summary>The service catalogue: two levels, zh-CN and English, default tiers, Open311 attributes, managed by admins, every change published.</summary>
public sealed class ServiceCatalogTests(SharedStack shared)
{
    private readonly TestStack _stack = shared.Stack;
    private HttpClient Intake => _stack.Client("intake");

    private static string NewCode() => "t_" + Guid.NewGuid().ToString("N")[..10];

    private Task<long> PublishedChangesAsync(string code) =>
        _stack.ScalarAsync<long>("intake", "SELECT count(*) FROM outbox_messages WHERE message_type LIKE '%CategoryChanged' AND body->>'code' = @code", new { code });

    [Fact]
    public async Task Anyone_reads_the_seeded_catalogue_as_majors_with_their_minors()
    {
        var response = await Intake.SendAsync(HttpMethod.Get, "/api/v1/categories", role: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var majors = (await response.JsonAsync()).EnumerateArray().ToArray();
        var safety = majors.Single(m => m.GetProperty("code").GetString() == "public_safety");
        Assert.Equal("公共安全", safety.GetProperty("nameZh").GetString());
        Assert.Equal("Public safety", safety.GetProperty("nameEn").GetString());
        var thrown = safety.GetProperty("children").EnumerateArray().Single(c => c.GetProperty("code").GetString() == "thrown_objects");
        Assert.Equal("高空抛物", thrown.GetProperty("nameZh").GetString());
        Assert.Equal("community", thrown.GetProperty("defaultTier").GetString());
        var injured = thrown.GetProperty("attributes").EnumerateArray().Single(a => a.GetProperty("code").GetString() == "injured");
        Assert.Equal("singlevaluelist", injured.GetProperty("datatype").GetString());
        Assert.Equal(["yes", "no"], injured.GetProperty("values").EnumerateArray().Select(v => v.GetProperty("key").GetString()));
        // Every category DOMAIN.md lists is a minor under some major.
        var minors = majors.SelectMany(m => m.GetProperty("children").EnumerateArray()).Select(c => c.GetProperty("code").GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "parking", "drainage", "water_supply", "street_light", "greening", "stairwell_clutter", "fire_escape",
            "thrown_objects", "roof_leak", "noise", "neighbour_dispute", "property_service", "public_repair", "safety_hazard", "anti_fraud_legal", "elderly_disabled" }, minors);
    }

    [Fact]
    public async Task An_admin_adds_changes_and_retires_categories_and_every_change_is_published()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var (major, minor) = (NewCode(), NewCode());

        var addMajor = await Intake.SendAsync(HttpMethod.Post, "/api/v1/categories",
            new { code = major, nameZh = "电梯安全", nameEn = "Lifts", defaultTier = "community" }, role: "admin");
        var addMinor = await Intake.SendAsync(HttpMethod.Post, "/api/v1/categories", new
        {
            code = minor, parentCode = major, nameZh = "电梯困人", nameEn = "People trapped in a lift", defaultTier = "subdistrict",
            attributes = new[] { new { code = "people_trapped", datatype = "number", required = true, description = "被困人数", order = 1 } },
        }, role: "admin");
        Assert.Equal(HttpStatusCode.Created, addMajor.StatusCode);
        Assert.Equal(HttpStatusCode.Created, addMinor.StatusCode);

        var read = await (await Intake.SendAsync(HttpMethod.Get, $"/api/v1/categories/{major}", role: null)).JsonAsync();
        var child = Assert.Single(read.GetProperty("children").EnumerateArray());
        Assert.Equal("电梯困人", child.GetProperty("nameZh").GetString());
        Assert.Equal("被困人数", child.GetProperty("attributes")[0].GetProperty("description").GetString());

        var filed = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests",
            new { channel = "hotline", category = minor, description = "3号楼电梯困人", location = new { code = county.Building }, attributes = new { people_trapped = 2 } });
        Assert.Equal(HttpStatusCode.Created, filed.StatusCode);

        var retire = await Intake.SendAsync(HttpMethod.Put, $"/api/v1/categories/{minor}",
            new { nameZh = "电梯困人", nameEn = "People trapped in a lift", defaultTier = "subdistrict", active = false }, role: "admin");
        Assert.Equal(HttpStatusCode.OK, retire.StatusCode);
        Assert.False((await retire.JsonAsync()).GetProperty("active").GetBoolean());

        var afterRetiring = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests",
            new { channel = "hotline", category = minor, description = "电梯又困人", location = new { code = county.Building }, attributes = new { people_trapped = 1 } });
        Assert.Equal(HttpStatusCode.BadRequest, afterRetiring.StatusCode);
        Assert.Contains("no longer in use", (await afterRetiring.JsonAsync()).GetProperty("errors").GetProperty("category")[0].GetString());

        var activeTree = await (await Intake.SendAsync(HttpMethod.Get, "/api/v1/categories", role: null)).JsonAsync();
        Assert.Empty(activeTree.EnumerateArray().Single(m => m.GetProperty("code").GetString() == major).GetProperty("children").EnumerateArray());

        Assert.Equal(1, await PublishedChangesAsync(major));
        Assert.Equal(2, await PublishedChangesAsync(minor));
        var last = await _stack.ScalarAsync<string>("intake",
            "SELECT body::text FROM outbox_messages WHERE message_type LIKE '%CategoryChanged' AND body->>'code' = @minor ORDER BY id DESC LIMIT 1", new { minor });
        using var change = JsonDocument.Parse(last);
        Assert.False(change.RootElement.GetProperty("active").GetBoolean());
        Assert.Equal(major, change.RootElement.GetProperty("parentCode").GetString());
        Assert.Equal("subdistrict", change.RootElement.GetProperty("defaultTier").GetString());
    }

    [Fact]
    public async Task A_request_is_filed_under_a_minor_category_not_a_major_one()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);

        var response = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests",
            new { channel = "hotline", category = "public_safety", description = "楼道里堆满杂物", location = new { code = county.Building } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("major category", (await response.JsonAsync()).GetProperty("errors").GetProperty("category")[0].GetString());
    }

    [Fact]
    public async Task Only_admins_change_the_catalogue()
    {
        var code = NewCode();
        var asOperator = await Intake.SendAsync(HttpMethod.Post, "/api/v1/categories", new { code, nameZh = "测试", nameEn = "Test" }, role: "desk_operator");
        var anonymous = await Intake.SendAsync(HttpMethod.Put, "/api/v1/categories/noise", new { nameZh = "噪音", nameEn = "Noise" }, role: null);

        Assert.Equal(HttpStatusCode.Forbidden, asOperator.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(0, await PublishedChangesAsync(code));
    }

    [Theory]
    [InlineData("""{"code":"Bad Code","nameZh":"测试","nameEn":"Test"}""", "code")]
    [InlineData("""{"code":"@code","parentCode":"no_such_parent","nameZh":"测试","nameEn":"Test"}""", "parentCode")]
    [InlineData("""{"code":"@code","parentCode":"noise","nameZh":"测试","nameEn":"Test"}""", "parentCode")]
    [InlineData("""{"code":"@code","nameZh":"","nameEn":"Test"}""", "nameZh")]
    [InlineData("""{"code":"@code","nameZh":"测试","nameEn":"Test","defaultTier":"province"}""", "defaultTier")]
    [InlineData("""{"code":"@code","nameZh":"测试","nameEn":"Test","attributes":[{"code":"x1","datatype":"colour","required":false,"description":"颜色"}]}""", "attributes[0].datatype")]
    [InlineData("""{"code":"@code","nameZh":"测试","nameEn":"Test","attributes":[{"code":"x1","datatype":"singlevaluelist","required":false,"description":"选项"}]}""", "attributes[0].values")]
    public async Task Bad_categories_get_a_problem_naming_the_field_and_nothing_is_stored(string json, string field)
    {
        var code = NewCode();
        var response = await Intake.SendAsync(HttpMethod.Post, "/api/v1/categories",
            new StringContent(json.Replace("@code", code), Encoding.UTF8, "application/json"), role: "admin");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty(field, out _), $"expected an error for {field}");
        Assert.Equal(0, await _stack.ScalarAsync<long>("intake", "SELECT count(*) FROM categories WHERE code = @code", new { code }));
        Assert.Equal(0, await PublishedChangesAsync(code));
    }

    [Fact]
    public async Task Adding_a_code_twice_is_a_409_and_changing_an_unknown_one_a_404()
    {
        var again = await Intake.SendAsync(HttpMethod.Post, "/api/v1/categories", new { code = "noise", nameZh = "噪音", nameEn = "Noise" }, role: "admin");
        var unknown = await Intake.SendAsync(HttpMethod.Put, $"/api/v1/categories/{NewCode()}", new { nameZh = "无", nameEn = "None" }, role: "admin");

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("噪音扰民", await _stack.ScalarAsync<string>("intake", "SELECT name_zh FROM categories WHERE code = 'noise'"));
    }

    /// <summary>A minor category of this test's own asking one question of every datatype; the first two required.</summary>
    private async Task<string> CategoryWithQuestionsAsync()
    {
        var code = NewCode();
        var response = await Intake.SendAsync(HttpMethod.Post, "/api/v1/categories", new
        {
            code, parentCode = "public_facilities", nameZh = "电梯困人", nameEn = "People trapped in a lift",
            attributes = new object[]
            {
                new { code = "trapped", datatype = "number", required = true, description = "被困人数", order = 1 },
                new { code = "lift", datatype = "singlevaluelist", required = true, description = "哪部电梯", order = 2,
                      values = new[] { new { key = "east", name = "东梯" }, new { key = "west", name = "西梯" } } },
                new { code = "symptoms", datatype = "multivaluelist", required = false, description = "异常现象", order = 3,
                      values = new[] { new { key = "stuck", name = "停在两层之间" }, new { key = "dark", name = "轿厢断电" }, new { key = "noise", name = "异响" } } },
                new { code = "since", datatype = "datetime", required = false, description = "被困开始时间", order = 4 },
                new { code = "note", datatype = "string", required = false, description = "补充说明", order = 5 },
            },
        }, role: "admin");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return code;
    }

    private async Task<HttpResponseMessage> FileAsync(TestCounty county, string category, object? attributes) =>
        await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", new
        {
            channel = "hotline", category, description = $"电梯困人，编号{Guid.NewGuid():N}", location = new { code = county.Building }, attributes,
        });

    [Fact]
    public async Task Answers_to_a_categorys_questions_are_stored_as_typed_values_and_shown_on_the_detail()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var category = await CategoryWithQuestionsAsync();

        var response = await FileAsync(county, category, new Dictionary<string, object>
        {
            ["trapped"] = "2", ["lift"] = "east", ["symptoms"] = new[] { "stuck", "dark" }, ["since"] = "2026-11-22T09:30:00+08:00", ["note"] = "里面有老人",
        });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (await response.JsonAsync()).GetProperty("id").GetGuid();
        var answers = (await (await Intake.SendAsync(HttpMethod.Get, $"/api/v1/requests/{id}")).JsonAsync()).GetProperty("attributes");
        Assert.Equal(2, answers.GetProperty("trapped").GetDouble());
        Assert.Equal("east", answers.GetProperty("lift").GetString());
        Assert.Equal(["stuck", "dark"], answers.GetProperty("symptoms").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("2026-11-22T09:30:00+08:00", answers.GetProperty("since").GetString());
        Assert.Equal("里面有老人", answers.GetProperty("note").GetString());
    }

    [Theory]
    [InlineData("""{"lift":"east"}""", "attributes.trapped", "Required")]
    [InlineData("""{"trapped":2}""", "attributes.lift", "Required")]
    [InlineData("""{"trapped":"两个人","lift":"east"}""", "attributes.trapped", "number")]
    [InlineData("""{"trapped":2,"lift":"north"}""", "attributes.lift", "east, west")]
    [InlineData("""{"trapped":2,"lift":["east","west"]}""", "attributes.lift", "east, west")]
    [InlineData("""{"trapped":2,"lift":"east","symptoms":["stuck","smoke"]}""", "attributes.symptoms", "stuck, dark, noise")]
    [InlineData("""{"trapped":2,"lift":"east","since":"yesterday"}""", "attributes.since", "date-time")]
    [InlineData("""{"trapped":2,"lift":"east","colour":"red"}""", "attributes.colour", "trapped, lift")]
    [InlineData("""{"trapped":2,"lift":"east","note":"a\u0007b"}""", "attributes.note", "control")]
    public async Task A_wrong_answer_gets_a_400_naming_the_question_and_stores_nothing(string answers, string field, string mentioned)
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var category = await CategoryWithQuestionsAsync();

        var response = await FileAsync(county, category, JsonDocument.Parse(answers).RootElement);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.JsonAsync()).GetProperty("errors");
        Assert.Contains(mentioned, errors.GetProperty(field)[0].GetString());
        Assert.Equal(0, await _stack.ScalarAsync<long>("intake", "SELECT count(*) FROM requests WHERE location_path[1] = @District", new { county.District }));
    }

    [Fact]
    public async Task Answers_without_a_category_are_refused()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);

        var response = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", new
        {
            channel = "hotline", description = "电梯困人了", location = new { code = county.Building }, attributes = new { trapped = 2 },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("category", (await response.JsonAsync()).GetProperty("errors").GetProperty("attributes")[0].GetString());
    }

    [Fact]
    public async Task A_new_question_applies_to_the_next_request_at_once()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var category = await CategoryWithQuestionsAsync();
        Assert.Equal(HttpStatusCode.Created, (await FileAsync(county, category, new { trapped = 1, lift = "west" })).StatusCode);

        var change = await Intake.SendAsync(HttpMethod.Put, $"/api/v1/categories/{category}", new
        {
            nameZh = "电梯困人", nameEn = "People trapped in a lift",
            attributes = new[] { new { code = "phone_in_lift", datatype = "string", required = true, description = "轿厢内电话" } },
        }, role: "admin");
        var old = await FileAsync(county, category, new { trapped = 1, lift = "west" });

        Assert.Equal(HttpStatusCode.OK, change.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, old.StatusCode);
        var errors = (await old.JsonAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("attributes.phone_in_lift", out _));
        Assert.True(errors.TryGetProperty("attributes.trapped", out _));
    }
}
