using System.Text.Json;

namespace GovPlatform.Contracts;

/// <summary>A resident's request was registered in the request ledger (诉求台账).</summary>
/// <param name="LocationPath">Grid-tree codes from the district down to <paramref name="LocationCode"/>.</param>
/// <param name="Case">What whoever is sent must know to fix it; null in messages published before it was carried.</param>
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
    DateTimeOffset SubmittedAt,
    RequestCase? Case = null);

/// <summary>
/// The case as the handler needs it on site, carried in the submission so dispatch can show it without calling
/// intake (docs/dispatch.md, Case details). The reporter is masked here: the whole number stays in intake, behind
/// a logged read.
/// </summary>
/// <param name="Attributes">Answers to the category's extra questions, by question code.</param>
/// <param name="Links">Photo or document URLs given by other city systems (files in their own stores).</param>
/// <param name="Attachments">Files uploaded to intake with the request; read them from intake, which checks who asks.</param>
/// <param name="ReporterName">Masked (<c>张**</c>); null when the resident stayed anonymous.</param>
/// <param name="ReporterPhone">Masked (<c>138****1234</c>); null when the resident stayed anonymous.</param>
public record RequestCase(
    string Description,
    string? Address,
    IReadOnlyDictionary<string, JsonElement> Attributes,
    IReadOnlyList<string> Links,
    IReadOnlyList<CaseAttachment> Attachments,
    string? ReporterName,
    string? ReporterPhone);

/// <summary>An uploaded file of a case; <paramref name="Url"/> and <paramref name="ThumbnailUrl"/> are paths on <paramref name="Service"/>.</summary>
public record CaseAttachment(Guid Id, string Service, string Kind, string ContentType, string FileName, string Url, string? ThumbnailUrl);

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

/// <summary>
/// A service that keeps a copy of the catalogue asks intake for all of it (published at each of its starts, once its
/// own queues exist): intake answers with a <see cref="CategoryChanged"/> for every category, dated by the category's
/// last change. RabbitMQ drops an event no queue is bound to, so a service whose queue did not yet exist when intake
/// announced its catalogue at start learns it this way.
/// </summary>
public record CatalogueRequested(string Service, DateTimeOffset At);
