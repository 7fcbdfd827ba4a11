using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using GovPlatform.Contracts;
using GovPlatform.Intake.Notifications;
using GovPlatform.Intake.Timeline;
using GovPlatform.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace GovPlatform.IntegrationTests.Residents;

/// <summary>
/// A worker's "on site" and "resolved" of the same minute travel on separate queues and can reach intake in either
/// order: the resident is never texted the earlier step after the later one, and the timeline keeps both.
/// </summary>
public sealed class ProgressTextOrderTests(SharedStack shared)
{
    private readonly ResidentKit _kit = new(shared.Stack);
    private readonly DispatchDriver _dispatch = new(shared.Stack);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record Owed(string Step, string State, string? LastError);

    /// <summary>A resident's report, its order assigned and texted; returns the phone, the request and its order.</summary>
    private async Task<(string Phone, Guid RequestId, Guid OrderId)> AssignedReportAsync(string description)
    {
        var county = new TestCounty();
        await shared.Stack.ImportAsync(county);
        var doorplate = await _kit.IssueDoorplateAsync(county.Building);
        var phone = ResidentKit.NewPhone();
        var session = await _kit.VerifyAsync(phone);
        var ticket = (await _kit.ReportOkAsync(session, new { topic = "stairwell_clutter", description, doorplate })).GetProperty("ticketNo").GetString()!;
        var id = await _kit.RequestIdAsync(ticket);
        var orderId = await _dispatch.OrderIdForAsync(id);
        await _kit.WaitForTextAsync(phone, "assigned");
        return (phone, id, orderId);
    }

    private async Task<IReadOnlyList<Owed>> SettledAsync(Guid id, int steps) =>
        await Eventually.Get(async () =>
        {
            var owed = await shared.Stack.QueryAsync<Owed>("intake",
                "SELECT step, state, last_error AS LastError FROM resident_notifications WHERE recipient_request_id = @id ORDER BY id", new { id });
            return owed.Count == steps && owed.All(o => o.State != "pending") ? owed : null;
        }, $"the {steps} texts owed for request {id} sent or skipped");

    private async Task<IReadOnlyList<string>> TimelineAsync(Guid id) =>
        await shared.Stack.QueryAsync<string>("intake",
            "SELECT event FROM request_timeline WHERE request_id = @id ORDER BY at, array_position(@ordered, event), id",
            new { id, ordered = TimelineEvents.Ordered });

    [Fact]
    public async Task An_on_site_that_arrives_after_its_resolved_was_texted_stays_on_the_timeline_but_is_not_texted()
    {
        var (phone, id, orderId) = await AssignedReportAsync("楼道里堆满纸箱，挡住消防通道");
        var arrivedAt = DateTimeOffset.UtcNow;
        var resolvedAt = arrivedAt.AddMilliseconds(40);

        // The resolve overtakes the arrival it followed by 40 ms, and its text has gone before the arrival reaches intake.
        await _dispatch.PublishAsync(new WorkOrderResolved(orderId, id, "网格员", "纸箱已清走，通道已畅通", true, resolvedAt));
        await _kit.WaitForTextAsync(phone, "resolved");
        await _dispatch.PublishAsync(new WorkOrderArrived(orderId, id, "网格员", true, arrivedAt));

        var owed = await SettledAsync(id, 4);
        Assert.Equal(["submitted", "assigned", "resolved"], (await _kit.ProgressTextsAsync(phone)).Select(t => t.Kind));
        // The step is kept and its text accounted for: skipped, with the step that overtook it.
        var onSite = Assert.Single(owed, o => o.Step == "on_site");
        Assert.Equal("skipped", onSite.State);
        Assert.Equal("superseded: 'resolved', a later step, was texted first", onSite.LastError);
        Assert.Equal(["assigned", "on_site", "resolved"], (await TimelineAsync(id)).Where(e => e is "assigned" or "on_site" or "resolved"));
        Assert.Equal("resolved", await shared.Stack.ScalarAsync<string>("intake", "SELECT status FROM requests WHERE id = @id", new { id }));

        // The desk's record says the same.
        using var record = await _kit.Intake.SendAsync(HttpMethod.Get, $"/api/v1/requests/{id}/notifications", role: "desk_operator");
        var rows = (await record.JsonAsync()).EnumerateArray().ToList();
        var deskOnSite = Assert.Single(rows, r => r.GetProperty("step").GetString() == "on_site");
        Assert.Equal("skipped", deskOnSite.GetProperty("state").GetString());
        Assert.Contains("'resolved'", deskOnSite.GetProperty("lastError").GetString());
        Assert.Equal("sent", Assert.Single(rows, r => r.GetProperty("step").GetString() == "resolved").GetProperty("state").GetString());
    }

