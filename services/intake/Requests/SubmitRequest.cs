using System.Text.Json;
using System.Text.RegularExpressions;

namespace GovPlatform.Intake.Requests;

public sealed record ReporterInput(string Phone, string? Name = null);

/// <param name="Code">A node of the grid tree; may be left out when latitude and longitude are given, and the grid containing the point is used.</param>
public sealed record LocationInput(string? Code = null, string? Address = null, double? Latitude = null, double? Longitude = null);

/// <summary>The body of <c>POST /api/v1/requests</c>; a null reporter means the resident stays anonymous.</summary>
/// <param name="Attachments">Photo, audio or document URLs; the files live in the city's file store, not here.</param>
/// <param name="ExternalId">The other city system's own id for this request (12345 hotline, city management).</param>
/// <param name="ExternalSystem">Which system <paramref name="ExternalId"/> belongs to; for API-key callers it is the key's name.</param>
/// <param name="Category">A minor category of the catalogue; left out, the keyword rules choose one or send the request to triage.</param>
/// <param name="Attributes">Answers to the category's extra questions, by question code: text, a number, or value keys (a list for a multi-value question).</param>
/// <param name="AttachmentIds">Photos and files uploaded first with <c>POST /api/v1/attachments</c> by the same caller, not yet attached to anything.</param>
public sealed record SubmitRequest(
    string Channel,
    string Description,
    LocationInput Location,
    string? Category = null,
    string Urgency = "normal",
    ReporterInput? Reporter = null,
    IReadOnlyList<string>? Attachments = null,
    string? ExternalId = null,
    string? ExternalSystem = null,
    IReadOnlyDictionary<string, JsonElement>? Attributes = null,
    IReadOnlyList<Guid>? AttachmentIds = null);

public static partial class RequestRules
{
    public static readonly string[] Channels = ["hotline", "wechat_group", "qr_doorplate", "walk_in", "meeting", "grid_patrol", "external_system"];
    /// <summary>网格巡查: what a grid worker finds on patrol, filed by the worker (the one channel open to them).</summary>
    public const string GridPatrol = "grid_patrol";
    public static readonly string[] Urgencies = ["normal", "urgent", "critical"];
    public const int MaxDescription = 4000;
    public const int MaxAttachments = 10;
    public const int MaxUrl = 2000;
    public const int MaxExternalId = 100;

    [GeneratedRegex(@"^1[3-9]\d{9}$")]
    private static partial Regex Mobile();

    // Area code 0xx or 0xxx, then a 7-8 digit number, optionally joined by '-'.
    [GeneratedRegex(@"^0\d{2,3}-?\d{7,8}$")]
    private static partial Regex Landline();

    public static bool IsPhone(string phone) => Mobile().IsMatch(phone) || Landline().IsMatch(phone);

    /// <summary>Tabs and line breaks are text; every other control character is a sign of a broken client.</summary>
    public static bool HasControlCharacters(string text) =>
        text.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t'));

    /// <summary>Checks everything that needs no database; field names are the JSON paths.</summary>
    public static Dictionary<string, string[]> Validate(SubmitRequest r)
    {
        var errors = new Dictionary<string, string[]>();
        if (!Channels.Contains(r.Channel)) errors["channel"] = [$"Unknown channel '{r.Channel}'; expected one of {string.Join(", ", Channels)}."];
        if (!Urgencies.Contains(r.Urgency)) errors["urgency"] = [$"Unknown urgency '{r.Urgency}'; expected one of {string.Join(", ", Urgencies)}."];
        if (string.IsNullOrWhiteSpace(r.Description)) errors["description"] = ["A description is required."];
        else if (r.Description.Length > MaxDescription) errors["description"] = [$"At most {MaxDescription} characters; this one has {r.Description.Length}."];
        else if (HasControlCharacters(r.Description)) errors["description"] = ["Control characters are not allowed (tabs and line breaks are)."];
        if (r.Location.Code is null && (r.Location.Latitude is null || r.Location.Longitude is null))
            errors["location.code"] = ["A location code from the grid tree is required, unless latitude and longitude place the request in a grid."];
        else if (r.Location.Code is not null && string.IsNullOrWhiteSpace(r.Location.Code)) errors["location.code"] = ["A location code must not be blank."];
        if (r.Location.Latitude is < -90 or > 90 || r.Location.Latitude is double.NaN) errors["location.latitude"] = ["Latitude must be between -90 and 90."];
        if (r.Location.Longitude is < -180 or > 180 || r.Location.Longitude is double.NaN) errors["location.longitude"] = ["Longitude must be between -180 and 180."];
        if (r.Location.Latitude.HasValue != r.Location.Longitude.HasValue) errors["location"] = ["Give both latitude and longitude, or neither."];
        if (r.Location.Address is { Length: > 500 } || (r.Location.Address is not null && HasControlCharacters(r.Location.Address)))
            errors["location.address"] = ["At most 500 characters, no control characters."];
        if (r.Reporter is { } p)
        {
            if (!IsPhone(p.Phone)) errors["reporter.phone"] = ["Expected a mainland mobile (11 digits from 13-19) or a landline with area code (e.g. 0851-12345678)."];
            if (p.Name is { Length: > 50 } || (p.Name is not null && HasControlCharacters(p.Name))) errors["reporter.name"] = ["At most 50 characters, no control characters."];
        }
        if (r.Attachments is { } attachments)
        {
            if (attachments.Count > MaxAttachments) errors["attachments"] = [$"At most {MaxAttachments} attachments; this request has {attachments.Count}."];
            else
                for (var i = 0; i < attachments.Count; i++)
                    if (!IsAttachmentUrl(attachments[i]))
                        errors[$"attachments[{i}]"] = [$"Expected an absolute http or https URL of at most {MaxUrl} characters."];
        }
        if (r.AttachmentIds is { } ids)
        {
            if (ids.Count + (r.Attachments?.Count ?? 0) > MaxAttachments)
                errors["attachmentIds"] = [$"At most {MaxAttachments} attachments in all (uploaded files and URLs); this request has {ids.Count + (r.Attachments?.Count ?? 0)}."];
            else if (ids.Contains(Guid.Empty)) errors["attachmentIds"] = ["An attachment id is the id an upload answered with, never the empty id."];
        }
        if (r.ExternalId is { } externalId && (externalId.Length is 0 or > MaxExternalId || HasControlCharacters(externalId)))
            errors["externalId"] = [$"1 to {MaxExternalId} characters, no control characters."];
        if (r.ExternalSystem is { } system && (system.Length is 0 or > MaxExternalId || HasControlCharacters(system)))
            errors["externalSystem"] = [$"1 to {MaxExternalId} characters, no control characters."];
        if (r.Attributes is { Count: > 0 } && r.Category is null)
            errors["attributes"] = ["Answers belong to a category's questions: give the category too."];
        else if (r.Attributes is { Count: > 20 }) errors["attributes"] = ["At most 20 answers."];
        // An id means nothing without the system that issued it; a system alone just says where the request came from.
        if (r.ExternalId is not null && r.ExternalSystem is null)
            errors["externalSystem"] = ["Name the system the external id belongs to."];
        return errors;
    }

    public static bool IsAttachmentUrl(string? url) =>
        url is { Length: > 0 and <= MaxUrl }
        && !HasControlCharacters(url)
        && Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);
}
