using System.Globalization;
using System.Text;
using GovPlatform.Intake.Duplicates;

namespace GovPlatform.Intake.Classification;

/// <summary>The figures of a classifier on a labelled set.</summary>
public sealed record ClassifierFigures(int Requests, double Top1, double AutoShare, double AutoPrecision,
    IReadOnlyDictionary<string, (int Right, int Total)> PerCategory, IReadOnlyList<(string Expected, string? Got, double Confidence, string Text)> Misses);

/// <summary>Precision and recall of duplicate linking on labelled pairs.</summary>
public sealed record DuplicateFigures(int Pairs, double Threshold, double Precision, double Recall, int Linked, int TruePositives);

/// <summary>
/// Measures classification and duplicate linking on the hand-written held-out sets in eval/intake/,
/// for the evaluation command (tools/GovPlatform.Intake.Evaluation) and the tests alike.
/// </summary>
public static class Evaluation
{
    public static IReadOnlyList<(string Category, string Text)> ReadRequests(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        return LearnedClassifier.ReadLabelled(reader).ToList();
    }

    public static IReadOnlyList<(bool Duplicate, string Open, string New)> ReadPairs(string path) =>
        File.ReadAllLines(path, Encoding.UTF8)
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('\t'))
            .Select(p => (p[0] == "dup", p[1], p[2]))
            .ToList();

    public static ClassifierFigures Classify(IRequestClassifier classifier, IReadOnlyList<(string Category, string Text)> set, double? threshold = null)
    {
        var t = threshold ?? classifier.Threshold;
        var results = set.Select(s => (s.Category, s.Text, Result: classifier.Classify(s.Text))).ToList();
        var auto = results.Where(r => r.Result.Confident(t)).ToList();
        var perCategory = results.GroupBy(r => r.Category).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (g.Count(r => r.Result.Category == r.Category), g.Count()));
        return new ClassifierFigures(results.Count,
            results.Count(r => r.Result.Category == r.Category) / (double)results.Count,
            auto.Count / (double)results.Count,
            auto.Count == 0 ? 1 : auto.Count(r => r.Result.Category == r.Category) / (double)auto.Count,
            perCategory,
            results.Where(r => r.Result.Category != r.Category).Select(r => (r.Category, r.Result.Category, r.Result.Confidence, r.Text)).ToList());
    }

    public static DuplicateFigures Duplicates(IReadOnlyList<(bool Duplicate, string Open, string New)> pairs, Func<string, string, double> similarity, double threshold)
    {
        var judged = pairs.Select(p => (p.Duplicate, Linked: similarity(p.Open, p.New) >= threshold)).ToList();
        var truePositives = judged.Count(j => j.Duplicate && j.Linked);
        var linked = judged.Count(j => j.Linked);
        return new DuplicateFigures(pairs.Count, threshold, linked == 0 ? 1 : truePositives / (double)linked,
            truePositives / (double)Math.Max(1, judged.Count(j => j.Duplicate)), linked, truePositives);
    }

    /// <summary>The similarity the duplicate finder uses today.</summary>
    public static double GistSimilarity(string a, string b) => ReportGist.Of(a).Similarity(ReportGist.Of(b));

    public static string Percent(double x) => x.ToString("P1", CultureInfo.InvariantCulture);
}