    [Fact]
    public async Task Steps_owed_in_the_wrong_order_before_the_sender_claims_them_are_texted_in_the_order_they_happened()
    {
        var (phone, id, orderId) = await AssignedReportAsync("楼道灯坏了，晚上看不见台阶");
        var arrivedAt = DateTimeOffset.UtcNow;

        // As the two consumers do when "resolved" commits first, in one transaction: both texts are then owed before
        // the sender's next claim takes them, the later step first by the ledger's order.
        await using (var conn = await shared.Stack.OpenAsync("intake"))
        await using (var tx = await conn.BeginTransactionAsync(Ct))
        {
            Assert.True(await RequestTimeline.AppendAsync(tx, new TimelineEntry(id, TimelineEvents.Resolved, arrivedAt.AddMilliseconds(40), "网格员",
                new { WorkOrderId = orderId, Resolution = "已更换灯泡", OnTime = true }, $"resolved:{orderId}:{arrivedAt.AddMilliseconds(40).UtcTicks}"), Ct));
            Assert.True(await RequestTimeline.AppendAsync(tx, new TimelineEntry(id, TimelineEvents.OnSite, arrivedAt, "网格员",
                new { WorkOrderId = orderId, OnTime = true }, $"on_site:{orderId}:{arrivedAt.UtcTicks}"), Ct));
            await tx.CommitAsync(Ct);
        }
        Assert.True(await shared.Stack.ScalarAsync<long>("intake", """
            SELECT (SELECT id FROM resident_notifications WHERE recipient_request_id = @id AND step = 'resolved')
                 - (SELECT id FROM resident_notifications WHERE recipient_request_id = @id AND step = 'on_site')
            """, new { id }) < 0, "the resolved text was not owed first");

        var owed = await SettledAsync(id, 4);
        Assert.All(owed, o => Assert.Equal("sent", o.State));
        var texts = await _kit.ProgressTextsAsync(phone);
        Assert.Equal(["submitted", "assigned", "on_site", "resolved"], texts.Select(t => t.Kind));
        Assert.Contains("已更换灯泡", texts[^1].Text);
    }
}

/// <summary>A step the gateway refused holds the later ones back until its retry, on a stack of its own.</summary>
public sealed class ProgressTextRetryOrderTests : IAsyncLifetime
{
    /// <summary>Refuses the texts of one step until released; takes everything else at once.</summary>
    private sealed class GatewayRefusingOneStep : ITextSender
    {
        private volatile bool _released;
        public volatile string? Refused;
        public ConcurrentQueue<OutgoingText> Delivered { get; } = new();

        public void Release() => _released = true;

        public Task SendAsync(OutgoingText text, CancellationToken ct)
        {
            if (text.Kind == Refused && !_released) throw new HttpRequestException("gateway busy");
            Delivered.Enqueue(text);
            return Task.CompletedTask;
        }
    }

    private readonly GatewayRefusingOneStep _sender = new();
    private TestStack _stack = null!;
    private ResidentKit _kit = null!;

