using System.Security.Claims;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using GovPlatform.Intake.Access;
using GovPlatform.Intake.Cases;
using GovPlatform.Intake.Requests;
using GovPlatform.Intake.Search;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Attachments;
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

    public const int MaxPageSize = 100;

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
            .WithMetadata(new RequestSizeLimitAttribute(RequestFiling.MaxBodyBytes))
            .WithName("SubmitRequest")
            .WithSummary("Register a resident's request in the ledger; dispatch assigns it");

        api.MapGet("/{id:guid}", GetOne)
            .RequireRoles(Roles.DeskOperator, Roles.Admin)
            .WithName("GetRequest")
            .WithSummary("One request, with the reporter's name and phone masked");

        api.MapGet("/", Search)
            .RequireRoles(Roles.DeskOperator, Roles.Admin)
            .WithName("SearchRequests")
            .WithSummary("The request ledger, newest first: filter by ticket, status, category, channel, region, date range and free text");
    }

    private static async Task<Results<Ok<RequestDto>, NotFound>> GetOne(Guid id, NpgsqlDataSource db, AttachmentUploads uploads, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var r = await conn.QuerySingleOrDefaultAsync<RequestDto>(new CommandDefinition($"{SelectRequest} WHERE id = @id", new { id }, cancellationToken: ct));
        if (r is null) return TypedResults.NotFound();
        var files = await uploads.ListAsync(conn, RequestAttachmentAccess.RequestOwner, [id], ct);
        return TypedResults.Ok(r.Masked() with { Files = files[id].ToList() });
    }

    private static async Task<Results<Created<SubmittedDto>, ValidationProblem, ProblemHttpResult>> Submit(
        SubmitRequest body, [FromHeader(Name = Idempotency.Header)] string? idempotencyKey, HttpContext http, ClaimsPrincipal user,
        RequestFiling filing, IntakeOptions options, CancellationToken ct)
    {
        if (idempotencyKey is not null && !Idempotency.IsValidKey(idempotencyKey))
            return Rejected(new() { [Idempotency.Header] = [$"1 to {Idempotency.MaxKeyLength} visible ASCII characters."] });
        // Hashed as sent, before the key's system name is filled in.
        var claim = idempotencyKey is null ? null : new Idempotency.Claim(idempotencyKey, Idempotency.Hash(body), options.IdempotencyKeyLifetime);
        return await filing.SubmitAsync(body, claim, http, user, ct);
    }

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
