using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using GovPlatform.Contracts;
using GovPlatform.Intake.Notifications;
using GovPlatform.IntegrationTests.Infrastructure;
using GovPlatform.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection;

namespace GovPlatform.IntegrationTests.Residents;

/// <summary>Residents are told of each step once, duplicates' reporters too, and their rating counts as a callback.</summary>
public sealed class ProgressNotificationTests(SharedStack shared)
{
    private readonly ResidentKit _kit = new(shared.Stack);
    private readonly DispatchDriver _dispatch = new(shared.Stack);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Worker(TestCounty county) => Tokens.For("grid_worker", county.Grid, subject: "worker-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task The_reporter_and_a_linked_neighbour_are_told_each_step_once_and_the_rating_closes_like_a_callback()
    {
        var county = new TestCounty();
        await shared.Stack.ImportAsync(county);
        var doorplate = await _kit.IssueDoorplateAsync(county.Building);
        var (first, neighbour) = (ResidentKit.NewPhone(), ResidentKit.NewPhone());
        var session = await _kit.VerifyAsync(first);
        var neighbourSession = await _kit.VerifyAsync(neighbour);

        var filed = await _kit.ReportOkAsync(session, new { topic = "noise", description = "3单元楼上深夜装修，电钻噪音扰民", doorplate, name = "王阿姨" });
        var ticket = filed.GetProperty("ticketNo").GetString()!;
        var id = await _kit.RequestIdAsync(ticket);
        var orderId = await _dispatch.OrderIdForAsync(id);
        await _kit.WaitForTextAsync(first, "assigned");
        var linked = await _kit.ReportOkAsync(neighbourSession, new { topic = "noise", description = "3单元楼上深夜装修了，电钻噪音扰民", doorplate, name = "李师傅" });
        Assert.Equal(ticket, linked.GetProperty("duplicateOf").GetString());
        await _kit.WaitForTextAsync(neighbour, "linked");

        var worker = Worker(county);
        await _dispatch.ActOkAsync(orderId, "accept", worker);
        await _dispatch.ActOkAsync(orderId, "arrive", worker);
        // As a visit takes: resolved in the same instant, the arrival may reach intake second, and its text is then
        // superseded (ProgressTextOrderTests); this test counts every step's text.
        await _kit.WaitForTextAsync(first, "on_site");
        await _kit.WaitForTextAsync(neighbour, "on_site");
        await _dispatch.ActOkAsync(orderId, "resolve", worker, new { resolution = "已劝导业主停止夜间装修" });
        var texts = await _kit.WaitForTextAsync(first, "resolved");
        Assert.Contains("已劝导业主停止夜间装修", texts.Single(t => t.Kind == "resolved").Text);
        await _kit.WaitForTextAsync(neighbour, "resolved");

        using var rating = await _kit.AsResidentAsync(HttpMethod.Post, $"/api/v1/residents/requests/{ticket}/rating", session,
            new { satisfaction = "satisfied", comment = "很及时" });
        Assert.Equal(HttpStatusCode.Created, rating.StatusCode);
        Assert.Equal("closed", (await rating.JsonAsync()).GetProperty("outcome").GetString());
        await _kit.WaitForTextAsync(first, "closed");
        await _kit.WaitForTextAsync(neighbour, "closed");

        // The rating is a callback: the same row, timeline entry and event the phone callback makes.
        Assert.Equal("satisfied", await shared.Stack.ScalarAsync<string>("intake", "SELECT satisfaction FROM request_callbacks WHERE request_id = @id", new { id }));
        Assert.Equal(1, await shared.Stack.ScalarAsync<long>("intake",
            "SELECT count(*) FROM outbox_messages WHERE message_type LIKE '%CallbackRecorded' AND body->>'requestId' = @id", new { id = id.ToString() }));

        // Dispatch's closing echoes intake's; neither it nor any redelivery sends a step twice.
        await _dispatch.PublishAsync(new WorkOrderClosed(orderId, id, DateTimeOffset.UtcNow));
        await Eventually.True(async () => await shared.Stack.ScalarAsync<string>("dispatch", "SELECT status FROM work_orders WHERE id = @orderId", new { orderId }) == "closed",
            "dispatch's closing");
        var owed = await shared.Stack.ScalarAsync<long>("intake", "SELECT count(*) FROM resident_notifications WHERE request_id = @id OR recipient_request_id = @id", new { id });
        await Eventually.True(async () => await shared.Stack.ScalarAsync<long>("intake",
            "SELECT count(*) FROM resident_notifications WHERE (request_id = @id OR recipient_request_id = @id) AND state = 'pending'", new { id }) == 0, "every text sent");

        var mine = (await _kit.ProgressTextsAsync(first)).Select(t => t.Kind).ToList();
        Assert.Equal(["submitted", "assigned", "on_site", "resolved", "closed"], mine);
        var theirs = (await _kit.ProgressTextsAsync(neighbour)).Select(t => t.Kind).ToList();
        Assert.Equal(theirs.Distinct().Count(), theirs.Count);
        Assert.Contains("linked", theirs);
        Assert.DoesNotContain("submitted", theirs);
        Assert.Equal(["on_site", "resolved", "closed"], theirs.Where(k => k is "on_site" or "resolved" or "closed"));
        Assert.Equal(owed, await shared.Stack.ScalarAsync<long>("intake", "SELECT count(*) FROM resident_notifications WHERE request_id = @id OR recipient_request_id = @id", new { id }));

        // Nothing the neighbour sees carries the first reporter's phone or name.
        var neighbourTicket = linked.GetProperty("ticketNo").GetString()!;
        var seen = new List<string>
        {
            await (await _kit.Intake.SendAsync(HttpMethod.Get, $"/api/v1/requests/lookup?ticket={neighbourTicket}&phoneLast4={neighbour[^4..]}", role: null)).Content.ReadAsStringAsync(Ct),
            await (await _kit.AsResidentAsync(HttpMethod.Get, $"/api/v1/residents/requests/{neighbourTicket}/notifications", neighbourSession)).Content.ReadAsStringAsync(Ct),
            await (await _kit.AsResidentAsync(HttpMethod.Get, "/api/v1/residents/requests", neighbourSession)).Content.ReadAsStringAsync(Ct),
            string.Join("\n", (await _kit.ProgressTextsAsync(neighbour)).Select(t => t.Text)),
        };
        foreach (var text in seen)
        {
            Assert.DoesNotContain(first, text);
            Assert.DoesNotContain(PersonalData.MaskPhone(first)!, text);
            Assert.DoesNotContain("王", text);
        }
        Assert.Contains("已劝导业主停止夜间装修", seen[0]);

        // Someone else's ticket is not theirs to read or rate.
        using var foreign = await _kit.AsResidentAsync(HttpMethod.Get, $"/api/v1/residents/requests/{ticket}/notifications", neighbourSession);
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        using var foreignRating = await _kit.AsResidentAsync(HttpMethod.Post, $"/api/v1/residents/requests/{ticket}/rating", neighbourSession, new { satisfaction = "dissatisfied" });
        Assert.Equal(HttpStatusCode.NotFound, foreignRating.StatusCode);
    }

    [Fact]
    public async Task A_dissatisfied_rating_reopens_and_the_reporter_is_told()
    {
        var county = new TestCounty();
        await shared.Stack.ImportAsync(county);
        var doorplate = await _kit.IssueDoorplateAsync(county.Building);
        var phone = ResidentKit.NewPhone();
        var session = await _kit.VerifyAsync(phone);
        var ticket = (await _kit.ReportOkAsync(session, new { topic = "parking", description = "2号楼门口车辆乱停", doorplate })).GetProperty("ticketNo").GetString()!;
        var id = await _kit.RequestIdAsync(ticket);
        var orderId = await _dispatch.OrderIdForAsync(id);
        var worker = Worker(county);
        await _dispatch.ActOkAsync(orderId, "accept", worker);
        await _dispatch.ActOkAsync(orderId, "arrive", worker);
        await _dispatch.ActOkAsync(orderId, "resolve", worker, new { resolution = "已联系车主挪车" });
        await Eventually.True(async () => await shared.Stack.ScalarAsync<string>("intake", "SELECT status FROM requests WHERE id = @id", new { id }) == "resolved", "resolved");

        using var early = await _kit.AsResidentAsync(HttpMethod.Post, $"/api/v1/residents/requests/{ticket}/rating", session, new { satisfaction = "so-so" });
        Assert.Equal(HttpStatusCode.BadRequest, early.StatusCode);
        using var rating = await _kit.AsResidentAsync(HttpMethod.Post, $"/api/v1/residents/requests/{ticket}/rating", session,
            new { satisfaction = "dissatisfied", comment = "晚上还是不亮" });
        Assert.Equal("reopened", (await rating.JsonAsync()).GetProperty("outcome").GetString());
        var texts = await _kit.WaitForTextAsync(phone, "reopened");
        Assert.Single(texts, t => t.Kind == "reopened");
    }

    [Fact]
    public async Task Nothing_is_sent_after_the_resident_opts_out()
    {
        var county = new TestCounty();
        await shared.Stack.ImportAsync(county);
        var doorplate = await _kit.IssueDoorplateAsync(county.Building);
        var phone = ResidentKit.NewPhone();
        var session = await _kit.VerifyAsync(phone);
        var ticket = (await _kit.ReportOkAsync(session, new { topic = "parking", description = "消防通道旁长期停车", doorplate })).GetProperty("ticketNo").GetString()!;
        var id = await _kit.RequestIdAsync(ticket);
        await _kit.WaitForTextAsync(phone, "submitted");
        await _kit.WaitForTextAsync(phone, "assigned");

        using var optOut = await _kit.AsResidentAsync(HttpMethod.Post, $"/api/v1/residents/requests/{ticket}/opt-out", session);
        Assert.Equal(HttpStatusCode.NoContent, optOut.StatusCode);
        var orderId = await _dispatch.OrderIdForAsync(id);
        var worker = Worker(county);
        await _dispatch.ActOkAsync(orderId, "accept", worker);
        await _dispatch.ActOkAsync(orderId, "arrive", worker);
        await Eventually.True(async () => (await shared.Stack.QueryAsync<string>("intake",
            "SELECT state FROM resident_notifications WHERE recipient_request_id = @id AND step = 'on_site'", new { id })).SingleOrDefault() == "skipped",
            "the on-site text skipped");
        Assert.Equal(["submitted", "assigned"], (await _kit.ProgressTextsAsync(phone)).Select(t => t.Kind));
    }
}

/// <summary>A sender that refuses at first: retries, giving up, and templates, on a stack of its own.</summary>
public sealed class NotificationRetryTests : IAsyncLifetime
{
    private sealed class FlakySender : ITextSender
    {
        public readonly ConcurrentDictionary<string, int> Refusals = new();
        public readonly ConcurrentQueue<OutgoingText> Delivered = new();
        public int RefuseFirst { get; set; } = 2;
        public string? AlwaysRefuse { get; set; }

