using System.Net;
using System.Text.Json;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Intake;
using GovPlatform.Intake.HotSpots;
using GovPlatform.IntegrationTests.Infrastructure;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace GovPlatform.IntegrationTests;

/// <summary>
/// 未诉先办: distinct requests of one category about one topic at one place within the window become a
/// hot spot proposed to the community; other topics, places, old requests and duplicates do not. Hot spots are
/// looked for just after filing, from the request's RequestSubmitted: the tests wait for them with a deadline, and
/// before asserting that none was found they wait until each request was considered (its hot_spot_checks row).
/// </summary>
public sealed class HotSpotTests(SharedStack shared)
{
    private readonly TestStack _stack = shared.Stack;
    private HttpClient Intake => _stack.Client("intake");

    private async Task<Guid> FileAsync(string location, string description, string category = "drainage", int daysAgo = 0)
    {
        var response = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", new
        {
            channel = "hotline", category, description, location = new { code = location }, reporter = new { phone = "13800006666" },
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (await response.JsonAsync()).GetProperty("id").GetGuid();
        if (daysAgo > 0)
        {
            // Residents called on earlier days: the ledger is moved back, as the window counts from submission.
            await using var conn = await _stack.OpenAsync("intake");
            await conn.ExecuteAsync("UPDATE requests SET submitted_at = submitted_at - make_interval(days => @daysAgo) WHERE id = @id", new { id, daysAgo });
        }
        return id;
    }

    /// <summary>Waits until the detector has considered every one of the requests.</summary>
    private Task ConsideredAsync(params Guid[] ids) =>
        Eventually.True(async () => await _stack.ScalarAsync<long>("intake",
            "SELECT count(*) FROM hot_spot_checks WHERE request_id = ANY (@ids)", new { ids }) == ids.Length,
            $"the hot-spot detector to consider {ids.Length} requests");

    /// <summary>
    /// Considers a request again, late, as a backlog or a replay would: its check is cleared and its own
    /// RequestSubmitted sent straight to the detector's queue, with the request as the ledger has it now.
    /// </summary>
    private async Task ConsideredAgainAsync(Guid request)
    {
        await using (var conn = await _stack.OpenAsync("intake"))
            await conn.ExecuteAsync("DELETE FROM hot_spot_checks WHERE request_id = @request", new { request });
        var body = await _stack.ScalarAsync<string>("intake",
            "SELECT body::text FROM outbox_messages WHERE message_type LIKE '%RequestSubmitted' AND body->>'requestId' = @id", new { id = request.ToString() });
        var queue = new KebabCaseEndpointNameFormatter("intake", includeNamespace: false).Consumer<HotSpotDetectionConsumer>();
        var endpoint = await _stack.Provider("intake").GetRequiredService<IBus>().GetSendEndpoint(new Uri($"queue:{queue}"));
        await endpoint.Send(JsonSerializer.Deserialize<RequestSubmitted>(body, new JsonSerializerOptions(JsonSerializerDefaults.Web))!,
            TestContext.Current.CancellationToken);
        await ConsideredAsync(request);
    }

    /// <summary>Waits for the one hot spot under the node, once it has <paramref name="requests"/> requests.</summary>
    private async Task<JsonElement> OnlyHotSpotAsync(string node, int requests, string role = "leader", string? token = null)
    {
        var found = await Eventually.Get(async () =>
        {
            var spots = await HotSpotsUnderAsync(node, role, token);
            return spots.Length == 1 && spots[0].GetProperty("requestCount").GetInt32() == requests ? spots : null;
        }, $"one hot spot of {requests} requests under {node}");
        return found[0];
    }

    private async Task<JsonElement[]> HotSpotsUnderAsync(string node, string role = "leader", string? token = null)
    {
        var response = await Intake.SendAsync(HttpMethod.Get, $"/api/v1/hot-spots?under={node}", role: role, token: token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("items").EnumerateArray().ToArray();
    }

    private async Task<string[]> OutboxOfAsync(Guid hotSpotId) =>
        (await _stack.QueryAsync<string>("intake", "SELECT message_type FROM outbox_messages WHERE body->>'hotSpotId' = @id ORDER BY id", new { id = hotSpotId.ToString() }))
        .Select(n => n[(n.LastIndexOf('.') + 1)..]).ToArray();

    [Fact]
    public async Task Three_neighbours_reporting_blocked_drains_in_one_building_over_weeks_make_a_hot_spot_proposed_with_their_requests()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var first = await FileAsync(county.Building, "1单元下水道堵了，污水往上冒", daysAgo: 20);
        var second = await FileAsync(county.Building, "3单元厨房的下水道又堵住了，一股臭味", daysAgo: 9);
        await ConsideredAsync(first, second);
        Assert.Empty(await HotSpotsUnderAsync(county.Community));

        var third = await FileAsync(county.Building, "5单元楼下的排水管不通，水都漫出来了");

        var spot = await OnlyHotSpotAsync(county.Community, 3);
        Assert.Equal("building", spot.GetProperty("placeLevel").GetString());
        Assert.Equal(county.Building, spot.GetProperty("placeCode").GetString());
        Assert.Equal("1号楼", spot.GetProperty("placeName").GetString());
        Assert.Equal("proposed", spot.GetProperty("status").GetString());
        Assert.Contains("下水", spot.GetProperty("topic").EnumerateArray().Select(t => t.GetString()));
        var id = spot.GetProperty("id").GetGuid();
        var detail = await (await Intake.SendAsync(HttpMethod.Get, $"/api/v1/hot-spots/{id}", role: "community_cadre",
            token: Tokens.For("community_cadre", county.Community))).JsonAsync();
        Assert.Equal([first, second, third], detail.GetProperty("requests").EnumerateArray().Select(r => r.GetProperty("id").GetGuid()));
        Assert.Equal(["HotSpotDetected"], await OutboxOfAsync(id));
        await Eventually.True(async () => await _stack.ScalarAsync<bool>("intake",
            "SELECT published_at IS NOT NULL FROM outbox_messages WHERE body->>'hotSpotId' = @id", new { id = id.ToString() }), "HotSpotDetected published");

        // A fourth joins it rather than making another.
        await FileAsync(county.Building, "2单元下水道堵塞，厕所冲不下去");
        await OnlyHotSpotAsync(county.Community, 4);
        Assert.Equal(["HotSpotDetected", "HotSpotGrew"], await OutboxOfAsync(id));
    }

    [Fact]
    public async Task Other_topics_other_communities_old_requests_and_duplicates_do_not_make_a_hot_spot()
    {
        var county = new TestCounty();
        var neighbourCounty = new TestCounty();
        await _stack.ImportAsync(county);
        await _stack.ImportAsync(neighbourCounty);
        Guid[] filed =
        [
            await FileAsync(county.Building, "1单元下水道堵了，污水往上冒"),
            // Another topic of the same category and building: the septic tank is not the drains.
            await FileAsync(county.Building, "1号楼门口的化粪池满了，粪水溢到路上", daysAgo: 3),
            // Older than the 30-day window.
            await FileAsync(county.Building, "3单元下水道堵住了，一股臭味", daysAgo: 40),
            // The same topic in another county's community.
            await FileAsync(neighbourCounty.Building, "5单元排水管不通，水都漫出来了"),
            // Another category in the same building.
            await FileAsync(county.Building, "1单元楼道里堆满了杂物，下水道口都被挡住了", category: "stairwell_clutter"),
        ];
        // A second neighbour reporting the first drain again: linked to it, one problem, not a recurrence.
        var duplicate = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", new
        {
            channel = "wechat_group", category = "drainage", description = "1单元的下水道堵住了，污水一直往上冒", location = new { code = county.Building },
        });
        var linked = await duplicate.JsonAsync();
        Assert.Equal("linked", linked.GetProperty("status").GetString());
        // A linked duplicate is not even looked at: intake publishes no RequestSubmitted for it.
        Assert.Equal(0, await _stack.ScalarAsync<long>("intake", "SELECT count(*) FROM outbox_messages WHERE message_type LIKE '%RequestSubmitted' AND body->>'requestId' = @id",
            new { id = linked.GetProperty("id").GetGuid().ToString() }));

        await ConsideredAsync(filed);
        Assert.Empty(await HotSpotsUnderAsync(county.Community));
        Assert.Empty(await HotSpotsUnderAsync(neighbourCounty.Community));
    }

