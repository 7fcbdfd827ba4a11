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

/// <summary>A new request was recognised as a duplicate of an open one and follows it instead of creating work.</summary>
/// <param name="Channel">Where the duplicate came in (it may differ from the original's), so figures by channel count it;
/// null in messages published before it was carried.</param>
/// <param name="TicketNo">The duplicate's own ticket; null in older messages.</param>
public record RequestLinkedAsDuplicate(Guid RequestId, Guid OriginalRequestId, string Category, IReadOnlyList<string> LocationPath, DateTimeOffset At,
    string? Channel = null, string? TicketNo = null);

/// <summary>An operator undid a duplicate link; the request now stands on its own (and is submitted for dispatch).</summary>
public record RequestUnlinked(Guid RequestId, Guid FormerOriginalRequestId, string By, DateTimeOffset At);

/// <summary>A desk operator changed a request's category (e.g. from the triage queue).</summary>
public record RequestReclassified(Guid RequestId, string? FromCategory, string ToCategory, string By, DateTimeOffset At);

public static class Satisfaction
{
    public const string Satisfied = "satisfied";
    public const string BasicallySatisfied = "basically_satisfied";
    public const string Dissatisfied = "dissatisfied";
}

/// <summary>The phone callback (电话回访) after resolution. Satisfaction is null when the resident was not reached.</summary>
public record CallbackRecorded(Guid RequestId, bool Reached, string? Satisfaction, string By, DateTimeOffset At);

/// <summary>A dissatisfied resident reopened the request; dispatch reopens its work order.</summary>
public record RequestReopened(Guid RequestId, int ReopenCount, string Reason, DateTimeOffset At);

/// <summary>The request is done: resolved and called back (or closed by an operator).</summary>
public record RequestClosed(Guid RequestId, string? Satisfaction, DateTimeOffset At);

/// <summary>A category of the service catalogue was added or changed.</summary>
public record CategoryChanged(string Code, string? ParentCode, string NameZh, string NameEn, string DefaultTier, bool Active, DateTimeOffset At);