        public Task SendAsync(OutgoingText text, CancellationToken ct)
        {
            if (text.Kind != "code")
            {
                if (text.Phone == AlwaysRefuse) throw new HttpRequestException("gateway says no");
                var refused = Refusals.AddOrUpdate($"{text.Phone}:{text.Kind}", 1, (_, n) => n + 1);
                if (refused <= RefuseFirst) throw new HttpRequestException($"gateway busy ({refused})");
            }
            Delivered.Enqueue(text);
            return Task.CompletedTask;
        }
    }

    private readonly FlakySender _sender = new();
    private TestStack _stack = null!;
    private ResidentKit _kit = null!;

    public async ValueTask InitializeAsync()
    {
        _stack = await TestStack.CreateAsync();
        _stack.Start("dispatch");
        _stack.Start("intake", new Dictionary<string, string?>
        {
            ["Residents:NotificationRetryDelays:0"] = "00:00:00.100",
            ["Residents:NotificationRetryDelays:1"] = "00:00:00.200",
            ["Residents:NotificationRetryDelays:2"] = "00:00:00.300",
            ["Residents:NotificationPoll"] = "00:00:00.100",
        }, services => services.AddSingleton<ITextSender>(_sender));
        _kit = new ResidentKit(_stack);
    }

    public ValueTask DisposeAsync() => _stack.DisposeAsync();

