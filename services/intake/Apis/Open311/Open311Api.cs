using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using GovPlatform.Intake.Access;
using GovPlatform.Intake.Open311;
using GovPlatform.Intake.Reference;
using GovPlatform.Intake.Requests;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Http;
using GovPlatform.ServiceDefaults.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Npgsql;
using static GovPlatform.Intake.Open311.Open311Format;

namespace GovPlatform.Intake.Apis.Open311;

/// <summary>
/// Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2), so other city systems use the desk
/// without custom work. Services are the catalogue's active minor categories; a request's
/// <c>service_request_id</c> is its ticket number; <c>address_id</c> is a node code of the grid tree.
/// Responses are JSON or XML by the path's extension; errors are the spec's list of
/// <c>{code, description}</c> (also for errors raised before an endpoint runs, see <see cref="Open311ProblemWriter"/>).
/// GET responses carry no phone, email or name; a read without a key or staff token sees the public view
/// (<see cref="PublicView"/>). Media types are exactly <c>application/json</c> and <c>text/xml</c>, as in the spec's examples.
/// </summary>
public static class Open311Api
{
    private static readonly string[] FormFields =
    [
        "api_key", "jurisdiction_id", "service_code", "lat", "long", "address_string", "address_id", "email", "device_id",
        "account_id", "first_name", "last_name", "phone", "description", "media_url",
    ];

