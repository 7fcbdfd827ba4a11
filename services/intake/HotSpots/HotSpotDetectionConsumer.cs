using Dapper;
using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Npgsql;

namespace GovPlatform.Intake.HotSpots;

/// <summary>
/// Looks for a hot spot each request makes or joins, just after it is filed: intake hears its own
/// <see cref="RequestSubmitted"/> (published only for a request with a category that is no linked duplicate: at
/// filing, when the desk chooses a category for one in triage, when a duplicate is unlinked and so stands on its own,
/// and for a meeting's need, which is not looked at) and runs <see cref="HotSpotDetector"/> in a transaction of its
/// own, with <see cref="HotSpotDetected"/> and <see cref="HotSpotGrew"/> through the outbox in it. The filing's transaction no longer waits for the
/// detector's lock per category and community, which concurrent filings of one place used to queue behind.
/// </summary>
/// <remarks>
/// Considered once: the request's row in <c>hot_spot_checks</c> is claimed first (<c>ON CONFLICT DO NOTHING</c>),
/// so a redelivery, or the same event published again under another message id, finds it there and changes
/// nothing; a concurrent second delivery waits on that row until the first commits. The row is needed because a
/// request that joined nothing leaves no other trace, and considering it again later, with more requests filed
/// since, could make a hot spot its filing did not. The request is read from the ledger, not the message, so a
/// category chosen or a link made since counts as it stands now.
/// <para>
/// Checks are kept for <see cref="HotSpotOptions.CheckRetention"/> (the window plus a margin; HotSpotCheckRetention
/// deletes older ones), so a request filed longer ago than that is not looked at: its check may be gone, and every
/// request it could make a hot spot with is past the window. A check is written no earlier than its request's
/// filing, so whenever a check has been deleted its request is already that old, and no copy of an event, however
/// late, can make a request count twice.
/// </para>
/// </remarks>
public sealed class HotSpotDetectionConsumer(NpgsqlDataSource db, IntakeOptions options, TimeProvider clock) : InboxConsumer<RequestSubmitted>(db)
{
    /// <summary>Keyed by <c>hot_spot_checks.request_id</c> (see remarks).</summary>
    protected override bool IdempotentByItself => true;

    private sealed record Filed
    {
        public bool Fresh { get; init; }
        public string? Category { get; init; }
        public required string Description { get; init; }
        public required string[] LocationPath { get; init; }
        public string? BuildingCode { get; init; }
        public string? GridCode { get; init; }
        public string? CommunityCode { get; init; }
        public DateTime SubmittedAt { get; init; }
        public bool Counts { get; init; }
    }

    protected override async Task HandleAsync(ConsumeContext<RequestSubmitted> context, NpgsqlTransaction tx)
    {
        // A meeting's need gathered the neighbours' voices already (docs/intake.md, Meetings): not looked at, as before.
        if (!options.HotSpots.Enabled || context.Message.Channel == Meetings.MeetingNeedRaisedConsumer.Channel) return;
        var ct = context.CancellationToken;
        // The claim and the request as the detector needs it, in one round trip. Counts: what the detector takes as
        // a candidate (not in triage, not a linked duplicate), the same rule for the request itself.
        const string claim = """
            WITH claimed AS (
                INSERT INTO hot_spot_checks (request_id, checked_at) VALUES (@RequestId, now())
                ON CONFLICT DO NOTHING
                RETURNING request_id)
            SELECT EXISTS (SELECT 1 FROM claimed) AS Fresh, r.category, r.description, r.location_path AS LocationPath,
                   r.building_code AS BuildingCode,
                   (SELECT g.code FROM grid_copy g WHERE g.code = ANY (r.location_path) AND g.level = 'grid' LIMIT 1) AS GridCode,
                   (SELECT g.code FROM grid_copy g WHERE g.code = ANY (r.location_path) AND g.level = 'community' LIMIT 1) AS CommunityCode,
                   r.submitted_at AS SubmittedAt,
                   r.category IS NOT NULL AND r.original_id IS NULL AND r.status NOT IN ('triage', 'linked') AS Counts
            FROM requests r WHERE r.id = @RequestId
            """;
        var filed = await tx.Connection!.QuerySingleOrDefaultAsync<Filed>(new CommandDefinition(claim,
            new { context.Message.RequestId }, tx, cancellationToken: ct));
        if (filed is null) return;
        if (!filed.Fresh)
        {
            NoteDuplicate();
            return;
        }
        // No community on the path: no place to propose a hot spot to. Too old: see remarks.
        if (!filed.Counts || filed.CommunityCode is null) return;
        var submittedAt = new DateTimeOffset(DateTime.SpecifyKind(filed.SubmittedAt, DateTimeKind.Utc));
        if (submittedAt < clock.GetUtcNow() - options.HotSpots.CheckRetention) return;
        await HotSpotDetector.DetectAsync(tx, options.HotSpots, new FiledRequest(context.Message.RequestId, filed.Category!, filed.Description,
            filed.LocationPath, filed.BuildingCode, filed.GridCode, submittedAt, filed.CommunityCode), ct);
    }
}
