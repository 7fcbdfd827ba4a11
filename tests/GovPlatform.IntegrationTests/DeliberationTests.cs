using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests;

/// <summary>
/// Deliberation (居民议事会, 岭上夜话, 议事亭): meetings whose needs become requests of channel meeting, suggestions kept
/// apart, proposals discussed, voted on by household, decided and carried out jointly, shown to residents, counted.
/// </summary>
public sealed class DeliberationTests(SharedStack shared) : IAsyncLifetime
{
    private readonly TestStack _stack = shared.Stack;
    private readonly DispatchDriver _dispatch = new(shared.Stack);
    private readonly TestCounty _county = new();
    private CancellationToken Ct => TestContext.Current.CancellationToken;
    private string Cadre => Tokens.For("community_cadre", _county.Community);

    public async ValueTask InitializeAsync() => await _stack.ImportAsync(_county);
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string url, string? token, object? body = null)
    {
        using var response = await _dispatch.SendAsync(method, url, token, body);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private object Meeting(object[]? needs = null, object[]? suggestions = null, object[]? disputes = null, string? community = null) => new
    {
        communityCode = community ?? _county.Community,
        kind = "night_talk",
        title = "岭上夜话·停车和路灯",
        place = "东苑小区议事亭",
        heldAt = DateTimeOffset.UtcNow.AddMinutes(-30),
        attendees = new[]
        {
            new { party = "cadre", name = "王书记" }, new { party = "police", name = "李警官" },
            new { party = "mediator", name = "张调解员" }, new { party = "resident", name = "赵大妈" }, new { party = "resident", name = "钱大爷" },
        },
        needs = needs ?? [],
        suggestions = suggestions ?? [],
        disputes = disputes ?? [],
    };

    private async Task<JsonElement> RecordMeetingAsync(object meeting)
    {
        var (status, body) = await SendAsync(HttpMethod.Post, "/api/v1/meetings", Cadre, meeting);
        Assert.True(status == HttpStatusCode.Created, $"{status}: {body}");
        return body;
    }

    private async Task<Guid> HouseholdAsync(string address)
    {
        var (status, body) = await SendAsync(HttpMethod.Post, "/api/v1/households", Cadre,
            new { nodeCode = _county.Building, address, headName = $"户主{address}", headPhone = "13912345678" });
        Assert.True(status == HttpStatusCode.Created, $"{status}: {body}");
        return body.GetProperty("id").GetGuid();
    }

    /// <summary>A proposal discussed at a fresh meeting, open for votes.</summary>
    private async Task<Guid> DiscussedProposalAsync(string title = "在3号楼旁加装充电桩")
    {
        var (made, proposal) = await SendAsync(HttpMethod.Post, "/api/v1/proposals", Cadre,
            new { communityCode = _county.Community, title, description = "电动车在楼道充电有火灾隐患，建议在空地集中加装充电桩。", proposedBy = "孙建国" });
        Assert.True(made == HttpStatusCode.Created, $"{made}: {proposal}");
        var id = proposal.GetProperty("id").GetGuid();
        var meeting = await RecordMeetingAsync(Meeting());
        var (discussed, after) = await SendAsync(HttpMethod.Post, $"/api/v1/proposals/{id}/discuss", Cadre,
            new { meetingId = meeting.GetProperty("id").GetGuid(), discussion = "多数居民赞成，物业同意出场地。" });
        Assert.True(discussed == HttpStatusCode.OK, $"{discussed}: {after}");
        Assert.Equal("discussed", after.GetProperty("state").GetString());
        return id;
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> VoteAsync(Guid proposal, Guid household, string choice) =>
        await SendAsync(HttpMethod.Post, $"/api/v1/proposals/{proposal}/votes", Cadre, new { householdId = household, choice });

    [Fact]
    public async Task A_meetings_needs_become_requests_of_channel_meeting_linked_to_it_and_a_suggestion_does_not()
    {
        var meeting = await RecordMeetingAsync(Meeting(
            needs:
            [
                new { description = "3号楼下水道堵了一个星期，污水漫到路面", locationCode = _county.Building, category = "drainage", raisedBy = "赵大妈" },
                new { description = "小区东门的路灯坏了，晚上看不见路", locationCode = _county.Grid, raisedBy = "钱大爷" },
            ],
            suggestions: [new { text = "建议每月办一次岭上夜话，固定在周五晚上", raisedBy = "赵大妈" }],
            disputes: [new { summary = "楼上楼下因漏水争执，现场协商由楼上维修", resolved = true }]));
        var meetingId = meeting.GetProperty("id").GetGuid();
        Assert.Equal(2, meeting.GetProperty("needs").GetArrayLength());
        Assert.Equal("建议每月办一次岭上夜话，固定在周五晚上", Assert.Single(meeting.GetProperty("suggestions").EnumerateArray()).GetProperty("text").GetString());
        Assert.Equal(["cadre", "police", "mediator", "resident", "resident"],
            meeting.GetProperty("attendees").EnumerateArray().Select(a => a.GetProperty("party").GetString()));

        var filed = await Eventually.Get(async () =>
        {
            var (_, m) = await SendAsync(HttpMethod.Get, $"/api/v1/meetings/{meetingId}", Cadre);
            var needs = m.GetProperty("needs").EnumerateArray().ToList();
            return needs.All(n => n.GetProperty("requestId").ValueKind == JsonValueKind.String)
                ? needs.Select(n => (Id: n.GetProperty("requestId").GetGuid(), Ticket: n.GetProperty("ticketNo").GetString())).ToList()
                : null;
        }, "intake to file both needs of the meeting");

        foreach (var (requestId, ticket) in filed)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/requests/{requestId}").WithBearer(Tokens.For("desk_operator"));
            using var response = await _stack.Client("intake").SendAsync(request, Ct);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("meeting", body.GetProperty("channel").GetString());
            Assert.Equal(meetingId, body.GetProperty("meetingId").GetGuid());
            Assert.Equal(ticket, body.GetProperty("ticketNo").GetString());
        }
        // Two needs, two requests: the suggestion and the dispute settled on the spot are not requests.
        Assert.Equal(2, await _stack.ScalarAsync<long>("intake", "SELECT count(*) FROM requests WHERE meeting_id = @meetingId", new { meetingId }));
        Assert.Equal(0, await _stack.ScalarAsync<long>("intake",
            "SELECT count(*) FROM requests WHERE description LIKE '建议每月办一次岭上夜话%' AND location_path @> ARRAY[@community]", new { community = _county.Community }));
        // The drainage need is routed like any request: its work order starts where the catalogue places drainage, the community.
        var order = await _dispatch.OrderForAsync(filed[0].Id);
        Assert.Equal("drainage", order.GetProperty("category").GetString());
        Assert.Equal(("community", "锦园社区"), (order.GetProperty("tier").GetString(), order.GetProperty("assigneeName").GetString()));
    }

    [Fact]
    public async Task A_vote_sent_twice_at_once_is_counted_once_and_a_household_cannot_change_it()
    {
        var proposal = await DiscussedProposalAsync();
        var household = await HouseholdAsync("1单元101");

        var both = await Task.WhenAll(VoteAsync(proposal, household, "for"), VoteAsync(proposal, household, "for"));
        var (changed, problem) = await VoteAsync(proposal, household, "against");

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Created], both.Select(b => b.Status).Order());
        Assert.Equal([false, true], both.Select(b => b.Body.GetProperty("counted").GetBoolean()).Order());
        Assert.Equal(HttpStatusCode.Conflict, changed);
        Assert.Equal("voted", problem.GetProperty("currentState").GetString());
        var (_, after) = await SendAsync(HttpMethod.Get, $"/api/v1/proposals/{proposal}", Cadre);
        Assert.Equal(1, after.GetProperty("votesFor").GetInt32());
        Assert.Equal(0, after.GetProperty("votesAgainst").GetInt32());
        Assert.Equal(1, await _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM proposal_votes WHERE proposal_id = @proposal", new { proposal }));
        Assert.Equal(1, await _stack.ScalarAsync<long>("dispatch",
            "SELECT count(*) FROM outbox_messages WHERE message_type = 'GovPlatform.Contracts.ProposalVoteCast' AND body->>'proposalId' = @id",
            new { id = proposal.ToString() }));
    }

    [Fact]
    public async Task A_decision_and_its_follow_up_work_show_on_the_residents_public_read()
    {
        var proposal = await DiscussedProposalAsync("楼道堆物集中清理");
        foreach (var (address, choice) in new[] { ("1单元201", "for"), ("1单元202", "for"), ("1单元203", "against"), ("1单元204", "abstain") })
        {
            var (status, body) = await VoteAsync(proposal, await HouseholdAsync(address), choice);
            Assert.True(status == HttpStatusCode.Created, $"{status}: {body}");
        }
        var (noWork, noWorkProblem) = await SendAsync(HttpMethod.Post, $"/api/v1/proposals/{proposal}/decide", Cadre, new { decision = "通过" });
        var (decided, after) = await SendAsync(HttpMethod.Post, $"/api/v1/proposals/{proposal}/decide", Cadre, new
        {
            decision = "居民表决通过：本周六集中清理楼道堆物，党员带头、物业清运。",
            followUp = new[] { new { title = "清理1-3单元楼道", takenBy = "党员志愿者和居民" }, new { title = "清运大件垃圾", takenBy = "东苑物业" } },
        });
        var (late, _) = await VoteAsync(proposal, await HouseholdAsync("1单元205"), "for");

        Assert.Equal(HttpStatusCode.BadRequest, noWork);
        Assert.True(noWorkProblem.GetProperty("errors").TryGetProperty("followUp", out _));
        Assert.True(decided == HttpStatusCode.OK, $"{decided}: {after}");
        Assert.Equal("adopted", after.GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.Conflict, late);

        async Task<JsonElement> PublicAsync()
        {
            var (status, board) = await SendAsync(HttpMethod.Get, $"/api/v1/public/communities/{_county.Community}/deliberation", null);
            Assert.Equal(HttpStatusCode.OK, status);
            return board.GetProperty("proposals").EnumerateArray().Single(p => p.GetProperty("id").GetGuid() == proposal);
        }
        var shown = await PublicAsync();
        Assert.Equal("adopted", shown.GetProperty("state").GetString());
        Assert.Equal((2, 1, 1), (shown.GetProperty("votesFor").GetInt32(), shown.GetProperty("votesAgainst").GetInt32(), shown.GetProperty("votesAbstain").GetInt32()));
        Assert.StartsWith("居民表决通过", shown.GetProperty("decision").GetString());
        Assert.Equal("孙**", shown.GetProperty("proposedBy").GetString());
        var tasks = shown.GetProperty("tasks").EnumerateArray().ToList();
        Assert.Equal(["清理1-3单元楼道", "清运大件垃圾"], tasks.Select(t => t.GetProperty("title").GetString()));
        Assert.All(tasks, t => Assert.Equal(0, t.GetProperty("progress").GetInt32()));

        var (half, _) = await SendAsync(HttpMethod.Post, $"/api/v1/proposals/{proposal}/tasks/{tasks[0].GetProperty("id").GetGuid()}/progress", Cadre,
            new { progress = 100, note = "三个单元已清理" });
        Assert.Equal(HttpStatusCode.OK, half);
        Assert.Equal("adopted", (await PublicAsync()).GetProperty("state").GetString());
        var (done, _) = await SendAsync(HttpMethod.Post, $"/api/v1/proposals/{proposal}/tasks/{tasks[1].GetProperty("id").GetGuid()}/progress", Cadre,
            new { progress = 100 });
        Assert.Equal(HttpStatusCode.OK, done);

        var carried = await PublicAsync();
        Assert.Equal("carried_out", carried.GetProperty("state").GetString());
        Assert.NotEqual(JsonValueKind.Null, carried.GetProperty("carriedOutAt").ValueKind);
        Assert.Equal([100, 100], carried.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("progress").GetInt32()));
        // Residents see who came by party only, never the attendees' names or the households' phones.
        var (_, board) = await SendAsync(HttpMethod.Get, $"/api/v1/public/communities/{_county.Community}/deliberation", null);
        Assert.DoesNotContain("赵大妈", board.GetRawText());
        Assert.DoesNotContain("13912345678", board.GetRawText());
        Assert.True(board.GetProperty("meetings")[0].GetProperty("attendance").GetProperty("resident").GetInt32() == 2);
    }

    [Fact]
    public async Task Bad_input_is_a_400_problem_naming_the_fields_and_stores_nothing()
    {
        var other = new TestCounty();
        await _stack.ImportAsync(other);

        var (bad, problem) = await SendAsync(HttpMethod.Post, "/api/v1/meetings", Cadre, new
        {
            communityCode = _county.Community, kind = "party", title = "", place = "议事亭", heldAt = DateTimeOffset.UtcNow.AddMinutes(-5),
            attendees = new[] { new { party = "mayor", name = "某人" } },
            needs = new[] { new { description = "路灯坏了", locationCode = _county.Grid, category = "Street Light!" } },
        });
        var (outside, outsideProblem) = await SendAsync(HttpMethod.Post, "/api/v1/meetings", Cadre,
            Meeting(needs: [new { description = "别的县的下水道", locationCode = other.Building }]));
        var (future, futureProblem) = await SendAsync(HttpMethod.Post, "/api/v1/meetings", Cadre, new
        {
            communityCode = _county.Community, kind = "pavilion", title = "还没开", place = "议事亭", heldAt = DateTimeOffset.UtcNow.AddDays(1),
            attendees = new[] { new { party = "cadre", name = "王书记" } },
        });
        var proposal = await DiscussedProposalAsync();
        var meetingsBefore = await _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM meetings WHERE community_code = @c", new { c = _county.Community });
        var (badVote, voteProblem) = await VoteAsync(proposal, await HouseholdAsync("9单元901"), "maybe");
        var (strangerVote, strangerProblem) = await VoteAsync(proposal, Guid.NewGuid(), "for");

        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.Equal(["attendees[0].party", "kind", "needs[0].category", "title"],
            problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(HttpStatusCode.BadRequest, outside);
        Assert.True(outsideProblem.GetProperty("errors").TryGetProperty("needs[0].locationCode", out _));
        Assert.Equal(HttpStatusCode.BadRequest, future);
        Assert.True(futureProblem.GetProperty("errors").TryGetProperty("heldAt", out _));
        Assert.Equal(HttpStatusCode.BadRequest, badVote);
        Assert.True(voteProblem.GetProperty("errors").TryGetProperty("choice", out _));
        Assert.Equal(HttpStatusCode.BadRequest, strangerVote);
        Assert.True(strangerProblem.GetProperty("errors").TryGetProperty("householdId", out _));
        // Only the meeting the proposal was discussed at is stored; none of the refused ones, and no vote.
        Assert.Equal(1, meetingsBefore);
        Assert.Equal(0, await _stack.ScalarAsync<long>("dispatch",
            "SELECT count(*) FROM meeting_items i JOIN meetings m ON m.id = i.meeting_id WHERE m.community_code = @c", new { c = _county.Community }));
        Assert.Equal(0, await _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM proposal_votes WHERE proposal_id = @proposal", new { proposal }));
    }

    [Fact]
    public async Task Another_communitys_cadre_cannot_record_a_meeting_or_a_vote_for_yours()
    {
        var stranger = Tokens.For("community_cadre", new TestCounty().Community);
        var proposal = await DiscussedProposalAsync();
        var household = await HouseholdAsync("2单元201");
        var meetingId = (await RecordMeetingAsync(Meeting())).GetProperty("id").GetGuid();
        var before = await _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM meetings WHERE community_code = @c", new { c = _county.Community });

        var (meeting, _) = await SendAsync(HttpMethod.Post, "/api/v1/meetings", stranger, Meeting());
        var (propose, _) = await SendAsync(HttpMethod.Post, "/api/v1/proposals", stranger,
            new { communityCode = _county.Community, title = "越界", description = "越界", proposedBy = "某人" });
        var (vote, _) = await SendAsync(HttpMethod.Post, $"/api/v1/proposals/{proposal}/votes", stranger, new { householdId = household, choice = "for" });
        var (read, _) = await SendAsync(HttpMethod.Get, $"/api/v1/meetings/{meetingId}", stranger);
        var (worker, _) = await SendAsync(HttpMethod.Post, "/api/v1/meetings", Tokens.For("grid_worker", _county.Grid), Meeting());

        Assert.Equal(HttpStatusCode.Forbidden, meeting);
        Assert.Equal(HttpStatusCode.Forbidden, propose);
        Assert.Equal(HttpStatusCode.NotFound, vote);
        Assert.Equal(HttpStatusCode.NotFound, read);
        Assert.Equal(HttpStatusCode.Forbidden, worker);
        Assert.Equal(before, await _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM meetings WHERE community_code = @c", new { c = _county.Community }));
        Assert.Equal(0, await _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM proposal_votes WHERE proposal_id = @proposal", new { proposal }));
        Assert.Equal(1, await _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM proposals WHERE community_code = @c", new { c = _county.Community }));
    }

    [Fact]
    public async Task Reporting_counts_sessions_suggestions_disputes_resolved_and_practical_matters_done_per_community_and_county()
    {
        await RecordMeetingAsync(Meeting(
            needs: [new { description = "2号楼门禁坏了", locationCode = $"{_county.Grid}-B02", category = "public_repair" }],
            suggestions: [new { text = "建议增设老年食堂", raisedBy = (string?)null }, new { text = "建议楼道装感应灯", raisedBy = (string?)"钱大爷" }],
            disputes: [new { summary = "停车位之争，当场调解", resolved = true }, new { summary = "宠物扰民，约定再议", resolved = false }]));
        var proposal = await DiscussedProposalAsync();
        await VoteAsync(proposal, await HouseholdAsync("3单元301"), "for");
        var (_, decided) = await SendAsync(HttpMethod.Post, $"/api/v1/proposals/{proposal}/decide", Cadre,
            new { decision = "通过", followUp = new[] { new { title = "安装充电桩", takenBy = "社区和物业" } } });
        await SendAsync(HttpMethod.Post, $"/api/v1/proposals/{proposal}/tasks/{decided.GetProperty("tasks")[0].GetProperty("id").GetGuid()}/progress", Cadre,
            new { progress = 100 });

        var today = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd");
        JsonElement report = default;
        await Eventually.True(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/stats/deliberation?under={_county.District}&from={today}&to={today}")
                .WithBearer(Tokens.For("leader"));
            using var response = await _stack.Client("reporting").SendAsync(request, Ct);
            report = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
            return response.IsSuccessStatusCode && report.GetProperty("total").GetProperty("sessions").GetInt64() == 2
                && report.GetProperty("total").GetProperty("practicalMattersDone").GetInt64() == 1;
        }, "reporting to count the two sessions and the matter done");

        var total = report.GetProperty("total");
        Assert.Equal(_county.District, total.GetProperty("code").GetString());
        Assert.Equal(2, total.GetProperty("suggestions").GetInt64());
        Assert.Equal(1, total.GetProperty("needsRaised").GetInt64());
        Assert.Equal(2, total.GetProperty("disputes").GetInt64());
        Assert.Equal(1, total.GetProperty("disputesResolved").GetInt64());
        Assert.Equal(1, total.GetProperty("proposalsAdopted").GetInt64());
        var community = Assert.Single(report.GetProperty("communities").EnumerateArray());
        Assert.Equal(_county.Community, community.GetProperty("code").GetString());
        Assert.Equal("锦园社区", community.GetProperty("name").GetString());
        Assert.Equal(2, community.GetProperty("sessions").GetInt64());

        using var bad = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/stats/deliberation?under={_county.District}&from=yesterday&to={today}")
            .WithBearer(Tokens.For("leader"));
        using var badResponse = await _stack.Client("reporting").SendAsync(bad, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, badResponse.StatusCode);
    }
}
