using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests.Residents;

/// <summary>A resident files without an account: a verified phone, limits per phone and per doorplate, the desk's own filing path.</summary>
public sealed class ResidentFilingTests(SharedStack shared)
{
    private readonly ResidentKit _kit = new(shared.Stack);
    private HttpClient Intake => shared.Stack.Client("intake");
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(TestCounty County, string Doorplate)> DoorplateAsync()
    {
        var county = new TestCounty();
        await shared.Stack.ImportAsync(county);
        return (county, await _kit.IssueDoorplateAsync(county.Building));
    }

    [Fact]
    public async Task A_verified_resident_reports_at_the_doorplates_building_and_dispatch_assigns_it()
    {
        var (county, doorplate) = await DoorplateAsync();
        var phone = ResidentKit.NewPhone();
        var session = await _kit.VerifyAsync(phone);

        var filed = await _kit.ReportOkAsync(session, new { topic = "drainage", description = "单元门口下水道堵了，污水冒出来", doorplate, name = "王阿姨" });

        var ticket = filed.GetProperty("ticketNo").GetString()!;
        Assert.Equal($"/r/status.html?t={ticket}", filed.GetProperty("statusUrl").GetString());
        var row = (await shared.Stack.QueryAsync<(string Channel, string Category, string Location, string Phone, string Address)>("intake",
            "SELECT channel, category, location_code, reporter_phone, address FROM requests WHERE ticket_no = @ticket", new { ticket })).Single();
        Assert.Equal(("qr_doorplate", "drainage", county.Building, phone), (row.Channel, row.Category, row.Location, row.Phone));
        Assert.Equal("锦园社区 东苑小区 1号楼", row.Address);
        var id = await _kit.RequestIdAsync(ticket);
        await new DispatchDriver(shared.Stack).OrderForAsync(id);
    }

