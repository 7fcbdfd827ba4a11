using System.Net;
using System.Text.Json;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests;

/// <summary>
/// Requests worded the way residents talk, through the real API: the learned classifier files them
/// without a category, and a neighbour's reworded report of the same problem in the same building
/// follows the first while another lamp on another floor does not.
/// </summary>
public sealed class ResidentWordsTests(SharedStack shared)
{
    private readonly TestStack _stack = shared.Stack;
    private HttpClient Intake => _stack.Client("intake");

    private async Task<JsonElement> SubmitAsync(string building, string description, string phone, string? category = null)
    {
        var response = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests",
            new { channel = "wechat_group", category, description, location = new { code = building }, reporter = new { phone } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.JsonAsync();
    }

    [Fact]
    public async Task A_request_in_a_residents_words_without_the_categorys_keyword_is_classified_and_dispatched()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);

        // No phrase of the rules but the hint 坏了. Since the fifth round's threshold (a lead of 0.924, holding 97 % on both
        // former sealed sets) the earlier text 我们单元那个铁门锁不上了，谁都能推开进来，晚上心里发毛 (public_repair, lead 0.69)
        // waits in triage; this one leads by 0.99.
        var submitted = await SubmitAsync(county.Building, "楼下那个铁门的锁坏了，门关不上，晚上谁都能进来", "13900007001");

        Assert.Equal("submitted", submitted.GetProperty("status").GetString());
        Assert.Equal("public_repair", submitted.GetProperty("category").GetString());
        var id = submitted.GetProperty("id").GetGuid();
        await Eventually.True(async () => await RequestTimelineTests.StatusAsync(_stack, id) == "assigned", "dispatch's assignment");
    }

    [Fact]
    public async Task A_neighbours_reworded_report_of_the_same_lamp_is_linked_and_another_floors_lamp_is_not()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);

        var first = await SubmitAsync(county.Building, "3号楼5楼楼道灯坏了，晚上上楼看不见", "13900007002");
        // The classifier files the first itself (its lead over the runner-up is 0.995); these two come with the category
        // the desk gave them, so that the test is about linking (the classifier would choose public_repair too, with leads
        // of 0.22, which would wait in triage, and 0.82).
        var reworded = await SubmitAsync(county.Building, "三栋五楼的走廊晚上黑漆漆的，灯好几天没亮了", "13900007003", "public_repair");
        var otherFloor = await SubmitAsync(county.Building, "3号楼2楼楼道的灯也不亮，晚上上楼看不见", "13900007004", "public_repair");

        Assert.Equal("submitted", first.GetProperty("status").GetString());
        Assert.Equal("public_repair", first.GetProperty("category").GetString());
        Assert.Equal("linked", reworded.GetProperty("status").GetString());
        Assert.Equal(first.GetProperty("ticketNo").GetString(), reworded.GetProperty("duplicateOf").GetString());
        Assert.Equal("public_repair", otherFloor.GetProperty("category").GetString());
        Assert.Equal("submitted", otherFloor.GetProperty("status").GetString());
    }
}
