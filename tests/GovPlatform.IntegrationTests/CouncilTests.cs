using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GovPlatform.Contracts;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests;

/// <summary>Cases that need negotiation go to a three-party council; what the community cannot solve, to a joint meeting.</summary>
public sealed class CouncilTests(SharedStack shared)
{
    private readonly TestStack _stack = shared.Stack;
    private readonly DispatchDriver _dispatch = new(shared.Stack);
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(Guid OrderId, string Cadre)> OrderAsync()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        return (await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(county, "property_service")), Tokens.For("community_cadre", county.Community));
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string url, string token, object body)
    {
        using var response = await _dispatch.SendAsync(HttpMethod.Post, url, token, body);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>(Ct));
    }

    private static readonly object[] FullTable =
    [
        new { party = "community_party", name = "王书记" },
        new { party = "owners_committee", name = "业委会李主任" },
        new { party = "property_company", name = "物业张经理" },
        new { party = "owners_representative", name = "3号楼业主代表" },
    ];

    [Fact]
    public async Task A_three_party_council_records_who_came_and_what_was_decided_once()
    {
        var (orderId, cadre) = await OrderAsync();
        var (status, councils) = await PostAsync($"/api/v1/work-orders/{orderId}/councils", cadre,
            new { kind = "three_party", scheduledAt = DateTimeOffset.UtcNow.AddDays(1), place = "社区议事厅" });
        Assert.Equal(HttpStatusCode.OK, status);
        var councilId = Assert.Single(councils.EnumerateArray()).GetProperty("id").GetGuid();
        var record = $"/api/v1/work-orders/{orderId}/councils/{councilId}/record";

        var (noCompany, problem) = await PostAsync(record, cadre, new { attendees = FullTable.Take(2).ToArray(), decision = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, noCompany);
        Assert.Contains("property_company", problem.GetProperty("errors").GetProperty("attendees")[0].GetString());

        var (held, after) = await PostAsync(record, cadre, new { attendees = FullTable, decision = "物业一周内更换电梯主板，费用从维修基金列支" });
        Assert.Equal(HttpStatusCode.OK, held);
        Assert.Equal(4, after[0].GetProperty("attendees").GetArrayLength());
        var (twice, conflict) = await PostAsync(record, cadre, new { attendees = FullTable, decision = "改变主意" });
        Assert.Equal(HttpStatusCode.Conflict, twice);
        Assert.Equal("held", conflict.GetProperty("currentState").GetString());

        var evt = Assert.Single(await _dispatch.EventsAsync(nameof(CouncilHeld), orderId));
        Assert.Equal("three_party", evt.GetProperty("kind").GetString());
        Assert.Equal("物业一周内更换电梯主板，费用从维修基金列支", evt.GetProperty("decision").GetString());
        Assert.Contains("property_company:物业张经理", evt.GetProperty("attendees").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(["assigned", "council_scheduled", "council_held"], DispatchDriver.Actions(await _dispatch.GetAsync(orderId)));
    }

    [Fact]
    public async Task A_joint_meeting_names_the_cadre_who_tracks_the_case_to_the_end()
    {
        var (orderId, cadre) = await OrderAsync();
        var url = $"/api/v1/work-orders/{orderId}/councils";

        var (untracked, problem) = await PostAsync(url, cadre, new { kind = "joint_meeting", scheduledAt = DateTimeOffset.UtcNow, place = "街道会议室" });
        var (byWorker, _) = await PostAsync(url, Tokens.For("grid_worker", "NOWHERE"), new { kind = "joint_meeting", scheduledAt = DateTimeOffset.UtcNow, place = "x", trackedBy = "x" });
        var (ok, councils) = await PostAsync(url, cadre, new { kind = "joint_meeting", scheduledAt = DateTimeOffset.UtcNow, place = "街道会议室", trackedBy = "社区副主任刘某" });

        Assert.Equal(HttpStatusCode.BadRequest, untracked);
        Assert.True(problem.GetProperty("errors").TryGetProperty("trackedBy", out _));
        Assert.Equal(HttpStatusCode.NotFound, byWorker);
        Assert.Equal(HttpStatusCode.OK, ok);
        var council = Assert.Single(councils.EnumerateArray());
        Assert.Equal("社区副主任刘某", council.GetProperty("trackedBy").GetString());

        var (held, _) = await PostAsync($"{url}/{council.GetProperty("id").GetGuid()}/record", cadre,
            new { attendees = new[] { new { party = "department", name = "住建局" }, new { party = "community_party", name = "王书记" } }, decision = "住建局牵头改造" });
        Assert.Equal(HttpStatusCode.OK, held);
        Assert.Equal("joint_meeting", Assert.Single(await _dispatch.EventsAsync(nameof(CouncilHeld), orderId)).GetProperty("kind").GetString());
    }
}
