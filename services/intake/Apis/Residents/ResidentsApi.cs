using System.Security.Claims;
using System.Text.RegularExpressions;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Intake.Access;
using GovPlatform.Intake.Notifications;
using GovPlatform.Intake.Reference;
using GovPlatform.Intake.Requests;
using GovPlatform.Intake.Residents;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Attachments;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace GovPlatform.Intake.Apis.Residents;

/// <summary>
/// What a resident's phone calls, without an account: resolve a doorplate, verify a phone, report, apply for
/// mediation, raise a one-key alarm, follow and rate their own requests. Filing goes through the desk's own
/// path (<see cref="RequestFiling.SubmitAsync"/>), so validation, classification, duplicates and events are the same.
/// </summary>
public static partial class ResidentsApi
{
    /// <summary>Problems in a resident's words, each filed under one minor category (null: the keyword rules decide).</summary>
    public sealed record Topic(string Key, string Words, string? Category, string Group);

    public static readonly IReadOnlyList<Topic> Topics =
    [
        new("street_light", "路灯不亮、坏了", "street_light", "公共设施"),
        new("drainage", "下水道堵了、污水冒出来", "drainage", "公共设施"),
        new("water_supply", "停水、水管爆了", "water_supply", "公共设施"),
        new("public_repair", "健身器材、座椅、井盖等坏了", "public_repair", "公共设施"),
        new("stairwell_clutter", "楼道堆了杂物", "stairwell_clutter", "环境卫生"),
        new("greening", "树木、草地没人管", "greening", "环境卫生"),
        new("fire_escape", "消防通道被堵", "fire_escape", "安全"),
        new("thrown_objects", "高空抛物", "thrown_objects", "安全"),
        new("safety_hazard", "其他安全隐患", "safety_hazard", "安全"),
        new("roof_leak", "房屋漏水", "roof_leak", "房屋与物业"),
        new("property_service", "物业服务不到位", "property_service", "房屋与物业"),
        new("parking", "乱停车、占车位", "parking", "秩序"),
        new("noise", "噪音扰民", "noise", "秩序"),
        new("elderly_disabled", "老人、残疾人需要帮助", "elderly_disabled", "民生"),
        new("anti_fraud_legal", "遇到诈骗、想问法律问题", "anti_fraud_legal", "民生"),
        new("unsure", "说不清属于哪类", null, "其他"),
    ];

    /// <summary>The category a mediation application is filed under: the community's dispute desk sees and routes it.</summary>
    public const string MediationCategory = "neighbour_dispute";
    /// <summary>The category of a one-key alarm: an immediate danger, filed critical.</summary>
    public const string AlarmCategory = "safety_hazard";
    public static readonly Dictionary<string, string> MediationKinds = new()
    {
        ["neighbour"] = "邻里纠纷", ["property"] = "业主与物业纠纷", ["family"] = "家庭纠纷", ["other"] = "其他纠纷",
    };

    public sealed record CodeRequest(string Phone);
    public sealed record CodeAnswer(string Phone, int ExpiresInSeconds);
    public sealed record VerifyCode(string Phone, string Code);
    public sealed record ProveWork(string Phone, string Challenge, string Nonce);
    public sealed record ChallengeDto(string Challenge, int Difficulty, bool SmsEnabled);
    public sealed record SessionDto(string Session, string Phone, bool Verified, DateTimeOffset ExpiresAt);

