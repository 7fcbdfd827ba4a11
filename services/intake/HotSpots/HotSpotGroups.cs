using Dapper;
using GovPlatform.ServiceDefaults.Data;
using Npgsql;

namespace GovPlatform.Intake.HotSpots;

/// <summary>
/// Considers requests for hot spots in groups: each group is one transaction that claims the checks of all its
/// requests in one statement and runs <see cref="HotSpotDetector"/> for each new one in turn, so a busy queue costs
/// one claim, one commit and one WAL flush per group instead of per request, and one round trip per request for its
/// candidates. Each delivery waits for its request's group to commit before it is acknowledged, so nothing is lost
/// and nothing counted twice: a failed group considers nothing (and is tried again one request per transaction, so
/// one bad request fails only itself, through the retries and error queue as it would alone).
/// </summary>
/// <remarks>
/// Within a group the requests are considered in order of their detector lock (category and community), then of
/// submission: two writers take the locks they share in the same order, so they cannot deadlock, and the requests of
/// one topic and place are looked at oldest first, as if each were considered when it was filed. A request later in
/// the group sees what an earlier one made or joined (the same transaction). A writer never waits to fill a group: it
/// takes what is queued when it is free, so at low load a group is the one request that just arrived.
/// </remarks>
public sealed class HotSpotGroups : IDisposable
{
    private sealed class Pending(Guid requestId)
    {
        public Guid RequestId { get; } = requestId;
        /// <summary>True when this delivery considered its request, false when it had been considered already.</summary>
        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed record Filed
    {
        public Guid Id { get; init; }
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

    private readonly NpgsqlDataSource _db;
    private readonly HotSpotOptions _options;
    private readonly TimeProvider _clock;
    private readonly GroupWriters<Pending> _writers;

    public HotSpotGroups(NpgsqlDataSource db, IntakeOptions options, TimeProvider clock, ILogger<HotSpotGroups> logger)
    {
        _db = db;
        _options = options.HotSpots;
        _clock = clock;
        _writers = new GroupWriters<Pending>(_options.DetectionConcurrency, _options.DetectionGroup, ConsiderGroupAsync,
            fail: (one, e) => one.Done.TrySetException(e),
            split: (group, e) => logger.LogWarning(e, "A group of {Count} hot-spot checks failed ({Error}); considering them one by one", group.Count, e.Message));
    }

    /// <summary>Ends the writers once the requests queued so far are considered (the host's shutdown).</summary>
    public void Dispose() => _writers.Dispose();

    /// <summary>Queues the request and waits until its group commits: false when it had been considered already.</summary>
    public async Task<bool> ConsiderAsync(Guid requestId, CancellationToken ct)
    {
        var pending = new Pending(requestId);
        await _writers.EnqueueAsync(pending, ct);
        // A delivery cancelled while waiting leaves its message unacknowledged: if its group commits after all, the
        // redelivery finds the check and changes nothing.
        return await pending.Done.Task.WaitAsync(ct);
    }

    private async Task ConsiderGroupAsync(IReadOnlyList<Pending> group)
    {
        var ids = group.Select(p => p.RequestId).Distinct().Order().ToArray();
        // The claims and the requests as the detector needs them, in one round trip; claims in id order, so two groups
        // holding the same redelivered request cannot deadlock on its check. Counts: what the detector takes as a
        // candidate (not in triage, not a linked duplicate), the same rule for the request itself.
        const string claim = """
            WITH claimed AS (
                INSERT INTO hot_spot_checks (request_id, checked_at)
                SELECT id, now() FROM unnest(@ids) AS id ORDER BY id
                ON CONFLICT DO NOTHING
                RETURNING request_id)
            SELECT r.id, EXISTS (SELECT 1 FROM claimed c WHERE c.request_id = r.id) AS Fresh, r.category, r.description,
                   r.location_path AS LocationPath, r.building_code AS BuildingCode,
                   (SELECT g.code FROM grid_copy g WHERE g.code = ANY (r.location_path) AND g.level = 'grid' LIMIT 1) AS GridCode,
                   (SELECT g.code FROM grid_copy g WHERE g.code = ANY (r.location_path) AND g.level = 'community' LIMIT 1) AS CommunityCode,
                   r.submitted_at AS SubmittedAt,
                   r.category IS NOT NULL AND r.original_id IS NULL AND r.status NOT IN ('triage', 'linked') AS Counts
            FROM requests r WHERE r.id = ANY (@ids)
            """;
        await using (var conn = await _db.OpenConnectionAsync())
        await using (var tx = await conn.BeginTransactionAsync())
        {
            var filed = (await conn.QueryAsync<Filed>(new CommandDefinition(claim, new { ids }, tx))).ToDictionary(f => f.Id);
            // No community on the path: no place to propose a hot spot to. Too old: see HotSpotDetectionConsumer's remarks.
            var oldest = _clock.GetUtcNow() - _options.CheckRetention;
            var considered = filed.Values
                .Where(f => f.Fresh && f.Counts && f.CommunityCode is not null && SubmittedAt(f) >= oldest)
                .OrderBy(f => HotSpotDetector.LockKey(f.Category!, f.CommunityCode!), StringComparer.Ordinal)
                .ThenBy(f => f.SubmittedAt).ThenBy(f => f.Id);
            foreach (var f in considered)
                await HotSpotDetector.DetectAsync(tx, _options, new FiledRequest(f.Id, f.Category!, f.Description, f.LocationPath,
                    f.BuildingCode, f.GridCode, SubmittedAt(f), f.CommunityCode), CancellationToken.None);
            await tx.CommitAsync();

            // A request missing from the ledger is considered (there is nothing to look at); a request twice in the
            // group was considered by its first delivery.
            var seen = new HashSet<Guid>();
            foreach (var p in group)
                p.Done.TrySetResult(seen.Add(p.RequestId) && (!filed.TryGetValue(p.RequestId, out var f) || f.Fresh));
        }
    }

    private static DateTimeOffset SubmittedAt(Filed f) => new(DateTime.SpecifyKind(f.SubmittedAt, DateTimeKind.Utc));
}
