using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Intake.Access;
using GovPlatform.Intake.Cases;
using GovPlatform.Intake.Classification;
using GovPlatform.Intake.Duplicates;
using GovPlatform.Intake.HotSpots;
using GovPlatform.Intake.Search;
using GovPlatform.Intake.Reference;
using GovPlatform.Intake.Timeline;
using GovPlatform.Intake.Requests;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Attachments;
using GovPlatform.ServiceDefaults.GridCopy;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace GovPlatform.Intake.Apis;

public static partial class RequestsApi
{
    // Property-style because Dapper matches constructors by exact column type (text[] is System.Array).
    public sealed record RequestDto
    {
        public Guid Id { get; init; }
        public required string TicketNo { get; init; }
        public required string Channel { get; init; }
        /// <summary>Null while the request waits in triage.</summary>
        public string? Category { get; init; }
        /// <summary>reporter, rules, or the desk operator who chose it.</summary>
        public string? ClassifiedBy { get; init; }
        public required string Urgency { get; init; }
        public required string Description { get; init; }
        public string? ReporterName { get; init; }
        public string? ReporterPhone { get; init; }
        public required string LocationCode { get; init; }
        public required string[] LocationPath { get; init; }
        public string? Address { get; init; }
        public double? Latitude { get; init; }
        public double? Longitude { get; init; }
        public required string[] Attachments { get; init; }
        /// <summary>Photos and files uploaded to the platform with the request.</summary>
        public IReadOnlyList<AttachmentDto> Files { get; init; } = [];
        public string? ExternalSystem { get; init; }
        public string? ExternalId { get; init; }
        public required string Status { get; init; }
        /// <summary>From the latest callback; kept apart from the status, since resolved is not the same as satisfied.</summary>
        public string? Satisfaction { get; init; }
        public int ReopenCount { get; init; }
        /// <summary>The open request this one was linked to as a duplicate.</summary>
        public Guid? OriginalRequestId { get; init; }
        /// <summary>The residents' meeting (dispatch's) where the need was raised, for requests of channel <c>meeting</c> filed from it.</summary>
        public Guid? MeetingId { get; init; }
        public DateTime SubmittedAt { get; init; }
        public DateTime UpdatedAt { get; init; }
        public DateTime? ClosedAt { get; init; }
        /// <summary>Answers to the category's extra questions (Open311 attributes), by question code.</summary>
        public JsonElement Attributes => JsonDocument.Parse(AttributesJson ?? "{}").RootElement.Clone();
        [System.Text.Json.Serialization.JsonIgnore]
        public string? AttributesJson { get; init; }

        /// <summary>Every response shows the reporter masked; only the callback desk needs the number itself.</summary>
        public RequestDto Masked() => this with { ReporterName = PersonalData.MaskName(ReporterName), ReporterPhone = PersonalData.MaskPhone(ReporterPhone) };
    }

    /// <param name="Status">submitted; triage when no category was given and the rules were unsure; linked when it repeats an open request.</param>
    /// <param name="Confidence">The rules' confidence, when they chose the category.</param>
    /// <param name="DuplicateOf">The ticket of the open request this one repeats; it follows that one's progress.</param>
    /// <param name="LocationCode">The grid-tree node the request was filed under (the grid its coordinates fall in, when no code was given).</param>
    public sealed record SubmittedDto(Guid Id, string TicketNo, string Status, DateTimeOffset SubmittedAt, string? Category = null,
        double? Confidence = null, string? DuplicateOf = null, string? LocationCode = null);

    /// <summary>The status of a request waiting for a desk operator to choose its category.</summary>
    public const string Triage = "triage";

    public sealed record PageDto<T>(IReadOnlyList<T> Items, int Page, int PageSize, long Total);

    /// <summary>Filters of the ledger search; all optional, combined with AND.</summary>
    /// <param name="Ticket">A ticket number or its beginning (e.g. the date part <c>20261122</c>).</param>
    /// <param name="Region">Any node of the grid tree: requests located anywhere under it.</param>
    /// <param name="From">Submitted at or after (inclusive).</param>
    /// <param name="To">Submitted before (exclusive).</param>
    /// <param name="Q">Free text: requests whose description or address has it as written, or has at least half of its words
    /// (jieba's segments, paraphrases included: 走廊 finds 楼道); the best matches first, then the newest.</param>
    public sealed record SearchQuery(
        string? Ticket, string? Status, string? Category, string? Channel, string? Region,
        DateTimeOffset? From, DateTimeOffset? To, string? Q, int? Page, int? PageSize);