    /// <param name="Doorplate">The scanned doorplate's code; or give latitude and longitude (a point on the map).</param>
    /// <param name="Photos">Ids from <c>POST /api/v1/residents/photos</c> by the same phone; at most 3.</param>
    public sealed record ReportInput(string Topic, string Description, string? Doorplate = null, double? Latitude = null, double? Longitude = null,
        string? Name = null, IReadOnlyList<Guid>? Photos = null);
    public sealed record MediationInput(string Kind, string Description, string? OtherParty = null, string? Doorplate = null,
        double? Latitude = null, double? Longitude = null, string? Name = null);
    public sealed record AlarmInput(string? Doorplate = null, double? Latitude = null, double? Longitude = null, string? Description = null);
    public sealed record FiledDto(string TicketNo, string Status, string StatusUrl, string? DuplicateOf, string Urgency);
    public sealed record MyRequestDto(string TicketNo, string Status, string? CategoryName, string Urgency, DateTime SubmittedAt, bool OptedOut);
    public sealed record NotificationDto(string Step, string State, DateTime? SentAt, string? Text);
    public sealed record RatingInput(string Satisfaction, string? Comment = null);

    public const int MaxPhotos = 3;

    [GeneratedRegex(@"^\d{6}$")]
    private static partial Regex SixDigits();

    [GeneratedRegex(@"^1[3-9]\d{9}$")]
    private static partial Regex Mobile();

    [GeneratedRegex(@"^\d{8}-\d{6,9}$")]
    private static partial Regex TicketNo();

