using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GovPlatform.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static GovPlatform.IntegrationTests.Volunteer.VolunteerKit;

namespace GovPlatform.IntegrationTests.Volunteer;

/// <summary>A private stack whose clock the activity tests move (they run one after another).</summary>
public sealed class ActivityStack : IAsyncLifetime
{
    public TestStack Stack { get; private set; } = null!;
    public FakeClock Clock { get; } = new();
    public TestCounty County { get; } = new();

    public async ValueTask InitializeAsync()
    {
        Stack = await TestStack.CreateAsync();
        Stack.Start("dispatch");
        Stack.Start("volunteer", services: s => s.AddSingleton<TimeProvider>(Clock));
        await Stack.ImportAsync(County);
    }

    public async ValueTask DisposeAsync() => await Stack.DisposeAsync();
}

/// <summary>Activities: sign-up and waiting list, QR check-in and check-out, anti-fraud, verification and points.</summary>
public sealed class ActivityTests(ActivityStack fixture) : IClassFixture<ActivityStack>, IAsyncLifetime
{
    private TestStack Stack => fixture.Stack;
    private FakeClock Clock => fixture.Clock;
    private HttpClient Api => Stack.Client("volunteer");
    private CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly string _organiser = $"organiser-{Guid.NewGuid():N}";
    private string Organiser => Tokens.For("organiser", subject: _organiser);

    // Meitan county (湄潭县), where the activities take place.
    private const double Lat = 27.7680, Lon = 107.4650;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;
    public async ValueTask DisposeAsync() => await AssertLedgerInvariantAsync(Stack);

    private static string As(Guid volunteerId) => Tokens.For("volunteer", subject: volunteerId.ToString());

    private async Task<Guid> PublishAsync(TimeSpan startsIn, TimeSpan lasts, int capacity = 10, string type = "cleanup", int? radius = null)
    {
        var start = Clock.GetUtcNow() + startsIn;
        var response = await Api.SendAsync(HttpMethod.Post, "/api/v1/activities", new
        {
            title = "东苑小区环境清洁日", type, gridCode = fixture.County.Grid, startsAt = start, endsAt = start + lasts, capacity,
            latitude = radius is null ? (double?)null : Lat, longitude = radius is null ? (double?)null : Lon, radiusMeters = radius,
        }, Organiser);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
    }

    private async Task<JsonElement> SignUpAsync(Guid activity, Guid volunteer, HttpStatusCode expected = HttpStatusCode.Created)
    {
        var response = await Api.SendAsync(HttpMethod.Post, $"/api/v1/activities/{activity}/signups", null, As(volunteer));
        Assert.Equal(expected, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    private async Task<string> CodeAsync(Guid activity, string purpose)
    {
        var response = await Api.SendAsync(HttpMethod.Get, $"/api/v1/activities/{activity}/qr?purpose={purpose}", null, Organiser);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("token").GetString()!;
    }

    private Task<HttpResponseMessage> ScanAsync(Guid activity, Guid volunteer, string action, string token, double? lat = null, double? lon = null) =>
        Api.SendAsync(HttpMethod.Post, $"/api/v1/activities/{activity}/{action}", new { token, latitude = lat, longitude = lon }, As(volunteer));

    private async Task AssertRefusedAsync(HttpResponseMessage response, string reason, HttpStatusCode status = HttpStatusCode.Forbidden)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(reason, (await ProblemAsync(response)).GetProperty("reason").GetString());
    }

    private async Task<List<string>> RejectionsAsync(Guid activity)
    {
        var response = await Api.SendAsync(HttpMethod.Get, $"/api/v1/activities/{activity}/rejections", null, Organiser);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).EnumerateArray().Select(r => r.GetProperty("reason").GetString()!).ToList();
    }

