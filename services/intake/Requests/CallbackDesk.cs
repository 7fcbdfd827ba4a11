using System.Security.Claims;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Intake.Access;
using GovPlatform.Intake.Timeline;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Intake.Requests;

/// <param name="Satisfaction">satisfied, basically_satisfied or dissatisfied; required when reached, absent when not.</param>
public sealed record RecordCallback(bool Reached, string? Satisfaction = null, string? Comment = null);

public sealed record CallbackDto(Guid Id, Guid RequestId, bool Reached, string? Satisfaction, string? Comment,
    string Outcome, string Status, int ReopenCount, DateTimeOffset At);

/// <summary>
/// The callback after resolution (回访), one transaction: satisfied closes the request, dissatisfied reopens it up to
/// the limit, then closes it as dissatisfied. The desk's phone callback and a resident's own rating both record through here.
/// </summary>
public sealed class CallbackDesk(NpgsqlDataSource db, TimeProvider clock, IntakeOptions options)
{
    private static readonly string[] Satisfactions = [Satisfaction.Satisfied, Satisfaction.BasicallySatisfied, Satisfaction.Dissatisfied];
    public const int MaxComment = 1000;

    private sealed record Current(string Status, int ReopenCount);

    public async Task<Results<Created<CallbackDto>, ValidationProblem, NotFound, ProblemHttpResult>> RecordAsync(
        Guid id, RecordCallback body, ClaimsPrincipal user, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.Reached && body.Satisfaction is null) errors["satisfaction"] = ["A resident who was reached says how satisfied they are."];
        if (!body.Reached && body.Satisfaction is not null) errors["satisfaction"] = ["Leave it out when the resident was not reached."];
        if (body.Satisfaction is not null && !Satisfactions.Contains(body.Satisfaction))
            errors["satisfaction"] = [$"Unknown satisfaction '{body.Satisfaction}'; expected one of {string.Join(", ", Satisfactions)}."];
        if (body.Comment is { } c && (c.Length > MaxComment || RequestRules.HasControlCharacters(c)))
            errors["comment"] = [$"At most {MaxComment} characters, no control characters (tabs and line breaks are fine)."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The callback was not recorded: fix the fields below.");

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // Locked, so two operators recording at once take turns and the second sees the first's outcome.
        var current = await conn.QuerySingleOrDefaultAsync<Current>(new CommandDefinition(
            "SELECT status, reopen_count AS ReopenCount FROM requests WHERE id = @id FOR UPDATE", new { id }, tx, cancellationToken: ct));
        if (current is null) return TypedResults.NotFound();
        if (current.Status != TimelineEvents.Resolved)
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict,
                title: "A callback follows resolution.",
                detail: $"The request is '{current.Status}'; callbacks are recorded once it is resolved.",
                extensions: new Dictionary<string, object?> { ["currentStatus"] = current.Status });

        var now = clock.GetUtcNow();
        var by = user.Actor();
        var (outcome, reopenCount) = body.Satisfaction switch
        {
            null => ("pending", current.ReopenCount),
            Satisfaction.Dissatisfied when current.ReopenCount < options.MaxReopens => ("reopened", current.ReopenCount + 1),
            // Satisfied, or dissatisfied once the reopen limit is used up: the request ends here.
            _ => ("closed", current.ReopenCount),
        };
        var callbackId = NewId.NextGuid();
        const string insert = """
            INSERT INTO request_callbacks (id, request_id, reached, satisfaction, comment, outcome, recorded_by, at)
            VALUES (@callbackId, @id, @Reached, @Satisfaction, @Comment, @outcome, @by, @at)
            """;
        await conn.ExecuteAsync(new CommandDefinition(insert, new { callbackId, id, body.Reached, body.Satisfaction, body.Comment, outcome, by, at = now.UtcDateTime }, tx, cancellationToken: ct));
        await RequestTimeline.AppendAsync(tx, new TimelineEntry(id, TimelineEvents.Callback, now, by,
            new { body.Reached, body.Satisfaction, body.Comment, outcome }, $"callback:{callbackId}"), ct);
        await Outbox.EnqueueAsync(tx, new CallbackRecorded(id, body.Reached, body.Satisfaction, by, now), ct);

        if (outcome == "reopened")
        {
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE requests SET reopen_count = @reopenCount, satisfaction = @Satisfaction WHERE id = @id",
                new { id, reopenCount, body.Satisfaction }, tx, cancellationToken: ct));
            await RequestTimeline.AppendAsync(tx, new TimelineEntry(id, TimelineEvents.Reopened, now, by,
                new { reopenCount, reason = body.Comment }, $"reopened:{reopenCount}"), ct);
            await Outbox.EnqueueAsync(tx, new RequestReopened(id, reopenCount, body.Comment ?? "居民回访不满意", now), ct);
        }
        else if (outcome == "closed")
        {
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE requests SET satisfaction = @Satisfaction, closed_at = @at WHERE id = @id",
                new { id, body.Satisfaction, at = now.UtcDateTime }, tx, cancellationToken: ct));
            await RequestTimeline.AppendAsync(tx, new TimelineEntry(id, TimelineEvents.Closed, now, by,
                new { body.Satisfaction }, "closed:{round}"), ct);
            await Outbox.EnqueueAsync(tx, new RequestClosed(id, body.Satisfaction, now), ct);
        }
        var status = await conn.ExecuteScalarAsync<string>(new CommandDefinition("SELECT status FROM requests WHERE id = @id", new { id }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);

        return TypedResults.Created($"/api/v1/requests/{id}/timeline",
            new CallbackDto(callbackId, id, body.Reached, body.Satisfaction, body.Comment, outcome, status!, reopenCount, now));
    }
}