    public async ValueTask InitializeAsync()
    {
        _stack = await TestStack.CreateAsync();
        _stack.Start("dispatch");
        // A refused text is retried every 500 ms for 10 s: the test, not the schedule, decides when the gateway takes it.
        var settings = Enumerable.Range(0, 20).ToDictionary(i => $"Residents:NotificationRetryDelays:{i}", _ => (string?)"00:00:00.500");
        settings["Residents:NotificationPoll"] = "00:00:00.100";
        _stack.Start("intake", settings, services => services.AddSingleton<ITextSender>(_sender));
        _kit = new ResidentKit(_stack);
    }

    public ValueTask DisposeAsync() => _stack.DisposeAsync();

    private Task<long> ScalarAsync(string sql, Guid id) => _stack.ScalarAsync<long>("intake", sql, new { id });

    [Fact]
    public async Task A_step_waiting_for_its_retry_holds_the_next_back_so_the_resident_gets_both_in_order()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var doorplate = await _kit.IssueDoorplateAsync(county.Building);
        var phone = ResidentKit.NewPhone();
        (await _kit.Intake.SendAsync(HttpMethod.Post, "/api/v1/residents/codes", new { phone }, role: null)).EnsureSuccessStatusCode();
        var code = await Eventually.Get(() => Task.FromResult(_sender.Delivered.LastOrDefault(t => t.Phone == phone && t.Kind == "code")), "the code");
        using var verified = await _kit.Intake.SendAsync(HttpMethod.Post, "/api/v1/residents/sessions",
            new { phone, code = Regex.Match(code.Text, @"\d{6}").Value }, role: null);
        var session = (await verified.JsonAsync()).GetProperty("session").GetString()!;
        var ticket = (await _kit.ReportOkAsync(session, new { topic = "drainage", description = "小区雨水井堵了，积水到脚踝", doorplate })).GetProperty("ticketNo").GetString()!;
        var id = await _kit.RequestIdAsync(ticket);
        var dispatch = new DispatchDriver(_stack);
        var orderId = await dispatch.OrderIdForAsync(id);
        await Eventually.True(() => Task.FromResult(_sender.Delivered.Any(t => t.Phone == phone && t.Kind == "assigned")), "the assigned text");

        // The gateway refuses the arrival's text; the fix, 40 ms later, is owed while the arrival waits for its retry.
        _sender.Refused = "on_site";
        var arrivedAt = DateTimeOffset.UtcNow;
        await dispatch.PublishAsync(new WorkOrderArrived(orderId, id, "网格员", true, arrivedAt));
        await Eventually.True(async () => await ScalarAsync(
            "SELECT coalesce(max(attempts), 0) FROM resident_notifications WHERE recipient_request_id = @id AND step = 'on_site'", id) >= 1, "the on-site text refused");
        await dispatch.PublishAsync(new WorkOrderResolved(orderId, id, "网格员", "雨水井已疏通", true, arrivedAt.AddMilliseconds(40)));
        await Eventually.True(async () => await ScalarAsync(
            "SELECT count(*) FROM resident_notifications WHERE recipient_request_id = @id AND step = 'resolved'", id) == 1, "the resolved text owed");
        _sender.Release();

        await Eventually.True(async () => await ScalarAsync(
            "SELECT count(*) FROM resident_notifications WHERE recipient_request_id = @id AND step IN ('on_site', 'resolved') AND state = 'sent'", id) == 2,
            "the on-site and resolved texts sent");
        Assert.Equal(["submitted", "assigned", "on_site", "resolved"], _sender.Delivered.Where(t => t.Phone == phone && t.Kind != "code").Select(t => t.Kind));
        Assert.True(await ScalarAsync("SELECT attempts FROM resident_notifications WHERE recipient_request_id = @id AND step = 'on_site'", id) >= 2);
        Assert.Equal(1, await ScalarAsync("SELECT attempts FROM resident_notifications WHERE recipient_request_id = @id AND step = 'resolved'", id));
    }
}
