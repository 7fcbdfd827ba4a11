using GovPlatform.Intake.Duplicates;

namespace GovPlatform.Intake.HotSpots;

public sealed class HotSpotOptions
{
    /// <summary>How far back requests count towards a hot spot ("over weeks").</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromDays(30);
    /// <summary>Distinct requests (duplicates not counted) about one topic at one place that make a hot spot.</summary>
    public int MinRequests { get; set; } = 3;
    /// <summary>Minimum <see cref="ReportGist.TopicSimilarity"/> for two requests to be about one topic.</summary>
    public double TopicSimilarity { get; set; } = 0.3;
    // The per-level settings below were chosen on the tuning history (eval/intake/hotspot-history-tuning.tsv,
    // `dotnet run --project tools/GovPlatform.Intake.Evaluation -- hotspots-tune`; docs/intake.md, Hot spots).

    /// <summary>
    /// Requests a hot spot of a whole grid needs (null: <see cref="MinRequests"/>). A grid holds many buildings, so
    /// the same topic turns up there by chance more often than in one building.
    /// </summary>
    public int? GridMinRequests { get; set; } = 4;
    /// <summary>Requests a hot spot of a whole community needs (null: <see cref="MinRequests"/>); see <see cref="GridMinRequests"/>.</summary>
    public int? CommunityMinRequests { get; set; } = 5;
    /// <summary>
    /// Minimum topic similarity for a hot spot of a whole community (null: <see cref="TopicSimilarity"/>): across a
    /// community, "the drains are blocked" said three times is usually three drains; one source heard from many
    /// buildings (a night market's barbecue) is named alike.
    /// </summary>
    public double? CommunityTopicSimilarity { get; set; } = 0.5;
    /// <summary>
    /// Minimum topic similarity within one building (null: <see cref="TopicSimilarity"/>): neighbours of one building
    /// name one recurring problem in fewer shared words than strangers across a community do.
    /// </summary>
    public double? BuildingTopicSimilarity { get; set; } = 0.2;
    /// <summary>Off turns detection off (the API still reads what was found).</summary>
    public bool Enabled { get; set; } = true;
    /// <summary>
    /// Groups of requests considered at once in this process (HotSpotGroups' writers, each with a connection of its
    /// own). Detections of one category and community take turns on the detector's lock anyway: two writers keep up
    /// with filing without taking connections and CPU from it. The rest waits in the queue.
    /// </summary>
    public int DetectionConcurrency { get; set; } = 2;
    /// <summary>
    /// The most requests one writer considers in one transaction (HotSpotGroups): one claim, one commit and one WAL
    /// flush for the group, one round trip per request for its candidates. 1 considers each in a transaction of its own.
    /// </summary>
    public int DetectionGroup { get; set; } = 32;
    /// <summary>Deliveries of the detector's queue taken at once (they wait for their group without a connection).</summary>
    public int DetectionPrefetch { get; set; } = 64;

    /// <summary>
    /// How long past <see cref="Window"/> a request's row in <c>hot_spot_checks</c> is kept (HotSpotCheckRetention).
    /// A copy of a request's event that comes later is not looked at anyway (HotSpotDetectionConsumer), so this must
    /// outlast only the ways a copy can arrive while the request is still inside the window: the broker's
    /// redeliveries (minutes) and a message moved back from an <c>_error</c> queue (7 days, as the inboxes keep).
    /// </summary>
    public TimeSpan CheckRetentionMargin { get; set; } = TimeSpan.FromDays(7);
    /// <summary>Time between sweeps of old <c>hot_spot_checks</c> rows; the first comes at start.</summary>
    public TimeSpan CheckRetentionInterval { get; set; } = TimeSpan.FromHours(1);
    /// <summary>Rows deleted per statement: each batch is its own short transaction.</summary>
    public int CheckRetentionBatch { get; set; } = 1000;

    /// <summary>Requests filed before this long ago are not looked at, and their checks are deleted.</summary>
    public TimeSpan CheckRetention => Window + CheckRetentionMargin;

    /// <summary>The topic similarity a hot spot of the level needs (building, grid, community).</summary>
    public double TopicSimilarityAt(string level) => level switch
    {
        "building" => BuildingTopicSimilarity ?? TopicSimilarity,
        "community" => CommunityTopicSimilarity ?? TopicSimilarity,
        _ => TopicSimilarity,
    };

    internal double LowestTopicSimilarity => Math.Min(TopicSimilarity, Math.Min(BuildingTopicSimilarity ?? 1, CommunityTopicSimilarity ?? 1));
}
