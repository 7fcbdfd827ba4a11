using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GovPlatform.Contracts;
using GovPlatform.Dispatch.Grid;
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
    public async Task A_time_sent_with_the_china_offset_is_kept_as_the_same_instant_and_a_non_time_is_a_400()
    {
        var (orderId, cadre) = await OrderAsync();
        var local = new DateTimeOffset(DateTime.SpecifyKind(DateTime.UtcNow.Date.AddDays(2).AddHours(9), DateTimeKind.Unspecified), TimeSpan.FromHours(8));
        var (status, councils) = await PostAsync($"/api/v1/work-orders/{orderId}/councils", cadre,
            new { kind = "three_party", scheduledAt = local.ToString("yyyy-MM-ddTHH:mm:sszzz"), place = "社区议事厅" });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(local.UtcDateTime, Assert.Single(councils.EnumerateArray()).GetProperty("scheduledAt").GetDateTimeOffset().UtcDateTime);

        var (bad, problem) = await PostAsync($"/api/v1/work-orders/{orderId}/councils", cadre,
            new { kind = "three_party", scheduledAt = "明天上午九点", place = "社区议事厅" });
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.Contains("scheduledAt", problem.GetRawText(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(["assigned", "council_scheduled"], DispatchDriver.Actions(await _dispatch.GetAsync(orderId)));
    }

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
        var scheduled = Assert.Single(await _dispatch.EventsAsync(nameof(CouncilScheduled), orderId));
        Assert.Equal(("three_party", "compound", councilId), (scheduled.GetProperty("kind").GetString(), scheduled.GetProperty("tier").GetString(),
            scheduled.GetProperty("councilId").GetGuid()));
        Assert.Equal(JsonValueKind.Null, scheduled.GetProperty("trackedBy").ValueKind);
    }

    [Fact]
    public async Task A_joint_meeting_takes_an_escalated_order_and_a_registered_cadre_tracks_it_to_the_end()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        // A neighbouring community of the same subdistrict: the subdistrict's joint meeting may name its cadre.
        var neighbour = $"{county.District}-01-02";
        var trackerPhone = $"136{Random.Shared.Next(10_000_000, 99_999_999):D8}";
        using var imported = await _dispatch.SendAsync(HttpMethod.Post, "/api/v1/grid/import", DispatchDriver.Admin, new GridImportRequest(
            [new GridNodeInput(neighbour, $"{county.District}-01", "community", "桃园社区")],
            [new WorkerInput("桃园社区副主任刘某", trackerPhone, "community_cadre", neighbour)]));
        imported.EnsureSuccessStatusCode();
        var trackerId = await _dispatch.WorkerIdAsync(trackerPhone);
        var tracker = Tokens.For("community_cadre", neighbour, subject: trackerId.ToString());
        var gridWorkerId = await _dispatch.WorkerIdAsync(county.Import.Workers![0].Phone);
        var orderId = await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(county, "property_service"));
        var cadre = Tokens.For("community_cadre", county.Community);
        var url = $"/api/v1/work-orders/{orderId}/councils";
        object Meeting(object? trackedBy) => new { kind = "joint_meeting", scheduledAt = DateTimeOffset.UtcNow.AddDays(1), place = "街道会议室", trackedBy };

        // Still in the compound, the case has not yet been found too big for the community.
        var (atCompound, conflict) = await PostAsync(url, cadre, Meeting(trackerId));
        Assert.Equal(HttpStatusCode.Conflict, atCompound);
        Assert.Equal("compound", conflict.GetProperty("tier").GetString());
        await _dispatch.ActOkAsync(orderId, "escalate", cadre, new { reason = "小区解决不了，需联席会议" });

        var refused = new List<(HttpStatusCode, JsonElement)>
        {
            await PostAsync(url, cadre, Meeting(null)),
            await PostAsync(url, cadre, Meeting("社区副主任刘某")),
            await PostAsync(url, cadre, Meeting(Guid.NewGuid())),
            await PostAsync(url, cadre, Meeting(gridWorkerId)),
        };
        Assert.All(refused, r => Assert.Equal(HttpStatusCode.BadRequest, r.Item1));
        Assert.All(refused, r => Assert.True(r.Item2.GetProperty("errors").TryGetProperty("trackedBy", out _), r.Item2.ToString()));
        Assert.Contains("grid_worker", refused[3].Item2.GetProperty("errors").GetProperty("trackedBy")[0].GetString());
        // The grid worker sees the order, so this is the role check refusing, not the scope hiding it.
        var (byWorker, _) = await PostAsync(url, Tokens.For("grid_worker", county.Grid), Meeting(trackerId));
        Assert.Equal(HttpStatusCode.Forbidden, byWorker);
        using var before = await _dispatch.SendAsync(HttpMethod.Get, $"/api/v1/work-orders/{orderId}", tracker);
        Assert.Equal(HttpStatusCode.NotFound, before.StatusCode);
        Assert.Empty(await _stack.QueryAsync<Guid>("dispatch", "SELECT id FROM councils WHERE work_order_id = @orderId", new { orderId }));

        var (ok, councils) = await PostAsync(url, cadre, Meeting(trackerId));

        Assert.Equal(HttpStatusCode.OK, ok);
        var council = Assert.Single(councils.EnumerateArray());
        Assert.Equal((trackerId.ToString(), "桃园社区副主任刘某"), (council.GetProperty("trackedBy").GetString(), council.GetProperty("trackedByName").GetString()));
        var scheduled = Assert.Single(await _dispatch.EventsAsync(nameof(CouncilScheduled), orderId));
        Assert.Equal(("joint_meeting", "community", trackerId), (scheduled.GetProperty("kind").GetString(), scheduled.GetProperty("tier").GetString(),
            scheduled.GetProperty("trackedBy").GetGuid()));
        // The tracker now follows the order although it lies outside their community; their colleagues still do not see it.
        Assert.Equal("property_service", (await _dispatch.GetAsync(orderId, tracker)).GetProperty("category").GetString());
        using var colleague = await _dispatch.SendAsync(HttpMethod.Get, $"/api/v1/work-orders/{orderId}", Tokens.For("community_cadre", neighbour));
        Assert.Equal(HttpStatusCode.NotFound, colleague.StatusCode);

        var (held, _) = await PostAsync($"{url}/{council.GetProperty("id").GetGuid()}/record", tracker,
            new { attendees = new[] { new { party = "department", name = "住建局" }, new { party = "community_party", name = "王书记" } }, decision = "住建局牵头改造" });
        Assert.Equal(HttpStatusCode.OK, held);
        Assert.Equal("joint_meeting", Assert.Single(await _dispatch.EventsAsync(nameof(CouncilHeld), orderId)).GetProperty("kind").GetString());
    }
}
