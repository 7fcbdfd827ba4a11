using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using GovPlatform.ServiceDefaults.Http;

namespace GovPlatform.Intake.Open311;

/// <summary>
/// How Open311 answers: JSON or XML by the path's extension, with exactly the media types of the spec's examples, and
/// errors as the spec's list of <c>{code, description}</c>. The route table, the API-key limit and the ProblemDetails
/// writer all answer through here, so a client sees one format whoever refused it.
/// </summary>
public static class Open311Format
{
    public const string JsonType = "application/json";
    public const string XmlType = "text/xml";

    internal static bool IsFormat(string format) => format is "json" or "xml";

    /// <summary>The API-key limit's 429 in the spec's error format, with Retry-After to the key's next window.</summary>
    internal static IResult TooMany(string format, HttpContext http, (int Limit, int RetryAfterSeconds) over)
    {
        http.Response.Headers.RetryAfter = over.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return Errors(format, http, 429, $"This key may make {over.Limit} requests a minute; try again in {over.RetryAfterSeconds} s.");
    }

    /// <summary>The response format an Open311 path asks for (its extension), for answers given before routing.</summary>
    internal static string FormatOf(HttpContext http) =>
        http.Request.Path.Value?.EndsWith(".xml", StringComparison.OrdinalIgnoreCase) == true ? "xml" : "json";

    internal static IResult Errors(string format, HttpContext http, int status, params string[] descriptions) =>
        Respond(IsFormat(format) ? format : "json", http, status,
            descriptions.Select(d => new { code = status, description = d }).ToList(), "errors", "error");

    /// <summary>
    /// JSON as the spec's examples; XML with the spec's element names: a root (services, service_requests,
    /// errors, ...) holding one element per item (service, request, error), properties as child elements.
    /// </summary>
    internal static IResult Respond(string format, HttpContext http, int status, object value, string root, string? item = null)
    {
        if (!IsFormat(format)) return Errors("json", http, 404, $"Unknown format '{format}': use .json or .xml");
        if (format == "json")
            return Results.Text(JsonSerializer.Serialize(value, Open311Json), JsonType, statusCode: status);
        var element = JsonSerializer.SerializeToElement(value, Open311Json);
        var xml = new XElement(root, element.ValueKind == JsonValueKind.Array
            ? element.EnumerateArray().Select(e => ToXml(item!, e))
            : element.EnumerateObject().Select(p => ToXml(p.Name, p.Value)));
        // No charset parameter, as in the spec's examples: JSON is UTF-8 by definition (RFC 8259) and the XML declaration says utf-8.
        return Results.Text(new XDocument(new XDeclaration("1.0", "utf-8", null), xml).Declaration + "\n" + xml, XmlType, statusCode: status);
    }

    private static XElement ToXml(string name, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => new XElement(name, value.EnumerateObject().Select(p => ToXml(p.Name, p.Value))),
        // Lists inside an item are wrapped: attributes → attribute, values → value, endpoints → endpoint, formats → format.
        JsonValueKind.Array => new XElement(name, value.EnumerateArray().Select(e => ToXml(name.TrimEnd('s'), e))),
        JsonValueKind.Null => new XElement(name),
        JsonValueKind.True => new XElement(name, "true"),
        JsonValueKind.False => new XElement(name, "false"),
        // Text stored before the input guard may hold characters XML 1.0 cannot carry; they must not fail the whole list.
        _ => new XElement(name, value.ValueKind == JsonValueKind.String ? TextRules.ForXml(value.GetString()!) : value.GetRawText()),
    };

    private static readonly JsonSerializerOptions Open311Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = null,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All),
    };
}
