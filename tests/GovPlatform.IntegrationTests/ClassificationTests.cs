using System.Net;
using System.Text.Json;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests;

/// <summary>Requests without a category: the keyword rules classify the clear ones, the rest wait in triage for a desk operator.</summary>
public sealed class ClassificationTests(SharedStack shared)
{
    private readonly TestStack _stack = shared.Stack;
    private HttpClient Intake => _stack.Client("intake");

    private async Task<JsonElement> SubmitAsync(TestCounty county, string description)
    {
        var response = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests",
            new { channel = "wechat_group", description, location = new { code = county.Building }, reporter = new { phone = "13900002222" } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.JsonAsync();
    }

    private Task<string[]> OutboxTypesAsync(Guid id) =>
        _stack.QueryAsync<string>("intake", "SELECT message_type FROM outbox_messages WHERE body->>'requestId' = @id ORDER BY id", new { id = id.ToString() })
            .ContinueWith(t => t.Result.Select(n => n[(n.LastIndexOf('.') + 1)..]).ToArray());

    [Fact]
    public async Task A_clear_request_without_a_category_is_classified_by_the_rules_and_dispatched()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);

        var submitted = await SubmitAsync(county, "楼下广场舞的音响太大声了，噪音扰民，每晚到十点");

        Assert.Equal("submitted", submitted.GetProperty("status").GetString());
        Assert.Equal("noise", submitted.GetProperty("category").GetString());
        Assert.True(submitted.GetProperty("confidence").GetDouble() >= 0.5);
        var id = submitted.GetProperty("id").GetGuid();
        var request = await (await Intake.SendAsync(HttpMethod.Get, $"/api/v1/requests/{id}")).JsonAsync();
        Assert.Equal("rules", request.GetProperty("classifiedBy").GetString());
        await Eventually.True(async () => await RequestTimelineTests.StatusAsync(_stack, id) == "assigned", "dispatch's assignment");
    }

    [Fact]
    public async Task An_unclear_request_waits_in_triage_undispatched_until_an_operator_chooses_its_category()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);

        var submitted = await SubmitAsync(county, "你好，我想反映一下我们这边的情况，麻烦尽快来看看");
        var id = submitted.GetProperty("id").GetGuid();

        Assert.Equal("triage", submitted.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, submitted.GetProperty("category").ValueKind);
        Assert.Empty(await OutboxTypesAsync(id));
        var queue = await (await Intake.SendAsync(HttpMethod.Get, "/api/v1/triage")).JsonAsync();
        var item = Assert.Single(queue.EnumerateArray(), i => i.GetProperty("id").GetGuid() == id);
        Assert.Equal("139****2222", item.GetProperty("reporterPhone").GetString());

        var chosen = await Intake.SendAsync(HttpMethod.Post, $"/api/v1/requests/{id}/category", new { category = "public_repair" });

        Assert.Equal(HttpStatusCode.OK, chosen.StatusCode);
        Assert.Equal("submitted", (await chosen.JsonAsync()).GetProperty("status").GetString());
        Assert.Equal(["RequestReclassified", "RequestSubmitted"], await OutboxTypesAsync(id));
        await Eventually.True(async () => await RequestTimelineTests.StatusAsync(_stack, id) == "assigned", "dispatch's assignment after triage");
        var timeline = await RequestTimelineTests.TimelineAsync(_stack, id);
        Assert.Equal(["submitted", "classified", "assigned"], timeline.Select(e => e.GetProperty("event").GetString()));
        Assert.Equal("public_repair", timeline[1].GetProperty("detail").GetProperty("to").GetString());
        var after = await (await Intake.SendAsync(HttpMethod.Get, "/api/v1/triage")).JsonAsync();
        Assert.DoesNotContain(after.EnumerateArray(), i => i.GetProperty("id").GetGuid() == id);
    }

    [Fact]
    public async Task Correcting_a_dispatched_requests_category_publishes_the_change_from_and_to()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var filed = await RequestTimelineTests.FileAndAssignAsync(_stack, county);

        var corrected = await Intake.SendAsync(HttpMethod.Post, $"/api/v1/requests/{filed.Id}/category", new { category = "drainage" });
        var unknown = await Intake.SendAsync(HttpMethod.Post, $"/api/v1/requests/{filed.Id}/category", new { category = "no_such" });

        Assert.Equal(HttpStatusCode.OK, corrected.StatusCode);
        var body = await corrected.JsonAsync();
        Assert.Equal("roof_leak", body.GetProperty("fromCategory").GetString());
        Assert.Equal("assigned", body.GetProperty("status").GetString());
        var change = await _stack.ScalarAsync<string>("intake",
            "SELECT body::text FROM outbox_messages WHERE message_type LIKE '%RequestReclassified' AND body->>'requestId' = @id", new { id = filed.Id.ToString() });
        using var json = JsonDocument.Parse(change);
        Assert.Equal("roof_leak", json.RootElement.GetProperty("fromCategory").GetString());
        Assert.Equal("drainage", json.RootElement.GetProperty("toCategory").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal("drainage", (await (await Intake.SendAsync(HttpMethod.Get, $"/api/v1/requests/{filed.Id}")).JsonAsync()).GetProperty("category").GetString());
    }

    [Fact]
    public async Task Operators_preview_what_the_rules_make_of_a_text()
    {
        var response = await Intake.SendAsync(HttpMethod.Post, "/api/v1/classify", new { text = "楼上有人往下扔垃圾袋，差点砸到孩子" });
        var forbidden = await Intake.SendAsync(HttpMethod.Post, "/api/v1/classify", new { text = "噪音" }, role: "volunteer");

        var result = await response.JsonAsync();
        Assert.Equal("thrown_objects", result.GetProperty("category").GetString());
        Assert.Equal("thrown_objects", result.GetProperty("candidates")[0].GetProperty("category").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
    }
}
