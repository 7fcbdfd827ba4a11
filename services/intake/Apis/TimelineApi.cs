using System.Text.RegularExpressions;
using Dapper;
using GovPlatform.Intake.Access;
using GovPlatform.Intake.Timeline;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Intake.Apis;

public static partial class TimelineApi
{
    /// <summary>What a resident sees of their own request: its progress, never anyone's personal data in full.</summary>
    public sealed record ResidentViewDto(
        string TicketNo, string? Category, string? CategoryName, string Status, string Description, string? Address,
        string? ReporterPhone, DateTime SubmittedAt, IReadOnlyList<RequestTimeline.EntryDto> Timeline, string? LinkedTo = null);

    private sealed record LookupRow(Guid Id, string TicketNo, string? Category, string? CategoryName, string Status,
        string Description, string? Address, string? ReporterPhone, DateTime SubmittedAt, Guid? OriginalId, string? OriginalTicketNo, string? OriginalStatus);

    [GeneratedRegex(@"^\d{8}-\d{6,9}$")]
    private static partial Regex TicketNo();

    [GeneratedRegex(@"^\d{4}$")]
    private static partial Regex LastFour();

    public static void MapTimelineApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/requests").WithTags("Timeline");

        api.MapGet("/{id:guid}/timeline", GetTimeline)
            .RequireRoles(Roles.DeskOperator, Roles.Admin)
            .WithName("GetRequestTimeline")
            .WithSummary("Everything that happened to a request, in the order it happened");

        api.MapGet("/lookup", Lookup)
            .AllowAnonymous()
            .WithName("LookUpRequest")
            .WithSummary("A resident follows their request by ticket number and the last four digits of their phone");
    }

    private static async Task<IResult> Lookup(
        string? ticket, string? phoneLast4, HttpContext http, NpgsqlDataSource db, WindowRateLimiter limiter, IntakeOptions options, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (ticket is null || !TicketNo().IsMatch(ticket)) errors["ticket"] = ["The ticket number, e.g. 20261122-000123."];
        if (phoneLast4 is null || !LastFour().IsMatch(phoneLast4)) errors["phoneLast4"] = ["The last four digits of the phone the request was made with."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The request could not be looked up: fix the parameters below.");

        // Four digits are guessable; after a few wrong guesses the ticket is closed to look-ups for a while.
        var bucket = $"lookup:{ticket}";
        if (await limiter.CheckAsync(bucket, options.LookupFailuresAllowed, options.LookupFailureWindow) is { } wait)
        {
            await RateLimitMiddleware.WriteTooManyAsync(http, wait, "Too many wrong phone digits for this ticket");
            return TypedResults.Empty;
        }

        const string sql = """
            SELECT r.id, r.ticket_no AS TicketNo, r.category, c.name_zh AS CategoryName, r.status, r.description, r.address,
                   r.reporter_phone AS ReporterPhone, r.submitted_at AS SubmittedAt,
                   o.id AS OriginalId, o.ticket_no AS OriginalTicketNo, o.status AS OriginalStatus
            FROM requests r
            LEFT JOIN categories c ON c.code = r.category
            LEFT JOIN requests o ON o.id = r.original_id
            WHERE r.ticket_no = @ticket AND right(r.reporter_phone, 4) = @phoneLast4
            """;
        await using var conn = await db.OpenConnectionAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<LookupRow>(new CommandDefinition(sql, new { ticket, phoneLast4 }, cancellationToken: ct));
        if (row is null)
        {
            await limiter.TryAcquireAsync(bucket, options.LookupFailuresAllowed, options.LookupFailureWindow);
            // The same answer whether the ticket does not exist or the digits are wrong.
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound,
                title: "No request with this ticket number and phone.", detail: "Check the ticket number and the last four digits of your phone.");
        }
        var timeline = await RequestTimeline.ReadAsync(conn, row.Id, ct);
        if (row.OriginalId is { } originalId)
        {
            // A duplicate's reporter follows the original: after their own report and its link
            // comes the original's progress, including what happened before they called.
            var original = await RequestTimeline.ReadAsync(conn, originalId, ct);
            timeline = [.. timeline, .. original.Where(e => e.Event != TimelineEvents.Submitted).Select(ForAnotherResident)];
        }
        return TypedResults.Ok(new ResidentViewDto(row.TicketNo, row.Category, row.CategoryName, row.OriginalStatus ?? row.Status, row.Description,
            row.Address, PersonalData.MaskPhone(row.ReporterPhone), row.SubmittedAt, timeline, row.OriginalTicketNo));
    }

    /// <summary>
    /// An entry of the original request as a linked reporter sees it: the work's progress, but not what the original's
    /// reporter said on their callback (comment, satisfaction, whether they were reached) or why they reopened it.
    /// Only the keys listed here survive, so a detail field added later stays hidden until someone decides it may be shown.
    /// </summary>
    private static RequestTimeline.EntryDto ForAnotherResident(RequestTimeline.EntryDto entry)
    {
        string[]? shown = entry.Event switch
        {
            TimelineEvents.Callback => ["outcome"],
            TimelineEvents.Reopened => ["reopenCount"],
            TimelineEvents.Closed => ["workOrderId"],
            _ => null,
        };
        if (shown is null || entry.Detail.ValueKind != System.Text.Json.JsonValueKind.Object) return entry;
        var kept = entry.Detail.EnumerateObject().Where(p => shown.Contains(p.Name)).ToDictionary(p => p.Name, p => p.Value);
        return entry with { Detail = System.Text.Json.JsonSerializer.SerializeToElement(kept) };
    }

    private static async Task<Results<Ok<IReadOnlyList<RequestTimeline.EntryDto>>, NotFound>> GetTimeline(
        Guid id, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (!await conn.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT EXISTS (SELECT 1 FROM requests WHERE id = @id)", new { id }, cancellationToken: ct)))
            return TypedResults.NotFound();
        return TypedResults.Ok(await RequestTimeline.ReadAsync(conn, id, ct));
    }
}
