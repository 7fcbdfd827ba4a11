using System.Net;
using System.Text.Json;
using GovPlatform.Contracts;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests.Residents;

/// <summary>The one-key alarm: a critical request that pages the grid's worker and leader at once and runs a short clock.</summary>
public sealed class OneKeyAlarmTests(SharedStack shared)
{
    private readonly ResidentKit _kit = new(shared.Stack);
    private readonly DispatchDriver _dispatch = new(shared.Stack);

    private sealed record Deadline(string Clock, double Seconds);

    private Task<IReadOnlyList<Deadline>> DeadlinesAsync(Guid orderId) =>
        shared.Stack.QueryAsync<Deadline>("dispatch", """
            SELECT d.clock, extract(epoch FROM d.due_at - o.created_at)::float8 AS seconds
            FROM work_order_deadlines d JOIN work_orders o ON o.id = d.work_order_id
            WHERE d.work_order_id = @orderId ORDER BY d.clock
            """, new { orderId });

    [Fact]
    public async Task An_alarm_files_a_critical_request_that_pages_worker_and_leader_and_must_be_on_site_in_ten_minutes()
    {
        var county = new TestCounty();
        await shared.Stack.ImportAsync(county);
        var doorplate = await _kit.IssueDoorplateAsync(county.Building);
        var session = await _kit.VerifyAsync(ResidentKit.NewPhone());

        var filed = await _kit.ReportOkAsync(session, new { doorplate }, "/api/v1/residents/alarm");

        Assert.Equal("critical", filed.GetProperty("urgency").GetString());
        var id = await _kit.RequestIdAsync(filed.GetProperty("ticketNo").GetString()!);
        Assert.Equal("critical", await shared.Stack.ScalarAsync<string>("intake", "SELECT urgency FROM requests WHERE id = @id", new { id }));
        var order = await _dispatch.OrderForAsync(id);
        var orderId = order.GetProperty("id").GetGuid();

        var clocks = (await DeadlinesAsync(orderId)).ToDictionary(d => d.Clock, d => d.Seconds);
        Assert.Equal(60, clocks["accept"], 0.5);
        Assert.Equal(600, clocks["arrive"], 0.5);
        Assert.Equal(1800, clocks["resolve"], 0.5);

        var full = await _dispatch.GetAsync(orderId);
        var paged = full.GetProperty("history").EnumerateArray().Single(h => h.GetProperty("action").GetString() == "paged");
        var people = JsonDocument.Parse(paged.GetProperty("detail").GetString()!).RootElement.GetProperty("paged").EnumerateArray()
            .Select(p => (p.GetProperty("name").GetString(), p.GetProperty("role").GetString())).ToList();
        Assert.Contains(("网格长", "grid_leader"), people);
        if (order.GetProperty("assigneeKind").GetString() == AssigneeKinds.GridWorker)
            Assert.Contains((order.GetProperty("assigneeName").GetString(), "grid_worker"), people);
    }

    [Fact]
    public async Task A_normal_request_keeps_the_published_thirty_minutes_and_is_not_paged()
    {
        var county = new TestCounty();
        await shared.Stack.ImportAsync(county);
        var requestId = await _dispatch.SubmitAsync(county);
        var orderId = await _dispatch.OrderIdForAsync(requestId);

        var clocks = (await DeadlinesAsync(orderId)).ToDictionary(d => d.Clock, d => d.Seconds);
        Assert.Equal(1800, clocks["arrive"], 0.5);
        var full = await _dispatch.GetAsync(orderId);
        Assert.DoesNotContain(full.GetProperty("history").EnumerateArray(), h => h.GetProperty("action").GetString() == "paged");
    }

    [Fact]
    public async Task A_phone_raises_two_alarms_an_hour()
    {
        var county = new TestCounty();
        await shared.Stack.ImportAsync(county);
        var doorplate = await _kit.IssueDoorplateAsync(county.Building);
        var session = await _kit.VerifyAsync(ResidentKit.NewPhone());
        await _kit.ReportOkAsync(session, new { doorplate, description = "楼道起火" }, "/api/v1/residents/alarm");
        await _kit.ReportOkAsync(session, new { doorplate, description = "有人晕倒" }, "/api/v1/residents/alarm");
        using var third = await _kit.AsResidentAsync(HttpMethod.Post, "/api/v1/residents/alarm", session, new { doorplate });
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal(2, await shared.Stack.ScalarAsync<long>("intake", "SELECT count(*) FROM requests WHERE location_code = @b AND urgency = 'critical'", new { b = county.Building }));
    }
}
