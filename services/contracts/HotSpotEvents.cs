namespace GovPlatform.Contracts;

/// <summary>
/// 未诉先办: intake found several distinct requests of one category about one topic at one place
/// within its window, and proposes the place to its community as proactive work.
/// </summary>
/// <param name="PlaceLevel">building, grid or community: the smallest place that holds enough of the requests.</param>
/// <param name="PlacePath">Grid-tree codes from the district down to <paramref name="PlaceCode"/>.</param>
/// <param name="Topic">The ideas and words the requests share, most common first.</param>
/// <param name="RequestIds">The requests that justify it, oldest first.</param>
public record HotSpotDetected(
    Guid HotSpotId,
    string Category,
    string PlaceCode,
    string PlaceLevel,
    IReadOnlyList<string> PlacePath,
    string CommunityCode,
    IReadOnlyList<string> Topic,
    IReadOnlyList<Guid> RequestIds,
    DateTimeOffset FirstAt,
    DateTimeOffset LastAt,
    DateTimeOffset DetectedAt);

/// <summary>A later request joined a hot spot already proposed or accepted.</summary>
public record HotSpotGrew(Guid HotSpotId, Guid RequestId, int RequestCount, DateTimeOffset At);

/// <summary>A cadre accepted a proposed hot spot as proactive work, or dismissed it.</summary>
/// <param name="Decision">accepted or dismissed.</param>
/// <remarks>
/// The members after <paramref name="At"/> restate the hot spot as it stood when decided, so dispatch can open the
/// proactive work order from this one message (the place, the topic, the requests that justify it); they come last
/// with defaults, so a message published before they existed still reads (and opens no order).
/// </remarks>
/// <param name="RequestIds">The hot spot's requests at the decision, oldest first.</param>
public record HotSpotDecided(Guid HotSpotId, string Decision, string By, string? Note, DateTimeOffset At,
    string? Category = null, string? PlaceCode = null, string? PlaceLevel = null, IReadOnlyList<string>? PlacePath = null,
    string? CommunityCode = null, IReadOnlyList<string>? Topic = null, IReadOnlyList<Guid>? RequestIds = null);
