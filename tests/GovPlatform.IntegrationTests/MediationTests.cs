using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GovPlatform.Contracts;
using GovPlatform.IntegrationTests.Infrastructure;
using static GovPlatform.IntegrationTests.Volunteer.VolunteerKit;

namespace GovPlatform.IntegrationTests;

/// <summary>Dispute mediation (矛盾纠纷调解): cases, sessions, outcomes, and what the volunteer and reporting services make of them.</summary>
public sealed class MediationTests(SharedStack shared) : IAsyncLifetime
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

    private object NewCase(IReadOnlyList<Guid>? volunteerIds = null, string? communityCode = null) => new
    {
        kind = "neighbour",
        communityCode = communityCode ?? _county.Community,
        summary = "楼上漏水渗到楼下，双方就维修费用分担争执不下",
        parties = new[] { new { name = "张三丰", role = "楼上住户" }, new { name = "李四光", role = "楼下住户" } },
        mediator = new { kind = "talk_point", name = "老王说事点", volunteerIds = volunteerIds ?? [] },
    };

    private async Task<Guid> OpenAsync(IReadOnlyList<Guid>? volunteerIds = null)
    {
        var (status, body) = await SendAsync(HttpMethod.Post, "/api/v1/mediation-cases", Cadre, NewCase(volunteerIds));
        Assert.True(status == HttpStatusCode.Created, $"open answered {(int)status}: {body}");
        Assert.Equal("open", body.GetProperty("state").GetString());
        return body.GetProperty("id").GetGuid();
    }

    private Task<(HttpStatusCode, JsonElement)> SessionAsync(Guid caseId, string? token = null) =>
        SendAsync(HttpMethod.Post, $"/api/v1/mediation-cases/{caseId}/sessions", token ?? Cadre, new
        {
            heldAt = DateTimeOffset.UtcNow.AddHours(-1),
            place = "老王说事点",
            attendees = new[] { "张三丰", "李四光", "王调解员" },
            notes = "双方同意先请物业查明漏水点",
        });

    private Task<(HttpStatusCode, JsonElement)> CloseAsync(Guid caseId, object body) =>
        SendAsync(HttpMethod.Post, $"/api/v1/mediation-cases/{caseId}/close", Cadre, body);

    private static object Agreement => new { outcome = "agreement", agreementSignedAt = DateTimeOffset.UtcNow.AddMinutes(-5), note = "楼上承担七成维修费" };

    private async Task<IReadOnlyList<JsonElement>> EventsAsync(string type, Guid caseId)
    {
        var bodies = await _stack.QueryAsync<string>("dispatch",
            "SELECT body::text FROM outbox_messages WHERE message_type = @type AND body->>'caseId' = @id ORDER BY id",
            new { type = $"GovPlatform.Contracts.{type}", id = caseId.ToString() });
        return bodies.Select(b => JsonDocument.Parse(b).RootElement.Clone()).ToList();
    }

    private async Task<JsonElement> MediationFiguresAsync()
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8));
        using var request = new HttpRequestMessage(HttpMethod.Get,
            $"/api/v1/kpis?from={today.AddDays(-1):yyyy-MM-dd}&to={today.AddDays(1):yyyy-MM-dd}&under={_county.Community}");
        using var response = await _stack.Client("reporting").SendAsync(request.WithBearer(Tokens.For("leader")), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("mediation").Clone();
    }

    [Fact]
    public async Task Closing_a_case_credits_its_volunteer_mediators_and_moves_the_mediation_success_rate()
    {
        var volunteerApi = _stack.Client("volunteer");
        var mediators = new[] { await RegisterAsync(volunteerApi, _county.Grid, "王调解"), await RegisterAsync(volunteerApi, _county.Grid, "赵调解") };
        var agreed = await OpenAsync(mediators);
        Assert.Equal(HttpStatusCode.OK, (await SessionAsync(agreed)).Item1);

        var (closed, body) = await CloseAsync(agreed, Agreement);

        Assert.Equal(HttpStatusCode.OK, closed);
        Assert.Equal(("closed", "agreement", 1), (body.GetProperty("state").GetString(), body.GetProperty("outcome").GetString(), body.GetProperty("sessionCount").GetInt32()));
        var opened = Assert.Single(await EventsAsync(nameof(MediationCaseOpened), agreed));
        Assert.Equal((_county.Community, "neighbour", "老王说事点"),
            (opened.GetProperty("communityCode").GetString(), opened.GetProperty("kind").GetString(), opened.GetProperty("mediatorName").GetString()));
        var evt = Assert.Single(await EventsAsync(nameof(MediationCaseClosed), agreed));
        Assert.Equal(("agreement", 1), (evt.GetProperty("outcome").GetString(), evt.GetProperty("sessions").GetInt32()));
        Assert.Equal(mediators.Order(), evt.GetProperty("mediatorVolunteerIds").EnumerateArray().Select(v => v.GetGuid()).Order());

        // The volunteer service's mediation rule gives each mediator its bonus once.
        foreach (var mediator in mediators)
            await Eventually.True(async () => await BalanceAsync(volunteerApi, mediator) == 20, $"mediator {mediator} to be credited");
        Assert.Equal(2, await _stack.ScalarAsync<long>("volunteer",
            "SELECT count(*) FROM ledger_entries WHERE source_key LIKE @key", new { key = $"mediation:{agreed}:%" }));

        var first = await Eventually.Get(async () =>
        {
            var m = await MediationFiguresAsync();
            return m.GetProperty("closed").GetInt64() == 1 ? (JsonElement?)m : null;
        }, "reporting to count the agreed case") ?? throw new InvalidOperationException("no figures");
        Assert.Equal((1L, 1L, 1.0), (first.GetProperty("opened").GetInt64(), first.GetProperty("agreements").GetInt64(),
            first.GetProperty("success").GetProperty("value").GetDouble()));

        // A failed second case halves the rate.
        var failed = await OpenAsync();
        Assert.Equal(HttpStatusCode.OK, (await SessionAsync(failed)).Item1);
        Assert.Equal(HttpStatusCode.OK, (await CloseAsync(failed, new { outcome = "failed", note = "一方拒绝继续调解" })).Item1);
        var second = await Eventually.Get(async () =>
        {
            var m = await MediationFiguresAsync();
            return m.GetProperty("closed").GetInt64() == 2 ? (JsonElement?)m : null;
        }, "reporting to count the failed case") ?? throw new InvalidOperationException("no figures");
        Assert.Equal(0.5, second.GetProperty("success").GetProperty("value").GetDouble());
        Assert.Equal(2, second.GetProperty("success").GetProperty("denominator").GetInt64());
    }

    [Fact]
    public async Task A_closed_case_takes_no_session_and_no_second_closing_and_says_it_is_closed()
    {
        var caseId = await OpenAsync();
        var (early, earlyProblem) = await CloseAsync(caseId, Agreement);
        Assert.Equal(HttpStatusCode.Conflict, early);
        Assert.Equal("open", earlyProblem.GetProperty("currentState").GetString());

        Assert.Equal(HttpStatusCode.OK, (await CloseAsync(caseId, new { outcome = "referred", referredTo = "县人民调解委员会" })).Item1);
        var (session, sessionProblem) = await SessionAsync(caseId);
        var (twice, twiceProblem) = await CloseAsync(caseId, Agreement);

        Assert.Equal(HttpStatusCode.Conflict, session);
        Assert.Equal("closed", sessionProblem.GetProperty("currentState").GetString());
        Assert.Equal(HttpStatusCode.Conflict, twice);
        Assert.Equal("closed", twiceProblem.GetProperty("currentState").GetString());
        var (_, found) = await SendAsync(HttpMethod.Get, $"/api/v1/mediation-cases/{caseId}", Cadre);
        Assert.Equal(("referred", "县人民调解委员会", 0), (found.GetProperty("outcome").GetString(), found.GetProperty("referredTo").GetString(),
            found.GetProperty("sessions").GetArrayLength()));
        Assert.Single(await EventsAsync(nameof(MediationCaseClosed), caseId));
    }

    [Fact]
    public async Task Closings_racing_each_other_close_the_case_once()
    {
        var caseId = await OpenAsync();
        Assert.Equal(HttpStatusCode.OK, (await SessionAsync(caseId)).Item1);

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            CloseAsync(caseId, i % 2 == 0 ? Agreement : new { outcome = "failed", note = "未达成一致" })));

        Assert.Single(answers, a => a.Item1 == HttpStatusCode.OK);
        Assert.All(answers.Where(a => a.Item1 != HttpStatusCode.OK), a =>
        {
            Assert.Equal(HttpStatusCode.Conflict, a.Item1);
            Assert.Equal("closed", a.Item2.GetProperty("currentState").GetString());
        });
        var winner = answers.Single(a => a.Item1 == HttpStatusCode.OK).Item2.GetProperty("outcome").GetString();
        Assert.Equal(winner, Assert.Single(await EventsAsync(nameof(MediationCaseClosed), caseId)).GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task Bad_input_is_a_400_naming_the_field_and_stores_nothing()
    {
        var (oneParty, p1) = await SendAsync(HttpMethod.Post, "/api/v1/mediation-cases", Cadre, new
        {
            kind = "quarrel", communityCode = _county.Grid, summary = "x",
            parties = new[] { new { name = "张三", role = "住户" } },
            mediator = new { kind = "studio", name = "绿色心情工作室" },
        });
        Assert.Equal(HttpStatusCode.BadRequest, oneParty);
        Assert.True(p1.GetProperty("errors").TryGetProperty("kind", out _));
        Assert.True(p1.GetProperty("errors").TryGetProperty("parties", out _));

        var (notCommunity, p2) = await SendAsync(HttpMethod.Post, "/api/v1/mediation-cases", Cadre,
            NewCase(communityCode: _county.Grid));
        Assert.Equal(HttpStatusCode.BadRequest, notCommunity);
        Assert.Contains("not a community", p2.GetProperty("errors").GetProperty("communityCode")[0].GetString());
        Assert.Equal(0, await _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM mediation_cases WHERE community_code = @c", new { c = _county.Community }));

        var caseId = await OpenAsync();
        Assert.Equal(HttpStatusCode.OK, (await SessionAsync(caseId)).Item1);
        var (unsigned, p3) = await CloseAsync(caseId, new { outcome = "agreement" });
        var (nowhere, p4) = await CloseAsync(caseId, new { outcome = "referred" });
        Assert.Equal(HttpStatusCode.BadRequest, unsigned);
        Assert.True(p3.GetProperty("errors").TryGetProperty("agreementSignedAt", out _));
        Assert.Equal(HttpStatusCode.BadRequest, nowhere);
        Assert.True(p4.GetProperty("errors").TryGetProperty("referredTo", out _));
        Assert.Equal("open", await _stack.ScalarAsync<string>("dispatch", "SELECT state FROM mediation_cases WHERE id = @caseId", new { caseId }));
        Assert.Empty(await EventsAsync(nameof(MediationCaseClosed), caseId));
    }

    [Fact]
    public async Task Only_the_communitys_cadres_and_the_levels_above_see_a_case_and_only_the_county_sees_names()
    {
        var caseId = await OpenAsync();
        Assert.Equal(HttpStatusCode.OK, (await SessionAsync(caseId)).Item1);
        var url = $"/api/v1/mediation-cases/{caseId}";
        var elsewhere = new TestCounty();

        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, url, Tokens.For("community_cadre", elsewhere.Community))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, url, Tokens.For("grid_worker", _county.Grid))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SessionAsync(caseId, Tokens.For("community_cadre", elsewhere.Community))).Item1);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(HttpMethod.Get, url, null)).Status);

        var (_, asCadre) = await SendAsync(HttpMethod.Get, url, Cadre);
        var (subdistrictStatus, asSubdistrict) = await SendAsync(HttpMethod.Get, url, Tokens.For("subdistrict_officer", $"{_county.District}-01"));
        var (_, asCounty) = await SendAsync(HttpMethod.Get, url, DispatchDriver.Admin);
        Assert.Equal(HttpStatusCode.OK, subdistrictStatus);
        Assert.Equal(["张**", "李**"], asCadre.GetProperty("parties").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.Equal("张**", asSubdistrict.GetProperty("sessions")[0].GetProperty("attendees")[0].GetString());
        Assert.Equal(["张三丰", "李四光"], asCounty.GetProperty("parties").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.DoesNotContain("张三丰", asCadre.GetRawText());

        var closedCase = await OpenAsync();
        Assert.Equal(HttpStatusCode.OK, (await CloseAsync(closedCase, new { outcome = "referred", referredTo = "派出所" })).Item1);
        var (_, open) = await SendAsync(HttpMethod.Get, $"/api/v1/mediation-cases?community={_county.Community}&state=open", Cadre);
        var (_, closed) = await SendAsync(HttpMethod.Get, $"/api/v1/mediation-cases?community={_county.Community}&state=closed", Cadre);
        var (_, none) = await SendAsync(HttpMethod.Get, $"/api/v1/mediation-cases?community={_county.Community}", Tokens.For("community_cadre", elsewhere.Community));
        Assert.Equal([caseId], open.EnumerateArray().Select(c => c.GetProperty("id").GetGuid()));
        Assert.Equal([closedCase], closed.EnumerateArray().Select(c => c.GetProperty("id").GetGuid()));
        Assert.Equal(0, none.GetArrayLength());
    }
}
