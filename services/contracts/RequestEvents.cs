namespace GovPlatform.Contracts;

/// <summary>A resident's request was registered in the request ledger (诉求台账).</summary>
/// <param name="LocationPath">Grid-tree codes from the district down to <paramref name="LocationCode"/>.</param>
public record RequestSubmitted(
    Guid RequestId,
    string TicketNo,
    string Channel,
    string Category,
    string Urgency,
    string LocationCode,
    IReadOnlyList<string> LocationPath,
    double? Latitude,
    double? Longitude,
    DateTimeOffset SubmittedAt);
