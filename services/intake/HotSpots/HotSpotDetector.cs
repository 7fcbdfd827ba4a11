using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Intake.Duplicates;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Npgsql;

namespace GovPlatform.Intake.HotSpots;

/// <summary>What the detector needs of the request just filed.</summary>
/// <param name="CommunityCode">The community on the path when the caller knows it (the reference cache does); null looks it up.</param>
public sealed record FiledRequest(Guid Id, string Category, string Description, IReadOnlyList<string> LocationPath,
    string? BuildingCode, string? GridCode, DateTimeOffset SubmittedAt, string? CommunityCode = null);

/// <summary>
/// Finds hot spots (未诉先办) just after requests are filed: <see cref="HotSpotDetectionConsumer"/> runs it for
/// each request's <see cref="RequestSubmitted"/> in a transaction of its own, so a filing never waits for it (a hot
/// spot is a pattern over weeks; found a second later it is found in time). The category's requests of the last
/// <see cref="HotSpotOptions.Window"/> in the request's community that are about the same topic
/// (<see cref="ReportGist.TopicSimilarity"/>: the same ideas and words, the same things) are gathered; the request
/// joins a hot spot one of them is already in, when it stands at that hot spot's place; otherwise, when the
/// building, else the grid, else the community holds <see cref="HotSpotOptions.MinRequests"/> of them not yet in
/// any hot spot, those become a new hot spot there and <see cref="HotSpotDetected"/> is published with them.
/// A request already in a hot spot (taken in by a later request's detection that ran first) is left as it is.
/// Duplicates linked to an open request are one problem reported twice, not a recurrence, and are not counted
/// (intake publishes no <see cref="RequestSubmitted"/> for them, and they are no candidates); requests in a
/// dismissed hot spot were judged already and do not count again.
/// </summary>
/// <remarks>
/// Requests may be considered out of filing order (a redelivery, two consumers), so what a new hot spot records
/// follows its members, not the request that completed it: first and last at are its oldest and newest member's
/// submission, it counts as detected when its newest member was filed, and its requests are listed oldest first.
/// </remarks>
public static class HotSpotDetector
{
    /// <summary>The most recent requests of the category in the community compared with a new one.</summary>
    public const int Candidates = 200;

    private sealed record Candidate
    {
        public Guid Id { get; init; }
        public required string[] LocationPath { get; init; }
        public string? BuildingCode { get; init; }
        public DateTime SubmittedAt { get; init; }
        public Guid? HotSpotId { get; init; }
        public string? HotSpotStatus { get; init; }
        public string[]? HotSpotPath { get; init; }
        public string? HotSpotLevel { get; init; }
    }

