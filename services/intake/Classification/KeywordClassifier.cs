using System.Globalization;
using System.Text;
using System.Text.Json;

namespace GovPlatform.Intake.Classification;

/// <summary>A category suggestion and how sure the classifier is (0 to 1).</summary>
public sealed record Candidate(string Category, double Score);

public sealed record Classification(string? Category, double Confidence, IReadOnlyList<Candidate> Candidates)
{
    public bool Confident(double threshold) => Category is not null && Confidence >= threshold;
}

/// <summary>Classifies a request's text into a category. Today keyword rules; a segmenter-based model can replace them behind this seam.</summary>
public interface IRequestClassifier
{
    double Threshold { get; }
    Classification Classify(string text);
}

/// <summary>
/// Chinese keyword and phrase rules per category, matched as substrings: with no word-segmentation
/// library available, a phrase list is the honest baseline, and multi-character phrases
/// ("下水道", "高空抛物") carry most of the meaning anyway. Each phrase counts once, with its weight;
/// the confidence grows with how much the best category leads and how strong its evidence is.
/// </summary>
public sealed class KeywordClassifier : IRequestClassifier
{
    private readonly IReadOnlyList<(string Category, string Phrase, double Weight)> _rules;

    public double Threshold { get; }

    public KeywordClassifier(IReadOnlyList<(string Category, string Phrase, double Weight)> rules, double threshold)
    {
        _rules = rules.Select(r => (r.Category, Normalise(r.Phrase), r.Weight)).ToList();
        Threshold = threshold;
    }

    /// <summary>The rules shipped with intake (Classification/keyword-rules.json).</summary>
    public static KeywordClassifier FromEmbeddedRules(double? threshold = null)
    {
        using var stream = typeof(KeywordClassifier).Assembly.GetManifestResourceStream("Classification.keyword-rules.json")
            ?? throw new InvalidOperationException("The embedded keyword rules are missing.");
        using var doc = JsonDocument.Parse(stream);
        var rules = new List<(string, string, double)>();
        foreach (var category in doc.RootElement.GetProperty("categories").EnumerateObject())
            foreach (var weight in category.Value.EnumerateObject())
                foreach (var phrase in weight.Value.EnumerateArray())
                    rules.Add((category.Name, phrase.GetString()!, double.Parse(weight.Name, CultureInfo.InvariantCulture)));
        return new KeywordClassifier(rules, threshold ?? doc.RootElement.GetProperty("threshold").GetDouble());
    }

    public Classification Classify(string text)
    {
        var normalised = Normalise(text);
        var scores = new Dictionary<string, double>();
        foreach (var (category, phrase, weight) in _rules)
        {
            if (!normalised.Contains(phrase, StringComparison.Ordinal)) continue;
            scores[category] = scores.GetValueOrDefault(category) + weight;
        }
        var ranked = scores.OrderByDescending(s => s.Value).ThenBy(s => s.Key, StringComparer.Ordinal)
            .Select(s => new Candidate(s.Key, s.Value)).ToList();
        if (ranked.Count == 0) return new Classification(null, 0, []);

        var top = ranked[0].Score;
        var total = ranked.Sum(c => c.Score);
        // Share of the evidence times its strength: one weak hint, or a close second, stays unsure.
        var confidence = Math.Round(top / total * (1 - Math.Exp(-top / 2)), 3);
        return new Classification(ranked[0].Category, confidence, ranked.Take(3).ToList());
    }

    /// <summary>Full-width letters and digits become ASCII (NFKC), Latin lower case, whitespace gone.</summary>
    public static string Normalise(string text)
    {
        // Most reports are CJK ideographs, ASCII and a few CJK marks, which NFKC leaves as they are: ICU is asked only
        // when another character is present (full-width forms, circled digits), as its call was a visible share of a filing.
        var nfkc = (NfkcStable(text) ? text : text.Normalize(NormalizationForm.FormKC)).ToLowerInvariant();
        var sb = new StringBuilder(nfkc.Length);
        foreach (var c in nfkc) if (!char.IsWhiteSpace(c)) sb.Append(c);
        return sb.ToString();
    }

    private static bool NfkcStable(string text)
    {
        foreach (var c in text)
            if (!(c is >= ' ' and <= '~' or '\n' or '\r' or '\t' or >= '\u4E00' and <= '\u9FFF' or '、' or '。'
                  or >= '《' and <= '】' or '“' or '”' or '‘' or '’' or '—'))
                return false;
        return true;
    }
}
