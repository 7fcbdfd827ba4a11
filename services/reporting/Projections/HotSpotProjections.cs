using GovPlatform.Contracts;
using Npgsql;

namespace GovPlatform.Reporting.Projections;

// 未诉先办 (docs/reporting.md, Hot spot figures). Each event fills its own columns of the hot spot's row, so a growth or
// a decision that overtakes the detection still lands, and a repeated event changes nothing.

public sealed class HotSpotDetectedProjection(Projector p) : Projection<HotSpotDetected>(p)
{
    protected override DateTimeOffset OccurredAt(HotSpotDetected m) => m.DetectedAt;

    // GREATEST: a growth may have been applied first and already counted more requests than the detection names.
    private const string Sql = """
        INSERT INTO hot_spots AS h (id, category, place_code, place_level, place_path, detected_at, request_count)
        VALUES (@HotSpotId, @Category, @PlaceCode, @PlaceLevel, @path, @at, @count)
        ON CONFLICT (id) DO UPDATE SET category = excluded.category, place_code = excluded.place_code,
            place_level = excluded.place_level, place_path = excluded.place_path, detected_at = excluded.detected_at,
            request_count = GREATEST(h.request_count, excluded.request_count);
        INSERT INTO hot_spot_requests (hot_spot_id, request_id) SELECT @HotSpotId, unnest(@ids) ON CONFLICT DO NOTHING
        """;

    // The detection's own columns (only it sets them, to the same values each time), the largest count, and its
    // requests keyed by hot spot and request (DO NOTHING).
    protected override bool IdempotentByItself => true;

    protected override Task ApplyAsync(HotSpotDetected m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new
        {
            m.HotSpotId, m.Category, m.PlaceCode, m.PlaceLevel, path = m.PlacePath.ToArray(), at = Utc(m.DetectedAt), count = m.RequestIds.Count,
            ids = m.RequestIds.ToArray(),
        }, ct);
}

public sealed class HotSpotGrewProjection(Projector p) : Projection<HotSpotGrew>(p)
{
    protected override DateTimeOffset OccurredAt(HotSpotGrew m) => m.At;

    // The event carries the count after the growth, so late or repeated growths keep the largest.
    private const string Sql = """
        INSERT INTO hot_spots AS h (id, request_count) VALUES (@HotSpotId, @RequestCount)
        ON CONFLICT (id) DO UPDATE SET request_count = GREATEST(h.request_count, excluded.request_count);
        INSERT INTO hot_spot_requests (hot_spot_id, request_id, at) VALUES (@HotSpotId, @RequestId, @at)
        ON CONFLICT (hot_spot_id, request_id) DO UPDATE SET at = excluded.at
        """;

    // The largest count, and the request's row keyed by hot spot and request with this growth's time (one growth
    // per request and hot spot, so the same time each time).
    protected override bool IdempotentByItself => true;

    protected override Task ApplyAsync(HotSpotGrew m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.HotSpotId, m.RequestCount, m.RequestId, at = Utc(m.At) }, ct);
}

public sealed class HotSpotDecidedProjection(Projector p) : Projection<HotSpotDecided>(p)
{
    protected override DateTimeOffset OccurredAt(HotSpotDecided m) => m.At;

    private const string Sql = """
        INSERT INTO hot_spots AS h (id, decision, decided_at) VALUES (@HotSpotId, @Decision, @at)
        ON CONFLICT (id) DO UPDATE SET decision = excluded.decision, decided_at = excluded.decided_at
        """;

    protected override Task ApplyAsync(HotSpotDecided m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.HotSpotId, m.Decision, at = Utc(m.At) }, ct);
}