    private async Task<string> SessionAsync(string phone)
    {
        (await _kit.Intake.SendAsync(HttpMethod.Post, "/api/v1/residents/codes", new { phone }, role: null)).EnsureSuccessStatusCode();
        var text = await Eventually.Get(() => Task.FromResult(_sender.Delivered.LastOrDefault(t => t.Phone == phone && t.Kind == "code")), "the code");
        var code = System.Text.RegularExpressions.Regex.Match(text.Text, @"\d{6}").Value;
        using var verified = await _kit.Intake.SendAsync(HttpMethod.Post, "/api/v1/residents/sessions", new { phone, code }, role: null);
        return (await verified.JsonAsync()).GetProperty("session").GetString()!;
    }

    [Fact]
    public async Task A_refused_text_is_retried_until_sent_once_and_one_that_keeps_failing_is_recorded_as_failed()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var doorplate = await _kit.IssueDoorplateAsync(county.Building);
        var (patient, unlucky) = (ResidentKit.NewPhone(), ResidentKit.NewPhone());
        _sender.AlwaysRefuse = unlucky;

        // An admin's own words for the first step.
        using var edit = await _kit.Intake.SendAsync(HttpMethod.Put, "/api/v1/notification-templates/submitted",
            new { body = "【锦园社区】收到！单号{ticket}，{category}问题我们马上安排。{link}" }, role: "admin");
        Assert.Equal(HttpStatusCode.OK, edit.StatusCode);
        using var badEdit = await _kit.Intake.SendAsync(HttpMethod.Put, "/api/v1/notification-templates/submitted", new { body = "单号{tciket}" }, role: "admin");
        Assert.Equal(HttpStatusCode.BadRequest, badEdit.StatusCode);