    [Fact]
    public async Task Sign_up_fills_the_places_then_the_waiting_list_and_a_cancellation_promotes_the_first_waiting()
    {
        var activity = await PublishAsync(TimeSpan.FromDays(1), TimeSpan.FromHours(2), capacity: 2);
        var people = new List<Guid>();
        for (var i = 0; i < 4; i++) people.Add(await RegisterAsync(Api, fixture.County.Grid));

        var statuses = new List<(string?, int?)>();
        foreach (var p in people)
        {
            var s = await SignUpAsync(activity, p);
            statuses.Add((s.GetProperty("status").GetString(), s.GetProperty("waitlistPosition").ValueKind == JsonValueKind.Null ? null : s.GetProperty("waitlistPosition").GetInt32()));
        }
        var again = await SignUpAsync(activity, people[0], HttpStatusCode.OK);
        var cancel = await Api.SendAsync(HttpMethod.Post, $"/api/v1/activities/{activity}/signups/{people[0]}/cancel", null, As(people[0]));
        var cancelOthers = await Api.SendAsync(HttpMethod.Post, $"/api/v1/activities/{activity}/signups/{people[1]}/cancel", null, As(people[0]));

        Assert.Equal([("confirmed", null), ("confirmed", null), ("waitlisted", 1), ("waitlisted", 2)], statuses);
        Assert.Equal("confirmed", again.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, cancelOthers.StatusCode);
        var list = await (await Api.SendAsync(HttpMethod.Get, $"/api/v1/activities/{activity}/signups", null, Organiser)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(["cancelled", "confirmed", "confirmed", "waitlisted"], list.EnumerateArray().Select(s => s.GetProperty("status").GetString()));
        Assert.Equal(people[2], list.EnumerateArray().ElementAt(2).GetProperty("volunteerId").GetGuid());
        Assert.Equal("李**", list[0].GetProperty("name").GetString());

        // Many at once: the places are never over-filled.
        var busy = await PublishAsync(TimeSpan.FromDays(1), TimeSpan.FromHours(2), capacity: 3);
        var crowd = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => RegisterAsync(Api, fixture.County.Grid)));
        var results = await Task.WhenAll(crowd.Select(v => SignUpAsync(busy, v)));
        Assert.Equal(3, results.Count(r => r.GetProperty("status").GetString() == "confirmed"));
        Assert.Equal(Enumerable.Range(1, 9), results.Where(r => r.GetProperty("status").GetString() == "waitlisted")
            .Select(r => r.GetProperty("waitlistPosition").GetInt32()).Order());
    }

    [Fact]
    public async Task Checked_in_and_out_service_verified_by_the_organiser_is_recorded_and_awarded_once()
    {
        var activity = await PublishAsync(TimeSpan.FromMinutes(10), TimeSpan.FromHours(3));
        var volunteer = await RegisterAsync(Api, fixture.County.Grid);
        await SignUpAsync(activity, volunteer);

        Clock.Advance(TimeSpan.FromMinutes(10));
        var checkIn = await ScanAsync(activity, volunteer, "check-in", await CodeAsync(activity, "check_in"));
        Clock.Advance(TimeSpan.FromHours(2.5));
        var checkOut = await ScanAsync(activity, volunteer, "check-out", await CodeAsync(activity, "check_out"));
        var verify = await Api.SendAsync(HttpMethod.Post, $"/api/v1/activities/{activity}/attendances/{volunteer}/verify", new { approve = true }, Organiser);
        var twice = await Api.SendAsync(HttpMethod.Post, $"/api/v1/activities/{activity}/attendances/{volunteer}/verify", new { approve = true }, Organiser);
        var byOtherOrganiser = await Api.SendAsync(HttpMethod.Post, $"/api/v1/activities/{activity}/attendances/{volunteer}/verify", new { approve = true }, Tokens.For("organiser"));

        Assert.Equal(HttpStatusCode.OK, checkIn.StatusCode);
        Assert.Equal(HttpStatusCode.OK, checkOut.StatusCode);
        var attendance = await checkOut.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(2.5m, attendance.GetProperty("hours").GetDecimal());
        Assert.Equal(HttpStatusCode.OK, verify.StatusCode);
        var verdict = await verify.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(25, verdict.GetProperty("pointsAwarded").GetInt64()); // clean-up: 10 points an hour
        Assert.Equal("verified", verdict.GetProperty("attendance").GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        Assert.Equal("verified", (await ProblemAsync(twice)).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, byOtherOrganiser.StatusCode);
        Assert.Equal(25, await BalanceAsync(Api, volunteer));

        // Volunteers see their own records; organisers the sign-ups of their own activities.
        var mine = await Api.SendAsync(HttpMethod.Get, $"/api/v1/volunteers/{volunteer}/service-records", null, As(volunteer));
        var snooping = await Api.SendAsync(HttpMethod.Get, $"/api/v1/volunteers/{volunteer}/service-records", null, As(Guid.NewGuid()));
        var otherOrganisersView = await Api.SendAsync(HttpMethod.Get, $"/api/v1/activities/{activity}/signups", null, Tokens.For("organiser"));
        var record = Assert.Single((await mine.Content.ReadFromJsonAsync<JsonElement>(Ct)).EnumerateArray());
        Assert.Equal(("verified", 2.5m), (record.GetProperty("status").GetString(), record.GetProperty("hours").GetDecimal()));
        Assert.Equal(HttpStatusCode.Forbidden, snooping.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherOrganisersView.StatusCode);

        var attendanceId = attendance.GetProperty("id").GetGuid();
        using var recorded = JsonDocument.Parse(await Stack.ScalarAsync<string>("volunteer",
            "SELECT body::text FROM outbox_messages WHERE message_type LIKE '%ServiceRecorded' AND body->>'serviceId' = @id", new { id = attendanceId.ToString() }));
        Assert.Equal(2.5m, recorded.RootElement.GetProperty("hours").GetDecimal());
        Assert.Equal("cleanup", recorded.RootElement.GetProperty("activityType").GetString());
        Assert.Equal(fixture.County.Grid, recorded.RootElement.GetProperty("gridCode").GetString());
        Assert.Equal(1, await Stack.ScalarAsync<long>("volunteer",
            "SELECT count(*) FROM outbox_messages WHERE message_type LIKE '%PointsAwarded' AND body->>'sourceKey' = @key", new { key = $"checkout:{attendanceId}" }));
    }

    [Fact]
    public async Task Replayed_expired_forged_and_misdirected_codes_are_refused_and_every_refusal_is_logged_with_its_reason()
    {
        var activity = await PublishAsync(TimeSpan.FromMinutes(5), TimeSpan.FromHours(2));
        var other = await PublishAsync(TimeSpan.FromDays(2), TimeSpan.FromHours(2));
        var (alice, bob, stranger) = (await RegisterAsync(Api, fixture.County.Grid), await RegisterAsync(Api, fixture.County.Grid), await RegisterAsync(Api, fixture.County.Grid));
        await SignUpAsync(activity, alice);
        await SignUpAsync(activity, bob);

        var code = await CodeAsync(activity, "check_in");
        var signature = code[(code.IndexOf('.') + 1)..];
        var forged = code[..code.IndexOf('.')] + "." + (signature[0] == 'A' ? 'B' : 'A') + signature[1..];
        await AssertRefusedAsync(await ScanAsync(activity, alice, "check-in", forged), "invalid_token");
        await AssertRefusedAsync(await ScanAsync(activity, alice, "check-in", await CodeAsync(activity, "check_out")), "wrong_purpose");
        await AssertRefusedAsync(await ScanAsync(activity, alice, "check-in", await CodeAsync(other, "check_in")), "wrong_activity");
        await AssertRefusedAsync(await ScanAsync(activity, stranger, "check-in", code), "not_signed_up");
        Assert.Equal(HttpStatusCode.OK, (await ScanAsync(activity, alice, "check-in", code)).StatusCode);
        await AssertRefusedAsync(await ScanAsync(activity, alice, "check-in", code), "replayed");

        Clock.Advance(TimeSpan.FromSeconds(61));
        await AssertRefusedAsync(await ScanAsync(activity, bob, "check-in", code), "expired");
        Assert.Equal(HttpStatusCode.OK, (await ScanAsync(activity, bob, "check-in", await CodeAsync(activity, "check_in"))).StatusCode);
        await AssertRefusedAsync(await ScanAsync(activity, bob, "check-in", await CodeAsync(activity, "check_in")), "already_checked_in", HttpStatusCode.Conflict);

        Assert.Equal(["invalid_token", "wrong_purpose", "wrong_activity", "not_signed_up", "replayed", "expired", "already_checked_in"], await RejectionsAsync(activity));
        Assert.Equal(2, await Stack.ScalarAsync<long>("volunteer", "SELECT count(*) FROM attendances WHERE activity_id = @activity", new { activity }));
    }

    [Fact]
    public async Task The_place_overlapping_activities_and_the_daily_hours_cap_are_enforced()
    {
        var nearby = await PublishAsync(TimeSpan.FromMinutes(5), TimeSpan.FromHours(2), radius: 200);
        var sameTime = await PublishAsync(TimeSpan.FromMinutes(20), TimeSpan.FromHours(2));
        var volunteer = await RegisterAsync(Api, fixture.County.Grid);
        await SignUpAsync(nearby, volunteer);
        await SignUpAsync(sameTime, volunteer);

        await AssertRefusedAsync(await ScanAsync(nearby, volunteer, "check-in", await CodeAsync(nearby, "check_in")), "location_required");
        await AssertRefusedAsync(await ScanAsync(nearby, volunteer, "check-in", await CodeAsync(nearby, "check_in"), 27.7900, 107.4650), "out_of_range");
        Assert.Equal(HttpStatusCode.OK, (await ScanAsync(nearby, volunteer, "check-in", await CodeAsync(nearby, "check_in"), 27.7685, 107.4655)).StatusCode);
        await AssertRefusedAsync(await ScanAsync(sameTime, volunteer, "check-in", await CodeAsync(sameTime, "check_in")), "overlapping");
        Assert.Equal(["location_required", "out_of_range"], await RejectionsAsync(nearby));
        Assert.Equal(["overlapping"], await RejectionsAsync(sameTime));

        // Eleven hours in one day count as ten (the cap), and the cut is logged.
        var marathon = await PublishAsync(TimeSpan.FromMinutes(1), TimeSpan.FromHours(11));
        var tireless = await RegisterAsync(Api, fixture.County.Grid);
        await SignUpAsync(marathon, tireless);
        Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.OK, (await ScanAsync(marathon, tireless, "check-in", await CodeAsync(marathon, "check_in"))).StatusCode);
        Clock.Advance(TimeSpan.FromHours(11));
        var checkOut = await ScanAsync(marathon, tireless, "check-out", await CodeAsync(marathon, "check_out"));
        Assert.Equal(HttpStatusCode.OK, checkOut.StatusCode);
        Assert.Equal(10m, (await checkOut.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("hours").GetDecimal());
        Assert.Equal(["daily_cap"], await RejectionsAsync(marathon));
    }

    [Fact]
    public async Task Check_in_before_the_window_opens_or_after_the_end_and_check_out_after_it_closes_are_refused_as_outside_window()
    {
        // Check-in opens 30 minutes before the start and closes at the end; check-out closes 2 hours after the end.
        var activity = await PublishAsync(TimeSpan.FromHours(2), TimeSpan.FromHours(1));
        var (early, late) = (await RegisterAsync(Api, fixture.County.Grid), await RegisterAsync(Api, fixture.County.Grid));
        await SignUpAsync(activity, early);
        await SignUpAsync(activity, late);

        await AssertRefusedAsync(await ScanAsync(activity, early, "check-in", await CodeAsync(activity, "check_in")), "outside_window");
        Clock.Advance(TimeSpan.FromMinutes(91)); // 29 minutes before the start
        Assert.Equal(HttpStatusCode.OK, (await ScanAsync(activity, early, "check-in", await CodeAsync(activity, "check_in"))).StatusCode);
        Clock.Advance(TimeSpan.FromMinutes(90)); // a minute after the end
        await AssertRefusedAsync(await ScanAsync(activity, late, "check-in", await CodeAsync(activity, "check_in")), "outside_window");
        Clock.Advance(TimeSpan.FromHours(2)); // check-out closed a minute ago
        await AssertRefusedAsync(await ScanAsync(activity, early, "check-out", await CodeAsync(activity, "check_out")), "outside_window");

        Assert.Equal(["outside_window", "outside_window", "outside_window"], await RejectionsAsync(activity));
        Assert.Equal(["check_in", "check_in", "check_out"], await Stack.QueryAsync<string>("volunteer",
            "SELECT action FROM check_rejections WHERE activity_id = @activity ORDER BY id", new { activity }));
        var attendances = await Stack.QueryAsync<(Guid VolunteerId, string Status)>("volunteer",
            "SELECT volunteer_id, status FROM attendances WHERE activity_id = @activity", new { activity });
        Assert.Equal([(early, "checked_in")], attendances);
    }

    [Fact]
    public async Task Leaving_one_activity_frees_a_person_for_an_overlapping_one_and_two_check_ins_at_once_admit_only_one()
    {
        // The rule is "not checked in at two overlapping activities at once": signing up to both is
        // allowed (plans change), and so is moving on after checking out, since no hour counts twice.
        var first = await PublishAsync(TimeSpan.FromMinutes(5), TimeSpan.FromHours(2));
        var second = await PublishAsync(TimeSpan.FromMinutes(20), TimeSpan.FromHours(2));
        var volunteer = await RegisterAsync(Api, fixture.County.Grid);
        await SignUpAsync(first, volunteer);
        await SignUpAsync(second, volunteer);

        Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(HttpStatusCode.OK, (await ScanAsync(first, volunteer, "check-in", await CodeAsync(first, "check_in"))).StatusCode);
        Clock.Advance(TimeSpan.FromMinutes(45));
        var leftFirst = await ScanAsync(first, volunteer, "check-out", await CodeAsync(first, "check_out"));
        var joinedSecond = await ScanAsync(second, volunteer, "check-in", await CodeAsync(second, "check_in"));
        Clock.Advance(TimeSpan.FromHours(1));
        var leftSecond = await ScanAsync(second, volunteer, "check-out", await CodeAsync(second, "check_out"));

        Assert.Equal(0.75m, (await leftFirst.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("hours").GetDecimal());
        Assert.Equal(HttpStatusCode.OK, joinedSecond.StatusCode);
        Assert.Equal(1m, (await leftSecond.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("hours").GetDecimal());

        // Scanning two overlapping activities' codes at the same moment: the person's row lock lets one in.
        var (c, d) = (await PublishAsync(TimeSpan.FromMinutes(10), TimeSpan.FromHours(2)), await PublishAsync(TimeSpan.FromMinutes(10), TimeSpan.FromHours(1)));
        var quick = await RegisterAsync(Api, fixture.County.Grid);
        await SignUpAsync(c, quick);
        await SignUpAsync(d, quick);
        var (codeC, codeD) = (await CodeAsync(c, "check_in"), await CodeAsync(d, "check_in"));
        var both = await Task.WhenAll(ScanAsync(c, quick, "check-in", codeC), ScanAsync(d, quick, "check-in", codeD));

        Assert.Single(both, r => r.StatusCode == HttpStatusCode.OK);
        await AssertRefusedAsync(both.Single(r => r.StatusCode != HttpStatusCode.OK), "overlapping");
        Assert.Equal(1, await Stack.ScalarAsync<long>("volunteer", "SELECT count(*) FROM attendances WHERE volunteer_id = @quick", new { quick }));
    }

    private Task<HttpResponseMessage> SetRuleAsync(string type, object body, string? token = null) =>
        Api.SendAsync(HttpMethod.Put, $"/api/v1/points/rules/{type}", body, token ?? Tokens.For("admin", subject: "admin-rules"));

    [Fact]
    public async Task A_changed_points_rule_sets_the_points_bonus_and_expiry_of_the_next_check_out_award()
    {
        var type = $"rt{Guid.NewGuid():N}"[..20];
        Assert.Equal(HttpStatusCode.Created, (await SetRuleAsync(type, new { pointsPerHour = 10 })).StatusCode);
        var changed = await SetRuleAsync(type, new { pointsPerHour = 12, bonus = 7, expiryDays = 30 });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var rule = await changed.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal((12, 7, 30), (rule.GetProperty("pointsPerHour").GetInt32(), rule.GetProperty("bonus").GetInt32(), rule.GetProperty("expiryDays").GetInt32()));
        var listed = await (await Api.SendAsync(HttpMethod.Get, "/api/v1/points/rules", null, Organiser)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(7, listed.EnumerateArray().Single(r => r.GetProperty("activityType").GetString() == type).GetProperty("bonus").GetInt32());
        var history = await (await Api.SendAsync(HttpMethod.Get, $"/api/v1/points/rules/{type}/changes", null, Tokens.For("admin"))).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal([12, 10], history.EnumerateArray().Select(h => h.GetProperty("pointsPerHour").GetInt32()));
        Assert.Equal(10, history[0].GetProperty("previous").GetProperty("pointsPerHour").GetInt32());
        Assert.Equal("admin-rules", history[0].GetProperty("changedBy").GetString());

        var activity = await PublishAsync(TimeSpan.FromMinutes(1), TimeSpan.FromHours(2), type: type);
        var volunteer = await RegisterAsync(Api, fixture.County.Grid);
        await SignUpAsync(activity, volunteer);
        Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.OK, (await ScanAsync(activity, volunteer, "check-in", await CodeAsync(activity, "check_in"))).StatusCode);
        Clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(HttpStatusCode.OK, (await ScanAsync(activity, volunteer, "check-out", await CodeAsync(activity, "check_out"))).StatusCode);
        var verifiedAt = Clock.GetUtcNow();
        var verdict = await Api.SendAsync(HttpMethod.Post, $"/api/v1/activities/{activity}/attendances/{volunteer}/verify", new { approve = true }, Organiser);

        Assert.Equal(31, (await verdict.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("pointsAwarded").GetInt64()); // 12 × 2 h + 7
        var expiresAt = await Stack.ScalarAsync<DateTime>("volunteer",
            "SELECT expires_at FROM ledger_entries WHERE volunteer_id = @volunteer AND kind = 'award'", new { volunteer });
        Assert.Equal(verifiedAt.AddDays(30).UtcDateTime, expiresAt, TimeSpan.FromMilliseconds(1));

        // Thirty days on, the unspent award lapses.
        Clock.Advance(TimeSpan.FromDays(30));
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(HttpMethod.Post, "/api/v1/points/expiry-runs", null, Tokens.For("admin"))).StatusCode);
        Assert.Equal(0, await BalanceAsync(Api, volunteer));
        Assert.Equal(31, await Stack.ScalarAsync<long>("volunteer",
            "SELECT coalesce(sum(points), 0) FROM ledger_entries WHERE volunteer_id = @volunteer AND kind = 'expiry'", new { volunteer }));
    }

    [Fact]
    public async Task Only_an_admin_changes_a_points_rule_and_an_invalid_one_names_each_field_and_changes_nothing()
    {
        var bad = await SetRuleAsync("Bad Type!", new { pointsPerHour = -1, bonus = 20_000, expiryDays = 0 });
        var nothing = await SetRuleAsync("cleanup", new { pointsPerHour = 0, bonus = 0 });
        var unknownField = await SetRuleAsync("cleanup", new { pointsPerHour = 50, multiplier = 3 });
        var byOrganiser = await SetRuleAsync("cleanup", new { pointsPerHour = 50 }, Organiser);
        var anonymous = await Api.GetAsync("/api/v1/points/rules", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(["activityType", "bonus", "expiryDays", "pointsPerHour"], (await ProblemAsync(bad)).GetProperty("errors").EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(HttpStatusCode.BadRequest, nothing.StatusCode);
        Assert.True((await ProblemAsync(nothing)).GetProperty("errors").TryGetProperty("pointsPerHour", out _));
        Assert.Equal(HttpStatusCode.BadRequest, unknownField.StatusCode);
        Assert.Contains("multiplier", (await ProblemAsync(unknownField)).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, byOrganiser.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal((10, 0, (int?)null), (await Stack.QueryAsync<(int, int, int?)>("volunteer",
            "SELECT points_per_hour, bonus, expiry_days FROM points_rules WHERE activity_type = 'cleanup'")).Single());
        Assert.Equal(0, await Stack.ScalarAsync<long>("volunteer", "SELECT count(*) FROM points_rule_changes WHERE activity_type = 'cleanup'"));
    }

    [Fact]
    public async Task Invalid_activities_get_a_problem_naming_each_field_and_store_nothing()
    {
        var before = await Stack.ScalarAsync<long>("volunteer", "SELECT count(*) FROM activities");
        var now = Clock.GetUtcNow();

        var response = await Api.SendAsync(HttpMethod.Post, "/api/v1/activities", new
        {
            title = "", type = "karaoke", gridCode = fixture.County.Building, startsAt = now.AddHours(2), endsAt = now.AddHours(1), capacity = 0,
            latitude = 95.0, longitude = 107.0, radiusMeters = 1,
        }, Organiser);
        var byVolunteer = await Api.SendAsync(HttpMethod.Post, "/api/v1/activities", new
        {
            title = "x", type = "cleanup", gridCode = fixture.County.Grid, startsAt = now.AddHours(1), endsAt = now.AddHours(2), capacity = 5,
        }, Tokens.For("volunteer"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(["capacity", "endsAt", "gridCode", "latitude", "radiusMeters", "title", "type"],
            (await ProblemAsync(response)).GetProperty("errors").EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(HttpStatusCode.Forbidden, byVolunteer.StatusCode);
        Assert.Equal(before, await Stack.ScalarAsync<long>("volunteer", "SELECT count(*) FROM activities"));
    }
    [Fact]
    public async Task Double_reporting_figures_count_each_units_members_activities_and_verified_hours()
    {
        var unit = await CreateUnitAsync();
        var members = new[] { await RegisterAsync(Api, fixture.County.Grid, partyMember: true), await RegisterAsync(Api, fixture.County.Grid, partyMember: true) };
        var idle = await RegisterAsync(Api, fixture.County.Grid, partyMember: true);
        foreach (var m in members.Append(idle))
            Assert.Equal(HttpStatusCode.Created, (await Api.SendAsync(HttpMethod.Put, $"/api/v1/volunteers/{m}/double-report",
                new { unitId = unit, communityCode = fixture.County.Community }, As(m))).StatusCode);
        var activity = await PublishAsync(TimeSpan.FromMinutes(1), TimeSpan.FromHours(2), type: "publicity");
        foreach (var m in members) await SignUpAsync(activity, m);

        Clock.Advance(TimeSpan.FromMinutes(1));
        var checkIn = await CodeAsync(activity, "check_in");
        foreach (var m in members) Assert.Equal(HttpStatusCode.OK, (await ScanAsync(activity, m, "check-in", checkIn)).StatusCode);
        Clock.Advance(TimeSpan.FromHours(2));
        var checkOut = await CodeAsync(activity, "check_out");
        foreach (var m in members) Assert.Equal(HttpStatusCode.OK, (await ScanAsync(activity, m, "check-out", checkOut)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(HttpMethod.Post, $"/api/v1/activities/{activity}/attendances/{members[0]}/verify", new { approve = true }, Organiser)).StatusCode);
        // Unverified service does not count.
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(HttpMethod.Post, $"/api/v1/activities/{activity}/attendances/{members[1]}/verify",
            new { approve = false, reason = "提前离开未报备" }, Organiser)).StatusCode);

        var figuresResponse = await Api.SendAsync(HttpMethod.Get, "/api/v1/units/figures", null, Tokens.For("leader"));
        Assert.Equal(HttpStatusCode.OK, figuresResponse.StatusCode);
        var figures = (await figuresResponse.Content.ReadFromJsonAsync<JsonElement>(Ct)).EnumerateArray()
            .Single(u => u.GetProperty("unitId").GetGuid() == unit);
        Assert.Equal(3, figures.GetProperty("membersReported").GetInt32());
        Assert.Equal(1, figures.GetProperty("activities").GetInt32());
        Assert.Equal(2m, figures.GetProperty("hours").GetDecimal());
        Assert.Equal(20, figures.GetProperty("pointsEarned").GetInt64()); // publicity: 10 points an hour
        Assert.Equal(0, await BalanceAsync(Api, members[1]));
    }

    private async Task<Guid> CreateUnitAsync()
    {
        var response = await Api.SendAsync(HttpMethod.Post, "/api/v1/units", new { name = $"县卫健局{Guid.NewGuid():N}"[..16], kind = "government" }, Tokens.For("admin"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
    }
}
