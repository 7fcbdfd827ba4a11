using System.Net;
using System.Text.Json;
using GovPlatform.Contracts;
using GovPlatform.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace GovPlatform.IntegrationTests.StaffConsole;

/// <summary>
/// The dispatch board's actions and the community's screens beside it (councils, mediation, service orders,
/// supervision) in a real browser, signed in at the identity service; every effect is read back from dispatch's API.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class BoardScreensTests(ConsoleStack console, Browser browser)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly DispatchDriver _dispatch = new(console.Stack);
    private static readonly string Admin = DispatchDriver.Admin;

    private async Task<TestCounty> CountyAsync()
    {
        var county = new TestCounty(workersInGrid: 2);
        await console.Stack.ImportAsync(county);
        return county;
    }

    /// <summary>A request as intake publishes it, and its work order as the admin reads it.</summary>
    private async Task<(Guid Id, string Ticket, Guid AssigneeId)> OrderAsync(TestCounty county, string category = "parking")
    {
        var order = await _dispatch.OrderForAsync(await _dispatch.SubmitAsync(county, category));
        return (order.GetProperty("id").GetGuid(), order.GetProperty("ticketNo").GetString()!, order.GetProperty("assigneeId").GetGuid());
    }

    private async Task<JsonElement> GetAsync(string url)
    {
        using var response = await _dispatch.SendAsync(HttpMethod.Get, url, Admin);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        return (await response.JsonAsync()).Clone();
    }

    private async Task OkAsync(string url, string token, object body)
    {
        using var response = await _dispatch.SendAsync(HttpMethod.Post, url, token, body);
        Assert.True(response.IsSuccessStatusCode, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
    }

    /// <summary>The grid's other grid worker than the one named, from dispatch's roster.</summary>
    private async Task<Guid> OtherWorkerAsync(TestCounty county, Guid not) =>
        (await GetAsync($"/api/v1/workers?under={county.Grid}")).EnumerateArray()
            .Where(w => w.GetProperty("role").GetString() == "grid_worker")
            .Select(w => w.GetProperty("id").GetGuid()).First(id => id != not);

    private async Task<IPage> SignInAsync(string userName, string path)
    {
        var page = await console.SignInAsync(browser, userName, path);
        page.SetDefaultTimeout(30_000);
        return page;
    }

    private static Task ContainsAsync(ILocator locator, string text) =>
        Assertions.Expect(locator).ToContainTextAsync(text, new() { Timeout = 30_000 });

    [Fact]
    public async Task The_board_transfers_returns_escalates_whistles_and_flags_supervision_with_its_clock_on_the_card()
    {
        var county = await CountyAsync();
        var (orderId, ticket, assignee) = await OrderAsync(county);
        var other = await OtherWorkerAsync(county, assignee);
        var page = await SignInAsync(await console.AccountAsync("community_cadre", county.Community), "dispatcher");
        var actions = page.Locator("[data-testid=board-actions]");

        async Task OpenAsync(string tier)
        {
            await page.Locator($"[data-tier={tier}] [data-ticket='{ticket}']").ClickAsync();
            await actions.WaitForAsync();
        }

        // Transfer to the grid's other worker.
        await OpenAsync("compound");
        await page.Locator($"#board-transfer-to option[value='{other}']").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.SelectOptionAsync("#board-transfer-to", other.ToString());
        await page.FillAsync("#board-reason", "原网格员休假，转同网格网格员");
        await page.ClickAsync("[data-action=transfer]");
        await actions.WaitForAsync(new() { State = WaitForSelectorState.Detached });
        var order = await GetAsync($"/api/v1/work-orders/{orderId}");
        Assert.Equal(("assigned", other), (order.GetProperty("status").GetString(), order.GetProperty("assigneeId").GetGuid()));

        // Returned to the community.
        await OpenAsync("compound");
        await page.FillAsync("#board-reason", "不属于本网格职责，退回社区");
        await page.ClickAsync("[data-action=return]");
        await actions.WaitForAsync(new() { State = WaitForSelectorState.Detached });
        Assert.Equal("returned", (await GetAsync($"/api/v1/work-orders/{orderId}")).GetProperty("status").GetString());

        // Escalated: the card moves to the community's column.
        await OpenAsync("compound");
        await page.FillAsync("#board-reason", "涉及地下管网，小区无法处置");
        await page.ClickAsync("[data-action=escalate]");
        await actions.WaitForAsync(new() { State = WaitForSelectorState.Detached });
        order = await GetAsync($"/api/v1/work-orders/{orderId}");
        Assert.Equal(("assigned", "community"), (order.GetProperty("status").GetString(), order.GetProperty("tier").GetString()));

        // Whistled: the police are called in.
        await OpenAsync("community");
        await page.FillAsync("#board-reason", "占道施工需交警配合");
        await page.FillAsync("#board-departments", "police");
        await page.ClickAsync("[data-action=whistle]");
        await Eventually.True(async () => (await GetAsync($"/api/v1/work-orders/{orderId}/whistles")).EnumerateArray()
            .Any(w => w.GetProperty("department").GetString() == "police"), "the whistle to the police in dispatch");

        // Supervised (督办) with a date: the card then carries the supervision's clock.
        await page.FillAsync("#board-reason", "群众反映强烈，限期办结");
        await page.ClickAsync("[data-action=supervise]");
        var chip = page.Locator($"[data-tier=community] [data-ticket='{ticket}'] [data-supervision=open]");
        await chip.WaitForAsync();
        var supervision = Assert.Single((await GetAsync($"/api/v1/work-orders/{orderId}/supervisions")).EnumerateArray());
        Assert.Equal(("open", "群众反映强烈，限期办结"), (supervision.GetProperty("state").GetString(), supervision.GetProperty("reason").GetString()));
        var dueAt = supervision.GetProperty("dueAt").GetDateTimeOffset();
        Assert.InRange(dueAt, DateTimeOffset.UtcNow.AddDays(3).AddMinutes(-10), DateTimeOffset.UtcNow.AddDays(3).AddMinutes(1));
        Assert.Contains(dueAt.ToOffset(TimeSpan.FromHours(8)).ToString("MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture), await chip.InnerTextAsync());
        await Browser.ScreenshotForDocsAsync(page, "console-board-supervised.png");

        // A second flag is refused as dispatch words it, and nothing more is stored.
        await page.ClickAsync("[data-action=supervise]");
        await ContainsAsync(page.Locator("[data-testid=board-error]"), "under supervision already");
        Assert.Single((await GetAsync($"/api/v1/work-orders/{orderId}/supervisions")).EnumerateArray());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_cadre_schedules_a_council_and_a_joint_meeting_on_the_screen_and_records_who_came_for_each_party_and_the_decision()
    {
        var county = await CountyAsync();
        var (local, localTicket, _) = await OrderAsync(county, "property_service");
        var (escalated, escalatedTicket, _) = await OrderAsync(county);
        var cadreToken = Tokens.For("community_cadre", county.Community);
        await OkAsync($"/api/v1/work-orders/{escalated}/escalate", cadreToken, new { reason = "社区无法协调" });
        var page = await SignInAsync(await console.AccountAsync("community_cadre", county.Community), "dispatcher/councils");

        async Task ChooseOrderAsync(Guid id)
        {
            await page.Locator($"#council-order option[value='{id}']").WaitForAsync(new() { State = WaitForSelectorState.Attached });
            await page.SelectOptionAsync("#council-order", id.ToString());
        }

        await ChooseOrderAsync(local);
        await page.FillAsync("#council-place", "锦园社区议事厅");
        await page.ClickAsync("[data-testid=council-schedule-submit]");
        var upcoming = page.Locator($"[data-testid=councils-upcoming] [data-ticket='{localTicket}']");
        await upcoming.WaitForAsync();

        // A joint meeting on an order still at the compound is refused as dispatch words it.
        await page.SelectOptionAsync("#council-kind", "joint_meeting");
        await page.FillAsync("#council-place", "街道联席会议室");
        await page.ClickAsync("[data-testid=council-schedule-submit]");
        await ContainsAsync(page.Locator("[data-testid=council-error]"), "community tier");

        // On the escalated order, tracked by the community's cadre from the roster.
        await ChooseOrderAsync(escalated);
        await page.Locator("#council-tracker option", new() { HasText = "社区书记" }).WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.ClickAsync("[data-testid=council-schedule-submit]");
        await page.Locator($"[data-testid=councils-upcoming] [data-ticket='{escalatedTicket}']").WaitForAsync();
        var joint = Assert.Single((await GetAsync($"/api/v1/work-orders/{escalated}/councils")).EnumerateArray());
        Assert.Equal(("joint_meeting", "社区书记", "街道联席会议室"), (joint.GetProperty("kind").GetString(),
            joint.GetProperty("trackedByName").GetString(), joint.GetProperty("place").GetString()));
        Assert.DoesNotContain((await GetAsync($"/api/v1/work-orders/{local}/councils")).EnumerateArray(),
            c => c.GetProperty("kind").GetString() == "joint_meeting");

        // Recorded without the property company: refused, as a three-party council needs it at the table.
        await upcoming.Locator("[data-action=record]").ClickAsync();
        await page.FillAsync("#att-community_party", "王书记");
        await page.FillAsync("#att-owners_committee", "业委会李主任");
        await page.FillAsync("#att-owners_representative", "3号楼业主代表、5号楼业主代表");
        await page.FillAsync("#council-decision", "物业一周内更换电梯主板，费用从维修基金列支");
        await page.ClickAsync("[data-action=save-record]");
        await ContainsAsync(page.Locator("[data-testid=record-error]"), "property_company");
        await page.FillAsync("#att-property_company", "物业张经理");
        await page.ClickAsync("[data-action=save-record]");
        var held = page.Locator($"[data-testid=councils-held] [data-ticket='{localTicket}']");
        await held.WaitForAsync();
        await ContainsAsync(held.Locator("[data-party=owners_representative]"), "5号楼业主代表");
        await Browser.ScreenshotForDocsAsync(page, "console-board-councils.png");

        var council = Assert.Single((await GetAsync($"/api/v1/work-orders/{local}/councils")).EnumerateArray());
        Assert.Equal("three_party", council.GetProperty("kind").GetString());
        Assert.NotEqual(JsonValueKind.Null, council.GetProperty("heldAt").ValueKind);
        string[] table = ["community_party:王书记", "owners_committee:业委会李主任", "property_company:物业张经理",
            "owners_representative:3号楼业主代表", "owners_representative:5号楼业主代表"];
        Assert.Equal(table.Order(), council.GetProperty("attendees").EnumerateArray().Select(a => a.GetString()!).Order());
        Assert.Equal("物业一周内更换电梯主板，费用从维修基金列支", council.GetProperty("decision").GetString());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_cadre_opens_a_mediation_case_records_a_session_and_closes_it_with_a_signed_agreement()
    {
        var county = await CountyAsync();
        var page = await SignInAsync(await console.AccountAsync("community_cadre", county.Community), "dispatcher/mediation");
        await page.Locator($"#community option[value='{county.Community}']").WaitForAsync(new() { State = WaitForSelectorState.Attached });

        var summary = "物业费上涨与电梯维修纠纷 " + Guid.NewGuid().ToString("N")[..6];
        await page.SelectOptionAsync("#med-kind", "property");
        await page.FillAsync("#med-party1-name", "赵大明");
        await page.FillAsync("#med-party1-role", "3号楼业主");
        await page.FillAsync("#med-party2-name", "锦园物业");
        await page.FillAsync("#med-party2-role", "物业公司");
        await page.SelectOptionAsync("#med-mediator-kind", "studio");
        await page.FillAsync("#med-mediator-name", "老杨调解工作室");
        await page.FillAsync("#med-summary", summary);
        await page.ClickAsync("[data-testid=med-open-submit]");
        var card = page.Locator("[data-testid=mediation-cases] [data-case]", new() { HasText = summary });
        await card.Locator("[data-testid=session-form]").WaitForAsync();
        var caseId = Guid.Parse((await card.GetAttributeAsync("data-case"))!);
        Assert.Equal("open", (await GetAsync($"/api/v1/mediation-cases/{caseId}")).GetProperty("state").GetString());

        // Failure before any session: dispatch refuses, in its words, and the case stays open.
        await page.SelectOptionAsync("#close-outcome", "failed");
        await page.ClickAsync("[data-action=close]");
        await ContainsAsync(page.Locator("[data-testid=case-error]"), "Record the session first");
        Assert.Equal("open", (await GetAsync($"/api/v1/mediation-cases/{caseId}")).GetProperty("state").GetString());

        await page.FillAsync("#sess-attendees", "赵大明、物业王经理、老杨");
        await page.FillAsync("#sess-notes", "双方同意物业先修电梯，物业费调整另行表决");
        await page.ClickAsync("[data-action=session]");
        await card.Locator("[data-session]").WaitForAsync();

        await page.SelectOptionAsync("#close-outcome", "agreement");
        await page.FillAsync("#close-note", "签订人民调解协议书");
        await page.ClickAsync("[data-action=close]");
        await page.Locator($"[data-case='{caseId}'][data-state=closed] [data-outcome=agreement]").WaitForAsync();
        await Browser.ScreenshotForDocsAsync(page, "console-board-mediation.png");

        var closed = await GetAsync($"/api/v1/mediation-cases/{caseId}");
        Assert.Equal(("closed", "agreement", 1), (closed.GetProperty("state").GetString(), closed.GetProperty("outcome").GetString(),
            closed.GetProperty("sessionCount").GetInt32()));
        Assert.NotEqual(JsonValueKind.Null, closed.GetProperty("agreementSignedAt").ValueKind);
        Assert.Equal(["赵大明", "锦园物业"], closed.GetProperty("parties").EnumerateArray().Select(p => p.GetProperty("name").GetString()!).ToArray());
        Assert.Equal(["赵大明", "物业王经理", "老杨"], closed.GetProperty("sessions")[0].GetProperty("attendees").EnumerateArray().Select(a => a.GetString()!).ToArray());
        Assert.Equal(("property", "studio", "老杨调解工作室"), (closed.GetProperty("kind").GetString(), closed.GetProperty("mediatorKind").GetString(),
            closed.GetProperty("mediatorName").GetString()));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_cadre_publishes_a_service_records_an_order_dispatches_it_records_it_taken_and_completes_it_onto_the_public_list()
    {
        var county = await CountyAsync();
        var page = await SignInAsync(await console.AccountAsync("community_cadre", county.Community), "dispatcher/service-orders");
        await page.Locator($"#community option[value='{county.Community}']").WaitForAsync(new() { State = WaitForSelectorState.Attached });

        await page.FillAsync("#menu-title", "上门理发");
        await page.FillAsync("#menu-desc", "为行动不便的老人上门理发");
        await page.ClickAsync("[data-testid=menu-add]");
        var item = page.Locator("[data-testid=menu] [data-item]", new() { HasText = "上门理发" });
        await item.WaitForAsync();
        var itemId = (await item.GetAttributeAsync("data-item"))!;

        await page.SelectOptionAsync("#so-item", itemId);
        await page.SelectOptionAsync("#so-orderer-kind", "resident");
        await page.FillAsync("#so-name", "孙桂兰");
        await page.FillAsync("#so-contact", "13800001234");
        await page.FillAsync("#so-note", "周三上午在家");
        await page.ClickAsync("[data-testid=so-place-submit]");
        var card = page.Locator("[data-testid=service-orders] [data-order][data-state=placed]");
        await card.WaitForAsync();
        var orderId = Guid.Parse((await card.GetAttributeAsync("data-order"))!);
        var stateOf = async () => (await GetAsync($"/api/v1/service-orders/{orderId}")).GetProperty("state").GetString();
        Assert.Equal("placed", await stateOf());

        // No taker named: dispatch's field error is shown and the order stays placed.
        await page.ClickAsync($"[data-order='{orderId}'] [data-action=dispatch]");
        await ContainsAsync(page.Locator("[data-testid=so-error]"), "takerName");
        Assert.Equal("placed", await stateOf());

        await page.SelectOptionAsync($"#taker-kind-{orderId}", "member_unit");
        await page.FillAsync($"#taker-name-{orderId}", "县人民医院党支部");
        await page.ClickAsync($"[data-order='{orderId}'] [data-action=dispatch]");
        await page.ClickAsync($"[data-order='{orderId}'][data-state=dispatched] [data-action=take]");
        await page.FillAsync($"[data-order='{orderId}'][data-state=taken] #result-{orderId}", "已上门为孙奶奶理发，老人很满意");
        await page.ClickAsync($"[data-order='{orderId}'] [data-action=complete]");
        await page.Locator($"[data-order='{orderId}'][data-state=completed]").WaitForAsync();
        await ContainsAsync(page.Locator($"[data-testid=service-results] [data-order='{orderId}']"), "已上门为孙奶奶理发");
        await Browser.ScreenshotForDocsAsync(page, "console-board-service-orders.png");

        var done = await GetAsync($"/api/v1/service-orders/{orderId}");
        Assert.Equal(("completed", "member_unit", "县人民医院党支部", "已上门为孙奶奶理发，老人很满意"), (done.GetProperty("state").GetString(),
            done.GetProperty("takerKind").GetString(), done.GetProperty("takerName").GetString(), done.GetProperty("result").GetString()));
        Assert.Equal(["placed", "dispatched", "taken", "completed"],
            done.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("action").GetString()!).ToArray());
        using var shown = await console.Stack.Client("dispatch").GetAsync($"/api/v1/public/communities/{county.Community}/service-results", Ct);
        var result = Assert.Single((await shown.JsonAsync()).EnumerateArray(), r => r.GetProperty("orderId").GetGuid() == orderId);
        Assert.Equal("已上门为孙奶奶理发，老人很满意", result.GetProperty("result").GetString());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_supervision_screen_shows_the_board_and_the_ruling_levels_decide_a_disputed_return_and_a_rating_appeal()
    {
        var county = await CountyAsync();
        var cadreToken = Tokens.For("community_cadre", county.Community);
        var (supervised, supervisedTicket, _) = await OrderAsync(county);
        await OkAsync($"/api/v1/work-orders/{supervised}/supervise", cadreToken, new { reason = "重复投诉，限期办结", dueAt = DateTimeOffset.UtcNow.AddDays(2) });

        var (disputed, disputedTicket, handlerId) = await OrderAsync(county);
        var handler = Tokens.For("grid_worker", county.Grid, subject: handlerId.ToString());
        await OkAsync($"/api/v1/work-orders/{disputed}/return", handler, new { reason = "属于物业职责" });
        await OkAsync($"/api/v1/work-orders/{disputed}/arbitration", handler, new { claim = "化粪池归物业维护，不属网格" });
        var responsible = await OtherWorkerAsync(county, handlerId);

        var (rated, ratedTicket, ratedHandler) = await OrderAsync(county);
        var ratedToken = Tokens.For("grid_worker", county.Grid, subject: ratedHandler.ToString());
        foreach (var (step, body) in new (string, object)[] { ("accept", new { }), ("arrive", new { }), ("resolve", new { resolution = "已疏通" }) })
            await OkAsync($"/api/v1/work-orders/{rated}/{step}", ratedToken, body);
        var requestId = (await GetAsync($"/api/v1/work-orders/{rated}")).GetProperty("requestId").GetGuid();
        await _dispatch.PublishAsync(new RequestClosed(requestId, Satisfaction.Dissatisfied, DateTimeOffset.UtcNow));
        await Eventually.True(async () => (await GetAsync($"/api/v1/work-orders/{rated}")).GetProperty("status").GetString() == "closed", "the order closed as dissatisfied");
        await OkAsync($"/api/v1/work-orders/{rated}/rating-appeals", ratedToken, new { reason = "不满意的是物业收费", evidence = "现场照片显示已疏通" });

        // The community sees all three, but the disputed return is the subdistrict's to rule on.
        var cadre = await SignInAsync(await console.AccountAsync("community_cadre", county.Community), "dispatcher/supervision");
        await cadre.Locator($"[data-testid=supervision-board] tr[data-ticket='{supervisedTicket}'][data-state=open]").WaitForAsync();
        var arbitrationCard = cadre.Locator($"[data-testid=arbitrations] [data-ticket='{disputedTicket}'][data-state=pending]");
        await arbitrationCard.WaitForAsync();
        Assert.Equal(0, await arbitrationCard.Locator("[data-action=decide]").CountAsync());
        var appealCard = cadre.Locator($"[data-testid=appeals] [data-ticket='{ratedTicket}'][data-state=pending]");
        var appealId = (await appealCard.GetAttributeAsync("data-appeal"))!;
        await cadre.FillAsync($"#appeal-reason-{appealId}", "证据充分，差评与办理无关");
        await appealCard.Locator("[data-action=uphold]").ClickAsync();
        await cadre.Locator($"[data-testid=appeals] [data-ticket='{ratedTicket}'][data-state=upheld]").WaitForAsync();
        var appeal = Assert.Single((await GetAsync($"/api/v1/rating-appeals?workOrderId={rated}")).EnumerateArray());
        Assert.Equal(("upheld", "证据充分，差评与办理无关"), (appeal.GetProperty("state").GetString(), appeal.GetProperty("decisionReason").GetString()));

        var officer = await SignInAsync(await console.AccountAsync("subdistrict_officer", $"{county.District}-01"), "dispatcher/supervision");
        var pending = officer.Locator($"[data-testid=arbitrations] [data-ticket='{disputedTicket}'][data-state=pending]");
        var arbitrationId = (await pending.GetAttributeAsync("data-arbitration"))!;
        await officer.Locator($"#arb-worker-{arbitrationId} option[value='{responsible}']").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await officer.SelectOptionAsync($"#arb-worker-{arbitrationId}", responsible.ToString());
        await officer.FillAsync($"#arb-reason-{arbitrationId}", "化粪池在网格巡查范围内，由网格员牵头协调物业");
        await pending.Locator("[data-action=decide]").ClickAsync();
        await ContainsAsync(officer.Locator($"[data-testid=arbitrations] [data-ticket='{disputedTicket}'][data-state=decided] [data-testid=ruling]"), "网格员");
        await officer.Locator($"[data-testid=supervision-board] tr[data-ticket='{supervisedTicket}']").WaitForAsync();
        await Browser.ScreenshotForDocsAsync(officer, "console-board-supervision.png");

        var ruling = Assert.Single((await GetAsync($"/api/v1/arbitrations?workOrderId={disputed}")).EnumerateArray());
        Assert.Equal(("decided", responsible), (ruling.GetProperty("state").GetString(), ruling.GetProperty("responsibleId").GetGuid()));
        var order = await GetAsync($"/api/v1/work-orders/{disputed}");
        Assert.Equal(("assigned", responsible), (order.GetProperty("status").GetString(), order.GetProperty("assigneeId").GetGuid()));
        foreach (var page in new[] { cadre, officer }) await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_grid_worker_is_neither_offered_nor_let_into_the_community_screens_and_a_grid_leader_is_not_offered_supervision()
    {
        var county = await CountyAsync();
        var (_, ticket, _) = await OrderAsync(county);
        var worker = await SignInAsync(await console.AccountAsync("grid_worker", county.Grid), "worker");
        foreach (var path in new[] { "dispatcher/councils", "dispatcher/mediation", "dispatcher/service-orders", "dispatcher/supervision" })
        {
            Assert.Equal(0, await worker.Locator($"a[href='{path}']").CountAsync());
            await worker.GotoAsync(new Uri(console.Address, path).ToString());
            await worker.Locator("[data-testid=denied]").WaitForAsync();
            Assert.Equal(0, await worker.Locator("[data-testid=council-schedule], [data-testid=mediation-open], [data-testid=so-place], [data-testid=arbitrations]").CountAsync());
        }

        // A grid leader works the board but does not supervise: dispatch would refuse it, so it is not offered.
        var leader = await SignInAsync(await console.AccountAsync("grid_leader", county.Grid), "dispatcher");
        await leader.Locator($"[data-tier=compound] [data-ticket='{ticket}']").ClickAsync();
        await leader.Locator("[data-testid=board-actions]").WaitForAsync();
        Assert.Equal(0, await leader.Locator("[data-action=supervise]").CountAsync());
        Assert.Equal(0, await leader.Locator("[data-testid=board-links]").CountAsync());
        await leader.GotoAsync(new Uri(console.Address, "dispatcher/supervision").ToString());
        await leader.Locator("[data-testid=denied]").WaitForAsync();
        foreach (var page in new[] { worker, leader }) await page.Context.CloseAsync();
    }
}
