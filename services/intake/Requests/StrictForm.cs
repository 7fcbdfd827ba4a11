using System.Text;
using System.Web;
using Microsoft.Extensions.Primitives;

namespace GovPlatform.Intake.Requests;

/// <summary>
/// Reads an <c>application/x-www-form-urlencoded</c> body, refusing bytes that are not UTF-8.
/// ASP.NET's own form reader decodes with a replacing decoder, so a broken client's <c>%FF</c>
/// would be stored as U+FFFD, text the client never sent; here it is a 400 naming the field.
/// </summary>
public static class StrictForm
{
    /// <summary>As ASP.NET's FormOptions.ValueCountLimit: no real form comes near it.</summary>
    public const int MaxFields = 1024;

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The fields (repeated names keep every value, in order), or why the body is not a form.</summary>
    public static async Task<(Dictionary<string, StringValues>? Form, string? Problem)> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        // The endpoint's body size limit applies while copying (413 from Kestrel).
        await request.Body.CopyToAsync(buffer, ct);
        var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);

        var form = new Dictionary<string, StringValues>(StringComparer.Ordinal);
        var count = 0;
        var rest = bytes;
        while (!rest.IsEmpty)
        {
            var amp = rest.Span.IndexOf((byte)'&');
            var pair = amp < 0 ? rest : rest[..amp];
            rest = amp < 0 ? Memory<byte>.Empty : rest[(amp + 1)..];
            if (pair.IsEmpty) continue;
            if (++count > MaxFields) return (null, $"At most {MaxFields} form fields.");

            var eq = pair.Span.IndexOf((byte)'=');
            var (rawName, rawValue) = eq < 0 ? (pair, Memory<byte>.Empty) : (pair[..eq], pair[(eq + 1)..]);
            if (Decode(rawName) is not { } name) return (null, "A form field's name is not valid UTF-8 (after percent-decoding).");
            if (Decode(rawValue) is not { } value) return (null, $"{name}: not valid UTF-8 text (after percent-decoding); send the form encoded as UTF-8.");
            form[name] = form.TryGetValue(name, out var earlier) ? StringValues.Concat(earlier, value) : new StringValues(value);
        }
        return (form, null);
    }

    private static string? Decode(ReadOnlyMemory<byte> raw)
    {
        // '+' is a space and %XX a byte, as the form encoding defines; only then are the bytes text.
        var decoded = HttpUtility.UrlDecodeToBytes(raw.ToArray());
        try { return Strict.GetString(decoded); }
        catch (DecoderFallbackException) { return null; }
    }
}
