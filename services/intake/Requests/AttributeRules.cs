using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GovPlatform.Intake.Reference;

namespace GovPlatform.Intake.Requests;

/// <summary>
/// Answers to a category's extra questions (Open311 service attributes), checked against the
/// questions' definitions: unknown questions are refused, required ones must be answered, numbers
/// and date-times must parse, list answers must be among the question's value keys.
/// </summary>
public static class AttributeRules
{
    public const int MaxString = 200;
    public const int MaxText = 2000;

    /// <summary>The errors (keyed <c>attributes.{code}</c>) and the answers as stored: a string, a number, or a list of keys.</summary>
    public static (Dictionary<string, string[]> Errors, JsonObject Stored) Check(string category,
        IReadOnlyList<CategoryAttribute> questions, IReadOnlyDictionary<string, JsonElement>? answers)
    {
        var errors = new Dictionary<string, string[]>();
        var stored = new JsonObject();
        answers ??= new Dictionary<string, JsonElement>();
        var byCode = questions.ToDictionary(q => q.Code, StringComparer.Ordinal);
        foreach (var code in answers.Keys.Where(k => !byCode.ContainsKey(k)))
            errors[$"attributes.{code}"] = [questions.Count == 0
                ? $"Category '{category}' asks no questions; leave '{code}' out."
                : $"Category '{category}' has no question '{code}'; it asks: {string.Join(", ", questions.Select(q => q.Code))}."];

        foreach (var q in questions)
        {
            var key = $"attributes.{q.Code}";
            if (!answers.TryGetValue(q.Code, out var answer) || IsEmpty(answer))
            {
                if (q.Required) errors[key] = [$"Required: {q.Description}"];
                continue;
            }
            var (value, problem) = q.Datatype switch
            {
                "number" => Number(answer),
                "datetime" => DateTime(answer),
                "singlevaluelist" => Single(answer, q),
                "multivaluelist" => Multi(answer, q),
                "text" => Text(answer, MaxText),
                _ => Text(answer, MaxString),
            };
            if (problem is not null) errors[key] = [problem];
            else stored[q.Code] = value;
        }
        return (errors, stored);
    }

    private static bool IsEmpty(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => true,
        JsonValueKind.String => e.GetString()!.Length == 0,
        JsonValueKind.Array => e.GetArrayLength() == 0,
        _ => false,
    };

    private static (JsonNode?, string?) Number(JsonElement e)
    {
        // Form posts carry every value as text, so a numeric string is a number too.
        if (e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out var n) && double.IsFinite(n)) return (JsonValue.Create(n), null);
        if (e.ValueKind == JsonValueKind.String
            && double.TryParse(e.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && double.IsFinite(s))
            return (JsonValue.Create(s), null);
        return (null, $"Expected a number, e.g. 3 or 2.5; got {Shown(e)}.");
    }

    private static (JsonNode?, string?) DateTime(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.String && e.GetString() is { } s
            && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
            && s.Length is >= 10 and <= 40)
            return (JsonValue.Create(s), null);
        return (null, $"Expected a date-time such as 2026-11-22T09:30:00+08:00; got {Shown(e)}.");
    }

    private static (JsonNode?, string?) Single(JsonElement e, CategoryAttribute q)
    {
        if (e.ValueKind == JsonValueKind.String && Keys(q).Contains(e.GetString()!)) return (JsonValue.Create(e.GetString()), null);
        return (null, $"Expected one of {string.Join(", ", Keys(q))}; got {Shown(e)}.");
    }

    private static (JsonNode?, string?) Multi(JsonElement e, CategoryAttribute q)
    {
        var values = e.ValueKind switch
        {
            JsonValueKind.String => [e],
            JsonValueKind.Array => e.EnumerateArray().ToList(),
            _ => null,
        };
        var keys = Keys(q);
        if (values is null || values.Any(v => v.ValueKind != JsonValueKind.String || !keys.Contains(v.GetString()!)))
            return (null, $"Expected some of {string.Join(", ", keys)}; got {Shown(e)}.");
        return (new JsonArray([.. values.Select(v => v.GetString()).Distinct().Select(v => JsonValue.Create(v))]), null);
    }

    private static (JsonNode?, string?) Text(JsonElement e, int max)
    {
        if (e.ValueKind != JsonValueKind.String) return (null, $"Expected text; got {Shown(e)}.");
        var s = e.GetString()!;
        if (s.Length > max || RequestRules.HasControlCharacters(s)) return (null, $"At most {max} characters, no control characters.");
        return (JsonValue.Create(s), null);
    }

    private static string[] Keys(CategoryAttribute q) => (q.Values ?? []).Select(v => v.Key).ToArray();

    private static string Shown(JsonElement e)
    {
        var raw = e.GetRawText();
        return raw.Length <= 60 ? raw : raw[..60] + "…";
    }
}
