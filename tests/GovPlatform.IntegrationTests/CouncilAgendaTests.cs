using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests;

/// <summary>The convener's agenda: councils across the orders the caller sees, waiting ones first, then what was held.</summary>
public sealed class CouncilAgendaTests(SharedStack shared)
{
    private readonly TestStack _stack = shared.Stack;
    private readonly DispatchDriver _dispatch = new(shared.Stack);
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<Guid> CouncilAsync(Guid orderId, string cadre, DateTimeOffset at, string place)
    {
        using var response = await _dispatch.SendAsync(HttpMethod.Post, $"/api/v1/work-orders/{orderId}/councils", cadre,
            new { kind = "three_party", scheduledAt = at, place });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).EnumerateArray().Single(c => c.GetProperty("place").GetString() == place)
            .GetProperty("id").GetGuid();
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> AgendaAsync(string token, string? state = null)
    {
        using var response = await _dispatch.SendAsync(HttpMethod.Get, "/api/v1/councils" + (state is null ? "" : $"?state={state}"), token);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>(Ct));
    }

    [Fact]
    public async Task The_agenda_lists_the_callers_councils_soonest_first_then_the_held_ones_and_nobody_elses()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var cadre = Tokens.For("community_cadre", county.Community);
        var first = await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(county, "property_service"));
        var second = await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(county, "property_service"));
        var later = await CouncilAsync(first, cadre, DateTimeOffset.UtcNow.AddDays(3), "社区议事厅");
        var sooner = await CouncilAsync(second, cadre, DateTimeOffset.UtcNow.AddDays(1), "小区凉亭");
        var held = await CouncilAsync(second, cadre, DateTimeOffset.UtcNow.AddHours(1), "物业办公室");
        using (var recorded = await _dispatch.SendAsync(HttpMethod.Post, $"/api/v1/work-orders/{second}/councils/{held}/record", cadre, new
               {
                   attendees = new[]
                   {
                       new { party = "community_party", name = "王书记" }, new { party = "owners_committee", name = "李主任" },
                       new { party = "property_company", name = "张经理" },
                   },
                   decision = "物业本周内清理楼道",
               }))
            Assert.Equal(HttpStatusCode.OK, recorded.StatusCode);

        var (status, all) = await AgendaAsync(cadre);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([sooner, later, held], all.EnumerateArray().Select(c => c.GetProperty("id").GetGuid()).ToArray());
        var heldRow = all[2];
        Assert.Equal((second, "物业本周内清理楼道"), (heldRow.GetProperty("workOrderId").GetGuid(), heldRow.GetProperty("decision").GetString()));
        Assert.Contains("property_company:张经理", heldRow.GetProperty("attendees").EnumerateArray().Select(a => a.GetString()));
        Assert.False(string.IsNullOrEmpty(heldRow.GetProperty("ticketNo").GetString()));

        Assert.Equal([sooner, later], (await AgendaAsync(cadre, "scheduled")).Body.EnumerateArray().Select(c => c.GetProperty("id").GetGuid()).ToArray());
        Assert.Equal([held], (await AgendaAsync(cadre, "held")).Body.EnumerateArray().Select(c => c.GetProperty("id").GetGuid()).ToArray());

        // Another county's cadre sees none of them; a state the list does not know is a 400.
        var (_, theirs) = await AgendaAsync(Tokens.For("community_cadre", new TestCounty().Community));
        Assert.DoesNotContain(theirs.EnumerateArray(), c => new[] { sooner, later, held }.Contains(c.GetProperty("id").GetGuid()));
        var (bad, problem) = await AgendaAsync(cadre, "cancelled");
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.True(problem.GetProperty("errors").TryGetProperty("state", out _));
    }
}
