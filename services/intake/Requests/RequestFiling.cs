using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Intake.Access;
using GovPlatform.Intake.Cases;
using GovPlatform.Intake.Classification;
using GovPlatform.Intake.Duplicates;
using GovPlatform.Intake.Notifications;
using GovPlatform.Intake.Reference;
using GovPlatform.Intake.Search;
using GovPlatform.Intake.Timeline;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Attachments;
using GovPlatform.ServiceDefaults.GridCopy;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Intake.Requests;

/// <param name="Status">submitted; triage when no category was given and the rules were unsure; linked when it repeats an open request.</param>
/// <param name="Confidence">The rules' confidence, when they chose the category.</param>
/// <param name="DuplicateOf">The ticket of the open request this one repeats; it follows that one's progress.</param>
/// <param name="LocationCode">The grid-tree node the request was filed under (the grid its coordinates fall in, when no code was given).</param>
public sealed record SubmittedDto(Guid Id, string TicketNo, string Status, DateTimeOffset SubmittedAt, string? Category = null,
    double? Confidence = null, string? DuplicateOf = null, string? LocationCode = null);

/// <summary>
/// Filing a request in the ledger, one transaction: validation, the place in the grid tree, the category (the
/// reporter's, or the rules' when sure, else triage), the idempotency claim, the duplicate check, the row with its
/// first timeline entry, attached uploads, the event for dispatch and the hot-spot count. Every way in files through
/// here: the desk's and systems' <c>POST /api/v1/requests</c>, Open311's POST, and residents' reports, mediation and alarms.
/// </summary>
public sealed class RequestFiling(NpgsqlDataSource db, ReferenceCache reference, IRequestClassifier classifier, IntakeOptions options,
    TimeProvider clock, ILoggerFactory loggers)
{
    /// <summary>The status of a request waiting for a desk operator to choose its category.</summary>
    public const string Triage = "triage";

    /// <summary>4,000 characters of Chinese, ten URLs and the rest fit in well under this; anything bigger is a broken or hostile client.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>Ticket dates are local (China Standard Time, UTC+8 all year), as residents read them.</summary>
    private static readonly TimeSpan Local = TimeSpan.FromHours(8);

    private readonly ILogger _logger = loggers.CreateLogger("GovPlatform.Intake.Requests");

    /// <param name="claim">The idempotency key this filing claims, if any: Open311 derives one from the form when the client sends none.</param>
    public async Task<Results<Created<SubmittedDto>, ValidationProblem, ProblemHttpResult>> SubmitAsync(
        SubmitRequest body, Idempotency.Claim? claim, HttpContext http, ClaimsPrincipal user, CancellationToken ct)
    {
        if (user.IsApiClient())
        {
            // A system's requests are filed under its key's name, whatever it calls itself.
            if (body.ExternalSystem is not null)
                return Rejected(new() { ["externalSystem"] = ["Set by your API key; leave it out."] });
            body = body with { ExternalSystem = user.FindFirst("name")!.Value };
        }
        var stages = new FilingStages.Clock();
        var errors = RequestRules.Validate(body);
        if (errors.Count > 0) return Rejected(errors);
        if (PatrolRules.ChannelProblem(user, body) is { } channelProblem) return Rejected(channelProblem);
        // Segmenting the text takes milliseconds of CPU: done here, not while the transaction holds the duplicate lock
        // and a pooled connection, and once: the description's gist serves the search words, the duplicate search and,
        // kept under the request's id, the hot-spot detection that follows the filing in this process. Not kept for a
        // request without a category: it may wait in triage for days, and is read from the ledger as it stands then.
        var id = NewId.NextGuid();
        var gist = body.Category is null ? ReportGist.Of(body.Description) : GistCache.Of(id, body.Description);
        var searchWords = LedgerSearch.TermsOf(body.Description, body.Location.Address, gist);
        stages.Mark(FilingStages.Validate);

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
        stages.Mark(FilingStages.Place);

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
        stages.Mark(FilingStages.Classify);

        var now = clock.GetUtcNow();
        var principal = user.Actor();
        await using var tx = await conn.BeginTransactionAsync(ct);
        // The idempotency key is claimed by the insert itself, with the response in the same row (one write, no second
        // round trip), except with an external id: a retry must replay the first answer, not meet the 409 the
        // external-id check below gives once the first is filed, so there the key is claimed before that check.
        var claimFirst = claim is not null && body.ExternalId is not null;
        if (claimFirst && !await Idempotency.ClaimAsync(tx, principal, claim!.Key, claim.RequestHash, now, claim.Lifetime, ct))
        {
            await tx.RollbackAsync(ct);
            return await ReplayAsync(conn, principal, claim.Key, claim.RequestHash, http, ct);
        }
        if (body.ExternalId is not null && await FindExternalAsync(conn, body.ExternalSystem!, body.ExternalId, ct) is { } existing)
            return AlreadyFiled(body, existing);

        var original = categoryCode is null ? null : await DuplicateFinder.FindAsync(tx, options.Duplicates, categoryCode, location.BuildingCode,
            location.GridCode ?? location.Node.Code, body.Location.Latitude, body.Location.Longitude, body.Description, now, ct, gist);
        if (original is not null) status = TimelineEvents.Linked;
        stages.Mark(FilingStages.Duplicates);

        var url = $"/api/v1/requests/{id}";
        // The answer is known but for the ticket number, which the insert draws: a placeholder no other field can hold.
        var ticketPlaceholder = $"ticket-{id:N}";
        var submitted = new SubmittedDto(id, ticketPlaceholder, status, now, categoryCode, suggestion?.Confidence, original?.TicketNo, location.Node.Code);
        var claimHere = claim is not null && !claimFirst;
        // The event for dispatch is written by the insert too (one round trip fewer), when it can be known before: a
        // linked duplicate's event follows its timeline entry, and linked uploads are read back into the event.
        var foldEvent = original is null && categoryCode is not null && body.AttachmentIds is not { Count: > 0 };
        var submittedEvent = foldEvent ? Outbox.Prepare(tx, new RequestSubmitted(
            id, ticketPlaceholder, body.Channel, categoryCode!, body.Urgency, location.Node.Code, location.Node.Path,
            body.Location.Latitude, body.Location.Longitude, now,
            CaseDetails.Of(body.Description, body.Location.Address, attributes, body.Attachments ?? [], body.Reporter?.Name, body.Reporter?.Phone))) : null;
        // The ticket's sequence number is drawn inside the insert: one round trip for the number, the key, the row, its
        // first entry and its event. The key's row is inserted with the answer it replays; when an unexpired key is
        // already there (another call's, committed, or waited for until it commits), nothing is filed, no event is
        // written and the ticket comes back null. The event is the outbox's ordinary row, written only with the request.
        const string insert = """
            WITH s AS (SELECT nextval('ticket_seq') AS n, set_config('govplatform.progress_wake', @progressWake, true)),
            t AS (SELECT @datePrefix || '-' || CASE WHEN s.n < 1000000 THEN lpad(s.n::text, 6, '0') ELSE s.n::text END AS ticket_no FROM s),
            claim AS (
                INSERT INTO idempotency_keys AS k (principal, key, request_hash, created_at, status_code, response_body, location)
                SELECT @principal, @claimKey, @claimHash, @now, 201, replace(@response, @ticketPlaceholder, t.ticket_no), @url
                FROM t WHERE @claimKey::text IS NOT NULL
                ON CONFLICT (principal, key) DO UPDATE
                    SET request_hash = excluded.request_hash, created_at = excluded.created_at,
                        status_code = excluded.status_code, response_body = excluded.response_body, location = excluded.location
                    WHERE k.created_at < @expiredBefore
                RETURNING 1),
            filed AS (
                INSERT INTO requests (id, ticket_no, channel, category, urgency, description, reporter_name, reporter_phone,
                                      location_code, location_path, address, latitude, longitude, attachments,
                                      external_system, external_id, status, submitted_at, updated_at, classified_by, classification,
                                      building_code, original_id, attributes, search_words)
                SELECT @id, t.ticket_no,
                       @Channel, @categoryCode, @Urgency, @Description, @reporterName, @reporterPhone,
                       @locationCode, @path, @address, @latitude, @longitude, @attachments,
                       @ExternalSystem, @ExternalId, @status, @now, @now, @classifiedBy, @classification::jsonb,
                       @buildingCode, @originalId, @attributes::jsonb, @searchWords
                FROM t
                WHERE @claimKey::text IS NULL OR EXISTS (SELECT 1 FROM claim)
                RETURNING ticket_no),
            event AS (
                INSERT INTO outbox_messages (message_id, message_type, body, trace_parent)
                SELECT @eventId::uuid, @eventType::text, replace(@eventBody::text, @ticketPlaceholder, filed.ticket_no)::jsonb, @eventTrace::text
                FROM filed WHERE @eventType::text IS NOT NULL)
            SELECT ticket_no FROM filed;
            INSERT INTO request_timeline (request_id, event, at, actor, detail, dedupe_key)
            SELECT @id, 'submitted', @now, @principal, jsonb_build_object('channel', @Channel::text), 'submitted'
            WHERE @claimKey::text IS NULL OR EXISTS (SELECT 1 FROM requests WHERE id = @id);
            """;
        // The texts this filing owes: this process's sender is woken after the commit instead of by the trigger's NOTIFY.
        var wakeInProcess = ProgressWake.Serves(conn);
        string? filedTicket;
        try
        {
            filedTicket = await conn.ExecuteScalarAsync<string?>(new CommandDefinition(
                submittedEvent is { Notify: true } ? $"{insert}\n{Outbox.NotifySql};" : insert, new
            {
                id, datePrefix = now.ToOffset(Local).ToString("yyyyMMdd", CultureInfo.InvariantCulture),
                body.Channel, categoryCode, body.Urgency, body.Description, status, classifiedBy,
                buildingCode = location.BuildingCode, originalId = original?.Id, attributes,
                classification = suggestion is null ? null : JsonSerializer.Serialize(suggestion, Outbox.Json),
                reporterName = body.Reporter?.Name, reporterPhone = body.Reporter?.Phone,
                locationCode = location.Node.Code, path = location.Node.Path, address = body.Location.Address,
                latitude = body.Location.Latitude, longitude = body.Location.Longitude,
                attachments = (body.Attachments ?? []).ToArray(), body.ExternalSystem, body.ExternalId, now, principal,
                searchWords,
                progressWake = wakeInProcess ? ProgressWake.InProcess : "",
                claimKey = claimHere ? claim!.Key : null, claimHash = claimHere ? claim!.RequestHash : null,
                expiredBefore = claimHere ? (now - claim!.Lifetime).UtcDateTime : (DateTime?)null,
                response = claimHere ? JsonSerializer.Serialize(submitted, Outbox.Json) : null, ticketPlaceholder, url,
                eventId = submittedEvent?.MessageId, eventType = submittedEvent?.MessageType, eventBody = submittedEvent?.Body,
                eventTrace = submittedEvent?.TraceParent,
            }, tx, cancellationToken: ct));
        }
        catch (PostgresException e) when (e is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "requests_external" })
        {
            // The same external id raced in on another connection: the first one won.
            await tx.RollbackAsync(ct);
            return AlreadyFiled(body, (await FindExternalAsync(conn, body.ExternalSystem!, body.ExternalId!, ct))!);
        }
        if (filedTicket is null)
        {
            // The key was another call's: nothing was filed, and that call's answer is the answer.
            await tx.RollbackAsync(ct);
            return await ReplayAsync(conn, principal, claim!.Key, claim.RequestHash, http, ct);
        }
        var ticketNo = filedTicket;
        submitted = submitted with { TicketNo = ticketNo };
        stages.Mark(FilingStages.Insert);
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
                new { originalId = original.Id, original.TicketNo, original.Similarity }, "linked"), ct, wakeInProcess);
            await Outbox.EnqueueAsync(tx, new RequestLinkedAsDuplicate(id, original.Id, categoryCode!, location.Node.Path, now, body.Channel, ticketNo), ct);
        }
        else if (categoryCode is not null && !foldEvent)
            await Outbox.EnqueueAsync(tx, new RequestSubmitted(
                id, ticketNo, body.Channel, categoryCode, body.Urgency, location.Node.Code, location.Node.Path,
                body.Location.Latitude, body.Location.Longitude, now,
                // Uploads are read back as linked (otherwise the insert wrote the event with the case as filed).
                await CaseDetails.LoadAsync(tx, id, ct)), ct);
        stages.Mark(FilingStages.Events);
        // Hot spots are looked for just after the commit, from the RequestSubmitted above (HotSpotDetectionConsumer):
        // in here the detector's lock per category and community queued concurrent filings of one place.
        if (claimFirst)
            await Idempotency.SaveResponseAsync(tx, principal, claim!.Key, StatusCodes.Status201Created, submitted, url, ct);
        await tx.CommitAsync(ct);
        stages.Mark(FilingStages.Commit);
        if (wakeInProcess) ProgressWake.Wake(conn);

        if (_logger.IsEnabled(LogLevel.Information))
            _logger.LogInformation("Request {TicketNo} registered from {Channel} for {Location} by {Phone}, category {Category} ({ClassifiedBy})",
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
    public static string? CategoryProblem(string code, CatalogueEntry? category) => category switch
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

    private static ValidationProblem Rejected(Dictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: "The request was not registered: fix the fields below.");
}