    public static void MapOpen311Api(this WebApplication app)
    {
        var api = app.MapGroup("/open311").WithTags("Open311 GeoReport v2").AllowAnonymous();
        api.MapGet("/discovery.{format}", Discovery).WithName("Open311Discovery");
        api.MapGet("/v2/services.{format}", ListServices).WithName("Open311Services");
        api.MapGet("/v2/services/{service_code}.{format}", ServiceDefinition).WithName("Open311ServiceDefinition");
        api.MapPost("/v2/requests.{format}", PostRequest).WithName("Open311PostRequest").DisableAntiforgery()
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(RequestFiling.MaxBodyBytes));
        api.MapGet("/v2/requests.{format}", GetRequests).WithName("Open311GetRequests");
        api.MapGet("/v2/requests/{service_request_id}.{format}", GetRequest).WithName("Open311GetRequest");
        api.MapGet("/v2/tokens/{token}.{format}", GetToken).WithName("Open311GetToken");
        api.MapGet("/v2/servicerequestupdates.{format}", GetServiceRequestUpdates).WithName("Open311GetServiceRequestUpdates");
    }

    /// <summary>What most Open311 endpoints need, bundled so their signatures read as the request's own parameters.</summary>
    internal sealed record Open311Services(NpgsqlDataSource Db, WindowRateLimiter Limiter, IntakeOptions Intake, TimeProvider Clock, ReferenceCache Reference);

    private static IResult Discovery(string format, HttpContext http, IntakeOptions intake)
    {
        var options = intake.Open311;
        var production = $"{http.Request.Scheme}://{http.Request.Host}/open311/v2";
        // Two entries, so a client that maps one XML element to an object still finds a list under <endpoints>.
        return Respond(format, http, 200, new
        {
            changeset = "2026-12-06T00:00:00Z",
            contact = "民声总台 desk",
            key_service = "API keys are issued by the platform's administrators.",
            endpoints = new[] { (Type: "production", Url: production), (Type: "test", Url: options.TestUrl ?? production) }.Select(e => new
            {
                specification = "http://wiki.open311.org/GeoReport_v2", url = e.Url,
                changeset = "2026-12-06T00:00:00Z", type = e.Type, formats = new[] { JsonType, XmlType },
            }).ToList(),
        }, "discovery");
    }

    private static async Task<IResult> ListServices(string format, string? jurisdiction_id, HttpContext http, [AsParameters] Open311Services s,
        CancellationToken ct)
    {
        var options = s.Intake.Open311;
        if (JurisdictionError(format, http, jurisdiction_id, options) is { } error) return error;
        const string sql = """
            SELECT c.code, c.name_zh AS Name, c.name_en AS NameEn, p.name_zh AS GroupName, jsonb_array_length(c.attributes) > 0 AS HasAttributes
            FROM categories c JOIN categories p ON p.code = c.parent_code
            WHERE c.active AND p.active
            ORDER BY p.sort_order, c.sort_order, c.code
            """;
        await using var conn = await s.Db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<ServiceRow>(new CommandDefinition(sql, cancellationToken: ct));
        return Respond(format, http, 200, rows.Select(r => new
        {
            service_code = r.Code, service_name = r.Name, description = r.NameEn, metadata = r.HasAttributes,
            type = "realtime", keywords = r.NameEn, group = r.GroupName,
        }).ToList(), "services", "service");
    }

    private static async Task<IResult> ServiceDefinition(string service_code, string format, string? jurisdiction_id, HttpContext http,
        [AsParameters] Open311Services s, CancellationToken ct)
    {
        var options = s.Intake.Open311;
        if (JurisdictionError(format, http, jurisdiction_id, options) is { } error) return error;
        await using var conn = await s.Db.OpenConnectionAsync(ct);
        var attributes = await conn.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            "SELECT attributes::text FROM categories WHERE code = @service_code AND parent_code IS NOT NULL AND active", new { service_code }, cancellationToken: ct));
        if (attributes is null) return Errors(format, http, 404, $"service_code '{service_code}' not found");
        var list = JsonSerializer.Deserialize<List<CategoryAttribute>>(attributes, Outbox.Json) ?? [];
        return Respond(format, http, 200, new
        {
            service_code,
            attributes = list.OrderBy(a => a.Order).Select(a => new
            {
                variable = true, code = a.Code, datatype = a.Datatype, required = a.Required, datatype_description = (string?)null,
                order = a.Order, description = a.Description,
                values = (a.Values ?? []).Select(v => new { key = v.Key, name = v.Name }).ToList(),
            }).ToList(),
        }, "service_definition");
    }

    private static async Task<IResult> PostRequest(string format, HttpContext http, ReferenceCache reference, RequestFiling filing,
        [AsParameters] Open311Services s, CancellationToken ct)
    {
        var options = s.Intake.Open311;
        // Before anything else: a request filed under a path that then answers 404 would be filed again by a retrying client.
        if (!IsFormat(format)) return Errors("json", http, 404, $"Unknown format '{format}': use .json or .xml");
        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var contentType)
            || !string.Equals(contentType.MediaType.Value, "application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
            return Errors(format, http, 400, "Send the request as application/x-www-form-urlencoded, as GeoReport v2 specifies.");
        if (contentType.Charset.HasValue && !string.Equals(contentType.Charset.Value, "utf-8", StringComparison.OrdinalIgnoreCase))
            return Errors(format, http, 400, $"The form must be UTF-8; charset '{contentType.Charset}' is not accepted.");
        Dictionary<string, StringValues> form;
        try
        {
            var (parsed, unreadable) = await StrictForm.ReadAsync(http.Request, ct);
            if (unreadable is not null) return Errors(format, http, 400, unreadable);
            form = parsed!;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            // Too big is 413 (Kestrel's verdict); anything else unreadable is the client's 400.
            return Errors(format, http, e is BadHttpRequestException { StatusCode: 413 } ? 413 : 400, $"The form data could not be read: {e.Message}");
        }
        string? F(string name) => form.TryGetValue(name, out var v) && !string.IsNullOrEmpty(v.ToString()) ? v.ToString() : null;
        foreach (var (field, values) in form)
        {
            if (TextRules.Problem(field) is { } badName) return Errors(format, http, 400, $"A form field's name {badName}");
            foreach (var value in values)
                if (value is not null && TextRules.FieldProblem(value) is { } problem) return Errors(format, http, 400, $"{field}: {problem}");
        }

        if (F("jurisdiction_id") is { } jurisdiction && jurisdiction != options.JurisdictionId)
            return Errors(format, http, 404, $"jurisdiction_id '{jurisdiction}' not found");
        // The spec puts the key in the body, so the API-key scheme cannot see it; the same check runs here.
        var user = F("api_key") is { } key ? await ApiKeyAuthenticationHandler.AuthenticateKeyAsync(s.Db, s.Reference, key, ct) : null;
        if (user is null) return Errors(format, http, 403, "api_key was not provided or is invalid");
        if (await OverLimitAsync(format, http, user, s.Limiter) is { } tooMany) return tooMany;

        var unknown = form.Keys.Where(k => !FormFields.Contains(k) && AttributeCode(k) is null).ToList();
        var problems = new List<string>();
        if (unknown.Count > 0) problems.Add($"Unknown field(s): {string.Join(", ", unknown)}.");
        if (F("service_code") is null) problems.Add("service_code is required.");
        if (F("address_id") is null && (F("lat") is null || F("long") is null))
            problems.Add("address_id (a node code of the county's grid tree) or lat and long is required; an address_string alone cannot be placed in a grid.");
        double? Coordinate(string name)
        {
            if (F(name) is not { } text) return null;
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)) return d;
            problems.Add($"{name} must be a decimal number.");
            return null;
        }
        var (lat, lon) = (Coordinate("lat"), Coordinate("long"));
        if (problems.Count > 0) return Errors(format, http, 400, [.. problems]);

        var name = string.Concat(F("last_name"), F("first_name"));
        // attribute[code]=v for one value; attribute[code][]=a&attribute[code][]=b (or the key repeated) for several.
        var answers = form.Keys.Select(k => (Key: k, Code: AttributeCode(k))).Where(a => a.Code is not null)
            .GroupBy(a => a.Code!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g =>
            {
                var values = g.SelectMany(a => form[a.Key].Select(v => v ?? "")).ToArray();
                return g.Any(a => a.Key.EndsWith("[]", StringComparison.Ordinal)) || values.Length > 1
                    ? JsonSerializer.SerializeToElement(values)
                    : JsonSerializer.SerializeToElement(values.FirstOrDefault() ?? "");
            }, StringComparer.Ordinal);
        // GeoReport v2 makes the description optional: the service, its answers and the place say what is wrong.
        var description = F("description") is { } given && !string.IsNullOrWhiteSpace(given)
            ? given
            : await DescribeAsync(s.Db, reference, F("service_code")!, F("address_string"), answers, ct);
        var body = new SubmitRequest(
            Channel: "external_system",
            Description: description,
            Location: new LocationInput(F("address_id"), F("address_string"), lat, lon),
            Category: F("service_code"),
            Reporter: F("phone") is { } phone ? new ReporterInput(phone, name.Length == 0 ? null : name) : null,
            Attachments: F("media_url") is { } media ? [media] : null,
            Attributes: answers.Count > 0 ? answers : null);
        // A retry is recognised by the form as sent (fields in any order; the key and jurisdiction are not the request),
        // so a composed description or a catalogue change between attempts cannot make a retry look different.
        var formHash = FormHash(form);
        var idempotencyKey = http.Request.Headers[Idempotency.Header].FirstOrDefault();
        Idempotency.Claim? claim;
        if (idempotencyKey is not null)
        {
            if (!Idempotency.IsValidKey(idempotencyKey))
                return Errors(format, http, 400, $"{Idempotency.Header}: 1 to {Idempotency.MaxKeyLength} visible ASCII characters.");
            claim = new Idempotency.Claim(idempotencyKey, formHash, s.Intake.IdempotencyKeyLifetime);
        }
        else
            claim = options.RetryWindow > TimeSpan.Zero
                ? new Idempotency.Claim($"{FormRetryKeyPrefix}{Convert.ToHexString(formHash)}", formHash, options.RetryWindow)
                : null;
        var result = await filing.SubmitAsync(body, claim, http, user, ct);
        return result.Result switch
        {
            Created<SubmittedDto> created => Respond(format, http, 201,
                new[] { new { service_request_id = created.Value!.TicketNo, service_notice = Notice(created.Value), account_id = (string?)null } },
                "service_requests", "request"),
            ValidationProblem invalid => Errors(format, http, 400,
                [.. invalid.ProblemDetails.Errors.Select(e => $"{Open311Name(e.Key)}: {string.Join(" ", e.Value)}")]),
            ProblemHttpResult problem => Errors(format, http, problem.StatusCode,
                string.Join(" ", new[] { problem.ProblemDetails.Title, problem.ProblemDetails.Detail }.OfType<string>()) is { Length: > 0 } text ? text : "rejected"),
            _ => Errors(format, http, 500, "unexpected result"),
        };
    }

    private static async Task<IResult> GetRequests(string format, string? jurisdiction_id, string? api_key, string? service_request_id,
        string? service_code, string? start_date, string? end_date, string? status, HttpContext http, [AsParameters] Open311Services s,
        CancellationToken ct)
    {
        var options = s.Intake.Open311;
        if (JurisdictionError(format, http, jurisdiction_id, options) is { } error) return error;
        var (refused, full) = await ReaderAsync(format, http, api_key, s, ct);
        if (refused is not null) return refused;
        var ids = service_request_id?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        // The spec: a service_request_id list "overrides all other arguments", so the others are neither applied nor checked.
        if (ids.Length > 0) (service_code, start_date, end_date, status) = (null, null, null, null);
        var problems = new List<string>();
        DateTimeOffset? Date(string? text, string name)
        {
            if (text is null) return null;
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d)) return d;
            problems.Add($"{name} must be a w3c date-time, e.g. 2026-11-22T09:30:00+08:00.");
            return null;
        }
        var (start, end) = (Date(start_date, "start_date"), Date(end_date, "end_date"));
        var statuses = status?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToArray() ?? [];
        if (status is not null && (statuses.Length == 0 || statuses.Any(x => x is not ("open" or "closed"))))
            problems.Add("status must be open, closed, or a comma list of them (open,closed).");
        // open,closed is every request: no filter.
        var statusFilter = statuses.Length == 1 ? statuses[0] : null;
        if (start > end) problems.Add("start_date must not be after end_date.");
        if (start is not null && end is not null && end - start > TimeSpan.FromDays(90)) problems.Add("start_date and end_date may be at most 90 days apart.");
        if (ids.Length > 100) problems.Add("At most 100 service_request_id values.");
        if (problems.Count > 0) return Errors(format, http, 400, [.. problems]);

        // Without dates the spec's default: the last 90 days. Saturating, so a date at either end of the calendar is no overflow.
        var (to, from) = DefaultWindow(start, end, s.Clock.GetUtcNow(), TimeSpan.FromDays(90));
        const string sql = $"""
            {SelectOpen311}
            WHERE cardinality(@ids) > 0 AND r.ticket_no = ANY(@ids)
               OR cardinality(@ids) = 0 AND r.submitted_at >= @from AND r.submitted_at <= @to
                  AND (@service_code::text IS NULL OR r.category = @service_code)
                  AND (@status::text IS NULL OR (r.status = 'closed') = (@status = 'closed'))
            ORDER BY r.submitted_at DESC
            LIMIT @limit
            """;
        await using var conn = await s.Db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<Open311Row>(new CommandDefinition(sql, new
        {
            ids, from = from.UtcDateTime, to = to.UtcDateTime, service_code, status = statusFilter, limit = options.MaxRequests,
        }, cancellationToken: ct));
        return Respond(format, http, 200, rows.Select(r => ToOpen311(r, full)).ToList(), "service_requests", "request");
    }

    private static async Task<IResult> GetRequest(string service_request_id, string format, string? jurisdiction_id, string? api_key,
        HttpContext http, [AsParameters] Open311Services s, CancellationToken ct)
    {
        var options = s.Intake.Open311;
        if (JurisdictionError(format, http, jurisdiction_id, options) is { } error) return error;
        var (refused, full) = await ReaderAsync(format, http, api_key, s, ct);
        if (refused is not null) return refused;
        await using var conn = await s.Db.OpenConnectionAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<Open311Row>(new CommandDefinition(
            $"{SelectOpen311} WHERE r.ticket_no = @service_request_id", new { service_request_id }, cancellationToken: ct));
        return row is null
            ? Errors(format, http, 404, $"service_request_id '{service_request_id}' not found")
            : Respond(format, http, 200, new[] { ToOpen311(row, full) }, "service_requests", "request");
    }

    /// <summary>Requests are registered synchronously, so a token is simply the ticket number.</summary>
    private static async Task<IResult> GetToken(string token, string format, string? jurisdiction_id, string? api_key, HttpContext http,
        [AsParameters] Open311Services s, CancellationToken ct)
    {
        var options = s.Intake.Open311;
        if (JurisdictionError(format, http, jurisdiction_id, options) is { } error) return error;
        if ((await ReaderAsync(format, http, api_key, s, ct)).Error is { } refused) return refused;
        await using var conn = await s.Db.OpenConnectionAsync(ct);
        var ticket = await conn.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            "SELECT ticket_no FROM requests WHERE ticket_no = @token", new { token }, cancellationToken: ct));
        return ticket is null
            ? Errors(format, http, 404, $"token '{token}' not found")
            : Respond(format, http, 200, new[] { new { service_request_id = ticket, token } }, "service_requests", "request");
    }

    /// <summary>FixMyStreet's extension, which its client polls: every step of every request's timeline in a period, oldest first.</summary>
    private static async Task<IResult> GetServiceRequestUpdates(string format, string? jurisdiction_id, string? api_key, string? start_date,
        string? end_date, HttpContext http, [AsParameters] Open311Services s, CancellationToken ct)
    {
        var options = s.Intake.Open311;
        if (JurisdictionError(format, http, jurisdiction_id, options) is { } error) return error;
        if ((await ReaderAsync(format, http, api_key, s, ct)).Error is { } refused) return refused;
        var problems = new List<string>();
        var (start, end) = (W3cDate(start_date, "start_date", problems), W3cDate(end_date, "end_date", problems));
        if (start > end) problems.Add("start_date must not be after end_date.");
        if (start is not null && end is not null && end - start > TimeSpan.FromDays(90)) problems.Add("start_date and end_date may be at most 90 days apart.");
        if (problems.Count > 0) return Errors(format, http, 400, [.. problems]);
        // Without dates: the last 24 hours, what a client polling every few minutes needs.
        var (to, from) = DefaultWindow(start, end, s.Clock.GetUtcNow(), TimeSpan.FromDays(1));
        const string sql = """
            SELECT t.id AS UpdateId, r.ticket_no AS TicketNo, t.event AS Event, t.at AS At
            FROM request_timeline t JOIN requests r ON r.id = t.request_id
            WHERE t.at >= @from AND t.at <= @to
            ORDER BY t.at, t.id
            LIMIT @limit
            """;
        await using var conn = await s.Db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<UpdateRow>(new CommandDefinition(sql,
            new { from = from.UtcDateTime, to = to.UtcDateTime, limit = options.MaxRequests }, cancellationToken: ct));
        return Respond(format, http, 200, rows.Select(u => new
        {
            update_id = u.UpdateId.ToString(CultureInfo.InvariantCulture),
            service_request_id = u.TicketNo,
            status = UpdateStatus(u.Event),
            description = UpdateText(u.Event),
            updated_datetime = W3c(u.At),
            media_url = (string?)null,
        }).ToList(), "service_request_updates", "request_update");
    }

    // Property-style for Dapper, as Open311Row.
    private sealed record UpdateRow
    {
        public long UpdateId { get; init; }
        public required string TicketNo { get; init; }
        public required string Event { get; init; }
        public DateTime At { get; init; }
    }

    /// <summary>The timeline's steps in the status words FixMyStreet's update extension uses.</summary>
    private static string UpdateStatus(string timelineEvent) => timelineEvent switch
    {
        "submitted" or "reopened" => "open",
        "assigned" or "accepted" or "on_site" or "escalated" or "whistled" or "callback" => "in_progress",
        "plan_formed" => "action_scheduled",
        "resolved" => "fixed",
        "closed" => "closed",
        _ => "open",
    };

    /// <summary>What a resident may read about a step: the step itself, never the staff's notes (they may name people).</summary>
    private static string UpdateText(string timelineEvent) => timelineEvent switch
    {
        "submitted" => "已受理",
        "assigned" => "已派单至网格员",
        "accepted" => "网格员已接单",
        "on_site" => "工作人员已到场",
        "escalated" => "已上报上级处理",
        "whistled" => "已吹哨，相关部门报到处理",
        "plan_formed" => "已制定处理方案",
        "resolved" => "已办结",
        "callback" => "已回访",
        "reopened" => "群众不满意，已重新办理",
        "closed" => "已关闭",
        _ => timelineEvent,
    };

    private static string W3c(DateTime utc) =>
        new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)).ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture);

    private static DateTimeOffset? W3cDate(string? s, string name, List<string> problems)
    {
        if (s is null) return null;
        if (DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d)) return d;
        problems.Add($"{name} must be a w3c date-time, e.g. 2026-11-22T09:30:00+08:00.");
        return null;
    }

    /// <summary>The period a GET covers: as given, or <paramref name="span"/> before the end (now when not given); never past either end of the calendar.</summary>
    private static (DateTimeOffset To, DateTimeOffset From) DefaultWindow(DateTimeOffset? start, DateTimeOffset? end, DateTimeOffset now, TimeSpan span)
    {
        static DateTimeOffset Add(DateTimeOffset d, TimeSpan by) =>
            by > TimeSpan.Zero && DateTimeOffset.MaxValue - d < by ? DateTimeOffset.MaxValue
            : by < TimeSpan.Zero && d - DateTimeOffset.MinValue < -by ? DateTimeOffset.MinValue
            : d.Add(by);
        var to = end ?? (start is { } s ? Add(s, span) : now);
        return (to, start ?? Add(to, -span));
    }

    private sealed record ServiceRow(string Code, string Name, string NameEn, string GroupName, bool HasAttributes);

    // Property-style because Dapper matches constructors by exact column type (text[] is System.Array).
    private sealed record Open311Row
    {
        public required string TicketNo { get; init; }
        public required string Status { get; init; }
        public string? Category { get; init; }
        public string? ServiceName { get; init; }
        public required string Description { get; init; }
        public string? Address { get; init; }
        public required string LocationCode { get; init; }
        public double? Latitude { get; init; }
        public double? Longitude { get; init; }
        public required string[] Attachments { get; init; }
        public DateTime SubmittedAt { get; init; }
        public DateTime UpdatedAt { get; init; }
        public string? OriginalTicketNo { get; init; }
        public string? LastNote { get; init; }
        public string? ReporterName { get; init; }
        /// <summary>The place down to its building, from the grid tree: what an anonymous reader sees instead of the address as typed.</summary>
        public string? PlaceName { get; init; }
    }

    private const string SelectOpen311 = """
        SELECT r.ticket_no AS TicketNo, r.status, r.category, c.name_zh AS ServiceName, r.description, r.address,
               r.location_code AS LocationCode, r.latitude, r.longitude, r.attachments,
               r.submitted_at AS SubmittedAt, r.updated_at AS UpdatedAt, o.ticket_no AS OriginalTicketNo,
               (SELECT t.event FROM request_timeline t WHERE t.request_id = r.id ORDER BY t.at DESC, t.id DESC LIMIT 1) AS LastNote,
               r.reporter_name AS ReporterName,
               (SELECT string_agg(g.name, ' ' ORDER BY p.o) FROM unnest(r.location_path) WITH ORDINALITY AS p(code, o)
                JOIN grid_copy g ON g.code = p.code WHERE g.level IN ('community', 'compound', 'building')) AS PlaceName
        FROM requests r
        LEFT JOIN categories c ON c.code = r.category
        LEFT JOIN requests o ON o.id = r.original_id
        """;

    /// <summary>
    /// Only what the spec lists, and none of it personal: no phone, email or name, ever. <paramref name="full"/> (a key or a
    /// desk staff token) sees the description, address, point and photo as filed; everyone else the <see cref="PublicView"/>.
    /// </summary>
    private static object ToOpen311(Open311Row r, bool full) => new
    {
        service_request_id = r.TicketNo,
        status = r.Status == "closed" ? "closed" : "open",
        status_notes = r.OriginalTicketNo is null ? r.LastNote : $"linked to {r.OriginalTicketNo}",
        service_name = r.ServiceName,
        service_code = r.Category,
        description = full ? r.Description : PublicView.Description(r.Description, r.ReporterName),
        agency_responsible = (string?)null,
        service_notice = (string?)null,
        requested_datetime = new DateTimeOffset(r.SubmittedAt, TimeSpan.Zero).ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture),
        updated_datetime = new DateTimeOffset(r.UpdatedAt, TimeSpan.Zero).ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture),
        expected_datetime = (string?)null,
        address = full ? r.Address : r.PlaceName,
        address_id = r.LocationCode,
        zipcode = (string?)null,
        lat = full ? r.Latitude : PublicView.Coordinate(r.Latitude),
        @long = full ? r.Longitude : PublicView.Coordinate(r.Longitude),
        media_url = full ? r.Attachments.FirstOrDefault() : null,
    };

    private static string? Notice(SubmittedDto s) => s.Status switch
    {
        RequestFiling.Triage => "A desk operator will confirm the service.",
        "linked" => $"The same problem is already being handled as {s.DuplicateOf}.",
        _ => null,
    };

    private static string Open311Name(string field) => field switch
    {
        "category" => "service_code",
        "location.code" => "address_id",
        "location.latitude" => "lat",
        "location.longitude" => "long",
        "location.address" => "address_string",
        "reporter.phone" => "phone",
        "reporter.name" => "first_name/last_name",
        "attachments" or "attachments[0]" => "media_url",
        "location" => "lat/long",
        "attributes" => "attribute",
        _ when field.StartsWith("attributes.", StringComparison.Ordinal) => $"attribute[{field["attributes.".Length..]}]",
        _ => field,
    };

    /// <summary>The question code of an <c>attribute[code]</c> or <c>attribute[code][]</c> form field; null for any other field.</summary>
    private static string? AttributeCode(string field)
    {
        if (!field.StartsWith("attribute[", StringComparison.Ordinal)) return null;
        var inner = field["attribute[".Length..];
        if (inner.EndsWith("][]", StringComparison.Ordinal)) inner = inner[..^3];
        else if (inner.EndsWith(']')) inner = inner[..^1];
        else return null;
        return inner.Length > 0 && !inner.Contains('[') && !inner.Contains(']') ? inner : null;
    }

    /// <summary>Marks the idempotency keys Open311 derives from a form, apart from any key a client chooses.</summary>
    private const string FormRetryKeyPrefix = "open311-form:";

    private static byte[] FormHash(Dictionary<string, StringValues> form) =>
        SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(form
            .Where(f => f.Key is not ("api_key" or "jurisdiction_id"))
            .OrderBy(f => f.Key, StringComparer.Ordinal)
            .Select(f => new[] { f.Key }.Concat(f.Value.Select(v => v ?? "")).ToArray())
            .ToArray()));

    /// <summary>
    /// Anyone may read requests, as the spec allows and FixMyStreet's client does: without a key, the public view.
    /// Details as filed (descriptions, addresses, coordinates, photos) are for city systems and desk staff: an <c>api_key</c>
    /// query parameter, an <c>X-Api-Key</c> header (authenticated and counted by the API-key scheme) or a desk_operator/admin
    /// bearer token. A key that is given but invalid is an error, not a silent downgrade.
    /// </summary>
    private static async Task<(IResult? Error, bool Full)> ReaderAsync(string format, HttpContext http, string? apiKey, Open311Services s,
        CancellationToken ct)
    {
        if (http.User.IsInRole(Roles.DeskOperator) || http.User.IsInRole(Roles.Admin) || http.User.IsApiClient()) return (null, true);
        if (string.IsNullOrEmpty(apiKey)) return (null, false);
        var user = await ApiKeyAuthenticationHandler.AuthenticateKeyAsync(s.Db, s.Reference, apiKey, ct);
        if (user is null) return (Errors(format, http, 403, "api_key is invalid; leave it out to read the public view"), false);
        return (await OverLimitAsync(format, http, user, s.Limiter), true);
    }

    /// <summary>The key's per-minute limit, shared with the rest of the API: a 429 error with Retry-After once it is used up.</summary>
    private static async Task<IResult?> OverLimitAsync(string format, HttpContext http, ClaimsPrincipal key, WindowRateLimiter limiter) =>
        await limiter.OverKeyLimitAsync(key) is { } over ? TooMany(format, http, over) : null;

    /// <summary>
    /// What is stored as the description of a POST that has none: the service's name, marked as having no description,
    /// then the address and the names of the chosen answers, so the ledger's free-text search and the duplicate check
    /// have the same words a person would have written. Answers the catalogue does not know are left out (they are refused anyway).
    /// </summary>
    private static async Task<string> DescribeAsync(NpgsqlDataSource db, ReferenceCache reference, string serviceCode, string? address,
        IReadOnlyDictionary<string, JsonElement> answers, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        // A major category or an unknown code is refused when the request is filed; its name is not needed here.
        var service = await reference.CategoryAsync(conn, serviceCode, ct) is { Major: false } entry ? entry : null;
        var parts = new List<string> { $"{service?.NameZh}（来件未附描述）" };
        if (address is { Length: <= 500 } && !RequestRules.HasControlCharacters(address)) parts.Add($"地址：{address}");
        var questions = service?.Attributes ?? [];
        foreach (var question in questions.OrderBy(q => q.Order))
        {
            if (!answers.TryGetValue(question.Code, out var answer)) continue;
            var given = answer.ValueKind == JsonValueKind.Array ? answer.EnumerateArray().Select(v => v.ToString()).ToArray() : [answer.ToString()];
            var shown = question.Values is { Count: > 0 } values
                ? given.Select(g => values.FirstOrDefault(v => v.Key == g)?.Name).OfType<string>().ToArray()
                : given.Where(g => g.Length is > 0 and <= 200 && !RequestRules.HasControlCharacters(g)).ToArray();
            if (shown.Length > 0) parts.Add($"{question.Description}：{string.Join("、", shown)}");
        }
        var text = string.Join("；", parts);
        return text.Length <= RequestRules.MaxDescription ? text : text[..RequestRules.MaxDescription];
    }

    private static IResult? JurisdictionError(string format, HttpContext http, string? jurisdiction, Open311Options options) =>
        !IsFormat(format) ? Errors("json", http, 404, $"Unknown format '{format}': use .json or .xml")
        : jurisdiction is not null && jurisdiction != options.JurisdictionId ? Errors(format, http, 404, $"jurisdiction_id '{jurisdiction}' not found")
        : null;
}
