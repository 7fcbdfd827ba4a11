using System.Net;
using System.Text.Json;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests;

/// <summary>Mediation studios (调解工作室) and talk-it-over points (说事点) as registered places with their own figures.</summary>
public sealed class MediationPlaceTests(SharedStack shared) : IAsyncLifetime
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

    private async Task<Guid> PlaceAsync(string kind, string name, string host)
    {
        var (status, place) = await SendAsync(HttpMethod.Post, "/api/v1/mediation-places", Cadre,
            new { communityCode = _county.Community, kind, name, hostName = host, openingHours = "每周二、四 9:00-17:00" });
        Assert.True(status == HttpStatusCode.Created, $"register answered {(int)status}: {place}");
        return place.GetProperty("id").GetGuid();
    }

    private static object Case(string community, Guid? placeId, object? mediator = null) => new
    {
        kind = "neighbour",
        communityCode = community,
        summary = "楼上漏水渗到楼下，双方就维修费用分担争执不下",
        parties = new[] { new { name = "张三丰", role = "楼上住户" }, new { name = "李四光", role = "楼下住户" } },
        mediator,
        placeId,
    };

    private async Task<Guid> OpenAsync(Guid? placeId, object? mediator = null)
    {
        var (status, body) = await SendAsync(HttpMethod.Post, "/api/v1/mediation-cases", Cadre, Case(_county.Community, placeId, mediator));
        Assert.True(status == HttpStatusCode.Created, $"open answered {(int)status}: {body}");
        return body.GetProperty("id").GetGuid();
    }

    private async Task CloseAsync(Guid caseId, string outcome)
    {
        if (outcome != "referred")
        {
            var (held, s) = await SendAsync(HttpMethod.Post, $"/api/v1/mediation-cases/{caseId}/sessions", Cadre, new
            {
                heldAt = DateTimeOffset.UtcNow.AddHours(-1), place = "调解室", attendees = new[] { "张三丰", "李四光" }, notes = "双方各自陈述",
            });
            Assert.True(held == HttpStatusCode.OK, $"session answered {(int)held}: {s}");
        }
        object body = outcome switch
        {
            "agreement" => new { outcome, agreementSignedAt = DateTimeOffset.UtcNow.AddMinutes(-5) },
            "referred" => new { outcome, referredTo = "县人民法院诉前调解" },
            _ => new { outcome },
        };
        var (closed, c) = await SendAsync(HttpMethod.Post, $"/api/v1/mediation-cases/{caseId}/close", Cadre, body);
        Assert.True(closed == HttpStatusCode.OK, $"close answered {(int)closed}: {c}");
    }

    [Fact]
    public async Task Cases_held_at_a_registered_place_give_it_its_own_figures_in_dispatch_and_reporting()
    {
        var studio = await PlaceAsync("studio", "老杨调解工作室", "杨德明");
        var talkPoint = await PlaceAsync("talk_point", "槐树下说事点", "王建华");
        var atStudio = new[] { await OpenAsync(studio), await OpenAsync(studio), await OpenAsync(studio) };
        var atTalkPoint = await OpenAsync(talkPoint, new { volunteerIds = Array.Empty<Guid>() });
        await OpenAsync(null, new { kind = "studio", name = "社区调委会" });
        await CloseAsync(atStudio[0], "agreement");
        await CloseAsync(atStudio[1], "agreement");
        await CloseAsync(atStudio[2], "failed");
        await CloseAsync(atTalkPoint, "referred");

        // The case takes the place's kind and name as its mediator, and its event names the place.
        var (_, first) = await SendAsync(HttpMethod.Get, $"/api/v1/mediation-cases/{atStudio[0]}", Cadre);
        Assert.Equal(("studio", "老杨调解工作室", studio),
            (first.GetProperty("mediatorKind").GetString(), first.GetProperty("mediatorName").GetString(), first.GetProperty("placeId").GetGuid()));
        Assert.Equal(studio.ToString(), await _stack.ScalarAsync<string>("dispatch",
            "SELECT body->>'placeId' FROM outbox_messages WHERE message_type = 'GovPlatform.Contracts.MediationCaseOpened' AND body->>'caseId' = @id",
            new { id = atStudio[0].ToString() }));

        var (listed, places) = await SendAsync(HttpMethod.Get, $"/api/v1/mediation-places?community={_county.Community}", Cadre);
        Assert.Equal(HttpStatusCode.OK, listed);
        var figures = places.EnumerateArray().Select(p => (
            p.GetProperty("name").GetString(), p.GetProperty("hostName").GetString(), p.GetProperty("received").GetInt64(), p.GetProperty("mediated").GetInt64(),
            p.GetProperty("agreements").GetInt64(), p.GetProperty("referred").GetInt64(),
            p.GetProperty("successRate").ValueKind == JsonValueKind.Null ? (double?)null : Math.Round(p.GetProperty("successRate").GetDouble(), 4))).ToList();
        // The host is a person: masked for the community's cadre.
        Assert.Equal([("老杨调解工作室", "杨**", 3L, 3L, 2L, 0L, (double?)0.6667), ("槐树下说事点", "王**", 1L, 0L, 0L, 1L, null)], figures);
        var (_, forCounty) = await SendAsync(HttpMethod.Get, $"/api/v1/mediation-places/{studio}", Tokens.For("admin"));
        Assert.Equal("杨德明", forCounty.GetProperty("hostName").GetString());

        var report = await ServiceOrderPointsTests.WaitAsync(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/stats/mediation-places?{ServiceOrderPointsTests.Period()}&under={_county.Community}");
            using var response = await _stack.Client("reporting").SendAsync(request.WithBearer(Tokens.For("leader")), Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var r = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone();
            return r.GetProperty("total").GetProperty("received").GetInt64() == 5 && r.GetProperty("total").GetProperty("mediated").GetInt64() == 3
                && r.GetProperty("places").GetArrayLength() == 2
                && r.GetProperty("places").EnumerateArray().Any(p => p.GetProperty("agreements").GetInt64() == 2) ? r : null;
        }, "the places' figures in reporting");
        var studioRow = report.GetProperty("places").EnumerateArray().Single(p => p.GetProperty("placeId").GetGuid() == studio);
        Assert.Equal(("老杨调解工作室", 3L, 0.6667), (studioRow.GetProperty("name").GetString(), studioRow.GetProperty("received").GetInt64(),
            studioRow.GetProperty("successRate").GetDouble()));
        Assert.Equal(0.6667, report.GetProperty("total").GetProperty("successRate").GetDouble());
    }

    [Fact]
    public async Task A_bad_place_or_a_case_at_a_place_elsewhere_is_refused_and_stores_nothing()
    {
        var studio = await PlaceAsync("studio", "老杨调解工作室", "杨德明");
        var other = new TestCounty();
        await _stack.ImportAsync(other);

        var (bad, problem) = await SendAsync(HttpMethod.Post, "/api/v1/mediation-places", Cadre,
            new { communityCode = _county.Community, kind = "tea_house", name = " ", hostName = "杨德明", openingHours = "" });
        var (twice, _) = await SendAsync(HttpMethod.Post, "/api/v1/mediation-places", Cadre,
            new { communityCode = _county.Community, kind = "talk_point", name = "老杨调解工作室", hostName = "杨德明", openingHours = "全天" });
        var (notTheirs, _) = await SendAsync(HttpMethod.Post, "/api/v1/mediation-places", Tokens.For("community_cadre", other.Community),
            new { communityCode = _county.Community, kind = "studio", name = "别处的工作室", hostName = "赵六", openingHours = "全天" });
        var (byWorker, _) = await SendAsync(HttpMethod.Post, "/api/v1/mediation-places", Tokens.For("grid_worker", _county.Grid),
            new { communityCode = _county.Community, kind = "studio", name = "网格员的工作室", hostName = "赵六", openingHours = "全天" });
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.Equal(["kind", "name", "openingHours"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal((HttpStatusCode.Conflict, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden), (twice, notTheirs, byWorker));

        var (elsewhere, p1) = await SendAsync(HttpMethod.Post, "/api/v1/mediation-cases", Tokens.For("community_cadre", other.Community),
            Case(other.Community, studio));
        var (nobody, p2) = await SendAsync(HttpMethod.Post, "/api/v1/mediation-cases", Cadre, Case(_county.Community, null));
        var (wrongKind, p3) = await SendAsync(HttpMethod.Post, "/api/v1/mediation-cases", Cadre, Case(_county.Community, studio, new { kind = "talk_point" }));
        var (unknown, p4) = await SendAsync(HttpMethod.Post, "/api/v1/mediation-cases", Cadre, Case(_county.Community, Guid.NewGuid()));
        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (elsewhere, nobody, wrongKind, unknown));
        Assert.True(p1.GetProperty("errors").TryGetProperty("placeId", out _), p1.ToString());
        Assert.True(p2.GetProperty("errors").TryGetProperty("mediator", out _), p2.ToString());
        Assert.True(p3.GetProperty("errors").TryGetProperty("mediator.kind", out _), p3.ToString());
        Assert.True(p4.GetProperty("errors").TryGetProperty("placeId", out _), p4.ToString());

        Assert.Equal(1, await _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM mediation_places WHERE community_code = ANY(@codes)",
            new { codes = new[] { _county.Community, other.Community } }));
        Assert.Equal(0, await _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM mediation_cases WHERE community_code = ANY(@codes)",
            new { codes = new[] { _county.Community, other.Community } }));
    }
}