    /// <summary>The hot spot the request is in (joined, made, or was already taken into), or null.</summary>
    public static async Task<Guid?> DetectAsync(NpgsqlTransaction tx, HotSpotOptions options, FiledRequest request, CancellationToken ct)
    {
        if (!options.Enabled) return null;
        var conn = tx.Connection!;
        // The community on the request's path, and a lock per category and community, so two
        // requests filed together do not both miss each other or both make a hot spot. Always
        // taken after the duplicate lock (category and building), in one order for every filing.
        const string community = """
            SELECT code FROM grid_copy WHERE code = ANY (@path) AND level = 'community' LIMIT 1
            """;
        var communityCode = request.CommunityCode ?? await conn.ExecuteScalarAsync<string?>(new CommandDefinition(community,
            new { path = request.LocationPath.ToArray() }, tx, cancellationToken: ct));
        if (communityCode is null) return null;

        // The window's requests, and the older requests of accepted hot spots still gathering: one whose proactive
        // order is open or was resolved within the window keeps taking later requests of its topic, so the calls
        // that came after the fix count against it (docs/metrics.md, calls prevented).
        const string candidates = """
            SELECT 1 FROM pg_advisory_xact_lock(hashtextextended(@lockKey, 0));
            SELECT hot_spot_id FROM hot_spot_requests WHERE request_id = @id;
            (SELECT r.id, r.location_path AS LocationPath, r.building_code AS BuildingCode, r.submitted_at AS SubmittedAt,
                    h.id AS HotSpotId, h.status AS HotSpotStatus, h.place_path AS HotSpotPath, h.place_level AS HotSpotLevel
             FROM requests r
             LEFT JOIN hot_spot_requests hr ON hr.request_id = r.id
             LEFT JOIN hot_spots h ON h.id = hr.hot_spot_id
             WHERE r.category = @category AND r.location_path @> ARRAY[@communityCode]
               AND r.submitted_at >= @since AND r.submitted_at <= @until AND r.id <> @id
               AND r.original_id IS NULL AND r.status NOT IN ('triage', 'linked')
             ORDER BY r.submitted_at DESC
             LIMIT @limit)
            UNION ALL
            (SELECT r.id, r.location_path, r.building_code, r.submitted_at, h.id, h.status, h.place_path, h.place_level
             FROM hot_spots h
             JOIN hot_spot_requests hr ON hr.hot_spot_id = h.id
             JOIN requests r ON r.id = hr.request_id
             WHERE h.community_code = @communityCode AND h.category = @category AND h.status = 'accepted'
               AND (h.order_resolved_at IS NULL OR h.order_resolved_at >= @since)
               AND r.submitted_at < @since AND r.id <> @id
             ORDER BY r.submitted_at DESC
             LIMIT @limit)
            """;
        await using var results = await conn.QueryMultipleAsync(new CommandDefinition(candidates, new
        {
            lockKey = LockKey(request.Category, communityCode), request.Category, communityCode, request.Id,
            since = (request.SubmittedAt - options.Window).UtcDateTime, until = (request.SubmittedAt + options.Window).UtcDateTime,
            limit = Candidates,
        }, tx, cancellationToken: ct));
        await results.ReadAsync<int>();
        // Read after the lock, so a detection that took this request in and committed while this one waited is seen.
        if (await results.ReadSingleOrDefaultAsync<Guid?>() is { } alreadyIn) return alreadyIn;
        var rows = (await results.ReadAsync<Candidate>()).ToList();
        // Descriptions are read only for candidates whose gist this process has not seen (after a restart, or filed
        // through another instance): sending 200 descriptions on every filing cost more than comparing them.
        var gists = new Dictionary<Guid, ReportGist>(rows.Count);
        foreach (var row in rows)
            if (GistCache.TryGet(row.Id, out var known)) gists[row.Id] = known;
        if (gists.Count < rows.Count)
        {
            const string descriptions = "SELECT id, description FROM requests WHERE id = ANY (@unseen)";
            var unseen = rows.Select(r => r.Id).Where(id => !gists.ContainsKey(id)).ToArray();
            foreach (var (id, description) in await conn.QueryAsync<(Guid, string)>(new CommandDefinition(descriptions, new { unseen }, tx, cancellationToken: ct)))
                gists[id] = GistCache.Of(id, description);
        }
        var gist = GistCache.Of(request.Id, request.Description);
        var similar = rows.Where(r => gists.ContainsKey(r.Id)).Select(r => (Row: r, Gist: gists[r.Id], Similarity: gist.TopicSimilarity(gists[r.Id])))
            .Where(r => r.Similarity >= options.LowestTopicSimilarity).ToList();

        // Already a hot spot of this topic at a place the new request stands in: it joins that one.
        var joined = similar
            .Where(s => s.Row.HotSpotId is not null && s.Row.HotSpotStatus is "proposed" or "accepted"
                        && s.Row.HotSpotPath!.All(request.LocationPath.Contains)
                        && s.Similarity >= options.TopicSimilarityAt(s.Row.HotSpotLevel!))
            .OrderByDescending(s => s.Row.HotSpotPath!.Length)
            .Select(s => s.Row.HotSpotId)
            .FirstOrDefault();
        if (joined is { } hotSpotId)
        {
            const string join = """
                INSERT INTO hot_spot_requests (hot_spot_id, request_id, added_at) VALUES (@hotSpotId, @id, @at);
                UPDATE hot_spots SET request_count = request_count + 1, last_at = greatest(last_at, @at) WHERE id = @hotSpotId
                RETURNING request_count;
                """;
            var count = await conn.ExecuteScalarAsync<int>(new CommandDefinition(join,
                new { hotSpotId, request.Id, at = request.SubmittedAt.UtcDateTime }, tx, cancellationToken: ct));
            await Outbox.EnqueueAsync(tx, new HotSpotGrew(hotSpotId, request.Id, count, request.SubmittedAt), ct);
            return hotSpotId;
        }

        var free = similar.Where(s => s.Row.HotSpotId is null).ToList();
        var places = new List<(string Level, string Code, IReadOnlyList<string> Path, Func<Candidate, bool> Holds, int Min, double Topic)>();
        if (request.BuildingCode is { } building)
            places.Add(("building", building, PathTo(request.LocationPath, building), c => c.BuildingCode == building,
                options.MinRequests, options.TopicSimilarityAt("building")));
        if (request.GridCode is { } grid)
            places.Add(("grid", grid, PathTo(request.LocationPath, grid), c => c.LocationPath.Contains(grid),
                options.GridMinRequests ?? options.MinRequests, options.TopicSimilarityAt("grid")));
        places.Add(("community", communityCode, PathTo(request.LocationPath, communityCode), _ => true,
            options.CommunityMinRequests ?? options.MinRequests, options.TopicSimilarityAt("community")));
        foreach (var (level, code, path, holds, min, topicSimilarity) in places)
        {
            var members = InOneWindow(free.Where(s => holds(s.Row) && s.Similarity >= topicSimilarity).ToList(),
                s => SubmittedAt(s.Row), request.SubmittedAt, options.Window);
            if (members.Count + 1 < min) continue;
            // Oldest first, the request among them by its own submission (it may be older than some members).
            var filed = members.Select(m => (m.Row.Id, At: SubmittedAt(m.Row)))
                .Append((request.Id, At: request.SubmittedAt)).OrderBy(m => m.At).ToList();
            var ids = filed.Select(m => m.Id).ToList();
            var (firstAt, lastAt) = (filed[0].At, filed[^1].At);
            var topic = Topic([gist, .. members.Select(m => m.Gist)]);
            var id = NewId.NextGuid();
            const string insert = """
                INSERT INTO hot_spots (id, category, place_code, place_level, place_path, community_code, topic, request_count,
                                       first_at, last_at, detected_at)
                VALUES (@id, @category, @code, @level, @path, @communityCode, @topic, @count, @firstAt, @now, @now);
                INSERT INTO hot_spot_requests (hot_spot_id, request_id, added_at) SELECT @id, unnest(@ids), @now;
                """;
            await conn.ExecuteAsync(new CommandDefinition(insert, new
            {
                id, request.Category, code, level, path = path.ToArray(), communityCode, topic = topic.ToArray(), count = ids.Count,
                firstAt = firstAt.UtcDateTime, now = lastAt.UtcDateTime, ids = ids.ToArray(),
            }, tx, cancellationToken: ct));
            await Outbox.EnqueueAsync(tx, new HotSpotDetected(id, request.Category, code, level, path, communityCode, topic, ids,
                firstAt, lastAt, lastAt), ct);
            return id;
        }
        return null;
    }