        var ticket = (await _kit.ReportOkAsync(await SessionAsync(patient), new { topic = "drainage", description = "下水道堵了", doorplate })).GetProperty("ticketNo").GetString()!;
        await _kit.ReportOkAsync(await SessionAsync(unlucky), new { topic = "noise", description = "夜里施工噪音", doorplate });
        var id = await _kit.RequestIdAsync(ticket);

        await Eventually.True(async () => await _stack.ScalarAsync<string>("intake",
            "SELECT state FROM resident_notifications WHERE recipient_request_id = @id AND step = 'submitted'", new { id }) == "sent", "the submitted text sent");
        var delivered = _sender.Delivered.Where(t => t.Phone == patient && t.Kind == "submitted").ToList();
        Assert.Single(delivered);
        Assert.Equal($"【锦园社区】收到！单号{ticket}，下水道堵塞问题我们马上安排。/r/status.html?t={ticket}", delivered[0].Text);
        Assert.Equal(3, await _stack.ScalarAsync<int>("intake", "SELECT attempts FROM resident_notifications WHERE recipient_request_id = @id AND step = 'submitted'", new { id }));

        await Eventually.True(async () => await _stack.ScalarAsync<long>("intake", """
            SELECT count(*) FROM resident_notifications n JOIN requests r ON r.id = n.recipient_request_id
            WHERE r.reporter_phone = @unlucky AND n.state = 'failed' AND n.attempts = 4 AND n.last_error = 'gateway says no'
            """, new { unlucky }) >= 1, "the unlucky text given up after four attempts");
        Assert.DoesNotContain(_sender.Delivered, t => t.Phone == unlucky && t.Kind != "code");

        // The desk sees what was owed and what became of it, phones masked.
        using var record = await _kit.Intake.SendAsync(HttpMethod.Get, $"/api/v1/requests/{id}/notifications", role: "desk_operator");
        var rows = await record.JsonAsync();
        Assert.Contains(rows.EnumerateArray(), r => r.GetProperty("step").GetString() == "submitted" && r.GetProperty("state").GetString() == "sent");
        Assert.DoesNotContain(patient, rows.GetRawText());
        Assert.Contains(PersonalData.MaskPhone(patient)!, rows.GetRawText());
    }
}