    [Fact]
    public async Task Photos_go_up_without_their_gps_and_only_their_uploader_can_attach_them()
    {
        var (_, doorplate) = await DoorplateAsync();
        var session = await _kit.VerifyAsync(ResidentKit.NewPhone());
        var neighbour = await _kit.VerifyAsync(ResidentKit.NewPhone());

        async Task<HttpResponseMessage> UploadAsync(string? who, int count)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/residents/photos")
            {
                Content = Photos.Form(Enumerable.Range(0, count).Select(i => ($"p{i}.jpg", Photos.JpegWithGps(), "image/jpeg")).ToArray()),
            };
            if (who is not null) request.Headers.Add("X-Resident-Session", who);
            return await Intake.SendAsync(request, Ct);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await UploadAsync(null, 1)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await UploadAsync(session, 4)).StatusCode);
        using var uploaded = await UploadAsync(session, 2);
        Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
        var ids = (await uploaded.JsonAsync()).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ToArray();

        using var stolen = await _kit.AsResidentAsync(HttpMethod.Post, "/api/v1/residents/reports", neighbour,
            new { topic = "greening", description = "树枝挡住路灯", doorplate, photos = ids });
        Assert.Equal(HttpStatusCode.BadRequest, stolen.StatusCode);

        var filed = await _kit.ReportOkAsync(session, new { topic = "greening", description = "树枝挡住路灯", doorplate, photos = ids });
        var id = await _kit.RequestIdAsync(filed.GetProperty("ticketNo").GetString()!);
        var request = await (await Intake.SendAsync(HttpMethod.Get, $"/api/v1/requests/{id}")).JsonAsync();
        var files = request.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal(2, files.Count);
        var stored = await (await Intake.SendAsync(HttpMethod.Get, files[0].GetProperty("url").GetString()!)).Content.ReadAsByteArrayAsync(Ct);
        Assert.DoesNotContain((byte)0xE1, Photos.JpegSegments(stored));
    }

    [Fact]
    public async Task Without_a_session_nothing_is_filed_and_a_forged_session_is_refused()
    {
        var (county, doorplate) = await DoorplateAsync();
        using var none = await _kit.AsResidentAsync(HttpMethod.Post, "/api/v1/residents/reports", null, new { topic = "noise", description = "楼上噪音", doorplate });
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        var session = await _kit.VerifyAsync(ResidentKit.NewPhone());
        var forged = Convert.ToBase64String(Encoding.UTF8.GetBytes($"sms|13900000000|{DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeSeconds()}")).TrimEnd('=')
                     + session[session.IndexOf('.')..];
        using var bad = await _kit.AsResidentAsync(HttpMethod.Post, "/api/v1/residents/reports", forged, new { topic = "noise", description = "楼上噪音", doorplate });
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        Assert.Equal(0, await shared.Stack.ScalarAsync<long>("intake", "SELECT count(*) FROM requests WHERE location_code = @b", new { b = county.Building }));
    }

    [Fact]
    public async Task A_code_works_once_and_five_wrong_guesses_use_it_up()
    {
        var phone = ResidentKit.NewPhone();
        (await Intake.SendAsync(HttpMethod.Post, "/api/v1/residents/codes", new { phone }, role: null)).EnsureSuccessStatusCode();
        var code = await _kit.LatestCodeAsync(phone);
        var wrong = code == "000000" ? "111111" : "000000";
        for (var i = 0; i < 5; i++)
        {
            using var guess = await Intake.SendAsync(HttpMethod.Post, "/api/v1/residents/sessions", new { phone, code = wrong }, role: null);
            Assert.Equal(HttpStatusCode.BadRequest, guess.StatusCode);
        }
        using var right = await Intake.SendAsync(HttpMethod.Post, "/api/v1/residents/sessions", new { phone, code }, role: null);
        Assert.Equal(HttpStatusCode.BadRequest, right.StatusCode);

        (await Intake.SendAsync(HttpMethod.Post, "/api/v1/residents/codes", new { phone }, role: null)).EnsureSuccessStatusCode();
        var second = await _kit.LatestCodeAsync(phone, atLeast: 2);
        using var ok = await Intake.SendAsync(HttpMethod.Post, "/api/v1/residents/sessions", new { phone, code = second }, role: null);
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        using var again = await Intake.SendAsync(HttpMethod.Post, "/api/v1/residents/sessions", new { phone, code = second }, role: null);
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
    }

    [Fact]
    public async Task A_phone_gets_three_codes_in_ten_minutes_and_the_fourth_ask_is_429()
    {
        var phone = ResidentKit.NewPhone();
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Accepted, (await Intake.SendAsync(HttpMethod.Post, "/api/v1/residents/codes", new { phone }, role: null)).StatusCode);
        using var fourth = await Intake.SendAsync(HttpMethod.Post, "/api/v1/residents/codes", new { phone }, role: null);
        Assert.Equal(HttpStatusCode.TooManyRequests, fourth.StatusCode);
        Assert.NotNull(fourth.Headers.RetryAfter);
        Assert.Equal(3, (await _kit.MailboxAsync(phone)).Count);
    }

    [Fact]
    public async Task A_phone_files_five_reports_an_hour_and_the_sixth_is_429_with_nothing_stored()
    {
        var (county, doorplate) = await DoorplateAsync();
        var session = await _kit.VerifyAsync(ResidentKit.NewPhone());
        for (var i = 0; i < 5; i++)
            await _kit.ReportOkAsync(session, new { topic = "unsure", description = $"第{i}件事：楼道灯坏了{i}盏", doorplate });
        using var sixth = await _kit.AsResidentAsync(HttpMethod.Post, "/api/v1/residents/reports", session, new { topic = "unsure", description = "第六件事", doorplate });
        Assert.Equal(HttpStatusCode.TooManyRequests, sixth.StatusCode);
        Assert.Equal(5, await shared.Stack.ScalarAsync<long>("intake", "SELECT count(*) FROM requests WHERE location_code = @b", new { b = county.Building }));
    }

    [Fact]
    public async Task A_doorplate_takes_thirty_reports_an_hour_from_all_phones_together()
    {
        var (county, doorplate) = await DoorplateAsync();
        var sessions = new List<string>();
        for (var i = 0; i < 7; i++) sessions.Add(await _kit.VerifyAsync(ResidentKit.NewPhone()));
        var statuses = new List<HttpStatusCode>();
        foreach (var session in sessions)
            for (var j = 0; j < 5; j++)
            {
                using var r = await _kit.AsResidentAsync(HttpMethod.Post, "/api/v1/residents/reports", session,
                    new { topic = "unsure", description = $"住户反映问题 {statuses.Count}", doorplate });
                statuses.Add(r.StatusCode);
            }
        Assert.Equal(30, statuses.Count(s => s == HttpStatusCode.Created));
        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.Equal(30, await shared.Stack.ScalarAsync<long>("intake", "SELECT count(*) FROM requests WHERE location_code = @b", new { b = county.Building }));
    }

    [Fact]
    public async Task A_mediation_application_is_a_dispute_request_the_community_sees()
    {
        var (county, doorplate) = await DoorplateAsync();
        var session = await _kit.VerifyAsync(ResidentKit.NewPhone());
        var filed = await _kit.ReportOkAsync(session, new { kind = "neighbour", description = "楼上装修天天到晚上十点", otherParty = "楼上住户", doorplate },
            "/api/v1/residents/mediation");
        var row = (await shared.Stack.QueryAsync<(string Category, string Description)>("intake",
            "SELECT category, description FROM requests WHERE ticket_no = @t", new { t = filed.GetProperty("ticketNo").GetString() })).Single();
        Assert.Equal("neighbour_dispute", row.Category);
        Assert.StartsWith("【申请调解·邻里纠纷】", row.Description);
        var order = await new DispatchDriver(shared.Stack).OrderForAsync(await _kit.RequestIdAsync(filed.GetProperty("ticketNo").GetString()!));
        Assert.Equal(county.Community, order.GetProperty("communityCode").GetString());
    }

    [Fact]
    public async Task Bad_input_is_a_400_naming_the_field_and_stores_nothing()
    {
        var (county, doorplate) = await DoorplateAsync();
        var session = await _kit.VerifyAsync(ResidentKit.NewPhone());
        foreach (var (body, field) in new (object, string)[]
                 {
                     (new { topic = "nonsense", description = "x", doorplate }, "topic"),
                     (new { topic = "noise", description = "", doorplate }, "description"),
                     (new { topic = "noise", description = "吵" }, "doorplate"),
                     (new { topic = "noise", description = "吵", doorplate, attachments = new[] { "https://a/1", "https://a/2", "https://a/3", "https://a/4" } }, "attachments"),
                 })
        {
            using var response = await _kit.AsResidentAsync(HttpMethod.Post, "/api/v1/residents/reports", session, body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty(field, out _), field);
        }
        using var badPhone = await Intake.SendAsync(HttpMethod.Post, "/api/v1/residents/codes", new { phone = "12345" }, role: null);
        Assert.Equal(HttpStatusCode.BadRequest, badPhone.StatusCode);
        Assert.Equal(0, await shared.Stack.ScalarAsync<long>("intake", "SELECT count(*) FROM requests WHERE location_code = @b", new { b = county.Building }));
    }
}