    [Fact]
    public async Task Reports_from_different_buildings_of_one_grid_make_a_hot_spot_of_the_grid()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        // A grid holds many buildings, so it takes four reports (Intake:HotSpots:GridMinRequests), not three.
        await FileAsync(county.Building, "1号楼门口的路灯不亮，晚上黑乎乎的", category: "street_light", daysAgo: 12);
        await FileAsync($"{county.Grid}-B02", "2号楼前面的路灯晚上不亮了", category: "street_light", daysAgo: 8);
        await FileAsync($"{county.Grid}-B02", "2号楼后面那盏路灯也坏了，一点都不亮", category: "street_light", daysAgo: 4);
        Assert.Empty(await HotSpotsUnderAsync(county.Community));

        await FileAsync(county.Building, "1号楼旁边小路上的路灯也黑了，一到晚上不亮", category: "street_light");

        var spot = await OnlyHotSpotAsync(county.Community, 4);
        Assert.Equal("grid", spot.GetProperty("placeLevel").GetString());
        Assert.Equal(county.Grid, spot.GetProperty("placeCode").GetString());

        // A lamp in another grid of the community is not in this grid's hot spot, and alone it makes none.
        await ConsideredAsync(await FileAsync(county.EmptyGrid, "3号楼旁边路灯坏了", category: "street_light"));
        spot = Assert.Single(await HotSpotsUnderAsync(county.Community));
        Assert.Equal(4, spot.GetProperty("requestCount").GetInt32());
    }

    [Fact]
    public async Task A_cadre_of_the_community_accepts_a_proposed_hot_spot_once_and_others_see_only_their_own_part_of_the_tree()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        await FileAsync(county.Building, "1单元下水道堵了，污水往上冒", daysAgo: 6);
        await FileAsync(county.Building, "3单元厨房的下水道又堵住了", daysAgo: 3);
        await FileAsync(county.Building, "5单元排水管不通，水都漫出来了");
        var id = (await OnlyHotSpotAsync(county.Community, 3)).GetProperty("id").GetGuid();
        var cadre = Tokens.For("community_cadre", county.Community);
        var elsewhere = Tokens.For("community_cadre", "NOWHERE-01-01");

        Assert.Empty(await HotSpotsUnderAsync(county.Community, token: elsewhere));
        Assert.Equal(HttpStatusCode.NotFound, (await Intake.SendAsync(HttpMethod.Post, $"/api/v1/hot-spots/{id}/decision",
            new { decision = "accepted" }, token: elsewhere)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Intake.SendAsync(HttpMethod.Post, $"/api/v1/hot-spots/{id}/decision",
            new { decision = "accepted" }, role: "grid_worker")).StatusCode);
        var bad = await Intake.SendAsync(HttpMethod.Post, $"/api/v1/hot-spots/{id}/decision", new { decision = "maybe" }, token: cadre);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await bad.JsonAsync()).GetProperty("errors").TryGetProperty("decision", out _));
        Assert.Equal("proposed", await _stack.ScalarAsync<string>("intake", "SELECT status FROM hot_spots WHERE id = @id", new { id }));

        var accepted = await Intake.SendAsync(HttpMethod.Post, $"/api/v1/hot-spots/{id}/decision",
            new { decision = "accepted", note = "社区统一疏通1号楼主管道" }, token: cadre);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal("accepted", (await accepted.JsonAsync()).GetProperty("status").GetString());
        var again = await Intake.SendAsync(HttpMethod.Post, $"/api/v1/hot-spots/{id}/decision", new { decision = "dismissed" }, token: cadre);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(["HotSpotDetected", "HotSpotDecided"], await OutboxOfAsync(id));

        // Reporting counts it among the community's 未诉先办 figures: found, accepted, three requests, at a building.
        var china = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8));
        var period = $"from={china.AddDays(-1):yyyy-MM-dd}&to={china:yyyy-MM-dd}";
        await Eventually.True(async () =>
        {
            var figures = await (await _stack.Client("reporting").SendAsync(HttpMethod.Get,
                $"/api/v1/stats/hot-spots?under={county.Community}&{period}", role: "leader")).JsonAsync();
            return figures.GetProperty("found").GetInt64() == 1 && figures.GetProperty("accepted").GetInt64() == 1
                && figures.GetProperty("undecided").GetInt64() == 0 && figures.GetProperty("requests").GetInt64() == 3
                && figures.GetProperty("atBuildings").GetInt64() == 1;
        }, "reporting to count the accepted hot spot in the community's figures");
        var listed = await Intake.SendAsync(HttpMethod.Get, $"/api/v1/hot-spots?under={county.Community}&status=accepted", token: cadre);
        Assert.Equal(id, Assert.Single((await listed.JsonAsync()).GetProperty("items").EnumerateArray()).GetProperty("id").GetGuid());
        Assert.Equal(HttpStatusCode.BadRequest, (await Intake.SendAsync(HttpMethod.Get, "/api/v1/hot-spots?status=open", role: "leader")).StatusCode);
    }

    /// <summary>Three neighbours' blocked drains in one building: the hot spot, decided by the community's cadre.</summary>
    private async Task<(Guid HotSpotId, Guid[] Requests, string Cadre)> DecidedHotSpotAsync(TestCounty county, string decision)
    {
        var requests = new[]
        {
            await FileAsync(county.Building, "1单元下水道堵了，污水往上冒", daysAgo: 10),
            await FileAsync(county.Building, "3单元厨房的下水道又堵住了，一股臭味", daysAgo: 5),
            await FileAsync(county.Building, "5单元楼下的排水管不通，水都漫出来了"),
        };
        var id = (await OnlyHotSpotAsync(county.Community, 3)).GetProperty("id").GetGuid();
        var cadre = Tokens.For("community_cadre", county.Community);
        var decided = await Intake.SendAsync(HttpMethod.Post, $"/api/v1/hot-spots/{id}/decision",
            new { decision, note = "社区统一疏通1号楼主管道" }, token: cadre);
        Assert.Equal(HttpStatusCode.OK, decided.StatusCode);
        return (id, requests, cadre);
    }

    /// <summary>Waits until dispatch's proactive-order consumer has taken the message with this id (its inbox row).</summary>
    private Task DispatchTookAsync(Guid messageId) =>
        Eventually.True(async () => await _stack.ScalarAsync<long>("dispatch",
            "SELECT count(*) FROM inbox_messages WHERE message_id = @messageId AND consumer = 'ProactiveOrderConsumer'", new { messageId }) == 1,
            $"dispatch to take message {messageId}");

    private Task<Guid> DecisionMessageIdAsync(Guid hotSpotId) =>
        _stack.ScalarAsync<Guid>("intake", "SELECT message_id FROM outbox_messages WHERE body->>'hotSpotId' = @id AND message_type LIKE '%HotSpotDecided'",
            new { id = hotSpotId.ToString() });

    [Fact]
    public async Task An_accepted_hot_spot_becomes_one_proactive_order_in_its_grid_even_when_the_decision_is_delivered_twice()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var (id, requests, cadre) = await DecidedHotSpotAsync(county, "accepted");
        var dispatch = new DispatchDriver(_stack);

        // The order stands under the hot spot's id, at its place, routed into the building's grid like a resident's request.
        var order = await dispatch.OrderForAsync(id);
        Assert.Equal("drainage", order.GetProperty("category").GetString());
        Assert.Equal(county.Building, order.GetProperty("locationCode").GetString());
        Assert.Equal(county.Grid, order.GetProperty("gridCode").GetString());
        Assert.Equal("grid_worker", order.GetProperty("assigneeKind").GetString());
        Assert.StartsWith("WS-", order.GetProperty("ticketNo").GetString());
        var orderId = order.GetProperty("id").GetGuid();
        var full = await dispatch.GetAsync(orderId, cadre);
        Assert.Contains("未诉先办", full.GetProperty("case").GetProperty("description").GetString());
        var assigned = JsonDocument.Parse(full.GetProperty("history")[0].GetProperty("detail").GetString()!).RootElement;
        Assert.True(assigned.GetProperty("proactive").GetBoolean());
        Assert.Equal(requests, assigned.GetProperty("requestIds").EnumerateArray().Select(r => r.GetGuid()));
        // The proactive level: a working day to take it, not the resident's minute.
        var accept = full.GetProperty("clocks").EnumerateArray().Single(c => c.GetProperty("clock").GetString() == "accept");
        Assert.True(accept.GetProperty("dueAt").GetDateTime() > DateTime.UtcNow.AddHours(20), accept.ToString());
        Assert.Equal("proactive", await _stack.ScalarAsync<string>("dispatch", "SELECT urgency FROM work_orders WHERE id = @orderId", new { orderId }));
        Assert.Equal(requests, await _stack.ScalarAsync<Guid[]>("dispatch", "SELECT request_ids FROM proactive_orders WHERE hot_spot_id = @id", new { id }));

        // The same decision again, as a broker redelivery under a new message id would bring it: still one order.
        var body = await _stack.ScalarAsync<string>("intake",
            "SELECT body::text FROM outbox_messages WHERE body->>'hotSpotId' = @id AND message_type LIKE '%HotSpotDecided'", new { id = id.ToString() });
        var again = JsonSerializer.Deserialize<HotSpotDecided>(body, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        var messageId = Guid.NewGuid();
        await dispatch.PublishAsync(again, messageId);
        await DispatchTookAsync(messageId);
        Assert.Equal(1, await _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM work_orders WHERE request_id = @id", new { id }));
        Assert.Equal(1, await _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM proactive_orders WHERE hot_spot_id = @id", new { id }));

        // Intake's hot spot names its order, for the cadre's screen.
        await Eventually.True(async () => (await (await Intake.SendAsync(HttpMethod.Get, $"/api/v1/hot-spots/{id}", token: cadre)).JsonAsync())
            .GetProperty("orderId").ValueKind == JsonValueKind.String, "intake to record the hot spot's order");
    }

    [Fact]
    public async Task A_dismissed_hot_spot_opens_no_order()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var (id, _, _) = await DecidedHotSpotAsync(county, "dismissed");

        await DispatchTookAsync(await DecisionMessageIdAsync(id));
        Assert.Equal(0, await _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM work_orders WHERE request_id = @id", new { id }));
        Assert.Equal(0, await _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM proactive_orders WHERE hot_spot_id = @id", new { id }));
    }

    [Fact]
    public async Task Reporting_counts_the_proactive_order_and_compares_the_calls_before_its_acceptance_with_those_after_its_resolution()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var (id, requests, cadre) = await DecidedHotSpotAsync(county, "accepted");
        var dispatch = new DispatchDriver(_stack);
        var orderId = await dispatch.OrderIdForAsync(id);
        await dispatch.ActOkAsync(orderId, "accept", cadre);
        await dispatch.ActOkAsync(orderId, "arrive", cadre, new { });
        await dispatch.ActOkAsync(orderId, "resolve", cadre, new { resolution = "更换1号楼主排水管，疏通各单元支管" });
        // Intake hears of the resolution; a call of the topic after it still joins the hot spot, to be counted against it.
        await Eventually.True(async () => await _stack.ScalarAsync<bool>("intake",
            "SELECT order_resolved_at IS NOT NULL FROM hot_spots WHERE id = @id", new { id }), "intake to record the resolution");
        var after = await FileAsync(county.Building, "2单元下水道又堵了，厕所冲不下去");
        Assert.Equal(id, await Eventually.Get(async () => (await _stack.QueryAsync<Guid?>("intake",
            "SELECT hot_spot_id FROM hot_spot_requests WHERE request_id = @after", new { after })).FirstOrDefault(), "the call after the fix to join the hot spot"));

        var reporting = _stack.Client("reporting");
        var china = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8));
        var period = $"from={china.AddDays(-45):yyyy-MM-dd}&to={china:yyyy-MM-dd}";
        async Task<JsonElement> FiguresAsync() => await (await reporting.SendAsync(HttpMethod.Get,
            $"/api/v1/stats/hot-spots?under={county.Community}&{period}", role: "leader")).JsonAsync();

        // While the window after the fix runs, the order is watched, not yet compared.
        await Eventually.True(async () =>
        {
            var f = await FiguresAsync();
            return f.GetProperty("accepted").GetInt64() == 1 && f.GetProperty("ordersOpened").GetInt64() == 1
                && f.GetProperty("ordersResolved").GetInt64() == 1 && f.GetProperty("watching").GetInt64() == 1
                && f.GetProperty("callsAfterSoFar").GetInt64() == 1 && f.GetProperty("requests").GetInt64() == 4;
        }, "reporting to count the resolved proactive order and the call after it");
        Assert.Equal(0, (await FiguresAsync()).GetProperty("compared").GetInt64());

        // Thirty-one days on: reporting's copy of this hot spot's history is moved back, as the window counts from the resolution.
        await using (var conn = await _stack.OpenAsync("reporting"))
        {
            var ids = requests.Append(after).Append(id).ToArray();
            await conn.ExecuteAsync("""
                UPDATE hot_spots SET detected_at = detected_at - interval '31 days', decided_at = decided_at - interval '31 days' WHERE id = @id;
                UPDATE hot_spot_requests SET at = at - interval '31 days' WHERE hot_spot_id = @id;
                UPDATE request_facts SET submitted_at = submitted_at - interval '31 days', assigned_at = assigned_at - interval '31 days',
                                         resolved_at = resolved_at - interval '31 days'
                WHERE request_id = ANY(@ids);
                """, new { id, ids });
        }
        var figures = await FiguresAsync();
        Assert.Equal(30, figures.GetProperty("windowDays").GetInt32());
        Assert.Equal(1, figures.GetProperty("compared").GetInt64());
        Assert.Equal(3, figures.GetProperty("callsBefore").GetInt64());
        Assert.Equal(1, figures.GetProperty("callsAfter").GetInt64());
        Assert.Equal(2, figures.GetProperty("callsPrevented").GetInt64());
        Assert.Equal(0, figures.GetProperty("watching").GetInt64());
    }

    [Fact]
    public async Task A_request_that_leaves_triage_is_checked_for_hot_spots_when_its_category_is_chosen()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var unclear = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", new
        {
            channel = "hotline", description = "你好，我想反映一下我们这边的情况，麻烦尽快来看看", location = new { code = county.Building }, reporter = new { phone = "13800006666" },
        });
        var waiting = (await unclear.JsonAsync()).GetProperty("id").GetGuid();
        Assert.Equal("triage", await _stack.ScalarAsync<string>("intake", "SELECT status FROM requests WHERE id = @waiting", new { waiting }));
        // What the resident went on to say, in the ledger while the request waits: words that would have been classified
        // at once, so they are put there after filing to keep the request in triage.
        await _stack.ScalarAsync<int>("intake", "UPDATE requests SET description = '1单元下水道堵了，污水往上冒' WHERE id = @waiting RETURNING 1", new { waiting });
        await ConsideredAsync(await FileAsync(county.Building, "3单元厨房的下水道又堵住了，一股臭味"),
            await FileAsync(county.Building, "5单元楼下的排水管不通，水都漫出来了"));
        Assert.Empty(await HotSpotsUnderAsync(county.Community));

        var chosen = await Intake.SendAsync(HttpMethod.Post, $"/api/v1/requests/{waiting}/category", new { category = "drainage" });
        Assert.Equal(HttpStatusCode.OK, chosen.StatusCode);

        var spot = await OnlyHotSpotAsync(county.Community, 3);
        Assert.Equal(spot.GetProperty("id").GetGuid(), await _stack.ScalarAsync<Guid>("intake",
            "SELECT hot_spot_id FROM hot_spot_requests WHERE request_id = @waiting", new { waiting }));
    }

    [Fact]
    public async Task A_request_submitted_event_delivered_again_leaves_one_hot_spot_one_membership_and_one_detection()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var first = await FileAsync(county.Building, "1单元下水道堵了，污水往上冒", daysAgo: 8);
        var second = await FileAsync(county.Building, "3单元厨房的下水道又堵住了，一股臭味", daysAgo: 4);
        // Another category in the building: considered, it joined nothing.
        var other = await FileAsync(county.Building, "1号楼门口的路灯不亮，晚上黑乎乎的", category: "street_light", daysAgo: 2);
        await ConsideredAsync(first, second, other);
        var third = await FileAsync(county.Building, "5单元楼下的排水管不通，水都漫出来了");
        var id = (await OnlyHotSpotAsync(county.Community, 3)).GetProperty("id").GetGuid();

        // Each request's own RequestSubmitted once more, under a new message id, as a relay that published and crashed
        // before marking its row would send it: straight to the detector's queue, so only the detector hears it.
        using var activities = new ActivityCollector();
        var bus = _stack.Provider("intake").GetRequiredService<IBus>();
        var queue = new KebabCaseEndpointNameFormatter("intake", includeNamespace: false).Consumer<HotSpotDetectionConsumer>();
        var endpoint = await bus.GetSendEndpoint(new Uri($"queue:{queue}"));
        var again = new List<Guid>();
        foreach (var request in new[] { first, third, other })
        {
            var body = await _stack.ScalarAsync<string>("intake",
                "SELECT body::text FROM outbox_messages WHERE message_type LIKE '%RequestSubmitted' AND body->>'requestId' = @id", new { id = request.ToString() });
            var submitted = JsonSerializer.Deserialize<RequestSubmitted>(body, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
            Assert.Equal(request, submitted.RequestId);
            var messageId = Guid.NewGuid();
            await endpoint.Send(submitted, ctx => ctx.MessageId = messageId, TestContext.Current.CancellationToken);
            again.Add(messageId);
        }
        await Eventually.True(() => Task.FromResult(again.All(m =>
                activities.Handled(nameof(HotSpotDetectionConsumer), m).Any(a => a.GetTagItem("govplatform.duplicate") is true))),
            "the detector to find each request already considered");

        Assert.Equal(1, await _stack.ScalarAsync<long>("intake",
            "SELECT count(*) FROM hot_spots WHERE community_code = @Community", new { county.Community }));
        Assert.Equal(new[] { first, second, third }.Order(), (await _stack.QueryAsync<Guid>("intake",
            "SELECT request_id FROM hot_spot_requests WHERE hot_spot_id = @id", new { id })).Order());
        Assert.Equal(0, await _stack.ScalarAsync<long>("intake", "SELECT count(*) FROM hot_spot_requests WHERE request_id = @other", new { other }));
        Assert.Equal(["HotSpotDetected"], await OutboxOfAsync(id));
    }

    [Fact]
    public async Task Checks_past_the_window_and_margin_are_deleted_in_batches_and_events_delivered_again_add_no_membership_before_or_after()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        // Filed 45 days ago, looked at then; its check is past the window and margin (30 + 7 days) by now.
        var ancient = await FileAsync(county.Building, "2单元下水道堵了，污水返上来", daysAgo: 45);
        await ConsideredAsync(ancient);
        // Each considered before the next is filed, as on the days they stand for: looked at late, the one of 20 days
        // ago would find the ancient one (45 days) and the one of 9 days in its window and make a hot spot of them.
        var first = await FileAsync(county.Building, "1单元下水道堵了，污水往上冒", daysAgo: 20);
        await ConsideredAsync(first);
        var second = await FileAsync(county.Building, "3单元厨房的下水道又堵住了，一股臭味", daysAgo: 9);
        await ConsideredAsync(second);
        var other = await FileAsync(county.Building, "1号楼门口的路灯不亮，晚上黑乎乎的", category: "street_light", daysAgo: 2);
        await ConsideredAsync(other);
        var third = await FileAsync(county.Building, "5单元楼下的排水管不通，水都漫出来了");
        var id = (await OnlyHotSpotAsync(county.Community, 3)).GetProperty("id").GetGuid();

        var options = _stack.Provider("intake").GetRequiredService<IntakeOptions>().HotSpots;
        Assert.Equal(TimeSpan.FromDays(37), options.CheckRetention);
        var (old, kept) = (Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToArray(), Enumerable.Range(0, 2).Select(_ => Guid.NewGuid()).ToArray());
        await using (var conn = await _stack.OpenAsync("intake"))
        {
            await conn.ExecuteAsync("INSERT INTO hot_spot_checks (request_id, checked_at) SELECT unnest(@old), now() - interval '38 days'", new { old });
            await conn.ExecuteAsync("INSERT INTO hot_spot_checks (request_id, checked_at) SELECT unnest(@kept), now() - interval '36 days'", new { kept });
            await conn.ExecuteAsync("UPDATE hot_spot_checks SET checked_at = now() - interval '45 days' WHERE request_id = @ancient", new { ancient });
        }
        var small = new HotSpotOptions { Window = options.Window, CheckRetentionMargin = options.CheckRetentionMargin, CheckRetentionBatch = 2 };
        Assert.True(await HotSpotCheckRetention.SweepAsync(_stack.Provider("intake").GetRequiredService<NpgsqlDataSource>(), small,
            TestContext.Current.CancellationToken) >= 6);
        Guid[] stay = [.. kept, first, second, third, other];
        Assert.Equal(stay.Order(), (await _stack.QueryAsync<Guid>("intake", "SELECT request_id FROM hot_spot_checks WHERE request_id = ANY (@all)",
            new { all = old.Concat(stay).Append(ancient).ToArray() })).Order());

        // Each request's own RequestSubmitted once more under a new message id, straight to the detector's queue: the
        // ones inside the window find their checks; the ancient one, whose check is gone, is too old to be looked at.
        using var activities = new ActivityCollector();
        var bus = _stack.Provider("intake").GetRequiredService<IBus>();
        var queue = new KebabCaseEndpointNameFormatter("intake", includeNamespace: false).Consumer<HotSpotDetectionConsumer>();
        var endpoint = await bus.GetSendEndpoint(new Uri($"queue:{queue}"));
        var again = new Dictionary<Guid, Guid>();
        foreach (var request in new[] { ancient, first, third, other })
        {
            var body = await _stack.ScalarAsync<string>("intake",
                "SELECT body::text FROM outbox_messages WHERE message_type LIKE '%RequestSubmitted' AND body->>'requestId' = @id", new { id = request.ToString() });
            var messageId = Guid.NewGuid();
            await endpoint.Send(JsonSerializer.Deserialize<RequestSubmitted>(body, new JsonSerializerOptions(JsonSerializerDefaults.Web))!,
                ctx => ctx.MessageId = messageId, TestContext.Current.CancellationToken);
            again[request] = messageId;
        }
        await Eventually.True(() => Task.FromResult(again.Values.All(m => activities.Handled(nameof(HotSpotDetectionConsumer), m).Any())),
            "the detector to handle every copy");
        Assert.All(new[] { first, third, other }, r => Assert.Contains(activities.Handled(nameof(HotSpotDetectionConsumer), again[r]),
            a => a.GetTagItem("govplatform.duplicate") is true));

        Assert.Equal(1, await _stack.ScalarAsync<long>("intake", "SELECT count(*) FROM hot_spots WHERE community_code = @Community", new { county.Community }));
        Assert.Equal(new[] { first, second, third }.Order(), (await _stack.QueryAsync<Guid>("intake",
            "SELECT request_id FROM hot_spot_requests WHERE hot_spot_id = @id", new { id })).Order());
        Assert.Equal(0, await _stack.ScalarAsync<long>("intake",
            "SELECT count(*) FROM hot_spot_requests WHERE request_id = ANY (@notIn)", new { notIn = new[] { ancient, other } }));
        Assert.Equal(["HotSpotDetected"], await OutboxOfAsync(id));
    }

    [Fact]
    public async Task Requests_considered_late_make_a_hot_spot_only_of_those_within_one_window_of_each_other()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var ancient = await FileAsync(county.Building, "2单元下水道堵了，污水返上来", daysAgo: 45);
        await ConsideredAsync(ancient);
        var recent = await FileAsync(county.Building, "3单元厨房的下水道又堵住了，一股臭味", daysAgo: 9);
        await ConsideredAsync(recent);
        // Filed 20 days ago, looked at only now: the window before it reaches the one of 45 days, the window after it
        // the one of 9 days, but no window of 30 days holds all three (36 days apart).
        var late = await FileAsync(county.Building, "1单元下水道堵了，污水往上冒", daysAgo: 20);
        await ConsideredAsync(late);
        await ConsideredAgainAsync(late);
        Assert.Empty(await HotSpotsUnderAsync(county.Community));
        Assert.Equal(0, await _stack.ScalarAsync<long>("intake", "SELECT count(*) FROM hot_spots WHERE community_code = @Community", new { county.Community }));

        // One of 12 days ago, looked at after the one of 9 days: with the ones of 20 and 9 days it stands within 11 days,
        // a hot spot of those three; the one of 45 days is no part of it.
        var between = await FileAsync(county.Building, "5单元楼下的排水管不通，水都漫出来了", daysAgo: 12);
        await ConsideredAsync(between);
        await ConsideredAgainAsync(between);
        var id = (await OnlyHotSpotAsync(county.Community, 3)).GetProperty("id").GetGuid();
        Assert.Equal(new[] { late, recent, between }.Order(), (await _stack.QueryAsync<Guid>("intake",
            "SELECT request_id FROM hot_spot_requests WHERE hot_spot_id = @id", new { id })).Order());
        Assert.True(await _stack.ScalarAsync<bool>("intake",
            "SELECT last_at - first_at <= interval '30 days' FROM hot_spots WHERE id = @id", new { id }));
    }
}
