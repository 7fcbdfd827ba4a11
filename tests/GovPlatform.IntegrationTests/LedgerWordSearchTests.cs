using System.Net;
using Dapper;
using GovPlatform.Intake.Search;
using GovPlatform.IntegrationTests.Infrastructure;
using Npgsql;

namespace GovPlatform.IntegrationTests;

/// <summary>The ledger's free-text search finds requests by their words (jieba's segments and paraphrases), best matches first.</summary>
public sealed class LedgerWordSearchTests(SharedStack shared)
{
    private readonly TestStack _stack = shared.Stack;
    private HttpClient Intake => _stack.Client("intake");

    private async Task<Guid> FileAsync(string location, string category, string description)
    {
        var response = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", new
        {
            channel = "wechat_group", category, description, location = new { code = location },
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("id").GetGuid();
    }

    private async Task<Guid[]> SearchAsync(TestCounty county, string q)
    {
        var response = await Intake.SendAsync(HttpMethod.Get, $"/api/v1/requests?region={county.District}&q={Uri.EscapeDataString(q)}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.JsonAsync();
        var ids = page.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetGuid()).ToArray();
        Assert.Equal(ids.Length, page.GetProperty("total").GetInt64());
        return ids;
    }

    [Fact]
    public async Task Words_find_requests_worded_another_way_and_those_sharing_more_of_them_come_first()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var corridor = await FileAsync(county.Building, "street_light", "3号楼走廊的灯晚上不亮");
        var stairwell = await FileAsync($"{county.Grid}-B02", "public_repair", "楼道灯坏了好几天");
        var gate = await FileAsync(county.EmptyGrid, "street_light", "小区门口路灯不亮");
        var drain = await FileAsync(county.Building, "drainage", "下水道堵了");

        // No request holds the text 走廊灯: the words 走廊 (= 楼道) and 灯 find two, the one with both first.
        Assert.Equal([corridor, stairwell], await SearchAsync(county, "走廊灯"));
        // The text as written counts more than words alone.
        Assert.Equal([stairwell, corridor], await SearchAsync(county, "楼道灯"));
        // 排水管不通 and 下水道堵了 share no character pair; they name the same ideas.
        Assert.Equal([drain], await SearchAsync(county, "排水管不通"));
        // A piece of text that is no word is still found as a substring.
        Assert.Equal([gate], await SearchAsync(county, "门口路"));
        // Particles alone find only what holds them as written.
        Assert.Equal([corridor], await SearchAsync(county, "的"));
    }

    [Fact]
    public async Task A_request_stored_without_its_words_is_found_by_them_once_the_backfill_has_run()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var id = await FileAsync(county.Building, "drainage", "厨房下水道堵塞，污水往上冒");
        await using (var conn = await _stack.OpenAsync("intake"))
            await conn.ExecuteAsync("UPDATE requests SET search_words = NULL WHERE id = @id", new { id });
        Assert.Empty(await SearchAsync(county, "排水管不通"));

        await using var db = NpgsqlDataSource.Create(TestServers.PostgresDatabase(_stack.Database("intake")));
        while (await LedgerSearch.BackfillAsync(db, 500, TestContext.Current.CancellationToken) > 0) { }

        Assert.Equal([id], await SearchAsync(county, "排水管不通"));
    }
}