/// <summary>Where texts are off, a proof of work stands in for the code; a stack of its own, since the setting is the service's.</summary>
public sealed class ProofOfWorkTests : IAsyncLifetime
{
    private TestStack _stack = null!;
    private HttpClient Intake => _stack.Client("intake");

    public async ValueTask InitializeAsync()
    {
        _stack = await TestStack.CreateAsync();
        _stack.Start("intake", new Dictionary<string, string?> { ["Residents:SmsEnabled"] = "false", ["Residents:PowDifficulty"] = "12" });
    }

    public ValueTask DisposeAsync() => _stack.DisposeAsync();

    private static string Solve(string challenge, int bits)
    {
        for (var n = 0; ; n++)
            if (GovPlatform.Intake.Residents.ResidentSessions.LeadingZeroBits(SHA256.HashData(Encoding.UTF8.GetBytes($"{challenge}:{n}"))) >= bits)
                return n.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task A_solved_challenge_gives_an_unverified_session_once_and_codes_are_not_sent()
    {
        var phone = ResidentKit.NewPhone();
        using var code = await Intake.SendAsync(HttpMethod.Post, "/api/v1/residents/codes", new { phone }, role: null);
        Assert.Equal(HttpStatusCode.Conflict, code.StatusCode);

        var challenge = (await (await Intake.SendAsync(HttpMethod.Get, "/api/v1/residents/challenge", role: null)).JsonAsync());
        Assert.False(challenge.GetProperty("smsEnabled").GetBoolean());
        var text = challenge.GetProperty("challenge").GetString()!;
        var nonce = Solve(text, challenge.GetProperty("difficulty").GetInt32());

        using var lazy = await Intake.SendAsync(HttpMethod.Post, "/api/v1/residents/sessions/work", new { phone, challenge = text, nonce = "x" + nonce }, role: null);
        if (GovPlatform.Intake.Residents.ResidentSessions.LeadingZeroBits(SHA256.HashData(Encoding.UTF8.GetBytes($"{text}:x{nonce}"))) < 12)
            Assert.Equal(HttpStatusCode.BadRequest, lazy.StatusCode);
        using var solved = await Intake.SendAsync(HttpMethod.Post, "/api/v1/residents/sessions/work", new { phone, challenge = text, nonce }, role: null);
        Assert.Equal(HttpStatusCode.Created, solved.StatusCode);
        Assert.False((await solved.JsonAsync()).GetProperty("verified").GetBoolean());
        using var replay = await Intake.SendAsync(HttpMethod.Post, "/api/v1/residents/sessions/work", new { phone, challenge = text, nonce }, role: null);
        Assert.Equal(HttpStatusCode.BadRequest, replay.StatusCode);

        var tampered = text[..^3] + (text[^3] == 'A' ? "BAA" : "AAA");
        using var forged = await Intake.SendAsync(HttpMethod.Post, "/api/v1/residents/sessions/work", new { phone, challenge = tampered, nonce }, role: null);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
    }
}