    /// <summary>The name of the detector's lock for a category in a community (HotSpotGroups takes them in its order).</summary>
    internal static string LockKey(string category, string communityCode) => $"hotspots:{category}:{communityCode}";

    private static DateTimeOffset SubmittedAt(Candidate c) => new(DateTime.SpecifyKind(c.SubmittedAt, DateTimeKind.Utc));

    /// <summary>
    /// The most of <paramref name="members"/> that lie, with the request, within one <paramref name="window"/>; of
    /// windows holding as many, the earliest.
    /// </summary>
    /// <remarks>
    /// Considered in filing order, the request is the newest and every candidate lies within the window before it, so
    /// all of them are kept. Considered late (a backlog, a replay), the candidates reach a window either side of it, and
    /// a hot spot of requests 45, 20 and 9 days old would stand on no single window; each window that holds the
    /// request is tried, starting at the request or at a member up to one window before it.
    /// </remarks>
    public static List<T> InOneWindow<T>(IReadOnlyList<T> members, Func<T, DateTimeOffset> at, DateTimeOffset request, TimeSpan window)
    {
        var best = new List<T>();
        foreach (var start in members.Select(at).Append(request).Where(t => t <= request && t >= request - window).Distinct().Order())
        {
            var inside = members.Where(m => at(m) >= start && at(m) <= start + window).ToList();
            if (inside.Count > best.Count) best = inside;
        }
        return best;
    }

    private static IReadOnlyList<string> PathTo(IReadOnlyList<string> path, string code) =>
        path.Take(path.ToList().IndexOf(code) + 1).ToList();

    /// <summary>The ideas, then the words, that most of the requests name, most common first (at most six).</summary>
    private static IReadOnlyList<string> Topic(IReadOnlyList<ReportGist> gists)
    {
        var half = Math.Max(2, (gists.Count + 1) / 2);
        var ideas = gists.SelectMany(g => g.Ideas).GroupBy(x => x).Where(g => g.Count() >= half)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Key);
        var words = gists.SelectMany(g => g.Words).GroupBy(x => x).Where(g => g.Count() >= half)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Key);
        return ideas.Concat(words).Distinct().Take(6).ToList();
    }
}
