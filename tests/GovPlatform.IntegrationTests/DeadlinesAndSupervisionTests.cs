using System.Net;
using System.Text.Json;
using GovPlatform.Contracts;
using GovPlatform.IntegrationTests.Infrastructure;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace GovPlatform.IntegrationTests;

/// <summary>Dispatch on a clock the tests move, with reporting beside it to count what dispatch publishes.</summary>
public sealed class SupervisionStack : IAsyncLifetime
{
    public FakeClock Clock { get; } = new();
    public TestStack Stack { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Stack = await TestStack.CreateAsync();
        Stack.Start("dispatch", ClockStack.FastClocks, services => services.AddSingleton<TimeProvider>(Clock));
        Stack.Start("reporting");
    }

    public ValueTask DisposeAsync() => Stack.DisposeAsync();
}

/// <summary>
/// Deadlines and supervision as 12345 hotlines run them: a county's working-day calendar, service levels per category
/// and urgency on working time, warnings before a deadline, supervision (督办), arbitration of disputed returns (审定)
/// and appeals of dissatisfied ratings (申诉), and what reporting counts of them.
/// </summary>
public sealed class DeadlinesAndSupervisionTests(SupervisionStack fixture) : IClassFixture<SupervisionStack>
{
    private readonly TestStack _stack = fixture.Stack;
    private readonly FakeClock _clock = fixture.Clock;
    private readonly DispatchDriver _dispatch = new(fixture.Stack);
    private CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly TimeSpan China = TimeSpan.FromHours(8);

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string url, string? token, object? body = null)
    {
        using var response = await _dispatch.SendAsync(method, url, token, body);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private async Task<JsonElement> OkAsync(HttpMethod method, string url, string? token, object? body = null)
    {
        var (status, answer) = await SendAsync(method, url, token, body);
        Assert.True(status == HttpStatusCode.OK, $"{method} {url} answered {(int)status}: {answer}");
        return answer;
    }

    private async Task<TestCounty> CountyAsync()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        return county;
    }

    private Task<Guid> WorkerIdAsync(TestCounty county, string role) =>
        _dispatch.WorkerIdAsync(county.Import.Workers!.First(w => w.Role == role).Phone);

    /// <summary>What intake publishes for a request of this category and urgency.</summary>
    private async Task<Guid> SubmitAsync(TestCounty county, string category, string urgency = "normal")
    {
        var requestId = NewId.NextGuid();
        var location = county.Building;
        var path = location.Split('-').Select((_, i) => string.Join('-', location.Split('-').Take(i + 1))).ToList();
        await _dispatch.PublishAsync(new RequestSubmitted(requestId, $"20260101-{Random.Shared.Next(0, 999_999):D6}", "hotline", category, urgency,
            location, path, null, null, DateTimeOffset.UtcNow));
        return requestId;
    }

    private async Task<DateTimeOffset> DueAsync(string county, DateTimeOffset from, double workingDays)
    {
        var answer = await OkAsync(HttpMethod.Get,
            $"/api/v1/calendars/{county}/due?from={Uri.EscapeDataString(from.ToString("O"))}&workingDays={workingDays}", DispatchDriver.Admin);
        return answer.GetProperty("dueAt").GetDateTimeOffset();
    }

    private async Task<JsonElement> ReportingAsync(string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        using var response = await _stack.Client("reporting").SendAsync(request.WithBearer(Tokens.For("leader")), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>China days around both the real and the moved clock, so requests and cases of this test fall inside.</summary>
    private string Period()
    {
        var today = DateOnly.FromDateTime(DateTimeOffset.UtcNow.ToOffset(China).DateTime);
        var moved = DateOnly.FromDateTime(_clock.GetUtcNow().ToOffset(China).DateTime);
        return $"from={today.AddDays(-1):yyyy-MM-dd}&to={(moved > today ? moved : today).AddDays(1):yyyy-MM-dd}";
    }

    [Fact]
    public async Task A_county_calendar_moves_working_day_deadlines_past_its_holidays_and_onto_its_make_up_days()
    {
        var county = await CountyAsync();
        var from = DateTimeOffset.Parse("2026-09-30T10:00:00+08:00"); // a Wednesday, the eve of the National Day week

        // Monday to Friday until the county enters its year: 7 working days end on the Friday after next.
        Assert.Equal(DateTimeOffset.Parse("2026-10-09T10:00:00+08:00"), await DueAsync(county.District, from, 7));

        var holidays = Enumerable.Range(1, 7).Select(d => new { day = $"2026-10-{d:D2}", kind = "holiday", name = "国庆节" });
        var days = holidays.Append(new { day = "2026-09-27", kind = "workday", name = "国庆节调休" })
            .Append(new { day = "2026-10-10", kind = "workday", name = "国庆节调休" }).ToList();
        var (byWorker, _) = await SendAsync(HttpMethod.Put, $"/api/v1/calendars/{county.District}/2026", Tokens.For("grid_worker", county.Grid), new { days });
        Assert.Equal(HttpStatusCode.Forbidden, byWorker);
        var year = await OkAsync(HttpMethod.Put, $"/api/v1/calendars/{county.District}/2026", DispatchDriver.Admin, new { days });
        // 261 weekdays in 2026, five of them in the holiday week, two weekend days worked instead.
        Assert.Equal(258, year.GetProperty("workingDays").GetInt32());
        Assert.Equal(9, year.GetProperty("days").GetArrayLength());

        // Seven working days now skip the holiday week and count Saturday 10 October.
        Assert.Equal(DateTimeOffset.Parse("2026-10-15T10:00:00+08:00"), await DueAsync(county.District, from, 7));
        // Another county's calendar is its own.
        var other = await CountyAsync();
        Assert.Equal(DateTimeOffset.Parse("2026-10-09T10:00:00+08:00"), await DueAsync(other.District, from, 7));

        // A make-up day on a weekday is a mistake: refused, and the year stays as it was.
        var (bad, problem) = await SendAsync(HttpMethod.Put, $"/api/v1/calendars/{county.District}/2026", DispatchDriver.Admin,
            new { days = new[] { new { day = "2026-10-12", kind = "workday", name = "错误" } } });
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.Contains("weekday", problem.GetProperty("errors").GetProperty("days[0]")[0].GetString());
        var (wrongYear, _) = await SendAsync(HttpMethod.Put, $"/api/v1/calendars/{county.District}/2026", DispatchDriver.Admin,
            new { days = new[] { new { day = "2027-01-01", kind = "holiday", name = "元旦" } } });
        Assert.Equal(HttpStatusCode.BadRequest, wrongYear);
        Assert.Equal(9, (await OkAsync(HttpMethod.Get, $"/api/v1/calendars/{county.District}/2026", DispatchDriver.Admin)).GetProperty("days").GetArrayLength());
        var (unknown, _) = await SendAsync(HttpMethod.Put, "/api/v1/calendars/NOSUCHCOUNTY/2026", DispatchDriver.Admin, new { days });
        Assert.Equal(HttpStatusCode.NotFound, unknown);
    }

    [Fact]
    public async Task An_urgent_request_runs_its_category_s_urgent_level_counted_in_working_days_of_the_county_calendar()
    {
        var county = await CountyAsync();
        var category = $"wt_{Guid.NewGuid():N}"[..14];
        var (badUrgency, _) = await SendAsync(HttpMethod.Put, $"/api/v1/sla-policies/{category}/soon", DispatchDriver.Admin,
            new { acceptMinutes = 1440, arriveMinutes = 2880, resolveMinutes = 10080, planMinutes = 10080, workingTime = true });
        var (badWarn, _) = await SendAsync(HttpMethod.Put, $"/api/v1/sla-policies/{category}/urgent", DispatchDriver.Admin,
            new { acceptMinutes = 1440, arriveMinutes = 2880, resolveMinutes = 10080, planMinutes = 10080, workingTime = true, warnPercent = 100 });
        Assert.Equal(HttpStatusCode.BadRequest, badUrgency);
        Assert.Equal(HttpStatusCode.BadRequest, badWarn);
        // One working day to accept, seven to fix (12345's general request), warned half-way.
        await OkAsync(HttpMethod.Put, $"/api/v1/sla-policies/{category}/urgent", DispatchDriver.Admin,
            new { acceptMinutes = 1440, arriveMinutes = 2880, resolveMinutes = 10080, planMinutes = 10080, workingTime = true, warnPercent = 50 });

        // The next three days are the county's holidays, whatever day of the week today is.
        var today = DateOnly.FromDateTime(_clock.GetUtcNow().ToOffset(China).DateTime);
        foreach (var year in Enumerable.Range(1, 3).Select(i => today.AddDays(i)).GroupBy(d => d.Year))
            await OkAsync(HttpMethod.Put, $"/api/v1/calendars/{county.District}/{year.Key}", DispatchDriver.Admin,
                new { days = year.Select(d => new { day = d.ToString("yyyy-MM-dd"), kind = "holiday", name = "测试假日" }).ToList() });

        var urgent = await _dispatch.OrderIdForAsync(await SubmitAsync(county, category, "urgent"));
        var normal = await _dispatch.OrderIdForAsync(await SubmitAsync(county, category, "normal"));

        async Task<(DateTime Created, DateTime Due, DateTime Warn, bool Working)> AcceptClockAsync(Guid id) =>
            (await _stack.QueryAsync<(DateTime, DateTime, DateTime, bool)>("dispatch", """
                SELECT o.created_at, d.due_at, d.warn_at, d.working_time FROM work_order_deadlines d JOIN work_orders o ON o.id = d.work_order_id
                WHERE d.work_order_id = @id AND d.clock = 'accept'
                """, new { id })).Single();
        var (created, due, warn, working) = await AcceptClockAsync(urgent);
        var start = new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc));
        Assert.True(working);
        Assert.Equal(await DueAsync(county.District, start, 1), new DateTimeOffset(DateTime.SpecifyKind(due, DateTimeKind.Utc)));
        Assert.True(due - created >= TimeSpan.FromDays(3), $"one working day after three holidays, not {due - created}");
        Assert.Equal(await DueAsync(county.District, start, 0.5), new DateTimeOffset(DateTime.SpecifyKind(warn, DateTimeKind.Utc)));
        Assert.Equal("urgent", await _stack.ScalarAsync<string>("dispatch", "SELECT urgency FROM work_orders WHERE id = @urgent", new { urgent }));

        // A normal request of the same category has no level of its own: the default's wall-clock minute.
        var (normalCreated, normalDue, _, normalWorking) = await AcceptClockAsync(normal);
        Assert.False(normalWorking);
        Assert.Equal(TimeSpan.FromMinutes(1), normalDue - normalCreated);

        var policies = await OkAsync(HttpMethod.Get, "/api/v1/sla-policies", DispatchDriver.Admin);
        var listed = policies.EnumerateArray().Single(p => p.GetProperty("category").GetString() == category);
        Assert.Equal(("urgent", true, 50), (listed.GetProperty("urgency").GetString(), listed.GetProperty("workingTime").GetBoolean(), listed.GetProperty("warnPercent").GetInt32()));
    }

    [Fact]
    public async Task Before_a_deadline_passes_the_handler_and_their_leader_are_warned_once_at_each_tier()
    {
        var county = await CountyAsync();
        var order = await _dispatch.OrderForAsync(await SubmitAsync(county, "noise"));
        var orderId = order.GetProperty("id").GetGuid();
        var handler = order.GetProperty("assigneeId").GetGuid();
        var leader = await WorkerIdAsync(county, "grid_leader");
        var cadre = await WorkerIdAsync(county, "community_cadre");

        // The accept minute warns at 80%: 48 seconds in.
        _clock.Advance(TimeSpan.FromSeconds(50));
        var warned = await Eventually.Get(async () =>
        {
            var w = await _dispatch.EventsAsync(nameof(DeadlineWarned), orderId);
            return w.Count == 1 ? w : null;
        }, "the accept clock's warning");
        var first = warned[0];
        Assert.Equal(("accept", "compound"), (first.GetProperty("clock").GetString(), first.GetProperty("tier").GetString()));
        Assert.Equal(handler, first.GetProperty("handlerId").GetGuid());
        Assert.Equal([leader], first.GetProperty("leaderIds").EnumerateArray().Select(x => x.GetGuid()));
        Assert.Contains("deadline_warned", DispatchDriver.Actions(await _dispatch.GetAsync(orderId)));

        // Missed anyway: the community takes it with fresh clocks, and its own accept minute warns the community's cadres.
        _clock.Advance(TimeSpan.FromSeconds(11));
        await Eventually.True(async () => (await _dispatch.EventsAsync(nameof(WorkOrderEscalated), orderId)).Count == 1, "the escalation");
        _clock.Advance(TimeSpan.FromSeconds(50));
        var both = await Eventually.Get(async () =>
        {
            var w = await _dispatch.EventsAsync(nameof(DeadlineWarned), orderId);
            return w.Count >= 2 ? w : null;
        }, "the community tier's warning");
        Assert.Equal(2, both.Count);
        var second = both[1];
        Assert.Equal(("accept", "community"), (second.GetProperty("clock").GetString(), second.GetProperty("tier").GetString()));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("handlerId").ValueKind);
        Assert.Equal([cadre], second.GetProperty("leaderIds").EnumerateArray().Select(x => x.GetGuid()));
        Assert.Equal(1, await _stack.ScalarAsync<long>("dispatch",
            "SELECT count(*) FROM work_order_deadlines WHERE work_order_id = @orderId AND tier = 'compound' AND warned_at IS NOT NULL", new { orderId }));

        // Reporting counts each warning once.
        await Eventually.True(async () => (await ReportingAsync($"/api/v1/stats/supervision?under={county.District}&{Period()}"))
            .GetProperty("warnings").GetInt64() == 2, "reporting's count of the two warnings");
    }

    [Fact]
    public async Task A_supervised_order_stays_on_the_board_goes_overdue_once_and_leaves_the_board_when_resolved()
    {
        var county = await CountyAsync();
        var orderId = await _dispatch.OrderIdForAsync(await SubmitAsync(county, "noise"));
        var worker = Tokens.For("grid_worker", county.Grid);
        await _dispatch.ActOkAsync(orderId, "accept", worker);
        await _dispatch.ActOkAsync(orderId, "arrive", worker);
        var cadre = Tokens.For("community_cadre", county.Community);
        var dueAt = _clock.GetUtcNow().AddMinutes(10);

        var (byWorker, _) = await SendAsync(HttpMethod.Post, $"/api/v1/work-orders/{orderId}/supervise", worker, new { reason = "群众多次来电", dueAt });
        var (pastDate, _) = await SendAsync(HttpMethod.Post, $"/api/v1/work-orders/{orderId}/supervise", cadre, new { reason = "群众多次来电", dueAt = _clock.GetUtcNow().AddMinutes(-1) });
        var (noReason, _) = await SendAsync(HttpMethod.Post, $"/api/v1/work-orders/{orderId}/supervise", cadre, new { reason = " ", dueAt });
        Assert.Equal(HttpStatusCode.Forbidden, byWorker);
        Assert.Equal(HttpStatusCode.BadRequest, pastDate);
        Assert.Equal(HttpStatusCode.BadRequest, noReason);
        var flagged = await OkAsync(HttpMethod.Post, $"/api/v1/work-orders/{orderId}/supervise", cadre, new { reason = "群众多次来电，社区督办", dueAt });
        Assert.Equal("open", Assert.Single(flagged.EnumerateArray()).GetProperty("state").GetString());
        var (again, _) = await SendAsync(HttpMethod.Post, $"/api/v1/work-orders/{orderId}/supervise", cadre, new { reason = "再次督办", dueAt });
        Assert.Equal(HttpStatusCode.Conflict, again);

        async Task<JsonElement?> OnBoardAsync(string token, string query = "")
        {
            var board = await OkAsync(HttpMethod.Get, $"/api/v1/supervision/board{query}", token);
            return board.EnumerateArray().Where(s => s.GetProperty("workOrderId").GetGuid() == orderId).Select(s => (JsonElement?)s).SingleOrDefault();
        }
        Assert.Equal("open", (await OnBoardAsync(cadre))!.Value.GetProperty("state").GetString());
        Assert.NotNull(await OnBoardAsync(cadre, "?mine=true"));
        Assert.Null(await OnBoardAsync(Tokens.For("community_cadre", county.Community), "?mine=true"));
        Assert.Null(await OnBoardAsync(Tokens.For("community_cadre", new TestCounty().Community)));
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Get, "/api/v1/supervision/board?state=late", cadre)).Status);

        _clock.Advance(TimeSpan.FromMinutes(11));
        await Eventually.True(async () => (await _dispatch.EventsAsync(nameof(SupervisionOverdue), orderId)).Count == 1, "the supervision going overdue");
        Assert.Equal("overdue", (await OnBoardAsync(cadre))!.Value.GetProperty("state").GetString());

        await _dispatch.ActOkAsync(orderId, "resolve", worker, new { resolution = "已疏通" });
        var done = Assert.Single(await _dispatch.EventsAsync(nameof(SupervisionCompleted), orderId));
        Assert.False(done.GetProperty("onTime").GetBoolean());
        Assert.Null(await OnBoardAsync(cadre));
        Assert.Equal("done", (await OnBoardAsync(cadre, "?state=done"))!.Value.GetProperty("state").GetString());
        Assert.Single(await _dispatch.EventsAsync(nameof(SupervisionOverdue), orderId));

        await Eventually.True(async () =>
        {
            var figures = await ReportingAsync($"/api/v1/stats/supervision?under={county.District}&{Period()}");
            return (figures.GetProperty("supervised").GetInt64(), figures.GetProperty("supervisedOverdue").GetInt64(),
                figures.GetProperty("supervisedDoneLate").GetInt64(), figures.GetProperty("supervisedRunning").GetInt64()) == (1, 1, 1, 0);
        }, "reporting's supervision ledger");
    }

    [Fact]
    public async Task A_disputed_return_is_ruled_on_by_the_subdistrict_and_the_ruling_is_final()
    {
        var county = await CountyAsync();
        var order = await _dispatch.OrderForAsync(await SubmitAsync(county, "noise"));
        var orderId = order.GetProperty("id").GetGuid();
        var handlerId = order.GetProperty("assigneeId").GetGuid();
        var handler = Tokens.For("grid_worker", county.Grid, subject: handlerId.ToString());
        var officer = Tokens.For("subdistrict_officer", $"{county.District}-01");

        var (notReturned, _) = await SendAsync(HttpMethod.Post, $"/api/v1/work-orders/{orderId}/arbitration", handler, new { claim = "不归我管" });
        Assert.Equal(HttpStatusCode.Conflict, notReturned);
        await _dispatch.ActOkAsync(orderId, "return", handler, new { reason = "下水管属于市政管网，不归网格" });
        var requested = await OkAsync(HttpMethod.Post, $"/api/v1/work-orders/{orderId}/arbitration", handler, new { claim = "市政管网应由城管处理" });
        var arbitration = Assert.Single(requested.EnumerateArray());
        Assert.Equal(("subdistrict", "pending"), (arbitration.GetProperty("arbiterTier").GetString(), arbitration.GetProperty("state").GetString()));
        var arbitrationId = arbitration.GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, $"/api/v1/work-orders/{orderId}/arbitration", handler, new { claim = "再申请" })).Status);

        var decision = new { responsibleWorkerId = handlerId, reason = "小区内管道属网格处置范围" };
        var (byCadre, _) = await SendAsync(HttpMethod.Post, $"/api/v1/arbitrations/{arbitrationId}/decision", Tokens.For("community_cadre", county.Community), decision);
        Assert.Equal(HttpStatusCode.Forbidden, byCadre);
        var outsider = await WorkerIdAsync(await CountyAsync(), "grid_worker");
        var (outside, problem) = await SendAsync(HttpMethod.Post, $"/api/v1/arbitrations/{arbitrationId}/decision", officer,
            new { responsibleWorkerId = outsider, reason = "错派" });
        Assert.Equal(HttpStatusCode.BadRequest, outside);
        Assert.True(problem.GetProperty("errors").TryGetProperty("responsibleWorkerId", out _));

        var ruled = Assert.Single((await OkAsync(HttpMethod.Post, $"/api/v1/arbitrations/{arbitrationId}/decision", officer, decision)).EnumerateArray());
        Assert.Equal(("decided", handlerId), (ruled.GetProperty("state").GetString(), ruled.GetProperty("responsibleId").GetGuid()));
        var after = await _dispatch.GetAsync(orderId);
        Assert.Equal(("assigned", handlerId), (after.GetProperty("status").GetString(), after.GetProperty("assigneeId").GetGuid()));
        // Fresh clocks for the named handler, in a new round.
        Assert.Equal(2, await _stack.ScalarAsync<int>("dispatch", "SELECT round FROM work_orders WHERE id = @orderId", new { orderId }));
        Assert.Equal(1, await _stack.ScalarAsync<long>("dispatch",
            "SELECT count(*) FROM work_order_deadlines WHERE work_order_id = @orderId AND round = 2 AND clock = 'accept' AND state = 'pending'", new { orderId }));

        // Final: the named handler cannot hand it back, and nobody rules twice.
        using var returnAgain = await _dispatch.ActAsync(orderId, "return", handler, new { reason = "还是不归我" });
        Assert.Equal(HttpStatusCode.Conflict, returnAgain.StatusCode);
        Assert.Contains("final", await returnAgain.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, $"/api/v1/arbitrations/{arbitrationId}/decision", officer, decision)).Status);
        Assert.Single(await _dispatch.EventsAsync(nameof(ArbitrationDecided), orderId));
        Assert.Single(await _dispatch.EventsAsync(nameof(WorkOrderTransferred), orderId));

        await Eventually.True(async () =>
        {
            var figures = await ReportingAsync($"/api/v1/stats/supervision?under={county.District}&{Period()}");
            return (figures.GetProperty("arbitrationsRequested").GetInt64(), figures.GetProperty("arbitrationsDecided").GetInt64()) == (1, 1);
        }, "reporting's count of the arbitration");
    }

    [Fact]
    public async Task An_upheld_appeal_takes_a_dissatisfied_rating_out_of_the_satisfaction_rate_and_keeps_it_on_record()
    {
        var county = await CountyAsync();
        var requestId = await SubmitAsync(county, "noise");
        var order = await _dispatch.OrderForAsync(requestId);
        var orderId = order.GetProperty("id").GetGuid();
        var handler = Tokens.For("grid_worker", county.Grid, subject: order.GetProperty("assigneeId").GetGuid().ToString());
        await _dispatch.ActOkAsync(orderId, "accept", handler);
        await _dispatch.ActOkAsync(orderId, "arrive", handler);
        await _dispatch.ActOkAsync(orderId, "resolve", handler, new { resolution = "已疏通并拍照留证" });
        var appeal = new { reason = "居民不满意的是物业收费，与本诉求无关", evidence = "现场照片与通话录音显示下水道已疏通" };
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, $"/api/v1/work-orders/{orderId}/rating-appeals", handler, appeal)).Status);

        await _dispatch.PublishAsync(new RequestClosed(requestId, Satisfaction.Dissatisfied, DateTimeOffset.UtcNow));
        await Eventually.True(async () => (await _dispatch.GetAsync(orderId)).GetProperty("status").GetString() == "closed", "the order closed as dissatisfied");
        var kpis = $"/api/v1/kpis?under={county.District}&{Period()}";
        async Task<(long Rated, long Satisfied)> RatedAsync()
        {
            var totals = (await ReportingAsync(kpis)).GetProperty("totals");
            return (totals.GetProperty("rated").GetInt64(), totals.GetProperty("satisfied").GetInt64());
        }
        await Eventually.True(async () => await RatedAsync() == (1, 0), "reporting to count the dissatisfied rating");

        var (noEvidence, problem) = await SendAsync(HttpMethod.Post, $"/api/v1/work-orders/{orderId}/rating-appeals", handler, new { reason = "不服", evidence = "" });
        Assert.Equal(HttpStatusCode.BadRequest, noEvidence);
        Assert.True(problem.GetProperty("errors").TryGetProperty("evidence", out _));
        var (otherCounty, _) = await SendAsync(HttpMethod.Post, $"/api/v1/work-orders/{orderId}/rating-appeals",
            Tokens.For("grid_worker", new TestCounty().Grid), appeal);
        Assert.Equal(HttpStatusCode.NotFound, otherCounty);
        var filed = Assert.Single((await OkAsync(HttpMethod.Post, $"/api/v1/work-orders/{orderId}/rating-appeals", handler, appeal)).EnumerateArray());
        Assert.Equal(("pending", "community"), (filed.GetProperty("state").GetString(), filed.GetProperty("deciderTier").GetString()));
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, $"/api/v1/work-orders/{orderId}/rating-appeals", handler, appeal)).Status);
        // Filing changes nothing in the figures: only a decision does.
        Assert.Equal((1L, 0L), await RatedAsync());

        var appealId = filed.GetProperty("id").GetGuid();
        var uphold = new { upheld = true, reason = "证据充分，差评与办理无关" };
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, $"/api/v1/rating-appeals/{appealId}/decision", Tokens.For("grid_leader", county.Grid), uphold)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Post, $"/api/v1/rating-appeals/{appealId}/decision",
            Tokens.For("community_cadre", county.Community), new { reason = "未说明" })).Status);
        var decided = Assert.Single((await OkAsync(HttpMethod.Post, $"/api/v1/rating-appeals/{appealId}/decision", Tokens.For("community_cadre", county.Community), uphold)).EnumerateArray());
        Assert.Equal("upheld", decided.GetProperty("state").GetString());

        await Eventually.True(async () => await RatedAsync() == (0, 0), "the upheld appeal's rating to leave the satisfaction rate");
        // Recorded, never deleted: the rating is still there, marked excluded; the appeal is counted.
        var (satisfaction, excluded) = (await _stack.QueryAsync<(string, bool)>("reporting",
            "SELECT satisfaction, rating_excluded FROM request_facts WHERE request_id = @requestId", new { requestId })).Single();
        Assert.Equal((Satisfaction.Dissatisfied, true), (satisfaction, excluded));
        Assert.Equal("dissatisfied", await _stack.ScalarAsync<string>("dispatch", "SELECT satisfaction FROM work_orders WHERE id = @orderId", new { orderId }));
        var figures = await ReportingAsync($"/api/v1/stats/supervision?under={county.District}&{Period()}");
        Assert.Equal((1L, 1L, 0L), (figures.GetProperty("appealsFiled").GetInt64(), figures.GetProperty("appealsUpheld").GetInt64(), figures.GetProperty("appealsRejected").GetInt64()));
    }
}
