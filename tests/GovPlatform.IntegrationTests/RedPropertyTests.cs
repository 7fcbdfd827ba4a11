using System.Net;
using System.Text.Json;
using GovPlatform.Contracts;
using GovPlatform.IntegrationTests.Infrastructure;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace GovPlatform.IntegrationTests;

/// <summary>Dispatch on a clock the tests move (rectification deadlines), with reporting beside it to count what it publishes.</summary>
public sealed class RedPropertyStack : IAsyncLifetime
{
    public FakeClock Clock { get; } = new();
    public TestStack Stack { get; private set; } = null!;

    /// <summary>Two orders are enough to count in a grade here, so a test can show them moving it.</summary>
    public static readonly Dictionary<string, string?> Settings = new(ClockStack.FastClocks)
    {
        ["Property:PollInterval"] = "00:00:00.1",
        ["Property:MinOrders"] = "2",
    };

    public async ValueTask InitializeAsync()
    {
        Stack = await TestStack.CreateAsync();
        Stack.Start("dispatch", Settings, services => services.AddSingleton<TimeProvider>(Clock));
        Stack.Start("reporting");
    }

    public ValueTask DisposeAsync() => Stack.DisposeAsync();
}

/// <summary>
/// Red property management (红色物业): the county's evaluation standard as data, inspections that score and grade a
/// compound's property company (with the residents' survey and the company's own work orders), rectification notices
/// and the flag for replacement when one runs out, recommendations, and major matters that need the party
/// organisation's consent before the owners vote.
/// </summary>
public sealed class RedPropertyTests(RedPropertyStack fixture) : IClassFixture<RedPropertyStack>
{
    private readonly TestStack _stack = fixture.Stack;
    private readonly FakeClock _clock = fixture.Clock;
    private readonly DispatchDriver _dispatch = new(fixture.Stack);
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record Place(TestCounty County, string Compound, string Cadre, string Company, string Committee);

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string url, string? token, object? body = null)
    {
        using var response = await _dispatch.SendAsync(method, url, token, body);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private async Task<JsonElement> OkAsync(HttpMethod method, string url, string? token, object? body = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var (status, answer) = await SendAsync(method, url, token, body);
        Assert.True(status == expected, $"{method} {url} answered {(int)status}: {answer}");
        return answer;
    }

    /// <summary>A county whose one compound has a property company and an owners' committee.</summary>
    private async Task<Place> PlaceAsync()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var compound = $"{county.Community}-C01";
        var company = $"东苑物业{county.District}";
        var committee = $"东苑业委会{county.District}";
        await OkAsync(HttpMethod.Post, "/api/v1/bodies/import", DispatchDriver.Admin, new
        {
            propertyCompanies = new[] { new { at = compound, name = company, contactName = "陈经理", phone = "13800001111" } },
            ownersCommittees = new[] { new { at = compound, name = committee, contactName = "刘主任", phone = "13800002222" } },
        });
        return new Place(county, compound, Tokens.For("community_cadre", county.Community), company, committee);
    }

    private async Task<JsonElement> StandardAsync(TestCounty county) =>
        await OkAsync(HttpMethod.Get, $"/api/v1/property/standards/{county.District}", DispatchDriver.Admin);

    /// <summary>A full score sheet for the standard in force, every item at its weight less what <paramref name="lose"/> takes off.</summary>
    private async Task<object[]> SheetAsync(TestCounty county, Func<string, decimal, decimal>? lose = null)
    {
        var standard = await StandardAsync(county);
        return standard.GetProperty("systems").EnumerateArray().SelectMany(s => s.GetProperty("items").EnumerateArray())
            .Select(i =>
            {
                var (code, weight) = (i.GetProperty("code").GetString()!, i.GetProperty("weight").GetDecimal());
                return (object)new { item = code, points = weight - (lose?.Invoke(code, weight) ?? 0) };
            }).ToArray();
    }

    private Task<JsonElement> InspectAsync(Place place, object[] scores, object? extra = null) =>
        OkAsync(HttpMethod.Post, "/api/v1/property/inspections", place.Cadre, Body(new { compoundCode = place.Compound, inspectedAt = _clock.GetUtcNow(), scores }, extra),
            expected: HttpStatusCode.Created);

    private static Dictionary<string, object?> Body(object body, object? extra)
    {
        var all = JsonSerializer.SerializeToElement(body).EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value);
        if (extra is not null)
            foreach (var p in JsonSerializer.SerializeToElement(extra).EnumerateObject()) all[p.Name] = p.Value;
        return all;
    }

    private async Task<IReadOnlyList<JsonElement>> OutboxAsync(string type, string key, string value)
    {
        var bodies = await _stack.QueryAsync<string>("dispatch",
            "SELECT body::text FROM outbox_messages WHERE message_type = @type AND body->>@key = @value ORDER BY id",
            new { type = $"GovPlatform.Contracts.{type}", key, value });
        return bodies.Select(b => JsonDocument.Parse(b).RootElement.Clone()).ToList();
    }

    /// <summary>The community's figures over a period wide enough for a survey days before and a clock moved weeks on.</summary>
    private async Task<JsonElement> PropertyFiguresAsync(TestCounty county, Func<JsonElement, bool> until, string what)
    {
        var today = DateOnly.FromDateTime(DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).DateTime);
        var url = $"/api/v1/stats/property?under={county.Community}&from={today.AddDays(-7):yyyy-MM-dd}&to={today.AddDays(60):yyyy-MM-dd}";
        JsonElement figures = default;
        await Eventually.True(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url).WithBearer(Tokens.For("leader"));
            using var response = await _stack.Client("reporting").SendAsync(request, Ct);
            if (!response.IsSuccessStatusCode) return false;
            figures = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone();
            return until(figures);
        }, what);
        return figures;
    }

    [Fact]
    public async Task The_default_standard_has_37_items_in_3_systems_worth_100_points_and_a_county_can_save_its_own()
    {
        var place = await PlaceAsync();
        var standard = await StandardAsync(place.County);
        Assert.True(standard.GetProperty("isDefault").GetBoolean());
        Assert.Equal(37, standard.GetProperty("items").GetInt32());
        Assert.Equal(["党建引领", "服务质量", "规范运营与业主评价"], standard.GetProperty("systems").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.Equal(100m, standard.GetProperty("systems").EnumerateArray().Sum(s => s.GetProperty("weight").GetDecimal()));

        // Weights that do not add up to 100, or an item twice, are refused and the county keeps the default.
        var (bad, problem) = await SendAsync(HttpMethod.Put, $"/api/v1/property/standards/{place.County.District}", DispatchDriver.Admin, new
        {
            name = "县标准",
            systems = new[] { new { code = "A", name = "服务", items = new[] { new { code = "A1", name = "保洁", weight = 50m }, new { code = "A1", name = "绿化", weight = 40m } } } },
        });
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.True(problem.GetProperty("errors").TryGetProperty("systems[0].items[1].code", out _), problem.ToString());
        Assert.True((await StandardAsync(place.County)).GetProperty("isDefault").GetBoolean());
        var (byCadre, _) = await SendAsync(HttpMethod.Put, $"/api/v1/property/standards/{place.County.District}", place.Cadre, new { name = "x", systems = Array.Empty<object>() });
        Assert.Equal(HttpStatusCode.Forbidden, byCadre);

        var own = new
        {
            name = "湄潭县红色物业考评细则",
            systems = new[]
            {
                new { code = "P", name = "党建引领", items = new[] { new { code = "P1", name = "成立物业党支部", weight = 30m } } },
                new { code = "S", name = "服务质量", items = new[] { new { code = "S1", name = "保洁", weight = 40m }, new { code = "S2", name = "安防", weight = 30m } } },
            },
        };
        var saved = await OkAsync(HttpMethod.Put, $"/api/v1/property/standards/{place.County.District}", DispatchDriver.Admin, own);
        Assert.False(saved.GetProperty("isDefault").GetBoolean());
        Assert.Equal(3, saved.GetProperty("items").GetInt32());
        Assert.Single(await OutboxAsync(nameof(PropertyStandardChanged), "county", place.County.District));

        // The old sheet no longer fits the county's standard; the new one does, and the inspection keeps its version.
        var (oldSheet, oldProblem) = await SendAsync(HttpMethod.Post, "/api/v1/property/inspections", place.Cadre,
            new { compoundCode = place.Compound, inspectedAt = _clock.GetUtcNow(), scores = new[] { new { item = "S01", points = 3m } } });
        Assert.Equal(HttpStatusCode.BadRequest, oldSheet);
        Assert.True(oldProblem.GetProperty("errors").TryGetProperty("scores[0].item", out _), oldProblem.ToString());
        var inspection = await InspectAsync(place, [new { item = "P1", points = 30m }, new { item = "S1", points = 36m }, new { item = "S2", points = 27m }]);
        Assert.Equal(93m, inspection.GetProperty("inspectionScore").GetDecimal());
        Assert.Equal(saved.GetProperty("version").GetInt32(), inspection.GetProperty("standardVersion").GetInt32());
    }

    [Fact]
    public async Task An_inspection_scores_the_company_and_grades_it_with_the_residents_survey_and_a_good_grade_recommends_it()
    {
        var place = await PlaceAsync();
        var survey = await OkAsync(HttpMethod.Post, "/api/v1/property/surveys", place.Cadre,
            new { compoundCode = place.Compound, surveyedAt = _clock.GetUtcNow().AddDays(-3), satisfied = 150, basicallySatisfied = 30, dissatisfied = 20 },
            expected: HttpStatusCode.Created);
        Assert.Equal(90m, survey.GetProperty("satisfactionRate").GetDecimal());

        // 5 points lost on the fire escapes (S10 is worth 4: all of it) and one on the lifts.
        var sheet = await SheetAsync(place.County, (code, weight) => code == "S10" ? weight : code == "S11" ? 1 : 0);
        var inspection = await InspectAsync(place, sheet);

        Assert.Equal(95m, inspection.GetProperty("inspectionScore").GetDecimal());
        Assert.Equal(90m, inspection.GetProperty("surveySatisfaction").GetDecimal());
        Assert.Equal(JsonValueKind.Null, inspection.GetProperty("ordersOnTimeRate").ValueKind);
        // (60 × 95 + 20 × 90) ÷ 80: the orders part had no data and its weight went to the others.
        Assert.Equal(93.75m, inspection.GetProperty("score").GetDecimal());
        Assert.Equal("good", inspection.GetProperty("grade").GetString());
        Assert.Equal(JsonValueKind.Null, inspection.GetProperty("noticeId").ValueKind);
        Assert.Equal(37, inspection.GetProperty("scores").GetArrayLength());

        var id = inspection.GetProperty("id").GetString()!;
        var graded = Assert.Single(await OutboxAsync(nameof(PropertyCompanyGraded), "inspectionId", id));
        Assert.Equal(place.Company, graded.GetProperty("company").GetString());
        Assert.Single(await OutboxAsync(nameof(PropertyCompanyRecommended), "inspectionId", id));
        Assert.Single(await OutboxAsync(nameof(PropertySurveyRecorded), "surveyId", survey.GetProperty("id").GetString()!));

        var figures = await PropertyFiguresAsync(place.County, f => f.GetProperty("inspections").GetInt64() == 1 && f.GetProperty("companiesRecommended").GetInt64() == 1
            && f.GetProperty("surveys").GetInt64() == 1, "reporting to count the inspection, the recommendation and the survey");
        Assert.Equal(1, figures.GetProperty("good").GetInt64());
        Assert.Equal(93.75, figures.GetProperty("averageScore").GetDouble());
        Assert.Equal(0.9, figures.GetProperty("surveySatisfaction").GetDouble(), 6);
    }

    [Fact]
    public async Task The_grade_counts_the_timeliness_and_satisfaction_of_the_orders_routed_to_the_company()
    {
        var place = await PlaceAsync();
        foreach (var satisfaction in new[] { Satisfaction.Dissatisfied, Satisfaction.Dissatisfied })
        {
            // property_service goes to the compound's property company by the seeded routing rule.
            var requestId = await _dispatch.SubmitAsync(place.County, "property_service");
            var order = await _dispatch.OrderForAsync(requestId);
            Assert.Equal("property_company", order.GetProperty("assigneeKind").GetString());
            await _dispatch.PublishAsync(new RequestClosed(requestId, satisfaction, _clock.GetUtcNow()));
            await Eventually.True(async () => (await _dispatch.GetAsync(order.GetProperty("id").GetGuid())).GetProperty("status").GetString() == "closed",
                "the order closed with the resident's rating");
        }

        var inspection = await InspectAsync(place, await SheetAsync(place.County));

        Assert.Equal(100m, inspection.GetProperty("inspectionScore").GetDecimal());
        Assert.Equal(2, inspection.GetProperty("orders").GetInt32());
        Assert.Equal(100m, inspection.GetProperty("ordersOnTimeRate").GetDecimal());
        Assert.Equal(0m, inspection.GetProperty("ordersSatisfactionRate").GetDecimal());
        // (60 × 100 + 10 × 100 + 10 × 0) ÷ 80: two unhappy residents take a perfect inspection down to fair.
        Assert.Equal(87.5m, inspection.GetProperty("score").GetDecimal());
        Assert.Equal("fair", inspection.GetProperty("grade").GetString());
    }

    [Fact]
    public async Task A_poor_grade_opens_a_rectification_notice_and_a_re_inspection_before_the_deadline_closes_it()
    {
        var place = await PlaceAsync();
        // Every service-quality point lost: 100 − 60 = 40, well below 70.
        var poor = await InspectAsync(place, await SheetAsync(place.County, (code, weight) => code.StartsWith('S') ? weight : 0));
        Assert.Equal(40m, poor.GetProperty("score").GetDecimal());
        Assert.Equal("poor", poor.GetProperty("grade").GetString());
        Assert.Equal("open", poor.GetProperty("noticeState").GetString());
        var noticeId = poor.GetProperty("noticeId").GetString()!;
        var opened = Assert.Single(await OutboxAsync(nameof(RectificationNoticeOpened), "noticeId", noticeId));
        Assert.Contains("S10", opened.GetProperty("items").EnumerateArray().Select(i => i.GetString()));
        Assert.Equal(_clock.GetUtcNow().AddDays(30), opened.GetProperty("dueAt").GetDateTimeOffset(), TimeSpan.FromSeconds(5));

        // A second poor grade while the notice runs adds no second notice.
        await InspectAsync(place, await SheetAsync(place.County, (code, weight) => code.StartsWith('S') ? weight : 0));
        Assert.Equal(1, await _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM rectification_notices WHERE compound_code = @Compound", new { place.Compound }));

        var recheck = await InspectAsync(place, await SheetAsync(place.County, (code, weight) => code == "S05" ? 2 : 0));
        Assert.Equal("good", recheck.GetProperty("grade").GetString());
        Assert.Single(await OutboxAsync(nameof(RectificationNoticeRectified), "noticeId", noticeId));
        var notices = await OkAsync(HttpMethod.Get, $"/api/v1/property/notices?under={place.County.Community}", place.Cadre);
        var notice = Assert.Single(notices.EnumerateArray());
        Assert.Equal("rectified", notice.GetProperty("state").GetString());
        Assert.Equal(recheck.GetProperty("id").GetGuid(), notice.GetProperty("rectifiedBy").GetGuid());

        await PropertyFiguresAsync(place.County, f => f.GetProperty("noticesOpened").GetInt64() == 1 && f.GetProperty("noticesRectified").GetInt64() == 1
            && f.GetProperty("poor").GetInt64() == 2, "reporting to count the notice opened and rectified");
    }

    [Fact]
    public async Task A_company_that_has_not_rectified_by_the_deadline_is_flagged_for_replacement_by_the_owners_committee()
    {
        var place = await PlaceAsync();
        var poor = await InspectAsync(place, await SheetAsync(place.County, (code, weight) => code.StartsWith('S') ? weight : 0),
            new { rectifyBy = _clock.GetUtcNow().AddDays(7) });
        var noticeId = poor.GetProperty("noticeId").GetString()!;

        _clock.Advance(TimeSpan.FromDays(6));
        // Not due yet: still open a day before its deadline (the scheduler polls every 0.1 s).
        await Task.Delay(TimeSpan.FromMilliseconds(500), Ct);
        Assert.Empty(await OutboxAsync(nameof(PropertyCompanyFlaggedForReplacement), "noticeId", noticeId));

        _clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        var flagged = await Eventually.Get(async () =>
        {
            var found = await OutboxAsync(nameof(PropertyCompanyFlaggedForReplacement), "noticeId", noticeId);
            return found.Count > 0 ? found : null;
        }, "the flag for replacement once the deadline passed");
        var evt = Assert.Single(flagged);
        Assert.Equal(place.Committee, evt.GetProperty("ownersCommittee").GetString());
        Assert.Equal(place.Company, evt.GetProperty("company").GetString());
        var notices = await OkAsync(HttpMethod.Get, $"/api/v1/property/notices?under={place.Compound}&state=flagged", place.Cadre);
        Assert.Equal(place.Committee, Assert.Single(notices.EnumerateArray()).GetProperty("ownersCommittee").GetString());

        // Too late to rectify: a good re-inspection now records its grade but leaves the flag.
        await InspectAsync(place, await SheetAsync(place.County));
        Assert.Empty(await OutboxAsync(nameof(RectificationNoticeRectified), "noticeId", noticeId));

        await PropertyFiguresAsync(place.County, f => f.GetProperty("companiesFlaggedForReplacement").GetInt64() == 1,
            "reporting to count the company flagged for replacement");
    }

    [Fact]
    public async Task A_major_matter_goes_to_the_owners_only_after_the_party_organisation_consents_and_passes_by_the_civil_code_thresholds()
    {
        var place = await PlaceAsync();
        async Task<string> ProposeAsync(string kind) => (await OkAsync(HttpMethod.Post, "/api/v1/property/matters", place.Cadre,
            new { compoundCode = place.Compound, kind, title = kind == "fee" ? "物业费由每平方米1.2元调整为1.5元" : "加装电梯", description = "业委会提议，物业公司测算", amountYuan = 120000m },
            expected: HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var fee = await ProposeAsync("fee");
        var project = await ProposeAsync("project");
        // 600 of 800 owners (75 %) holding 70 % of the area voted; 70 % of them, by head and by area, for.
        var tally = new { eligibleOwners = 800, eligibleArea = 80000m, votedOwners = 600, votedArea = 56000m, forOwners = 420, forArea = 39200m,
            againstOwners = 150, againstArea = 14000m, heldAt = _clock.GetUtcNow() };

        var (voteFirst, early) = await SendAsync(HttpMethod.Post, $"/api/v1/property/matters/{fee}/vote", place.Cadre, tally);
        Assert.Equal(HttpStatusCode.Conflict, voteFirst);
        Assert.Equal("proposed", early.GetProperty("currentState").GetString());
        // No party organisation over the compound yet: nobody can consent.
        var (noOrg, _) = await SendAsync(HttpMethod.Post, $"/api/v1/property/matters/{fee}/consent", place.Cadre, new { consented = true, note = "同意" });
        Assert.Equal(HttpStatusCode.Conflict, noOrg);

        var committee = (await OkAsync(HttpMethod.Post, "/api/v1/party-orgs", place.Cadre,
            new { kind = "committee", name = "锦园社区党委", nodeCode = place.County.Community }, expected: HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var branch = (await OkAsync(HttpMethod.Post, "/api/v1/party-orgs", place.Cadre,
            new { kind = "branch", name = "东苑小区党支部", nodeCode = place.Compound, parentId = committee }, expected: HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var consented = await OkAsync(HttpMethod.Post, $"/api/v1/property/matters/{fee}/consent", place.Cadre, new { consented = true, note = "支部会议研究同意，提交业主大会表决" });
        Assert.Equal("consented", consented.GetProperty("state").GetString());
        Assert.Equal(branch, consented.GetProperty("partyOrgId").GetGuid());
        await OkAsync(HttpMethod.Post, $"/api/v1/property/matters/{project}/consent", place.Cadre, new { consented = true, note = "同意" });

        // A tally that does not add up is refused and the matter waits for its vote.
        var (badTally, problem) = await SendAsync(HttpMethod.Post, $"/api/v1/property/matters/{fee}/vote", place.Cadre,
            tally with { forOwners = 500, againstOwners = 200 });
        Assert.Equal(HttpStatusCode.BadRequest, badTally);
        Assert.True(problem.GetProperty("errors").TryGetProperty("forOwners", out _));
        Assert.Equal("consented", (await OkAsync(HttpMethod.Get, $"/api/v1/property/matters/{fee}", place.Cadre)).GetProperty("state").GetString());

        // The same count passes a fee (more than half) and fails a project (three quarters).
        var feeVote = await OkAsync(HttpMethod.Post, $"/api/v1/property/matters/{fee}/vote", place.Cadre, tally);
        var projectVote = await OkAsync(HttpMethod.Post, $"/api/v1/property/matters/{project}/vote", place.Cadre, tally);
        Assert.Equal("passed", feeVote.GetProperty("state").GetString());
        Assert.Equal(420, feeVote.GetProperty("forOwners").GetInt32());
        Assert.Equal("rejected", projectVote.GetProperty("state").GetString());
        var (again, twice) = await SendAsync(HttpMethod.Post, $"/api/v1/property/matters/{fee}/vote", place.Cadre, tally);
        Assert.Equal(HttpStatusCode.Conflict, again);
        Assert.Equal("passed", twice.GetProperty("currentState").GetString());

        var consent = Assert.Single(await OutboxAsync(nameof(MajorMatterConsentDecided), "matterId", fee));
        Assert.True(consent.GetProperty("consented").GetBoolean());
        Assert.True(Assert.Single(await OutboxAsync(nameof(OwnersVoteRecorded), "matterId", fee)).GetProperty("passed").GetBoolean());
        Assert.False(Assert.Single(await OutboxAsync(nameof(OwnersVoteRecorded), "matterId", project)).GetProperty("passed").GetBoolean());

        // A refused matter never goes to the owners.
        var refused = await ProposeAsync("fee");
        await OkAsync(HttpMethod.Post, $"/api/v1/property/matters/{refused}/consent", place.Cadre, new { consented = false, note = "涨幅过大，退回重新测算" });
        var (afterRefusal, state) = await SendAsync(HttpMethod.Post, $"/api/v1/property/matters/{refused}/vote", place.Cadre, tally);
        Assert.Equal(HttpStatusCode.Conflict, afterRefusal);
        Assert.Equal("refused", state.GetProperty("currentState").GetString());

        var figures = await PropertyFiguresAsync(place.County, f => f.GetProperty("votesHeld").GetInt64() == 2 && f.GetProperty("mattersRefused").GetInt64() == 1,
            "reporting to count the consents and votes");
        Assert.Equal(3, figures.GetProperty("mattersProposed").GetInt64());
        Assert.Equal(2, figures.GetProperty("mattersConsented").GetInt64());
        Assert.Equal(1, figures.GetProperty("votesPassed").GetInt64());
    }

    [Fact]
    public async Task Bad_input_is_refused_with_what_is_wrong_and_stores_nothing_and_only_the_compounds_community_may_act()
    {
        var place = await PlaceAsync();
        var sheet = await SheetAsync(place.County);
        var missingOne = sheet.Skip(1).ToArray();
        var tooMany = sheet.Select((s, i) => i == 0 ? new { item = "P01", points = 99m } : s).ToArray();

        var (missing, missingProblem) = await SendAsync(HttpMethod.Post, "/api/v1/property/inspections", place.Cadre,
            new { compoundCode = place.Compound, inspectedAt = _clock.GetUtcNow(), scores = missingOne });
        var (over, overProblem) = await SendAsync(HttpMethod.Post, "/api/v1/property/inspections", place.Cadre,
            new { compoundCode = place.Compound, inspectedAt = _clock.GetUtcNow(), scores = tooMany });
        var (future, futureProblem) = await SendAsync(HttpMethod.Post, "/api/v1/property/inspections", place.Cadre,
            new { compoundCode = place.Compound, inspectedAt = _clock.GetUtcNow().AddDays(2), scores = sheet });
        var (notCompound, _) = await SendAsync(HttpMethod.Post, "/api/v1/property/inspections", place.Cadre,
            new { compoundCode = place.County.Grid, inspectedAt = _clock.GetUtcNow(), scores = sheet });
        var (badSurvey, surveyProblem) = await SendAsync(HttpMethod.Post, "/api/v1/property/surveys", place.Cadre,
            new { compoundCode = place.Compound, surveyedAt = _clock.GetUtcNow(), satisfied = -1, basicallySatisfied = 0, dissatisfied = 0 });
        var (badMatter, matterProblem) = await SendAsync(HttpMethod.Post, "/api/v1/property/matters", place.Cadre,
            new { compoundCode = place.Compound, kind = "party", title = "", description = "x" });

        Assert.Equal(HttpStatusCode.BadRequest, missing);
        Assert.Contains("P01", missingProblem.GetProperty("errors").GetProperty("scores")[0].GetString());
        Assert.Equal(HttpStatusCode.BadRequest, over);
        Assert.True(overProblem.GetProperty("errors").TryGetProperty("scores[0].points", out _));
        Assert.Equal(HttpStatusCode.BadRequest, future);
        Assert.True(futureProblem.GetProperty("errors").TryGetProperty("inspectedAt", out _));
        Assert.Equal(HttpStatusCode.BadRequest, notCompound);
        Assert.Equal(HttpStatusCode.BadRequest, badSurvey);
        Assert.True(surveyProblem.GetProperty("errors").TryGetProperty("satisfied", out _));
        Assert.Equal(HttpStatusCode.BadRequest, badMatter);
        Assert.Equal(["kind", "title"], matterProblem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order());

        // Another community's cadre does not see this compound; grid staff and the anonymous may not act at all.
        var other = Tokens.For("community_cadre", new TestCounty().Community);
        var (otherCadre, _) = await SendAsync(HttpMethod.Post, "/api/v1/property/inspections", other,
            new { compoundCode = place.Compound, inspectedAt = _clock.GetUtcNow(), scores = sheet });
        var (worker, _) = await SendAsync(HttpMethod.Post, "/api/v1/property/inspections", Tokens.For("grid_worker", place.County.Grid),
            new { compoundCode = place.Compound, inspectedAt = _clock.GetUtcNow(), scores = sheet });
        var (anonymous, _) = await SendAsync(HttpMethod.Post, "/api/v1/property/inspections", null,
            new { compoundCode = place.Compound, inspectedAt = _clock.GetUtcNow(), scores = sheet });
        var (otherList, otherNotices) = await SendAsync(HttpMethod.Get, $"/api/v1/property/notices?under={place.County.District}", other);
        Assert.Equal(HttpStatusCode.NotFound, otherCadre);
        Assert.Equal(HttpStatusCode.Forbidden, worker);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous);
        Assert.Equal(HttpStatusCode.OK, otherList);
        Assert.Equal(0, otherNotices.GetArrayLength());

        foreach (var table in new[] { "property_inspections", "property_surveys", "major_matters" })
            Assert.Equal(0, await _stack.ScalarAsync<long>("dispatch", $"SELECT count(*) FROM {table} WHERE compound_code = @Compound", new { place.Compound }));
    }
}
