using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace GovPlatform.ServiceDefaults.Http;

/// <summary>
/// What text the platform accepts anywhere: no NUL, no other C0 or C1 control character (tab, CR and LF excepted;
/// each field's own rule may still refuse line breaks), no lone surrogate, no Unicode noncharacter. Such characters
/// are never what a person typed; PostgreSQL refuses NUL mid-statement, XML cannot carry most of them, and a
/// spreadsheet or terminal shows them as something else.
/// </summary>
public static partial class TextRules
{
    /// <summary>No single text field of the platform is longer; a longer one is an attack or a mistake.</summary>
    public const int MaxFieldLength = 20_000;

    /// <summary>Dates a client may send: the platform's records start after 1900 and no deadline runs past 2199.</summary>
    public static readonly DateOnly MinDate = new(1900, 1, 1);
    public static readonly DateOnly MaxDate = new(2199, 12, 31);

    /// <summary>Why the text is refused, or null when it is acceptable.</summary>
    public static string? Problem(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0') return "holds a NUL character (U+0000).";
            if (c < ' ' && c is not ('\t' or '\n' or '\r') || c is >= '\u007F' and <= '\u009F')
                return $"Control characters are not allowed: this holds the control character U+{(int)c:X4} (tab and line breaks are allowed).";
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1])) return "holds a lone surrogate: not valid Unicode text.";
                // U+1FFFE, U+1FFFF, ... U+10FFFF: the last two code points of every plane are noncharacters.
                if ((char.ConvertToUtf32(c, text[i + 1]) & 0xFFFE) == 0xFFFE) return "holds a Unicode noncharacter.";
                i++;
                continue;
            }
            if (char.IsLowSurrogate(c)) return "holds a lone surrogate: not valid Unicode text.";
            if (c is >= '\uFDD0' and <= '\uFDEF' or '\uFFFE' or '\uFFFF') return $"holds the Unicode noncharacter U+{(int)c:X4}.";
        }
        return null;
    }

    /// <summary>As <see cref="Problem"/>, plus the length cap and the date range for a value that is a date.</summary>
    public static string? FieldProblem(string text)
    {
        if (text.Length > MaxFieldLength) return $"At most {MaxFieldLength} characters.";
        if (Problem(text) is { } problem) return problem;
        if (IsoDate().Match(text) is { Success: true } m)
        {
            var year = int.Parse(m.Groups[1].ValueSpan, CultureInfo.InvariantCulture);
            if (year < MinDate.Year || year > MaxDate.Year) return $"A date must lie between {MinDate:yyyy-MM-dd} and {MaxDate:yyyy-MM-dd}.";
        }
        return null;
    }

    /// <summary>A value that is an ISO 8601 date or date-time and nothing else (free text that mentions a date is not one).</summary>
    [GeneratedRegex(@"^([0-9]{4})-[0-9]{2}-[0-9]{2}(?:[T ][0-9:.,]+(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoDate();

    /// <summary>XML 1.0 cannot carry some characters even escaped; stored text (from before the guard) is shown with U+FFFD instead.</summary>
    public static string ForXml(string text)
    {
        var firstBad = -1;
        for (var i = 0; i < text.Length; i++)
        {
            if (!IsXmlChar(text, i, out var width)) { firstBad = i; break; }
            i += width - 1;
        }
        if (firstBad < 0) return text;
        var sb = new StringBuilder(text.Length).Append(text, 0, firstBad);
        for (var i = firstBad; i < text.Length; i++)
        {
            if (IsXmlChar(text, i, out var width)) { sb.Append(text, i, width); i += width - 1; }
            else sb.Append('\uFFFD');
        }
        return sb.ToString();
    }

    private static bool IsXmlChar(string text, int i, out int width)
    {
        width = 1;
        var c = text[i];
        if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { width = 2; return true; }
        return c is '\t' or '\n' or '\r' || c >= ' ' && c <= '\uD7FF' || c >= '\uE000' && c <= '\uFFFD';
    }
}

/// <summary>
/// One guard in front of every endpoint, after routing (so the endpoint's body size limit is already in force):
/// the decoded path, every query name and value, and every string of a JSON body (values and property names,
/// at any depth, including free-form JSON) or of a text body (CSV) must pass <see cref="TextRules"/>; a JSON array
/// may not hold <c>null</c>. A refusal is a 400 ProblemDetails whose <c>errors</c> names the field
/// (<c>reporter.name</c>, <c>items[2]</c>, a query parameter's name, <c>rows[7]</c> for a CSV line); the endpoint never runs,
/// so nothing is stored. Request lines and headers over the platform's limits get a 414 or 431 ProblemDetails.
/// </summary>
public sealed class InputGuardMiddleware(RequestDelegate next, IProblemDetailsService problems, ILogger<InputGuardMiddleware> logger)
{
    /// <summary>A request line (path and query) longer than this is refused with 414; Kestrel's own limit is set higher so this answer is reached.</summary>
    public const int MaxRequestTarget = 8 * 1024;
    /// <summary>Headers larger than this in total are refused with 431; Kestrel's own limit is set higher.</summary>
    public const int MaxHeaderBytes = 32 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public async Task InvokeAsync(HttpContext http)
    {
        var request = http.Request;
        var targetLength = request.Path.Value?.Length + request.QueryString.Value?.Length ?? 0;
        if (request.PathBase.Value?.Length + targetLength > MaxRequestTarget)
        {
            await RefuseAsync(http, StatusCodes.Status414UriTooLong, "The request line is too long.", "path",
                $"The path and query may hold at most {MaxRequestTarget} characters.");
            return;
        }
        if (request.Headers.Sum(h => h.Key.Length + h.Value.Sum(v => v?.Length ?? 0) + 4) > MaxHeaderBytes)
        {
            await RefuseAsync(http, StatusCodes.Status431RequestHeaderFieldsTooLarge, "The request headers are too large.", "headers",
                $"The headers may hold at most {MaxHeaderBytes} bytes.");
            return;
        }
        var found = CheckPath(http) ?? CheckQuery(request) ?? await CheckBodyAsync(request, http.RequestAborted);
        if (found is { } refused)
        {
            logger.LogInformation("Refused input to {Path}: {Field} {Problem}", request.Path, refused.Field, refused.Problem);
            await RefuseAsync(http, StatusCodes.Status400BadRequest, "The request holds text the platform does not accept; nothing was stored.",
                refused.Field, refused.Problem);
            return;
        }
        await next(http);
    }

    private static (string Field, string Problem)? CheckPath(HttpContext http)
    {
        if (http.Request.Path.Value is not { } path || TextRules.Problem(path) is not { } problem) return null;
        // Name the route parameter when routing matched one; the path as a whole otherwise.
        foreach (var (name, value) in http.Request.RouteValues)
            if (value is string s && TextRules.Problem(s) is not null) return (name, problem);
        return ("path", problem);
    }

    private static (string Field, string Problem)? CheckQuery(HttpRequest request)
    {
        if (!request.QueryString.HasValue) return null;
        // ASP.NET decodes a query with a replacing decoder: %FF or an encoded surrogate would arrive as U+FFFD, text the client never sent.
        foreach (var pair in request.QueryString.Value!.TrimStart('?').Split('&'))
        {
            var eq = pair.IndexOf('=');
            var (rawName, rawValue) = eq < 0 ? (pair, "") : (pair[..eq], pair[(eq + 1)..]);
            if (!IsUtf8AfterDecoding(rawName)) return ("query", "A parameter name is not valid UTF-8 text (after percent-decoding).");
            if (!IsUtf8AfterDecoding(rawValue)) return (Uri.UnescapeDataString(rawName.Replace('+', ' ')), "is not valid UTF-8 text (after percent-decoding).");
        }
        foreach (var (name, values) in request.Query)
        {
            if (TextRules.Problem(name) is { } badName) return ("query", $"A parameter name {badName}");
            foreach (var value in values)
                if (value is not null && TextRules.FieldProblem(value) is { } problem) return (name, problem);
        }
        return null;
    }

    private static bool IsUtf8AfterDecoding(string raw)
    {
        if (!raw.Contains('%')) return true;
        var bytes = new List<byte>(raw.Length);
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] == '%' && i + 2 < raw.Length && byte.TryParse(raw.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var b))
            {
                bytes.Add(b);
                i += 2;
            }
            else bytes.AddRange(Encoding.UTF8.GetBytes(raw[i].ToString()));
        }
        try { StrictUtf8.GetString(bytes.ToArray()); return true; }
        catch (DecoderFallbackException) { return false; }
    }

    private static async Task<(string Field, string Problem)?> CheckBodyAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength == 0 || request.ContentType is not { } type) return null;
        var json = request.HasJsonContentType();
        var text = !json && type.StartsWith("text/", StringComparison.OrdinalIgnoreCase);
        if (!json && !text) return null;

        request.EnableBuffering();
        // The endpoint's size limit applies while reading; too big is Kestrel's 413, answered as a ProblemDetails by the exception handler.
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, ct);
        request.Body.Position = 0;
        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        return json ? CheckJson(bytes) : CheckText(bytes);
    }

    /// <summary>CSV and other text bodies: strict UTF-8 (a broken file is not stored as U+FFFD), then the text rules, naming the line.</summary>
    private static (string Field, string Problem)? CheckText(ReadOnlySpan<byte> bytes)
    {
        string decoded;
        try { decoded = StrictUtf8.GetString(bytes); }
        catch (DecoderFallbackException e)
        {
            var line = bytes[..Math.Min(e.Index < 0 ? 0 : e.Index, bytes.Length)].Count((byte)'\n') + 1;
            return ($"rows[{line}]", "is not valid UTF-8 text; save the file as UTF-8.");
        }
        if (decoded.Length > 0 && decoded[0] == '\uFEFF') decoded = decoded[1..];
        var lineNo = 1;
        foreach (var range in decoded.AsSpan().Split('\n'))
        {
            var line = decoded.AsSpan()[range];
            if (TextRules.Problem(line) is { } problem) return ($"rows[{lineNo}]", problem);
            if (line.Length > TextRules.MaxFieldLength) return ($"rows[{lineNo}]", $"A line may hold at most {TextRules.MaxFieldLength} characters.");
            lineNo++;
        }
        return null;
    }

    private sealed class Frame(bool array)
    {
        public bool Array { get; } = array;
        public int Index { get; set; } = -1;
        public string? Name { get; set; }
    }

    /// <summary>
    /// Walks every token once. Malformed JSON is left to the endpoint's binder, which explains it with its path;
    /// a string that cannot be decoded (invalid UTF-8, an escaped lone surrogate) is refused here.
    /// </summary>
    private static (string Field, string Problem)? CheckJson(ReadOnlySpan<byte> bytes)
    {
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = 64 });
        var frames = new List<Frame>();
        try
        {
            while (reader.Read())
            {
                var token = reader.TokenType;
                if (token is not (JsonTokenType.EndObject or JsonTokenType.EndArray or JsonTokenType.PropertyName or JsonTokenType.Comment)
                    && frames.Count > 0 && frames[^1].Array)
                    frames[^1].Index++;
                switch (token)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        frames.Add(new Frame(token == JsonTokenType.StartArray));
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        frames.RemoveAt(frames.Count - 1);
                        break;
                    case JsonTokenType.PropertyName:
                        if (Decode(ref reader) is not { } name) return (PathOf(frames), "A property name is not valid Unicode text.");
                        if (TextRules.Problem(name) is { } badName) return (PathOf(frames), $"A property name {badName}");
                        frames[^1].Name = name;
                        break;
                    case JsonTokenType.String:
                        if (Decode(ref reader) is not { } value) return (PathOf(frames), "is not valid Unicode text (invalid UTF-8 or a lone surrogate).");
                        if (TextRules.FieldProblem(value) is { } problem) return (PathOf(frames), problem);
                        break;
                    case JsonTokenType.Null when frames.Count > 0 && frames[^1].Array:
                        return (PathOf(frames), "null is not allowed as an element of a list.");
                }
            }
        }
        catch (JsonException)
        {
            return null;
        }
        return null;
    }

    private static string? Decode(ref Utf8JsonReader reader)
    {
        try { return reader.GetString(); }
        catch (InvalidOperationException) { return null; }
    }

    /// <summary><c>reporter.name</c>, <c>items[2].code</c>: the names ValidationProblem uses; <c>body</c> for the document itself.</summary>
    private static string PathOf(List<Frame> frames)
    {
        var sb = new StringBuilder();
        foreach (var f in frames)
        {
            if (f.Array) { if (f.Index >= 0) sb.Append('[').Append(f.Index.ToString(CultureInfo.InvariantCulture)).Append(']'); }
            else if (f.Name is not null) { if (sb.Length > 0) sb.Append('.'); sb.Append(f.Name); }
        }
        return sb.Length == 0 ? "body" : sb.ToString();
    }

    private async Task RefuseAsync(HttpContext http, int status, string title, string field, string problem)
    {
        http.Response.StatusCode = status;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [problem] })
            {
                Status = status,
                Title = title,
                Detail = $"{field}: {problem}",
            },
        });
    }
}

public static class InputGuardExtensions
{
    /// <summary>Puts <see cref="InputGuardMiddleware"/> in front of every endpoint; call after routing.</summary>
    public static IApplicationBuilder UseInputGuard(this IApplicationBuilder app) => app.UseMiddleware<InputGuardMiddleware>();
}