    /// <summary>Ticket dates are local (China Standard Time, UTC+8 all year), as residents read them.</summary>
    private static readonly TimeSpan Local = TimeSpan.FromHours(8);

    public const int MaxPageSize = 100;
    public const int MaxBodyBytes = 64 * 1024;

    internal const string SelectRequest = """
        SELECT id, ticket_no AS TicketNo, channel, category, urgency, description,
               reporter_name AS ReporterName, reporter_phone AS ReporterPhone,
               location_code AS LocationCode, location_path AS LocationPath, address, latitude, longitude,
               classified_by AS ClassifiedBy, attachments, external_system AS ExternalSystem, external_id AS ExternalId,
               status, satisfaction, reopen_count AS ReopenCount, original_id AS OriginalRequestId,
               submitted_at AS SubmittedAt, updated_at AS UpdatedAt, closed_at AS ClosedAt, attributes::text AS AttributesJson,
               meeting_id AS MeetingId
        FROM requests
        """;

    public static void MapRequestsApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/requests").WithTags("Requests");

        api.MapPost("/", Submit)
            // Grid workers file what they find on patrol (channel grid_patrol), inside their own grid: PatrolRules.
            .RequireRoles(Roles.DeskOperator, Roles.Admin, IntakeAccess.ApiClient, Roles.GridWorker)
            // 4,000 characters of Chinese, ten URLs and the rest fit in well under this; anything bigger is a broken or hostile client.
            .WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes))
            .WithName("SubmitRequest")
            .WithSummary("Register a resident's request in the ledger; dispatch assigns it");

        api.MapGet("/{id:guid}", async Task<Results<Ok<RequestDto>, NotFound>> (Guid id, NpgsqlDataSource db, AttachmentUploads uploads, CancellationToken ct) =>
            {
                await using var conn = await db.OpenConnectionAsync(ct);
                var r = await conn.QuerySingleOrDefaultAsync<RequestDto>(new CommandDefinition($"{SelectRequest} WHERE id = @id", new { id }, cancellationToken: ct));
                if (r is null) return TypedResults.NotFound();
                var files = await uploads.ListAsync(conn, RequestAttachmentAccess.RequestOwner, [id], ct);
                return TypedResults.Ok(r.Masked() with { Files = files[id].ToList() });
            })
            .RequireRoles(Roles.DeskOperator, Roles.Admin)
            .WithName("GetRequest")
            .WithSummary("One request, with the reporter's name and phone masked");

        api.MapGet("/", Search)
            .RequireRoles(Roles.DeskOperator, Roles.Admin)
            .WithName("SearchRequests")
            .WithSummary("The request ledger, newest first: filter by ticket, status, category, channel, region, date range and free text");
    }

    internal static async Task<Results<Created<SubmittedDto>, ValidationProblem, ProblemHttpResult>> Submit(
        SubmitRequest body, [FromHeader(Name = Idempotency.Header)] string? idempotencyKey, HttpContext http, ClaimsPrincipal user,
        NpgsqlDataSource db, ReferenceCache reference, IRequestClassifier classifier, IntakeOptions options, TimeProvider clock,
        ILoggerFactory loggers, CancellationToken ct)
    {
        if (idempotencyKey is not null && !Idempotency.IsValidKey(idempotencyKey))
            return Rejected(new() { [Idempotency.Header] = [$"1 to {Idempotency.MaxKeyLength} visible ASCII characters."] });
        // Hashed as sent, before the key's system name is filled in.
        var claim = idempotencyKey is null ? null : new Idempotency.Claim(idempotencyKey, Idempotency.Hash(body), options.IdempotencyKeyLifetime);
        return await SubmitAsync(body, claim, http, user, db, reference, classifier, options, clock, loggers, ct);
    }

    /// <param name="claim">The idempotency key this filing claims, if any: Open311 derives one from the form when the client sends none.</param>
    internal static async Task<Results<Created<SubmittedDto>, ValidationProblem, ProblemHttpResult>> SubmitAsync(
        SubmitRequest body, Idempotency.Claim? claim, HttpContext http, ClaimsPrincipal user,
        NpgsqlDataSource db, ReferenceCache reference, IRequestClassifier classifier, IntakeOptions options, TimeProvider clock,
        ILoggerFactory loggers, CancellationToken ct)
    {
        if (user.IsApiClient())
        {
            // A system's requests are filed under its key's name, whatever it calls itself.
            if (body.ExternalSystem is not null)
                return Rejected(new() { ["externalSystem"] = ["Set by your API key; leave it out."] });
            body = body with { ExternalSystem = user.FindFirst("name")!.Value };
        }
        var errors = RequestRules.Validate(body);
        if (errors.Count > 0) return Rejected(errors);
        if (PatrolRules.ChannelProblem(user, body) is { } channelProblem) return Rejected(channelProblem);

        await using var conn = await db.OpenConnectionAsync(ct);
        PlacedNode? location;
        if (body.Location.Code is { } code)
        {
            location = await reference.GridNodeAsync(conn, code, ct);
            if (location is null)
                return Rejected(new() { ["location.code"] = [$"Unknown location '{code}': not in the grid tree."] });
        }
        else
        {
            // No code: the grid whose surveyed boundary holds the point, else the nearest grid centre close enough.
            var point = new GeoPoint(body.Location.Latitude!.Value, body.Location.Longitude!.Value);
            var grid = await conn.FindGridByPointAsync(point, ct);
            if (grid is null)
                return Rejected(new() { ["location"] = [string.Create(CultureInfo.InvariantCulture,
                    $"The point ({point.Lat}, {point.Lon}) is outside every known grid: no surveyed grid boundary contains it and no grid centre is within {Geo.NearestGridMaxMetres} m. Give location.code.")] });
            location = new PlacedNode(grid, null, grid.Code);
        }
        if (PatrolRules.ScopeProblem(user, location.Node.Path) is { } outside) return outside;

        Classification.Classification? suggestion = null;
        var (categoryCode, classifiedBy, status) = (body.Category, "reporter", TimelineEvents.Submitted);
        var attributes = "{}";
        if (body.Category is not null)
        {
            var category = await reference.CategoryAsync(conn, body.Category, ct);
            if (CategoryProblem(body.Category, category) is { } problem) return Rejected(new() { ["category"] = [problem] });
            var (attributeErrors, answers) = AttributeRules.Check(body.Category, category!.Attributes, body.Attributes);
            if (attributeErrors.Count > 0) return Rejected(attributeErrors);
            attributes = answers.ToJsonString();
        }
        else
        {
            // No category given: the rules choose one when sure; otherwise a desk operator does,
            // and the request is not dispatched until then.
            suggestion = classifier.Classify(body.Description);
            (categoryCode, classifiedBy, status) = suggestion.Confident(options.ClassificationThreshold ?? classifier.Threshold)
                ? (suggestion.Category, "rules", TimelineEvents.Submitted)
                : (null, null!, Triage);
        }

        var now = clock.GetUtcNow();
        var principal = user.Actor();
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (claim is not null && !await Idempotency.ClaimAsync(tx, principal, claim.Key, claim.RequestHash, now, claim.Lifetime, ct))
        {
            await tx.RollbackAsync(ct);
            return await ReplayAsync(conn, principal, claim.Key, claim.RequestHash, http, ct);
        }
        if (body.ExternalId is not null && await FindExternalAsync(conn, body.ExternalSystem!, body.ExternalId, ct) is { } existing)
            return AlreadyFiled(body, existing);

        var original = categoryCode is null ? null : await DuplicateFinder.FindAsync(tx, options.Duplicates, categoryCode, location.BuildingCode,
            location.GridCode ?? location.Node.Code, body.Location.Latitude, body.Location.Longitude, body.Description, now, ct);
        if (original is not null) status = TimelineEvents.Linked;

        var id = NewId.NextGuid();
        // The ticket's sequence number is drawn inside the insert: one round trip for the number, the row and its first entry.
        const string insert = """
            INSERT INTO requests (id, ticket_no, channel, category, urgency, description, reporter_name, reporter_phone,
                                  location_code, location_path, address, latitude, longitude, attachments,
                                  external_system, external_id, status, submitted_at, updated_at, classified_by, classification,
                                  building_code, original_id, attributes, search_words)
            SELECT @id, @datePrefix || '-' || CASE WHEN s.n < 1000000 THEN lpad(s.n::text, 6, '0') ELSE s.n::text END,
                   @Channel, @categoryCode, @Urgency, @Description, @reporterName, @reporterPhone,
                   @locationCode, @path, @address, @latitude, @longitude, @attachments,
                   @ExternalSystem, @ExternalId, @status, @now, @now, @classifiedBy, @classification::jsonb,
                   @buildingCode, @originalId, @attributes::jsonb, @searchWords
            FROM (SELECT nextval('ticket_seq') AS n) s
            RETURNING ticket_no;
            INSERT INTO request_timeline (request_id, event, at, actor, detail, dedupe_key)
            VALUES (@id, 'submitted', @now, @principal, jsonb_build_object('channel', @Channel::text), 'submitted');
            """;
        string ticketNo;
        try
        {
            ticketNo = (await conn.ExecuteScalarAsync<string>(new CommandDefinition(insert, new
            {
                id, datePrefix = now.ToOffset(Local).ToString("yyyyMMdd", CultureInfo.InvariantCulture),
                body.Channel, categoryCode, body.Urgency, body.Description, status, classifiedBy,
                buildingCode = location.BuildingCode, originalId = original?.Id, attributes,
                classification = suggestion is null ? null : JsonSerializer.Serialize(suggestion, Outbox.Json),
                reporterName = body.Reporter?.Name, reporterPhone = body.Reporter?.Phone,
                locationCode = location.Node.Code, path = location.Node.Path, address = body.Location.Address,
                latitude = body.Location.Latitude, longitude = body.Location.Longitude,
                attachments = (body.Attachments ?? []).ToArray(), body.ExternalSystem, body.ExternalId, now, principal,
                searchWords = LedgerSearch.TermsOf(body.Description, body.Location.Address),
            }, tx, cancellationToken: ct)))!;
        }
        catch (PostgresException e) when (e is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "requests_external" })
        {
            // The same external id raced in on another connection: the first one won.
            await tx.RollbackAsync(ct);
            return AlreadyFiled(body, (await FindExternalAsync(conn, body.ExternalSystem!, body.ExternalId!, ct))!);
        }
        if (body.AttachmentIds is { Count: > 0 } attachmentIds)
        {
            // Only the caller's own uploads, not yet attached elsewhere: an id seen in someone else's request gives nothing.
            var missing = await AttachmentUploads.LinkAsync(tx, attachmentIds, principal, RequestAttachmentAccess.RequestOwner, id, ct);
            if (missing.Count > 0)
            {
                await tx.RollbackAsync(ct);
                return Rejected(new() { ["attachmentIds"] = [$"Not an upload of yours waiting to be attached: {string.Join(", ", missing)}. Upload with POST {AttachmentExtensions.Route} first."] });
            }
        }
        if (original is not null)
        {
            // No new work: the reporter follows the original, and dispatch is not told of a second problem.
            await RequestTimeline.AppendAsync(tx, new TimelineEntry(id, TimelineEvents.Linked, now, "intake",
                new { originalId = original.Id, original.TicketNo, original.Similarity }, "linked"), ct);
            await Outbox.EnqueueAsync(tx, new RequestLinkedAsDuplicate(id, original.Id, categoryCode!, location.Node.Path, now, body.Channel, ticketNo), ct);
        }
        else if (categoryCode is not null)
            await Outbox.EnqueueAsync(tx, new RequestSubmitted(
                id, ticketNo, body.Channel, categoryCode, body.Urgency, location.Node.Code, location.Node.Path,
                body.Location.Latitude, body.Location.Longitude, now, await CaseDetails.LoadAsync(tx, id, ct)), ct);
        if (original is null && categoryCode is not null)
            await HotSpotDetector.DetectAsync(tx, options.HotSpots, new FiledRequest(id, categoryCode, body.Description, location.Node.Path,
                location.BuildingCode, location.GridCode, now), ct);
        var submitted = new SubmittedDto(id, ticketNo, status, now, categoryCode, suggestion?.Confidence, original?.TicketNo, location.Node.Code);
        var url = $"/api/v1/requests/{id}";
        if (claim is not null)
            await Idempotency.SaveResponseAsync(tx, principal, claim.Key, StatusCodes.Status201Created, submitted, url, ct);
        await tx.CommitAsync(ct);

        var logger = loggers.CreateLogger("GovPlatform.Intake.Requests");
        if (logger.IsEnabled(LogLevel.Information))
            logger.LogInformation("Request {TicketNo} registered from {Channel} for {Location} by {Phone}, category {Category} ({ClassifiedBy})",
                ticketNo, body.Channel, location.Node.Code, PersonalData.MaskPhone(body.Reporter?.Phone) ?? "anonymous", categoryCode ?? "triage", classifiedBy);
        return TypedResults.Created(url, submitted);
    }

    /// <summary>The first response to this key, or 422 when the key came with a different request.</summary>
    private static async Task<Results<Created<SubmittedDto>, ValidationProblem, ProblemHttpResult>> ReplayAsync(
        NpgsqlConnection conn, string principal, string key, byte[] hash, HttpContext http, CancellationToken ct)
    {
        var stored = (await Idempotency.ReadAsync(conn, principal, key, ct))!;
        if (!stored.RequestHash.AsSpan().SequenceEqual(hash))
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity,
                title: "This Idempotency-Key was used for a different request.",
                detail: "Use a new key for a new request; retry with the same key only to repeat the same request.");
        http.Response.Headers["Idempotent-Replayed"] = "true";
        return TypedResults.Created(stored.Location, JsonSerializer.Deserialize<SubmittedDto>(stored.ResponseBody!, Outbox.Json));
    }

    private sealed record ExistingRequest(Guid Id, string TicketNo);

    /// <summary>Why a request cannot be filed under this category, or null when it can.</summary>
    internal static string? CategoryProblem(string code, CatalogueEntry? category) => category switch
    {
        null => $"Unknown category '{code}'.",
        { Major: true } => $"'{code}' is a major category; file the request under one of its minor categories.",
        { Active: false } => $"Category '{code}' is no longer in use.",
        _ => null,
    };

    private static Task<ExistingRequest?> FindExternalAsync(NpgsqlConnection conn, string system, string externalId, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<ExistingRequest>(new CommandDefinition(
            "SELECT id, ticket_no AS TicketNo FROM requests WHERE external_system = @system AND external_id = @externalId",
            new { system, externalId }, cancellationToken: ct));

    private static ProblemHttpResult AlreadyFiled(SubmitRequest body, ExistingRequest existing) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict,
            title: "This external request is already in the ledger.",
            detail: $"{body.ExternalSystem} request '{body.ExternalId}' was registered as ticket {existing.TicketNo}.",
            extensions: new Dictionary<string, object?> { ["requestId"] = existing.Id, ["ticketNo"] = existing.TicketNo });

    private static async Task<Results<Ok<PageDto<RequestDto>>, ValidationProblem>> Search(
        [AsParameters] SearchQuery query, NpgsqlDataSource db, CancellationToken ct)
    {
        var errors = ValidateSearch(query);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The search could not run: fix the parameters below.");

        var page = query.Page ?? 1;
        var pageSize = query.PageSize ?? 20;
        var (terms, groups, wordCount) = query.Q is null ? (Array.Empty<string>(), Array.Empty<int>(), 0) : LedgerSearch.QueryTerms(query.Q);
        // Static SQL with "@x IS NULL OR ..." stays readable; Npgsql's unprepared statements are
        // planned with the actual values, so the unused branches fold away and indexes still serve.
        const string where = """
            WHERE (@ticket::text IS NULL OR ticket_no LIKE @ticket || '%')
              AND (@Status::text IS NULL OR status = @Status)
              AND (@Category::text IS NULL OR category = @Category)
              AND (@Channel::text IS NULL OR channel = @Channel)
              AND (@Region::text IS NULL OR location_path @> ARRAY[@Region::text])
              AND (@from::timestamptz IS NULL OR submitted_at >= @from)
              AND (@to::timestamptz IS NULL OR submitted_at < @to)
              AND (@text::text IS NULL OR description ILIKE @text OR address ILIKE @text
                   OR (search_words && @terms
                       AND 2 * (SELECT count(DISTINCT g) FROM unnest(@terms, @groups) AS t(term, g) WHERE term = ANY (search_words)) >= @wordCount))
            """;
        // With free text, the best match first: the whole text as written (a substring) counts one,
        // plus the share of the query's words the request has (each word or its paraphrase idea).
        const string rank = """
            (CASE WHEN description ILIKE @text OR address ILIKE @text THEN 1 ELSE 0 END
             + coalesce((SELECT count(DISTINCT g) FROM unnest(@terms, @groups) AS t(term, g) WHERE term = ANY (search_words)), 0)
               / greatest(@wordCount, 1)::float8)
            """;
        var args = new
        {
            ticket = query.Ticket, query.Status, query.Category, query.Channel, query.Region,
            // Npgsql writes timestamptz only from UTC values.
            from = query.From?.UtcDateTime, to = query.To?.UtcDateTime,
            text = query.Q is null ? null : $"%{EscapeLike(query.Q)}%",
            terms, groups, wordCount,
            limit = pageSize, offset = (page - 1) * pageSize,
        };
        await using var conn = await db.OpenConnectionAsync(ct);
        var total = await conn.ExecuteScalarAsync<long>(new CommandDefinition($"SELECT count(*) FROM requests {where}", args, cancellationToken: ct));
        var rows = await conn.QueryAsync<RequestDto>(new CommandDefinition(
            query.Q is null
                ? $"{SelectRequest} {where} ORDER BY submitted_at DESC, ticket_no DESC LIMIT @limit OFFSET @offset"
                : $"{SelectRequest} {where} ORDER BY {rank} DESC, submitted_at DESC, ticket_no DESC LIMIT @limit OFFSET @offset",
            args, cancellationToken: ct));
        return TypedResults.Ok(new PageDto<RequestDto>(rows.Select(r => r.Masked()).ToList(), page, pageSize, total));
    }

    public static readonly string[] Statuses =
        ["triage", "submitted", "linked", "assigned", "accepted", "on_site", "escalated", "whistled", "resolved", "plan_formed", "reopened", "closed"];

    [GeneratedRegex(@"^[0-9]{1,8}(-[0-9]{0,10})?$")]
    private static partial Regex TicketPrefix();

    internal static Dictionary<string, string[]> ValidateSearch(SearchQuery q)
    {
        var errors = new Dictionary<string, string[]>();
        if (q.Ticket is not null && !TicketPrefix().IsMatch(q.Ticket)) errors["ticket"] = ["A ticket number such as 20261122-000123, or its beginning."];
        if (q.Status is not null && !Statuses.Contains(q.Status)) errors["status"] = [$"Unknown status '{q.Status}'; expected one of {string.Join(", ", Statuses)}."];
        if (q.Channel is not null && !RequestRules.Channels.Contains(q.Channel)) errors["channel"] = [$"Unknown channel '{q.Channel}'; expected one of {string.Join(", ", RequestRules.Channels)}."];
        if (q.Category is { Length: 0 or > 64 }) errors["category"] = ["A category code of 1 to 64 characters."];
        if (q.Region is { Length: 0 or > 64 }) errors["region"] = ["A grid-tree code of 1 to 64 characters."];
        if (q.From > q.To) errors["from"] = ["'from' must not be after 'to'."];
        if (q.Q is not null && (q.Q.Trim().Length == 0 || q.Q.Length > 100 || RequestRules.HasControlCharacters(q.Q)))
            errors["q"] = ["1 to 100 characters of text, no control characters."];
        if (q.Page is < 1 or > 10_000) errors["page"] = ["Pages count from 1 (at most 10000)."];
        if (q.PageSize is < 1 or > MaxPageSize) errors["pageSize"] = [$"Between 1 and {MaxPageSize}."];
        return errors;
    }

    /// <summary>The user's % and _ are text, not wildcards (backslash is ILIKE's default escape).</summary>
    private static string EscapeLike(string text) => text.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_");

    private static ValidationProblem Rejected(Dictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: "The request was not registered: fix the fields below.");
}