    public static void MapResidentsApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/residents").WithTags("Residents").AllowAnonymous();
        api.MapGet("/doorplates/{code}", Doorplate).WithName("ResolveDoorplate").WithSummary("The place a scanned doorplate stands for");
        api.MapGet("/topics", ListTopics).WithName("ResidentTopics").WithSummary("Problem types in plain words");
        api.MapPost("/codes", SendCode).WithName("SendResidentCode").WithSummary("Text a one-time code to a phone (rate-limited per phone)");
        api.MapPost("/sessions", Verify).WithName("VerifyResidentPhone").WithSummary("Exchange the texted code for a session");
        api.MapGet("/challenge", Challenge).WithName("ResidentChallenge").WithSummary("A proof-of-work challenge, where texts are off");
        api.MapPost("/sessions/work", Work).WithName("ProveResidentWork").WithSummary("Exchange a solved challenge for a session (phone not verified)");
        api.MapPost("/photos", Photos).DisableAntiforgery().WithName("ResidentPhotos").WithSummary("Upload up to 3 photos for a report (EXIF and GPS stripped)");
        api.MapPost("/reports", Report).WithName("ResidentReport").WithSummary("Report a problem at a doorplate or a map point");
        api.MapPost("/mediation", Mediation).WithName("ResidentMediation").WithSummary("Apply for mediation: a dispute request the community's mediators see");
        api.MapPost("/alarm", Alarm).WithName("ResidentAlarm").WithSummary("One-key alarm: a critical request; dispatch pages the grid's worker and leader and runs a short clock");
        api.MapGet("/requests", Mine).WithName("MyRequests").WithSummary("The session's phone's own requests");
        api.MapGet("/requests/{ticket}/notifications", Notifications).WithName("MyNotifications").WithSummary("What the resident was sent about one request");
        api.MapPost("/requests/{ticket}/rating", Rate).WithName("RateRequest").WithSummary("Rate a resolved request: recorded as a callback, as a phone callback is");
        api.MapPost("/requests/{ticket}/opt-out", OptOut).WithName("OptOutOfNotifications").WithSummary("Stop progress texts about one request");
        api.MapResidentPhotos();
    }

    /// <summary>The test mailbox: every text this instance sent, by phone. Mapped in Development and Testing only.</summary>
    public static void MapTestMailbox(this WebApplication app) =>
        app.MapGet("/api/v1/residents/test-mailbox", ReadTestMailbox)
            .AllowAnonymous().WithTags("Residents").ExcludeFromDescription();

    private static Ok<IReadOnlyList<Topic>> ListTopics() => TypedResults.Ok(Topics);

    private static Ok<IReadOnlyList<MailboxEntry>> ReadTestMailbox(string phone, TestMailbox mailbox) => TypedResults.Ok(mailbox.For(phone));

    private static ValidationProblem Invalid(Dictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: "Nothing was filed: fix the fields below.");

    private static ProblemHttpResult NoSession() =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Verify your phone first.",
            detail: $"Send the session from POST /api/v1/residents/sessions in the {ResidentSessions.Header} header.");

    private static async Task<IResult?> TooManyAsync(HttpContext http, WindowRateLimiter limiter, string bucket, int limit, TimeSpan window, string why)
    {
        if (await limiter.TryAcquireAsync(bucket, limit, window) is not { } wait) return null;
        await RateLimitMiddleware.WriteTooManyAsync(http, wait, why);
        return TypedResults.Empty;
    }

    // ---- doorplate ----

    private static async Task<IResult> Doorplate(string code, NpgsqlDataSource db, ReferenceCache reference, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var (place, refusal) = await ActivePlaceAsync(conn, reference, code, ct);
        return refusal ?? TypedResults.Ok(place);
    }

    /// <summary>An active doorplate's place; 404 for a code never issued, 410 for a revoked one.</summary>
    internal static async Task<(Doorplates.Place? Place, IResult? Refusal)> ActivePlaceAsync(NpgsqlConnection conn, ReferenceCache reference, string code, CancellationToken ct)
    {
        var plate = Doorplates.LooksLikeCode(code) ? await Doorplates.FindAsync(conn, code, ct) : null;
        if (plate is null)
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "未找到此门牌", detail: "The doorplate code is unknown: scan the code on the plate again."));
        if (plate.RevokedAt is not null)
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status410Gone, title: "此门牌已停用",
                detail: "This doorplate was revoked; scan the new plate on the building, or choose the place on the map."));
        var place = await Doorplates.PlaceAsync(conn, reference, plate, ct);
        return place is null
            ? (null, TypedResults.Problem(statusCode: StatusCodes.Status410Gone, title: "此门牌对应的位置已撤销", detail: "The place this doorplate stood for is no longer in the grid tree."))
            : (place, null);
    }

    /// <summary>
    /// The community a resident's page asks about: named directly, or the one a doorplate stands in
    /// (then a refusal for an unknown or revoked plate, as for filing).
    /// </summary>
    internal static async Task<(string? Community, IResult? Refusal)> CommunityOfAsync(
        NpgsqlConnection conn, ReferenceCache reference, string? community, string? doorplate, CancellationToken ct)
    {
        if (doorplate is not null)
        {
            var (place, refusal) = await ActivePlaceAsync(conn, reference, doorplate, ct);
            if (refusal is not null) return (null, refusal);
            community = place!.CommunityCode;
        }
        return community is { Length: > 0 and <= 64 }
            ? (community, null)
            : (null, TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["community"] = ["A community's code, or a doorplate in it."] }));
    }

    // ---- phone verification ----

    private static async Task<IResult> SendCode(CodeRequest body, HttpContext http, ResidentSessions sessions, ResidentOptions options,
        WindowRateLimiter limiter, CancellationToken ct)
    {
        if (body.Phone is null || !Mobile().IsMatch(body.Phone))
            return Invalid(new() { ["phone"] = ["A mainland mobile number: 11 digits from 13-19."] });
        if (!options.SmsEnabled)
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Texts are off here.",
                detail: "Solve the challenge from GET /api/v1/residents/challenge instead.");
        if (await TooManyAsync(http, limiter, $"resident-code:{body.Phone}", options.CodesPerPhone, options.CodeWindow, "Too many codes for this phone") is { } tooMany)
            return tooMany;
        await sessions.SendCodeAsync(body.Phone, ct);
        return TypedResults.Accepted((string?)null, new CodeAnswer(PersonalData.MaskPhone(body.Phone)!, (int)options.CodeLifetime.TotalSeconds));
    }

    private static async Task<IResult> Verify(VerifyCode body, ResidentSessions sessions, CancellationToken ct)
    {
        if (body.Phone is null || !Mobile().IsMatch(body.Phone) || body.Code is null || !SixDigits().IsMatch(body.Code))
            return Invalid(new() { ["code"] = ["The phone and the six-digit code texted to it."] });
        var session = await sessions.VerifyCodeAsync(body.Phone, body.Code, ct);
        if (session is null)
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "验证码不正确或已过期",
                detail: "The code is wrong, used, expired, or guessed wrong too often: ask for a new one.");
        return TypedResults.Created((string?)null, new SessionDto(sessions.Issue(session), PersonalData.MaskPhone(session.Phone)!, true, session.ExpiresAt));
    }

    private static IResult Challenge(ResidentSessions sessions, ResidentOptions options) =>
        TypedResults.Ok(new ChallengeDto(sessions.NewChallenge(), options.PowDifficulty, options.SmsEnabled));

    private static async Task<IResult> Work(ProveWork body, ResidentSessions sessions, ResidentOptions options)
    {
        if (options.SmsEnabled)
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Verify the phone with a texted code.",
                detail: "Proof of work stands in for the code only where texts are off.");
        if (body.Phone is null || !Mobile().IsMatch(body.Phone) || body.Challenge is not { Length: > 0 and < 200 } || body.Nonce is not { Length: > 0 and <= 32 })
            return Invalid(new() { ["phone"] = ["The phone, the challenge as given and a nonce of at most 32 characters."] });
        var session = await sessions.VerifyWorkAsync(body.Phone, body.Challenge, body.Nonce);
        if (session is null)
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The work does not check out.",
                detail: "The challenge is unknown, expired or used, or the nonce does not give enough leading zero bits.");
        return TypedResults.Created((string?)null, new SessionDto(sessions.Issue(session), PersonalData.MaskPhone(session.Phone)!, false, session.ExpiresAt));
    }

    // ---- filing ----

    /// <summary>Everything filing needs, bundled so the three ways of filing read the same.</summary>
    internal sealed record FilingServices(
        NpgsqlDataSource Db, ReferenceCache Reference, RequestFiling Filing, ResidentOptions Options, ResidentSessions Sessions, WindowRateLimiter Limiter);

    private static async Task<IResult> Report(ReportInput body, HttpContext http, [AsParameters] FilingServices s, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var topic = Topics.FirstOrDefault(t => t.Key == body.Topic);
        if (topic is null) errors["topic"] = [$"Unknown topic; expected one of {string.Join(", ", Topics.Select(t => t.Key))}."];
        if (body.Photos is { Count: > MaxPhotos }) errors["photos"] = [$"At most {MaxPhotos} photos."];
        if (errors.Count > 0) return Invalid(errors);
        return await FileAsync(http, s, body.Doorplate, body.Latitude, body.Longitude, topic!.Category, "normal", body.Description, body.Name,
            body.Photos, s.Options.ReportsPerPhone, "report", ct);
    }

    private static async Task<IResult> Mediation(MediationInput body, HttpContext http, [AsParameters] FilingServices s, CancellationToken ct)
    {
        if (body.Kind is null || !MediationKinds.TryGetValue(body.Kind, out var kind))
            return Invalid(new() { ["kind"] = [$"One of {string.Join(", ", MediationKinds.Keys)}."] });
        if (body.OtherParty is { Length: > 100 } || (body.OtherParty is not null && RequestRules.HasControlCharacters(body.OtherParty)))
            return Invalid(new() { ["otherParty"] = ["At most 100 characters, no control characters."] });
        if (string.IsNullOrWhiteSpace(body.Description)) return Invalid(new() { ["description"] = ["Say what the dispute is about."] });
        var description = $"【申请调解·{kind}】{body.Description}" + (body.OtherParty is { Length: > 0 } other ? $"\n对方：{other}" : "");
        return await FileAsync(http, s, body.Doorplate, body.Latitude, body.Longitude, MediationCategory, "normal", description, body.Name,
            null, s.Options.ReportsPerPhone, "report", ct);
    }

    private static async Task<IResult> Alarm(AlarmInput body, HttpContext http, [AsParameters] FilingServices s, CancellationToken ct)
    {
        var description = string.IsNullOrWhiteSpace(body.Description) ? "【一键报警】居民按下一键报警，请立即联系并到场。" : $"【一键报警】{body.Description}";
        return await FileAsync(http, s, body.Doorplate, body.Latitude, body.Longitude, AlarmCategory, "critical", description, null,
            null, s.Options.AlarmsPerPhone, "alarm", ct);
    }

    private static async Task<IResult> FileAsync(HttpContext http, FilingServices s, string? doorplate, double? latitude, double? longitude,
        string? category, string urgency, string description, string? name, IReadOnlyList<Guid>? photos, int perPhone, string kind, CancellationToken ct)
    {
        if (s.Sessions.Read(http) is not { } session) return NoSession();
        if (doorplate is null && (latitude is null || longitude is null))
            return Invalid(new() { ["doorplate"] = ["Scan a doorplate, or give latitude and longitude (a point on the map)."] });

        LocationInput location;
        string? doorplateCode = null;
        await using (var conn = await s.Db.OpenConnectionAsync(ct))
        {
            if (doorplate is not null)
            {
                var (place, refusal) = await ActivePlaceAsync(conn, s.Reference, doorplate, ct);
                if (refusal is not null) return refusal;
                location = new LocationInput(place!.NodeCode, place.FullName, latitude, longitude);
                doorplateCode = place.Code;
            }
            else location = new LocationInput(null, null, latitude, longitude);
        }
        var submission = new SubmitRequest("qr_doorplate", description, location, category, urgency,
            new ReporterInput(session.Phone, string.IsNullOrWhiteSpace(name) ? null : name), AttachmentIds: photos);
        var errors = RequestRules.Validate(submission);
        if (errors.Count > 0) return Invalid(errors);

        // Counted only for filings that would be accepted, so a typo does not use up a resident's allowance.
        if (await TooManyAsync(http, s.Limiter, $"resident-{kind}:{session.Phone}", perPhone, s.Options.ReportWindow,
                kind == "alarm" ? "Too many alarms from this phone" : "Too many reports from this phone") is { } byPhone)
            return byPhone;
        if (doorplateCode is not null
            && await TooManyAsync(http, s.Limiter, $"resident-doorplate:{doorplateCode}", s.Options.ReportsPerDoorplate, s.Options.ReportWindow,
                "Too many reports from this doorplate") is { } byPlate)
            return byPlate;

        var result = await s.Filing.SubmitAsync(submission, null, http, s.Sessions.PrincipalFor(session.Phone), ct);
        if (result.Result is not Created<SubmittedDto> { Value: { } filed }) return result.Result;
        return TypedResults.Created($"/r/status.html?t={filed.TicketNo}",
            new FiledDto(filed.TicketNo, filed.Status, $"/r/status.html?t={filed.TicketNo}", filed.DuplicateOf, urgency));
    }

    /// <summary>Photos for a report, uploaded before it is filed: the attachment store's checks, EXIF and GPS stripped, at most 3 at once.</summary>
    private static async Task<IResult> Photos(HttpContext http, ResidentSessions sessions, ResidentOptions options, WindowRateLimiter limiter,
        AttachmentUploads uploads, CancellationToken ct)
    {
        if (sessions.Read(http) is not { } session) return NoSession();
        var (files, problem) = await uploads.ReceiveAsync(http, ct);
        if (problem is not null) return problem;
        if (files!.Count > MaxPhotos) return Invalid(new() { ["files"] = [$"At most {MaxPhotos} photos."] });
        if (await TooManyAsync(http, limiter, $"resident-photos:{session.Phone}", options.PhotoUploadsPerPhone, options.ReportWindow,
                "Too many photo uploads from this phone") is { } tooMany)
            return tooMany;
        var stored = await uploads.StoreAsync(files, sessions.ActorFor(session.Phone), ct);
        return TypedResults.Created(AttachmentExtensions.Route, new UploadedDto(stored));
    }

    // ---- the resident's own requests ----

    private sealed record Owned(Guid Id, string Status);

    private static async Task<(Owned? Request, IResult? Refusal)> OwnedAsync(HttpContext http, ResidentSessions sessions, NpgsqlConnection conn,
        string ticket, CancellationToken ct)
    {
        if (sessions.Read(http) is not { } session) return (null, NoSession());
        if (!TicketNo().IsMatch(ticket)) return (null, Invalid(new() { ["ticket"] = ["A ticket number such as 20261122-000123."] }));
        var owned = await conn.QuerySingleOrDefaultAsync<Owned>(new CommandDefinition(
            "SELECT id, status FROM requests WHERE ticket_no = @ticket AND reporter_phone = @phone", new { ticket, phone = session.Phone }, cancellationToken: ct));
        // The same answer for someone else's ticket as for no ticket at all.
        return owned is null ? (null, TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No request of yours has this ticket number.")) : (owned, null);
    }

    private static async Task<IResult> Mine(HttpContext http, ResidentSessions sessions, NpgsqlDataSource db, CancellationToken ct)
    {
        if (sessions.Read(http) is not { } session) return NoSession();
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<MyRequestDto>(new CommandDefinition("""
            SELECT r.ticket_no AS TicketNo, coalesce(o.status, r.status) AS Status, c.name_zh AS CategoryName, r.urgency, r.submitted_at AS SubmittedAt,
                   EXISTS (SELECT 1 FROM notification_optouts x WHERE x.request_id = r.id) AS OptedOut
            FROM requests r
            LEFT JOIN requests o ON o.id = r.original_id
            LEFT JOIN categories c ON c.code = r.category
            WHERE r.reporter_phone = @phone
            ORDER BY r.submitted_at DESC
            LIMIT 50
            """, new { phone = session.Phone }, cancellationToken: ct));
        return TypedResults.Ok(rows.AsList());
    }

    private static async Task<IResult> Notifications(string ticket, HttpContext http, ResidentSessions sessions, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var (owned, refusal) = await OwnedAsync(http, sessions, conn, ticket, ct);
        if (refusal is not null) return refusal;
        var rows = await conn.QueryAsync<NotificationDto>(new CommandDefinition("""
            SELECT step, state, sent_at AS SentAt, text FROM resident_notifications WHERE recipient_request_id = @id ORDER BY id
            """, new { id = owned!.Id }, cancellationToken: ct));
        return TypedResults.Ok(rows.AsList());
    }

    private static async Task<IResult> Rate(string ticket, RatingInput body, HttpContext http, ResidentSessions sessions, ResidentOptions options,
        NpgsqlDataSource db, CallbackDesk callbacks, CancellationToken ct)
    {
        Owned? owned;
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            (owned, var refusal) = await OwnedAsync(http, sessions, conn, ticket, ct);
            if (refusal is not null) return refusal;
        }
        // A rating closes or reopens the work: only a phone that proved it is the reporter's may give one, where texts can prove it.
        if (options.SmsEnabled && sessions.Read(http) is { Verified: false })
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Verify your phone with a texted code to rate.");
        // The same path as the desk's phone callback: the same checks, timeline entry, events and figures.
        var result = await callbacks.RecordAsync(owned!.Id, new RecordCallback(true, body.Satisfaction, body.Comment),
            sessions.PrincipalFor(sessions.Read(http)!.Phone), ct);
        return result.Result;
    }

    private static async Task<IResult> OptOut(string ticket, HttpContext http, ResidentSessions sessions, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var (owned, refusal) = await OwnedAsync(http, sessions, conn, ticket, ct);
        if (refusal is not null) return refusal;
        await conn.ExecuteAsync(new CommandDefinition(
            "INSERT INTO notification_optouts (request_id, at) VALUES (@id, @now) ON CONFLICT DO NOTHING",
            new { id = owned!.Id, now = clock.GetUtcNow().UtcDateTime }, cancellationToken: ct));
        return TypedResults.NoContent();
    }
}
