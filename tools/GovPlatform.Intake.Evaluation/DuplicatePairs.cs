using GovPlatform.Intake.Classification;
using GovPlatform.Intake.Duplicates;

// `pairs --sweep`: the duplicate similarity's precision and recall on every labelled set of pairs at a range of
// thresholds, each set alone and all together, which is how Intake:Duplicates:TextSimilarity is chosen. The first
// sealed set (eval/intake/sealed-pairs.tsv) is among them: its one run is out, so it is development data now, reported
// as "dev (formerly sealed)". The second sealed set is never read here.

/// <summary>The threshold sweep of the duplicate similarity over every labelled set of pairs.</summary>
internal static class DuplicatePairs
{
    /// <summary>Every set of pairs the threshold is chosen on, with the name it is reported under.</summary>
    public static readonly IReadOnlyList<(string Name, string File)> Sets =
    [
        ("first held-out", "eval/intake/duplicate-pairs.tsv"),
        ("fresh", "eval/intake/fresh-pairs.tsv"),
        ("development", "eval/intake/dev-pairs.tsv"),
        ("unit tests' old", "tests/GovPlatform.UnitTests/Data/duplicate-pairs.tsv"),
        ("dev (formerly sealed)", "eval/intake/sealed-pairs.tsv"),
    ];

    public static int Sweep(string root)
    {
        var sets = Sets.Select(s => (s.Name, Pairs: Evaluation.ReadPairs(Path.Combine(root, s.File)))).ToList();
        var all = sets.SelectMany(s => s.Pairs).ToList();
        // Each text's gist once: the sweep compares the same pairs at every threshold.
        var scores = all.Distinct().ToDictionary(p => p, p => Evaluation.GistSimilarity(p.Open, p.New));
        double Score(string open, string @new) => scores[all.First(p => p.Open == open && p.New == @new)];
        Console.WriteLine("precision / recall    " + string.Join("  ", sets.Select(s => $"{s.Name} ({s.Pairs.Count})")) + $"  all ({all.Count})");
        var current = new DuplicateOptions().TextSimilarity;
        foreach (var t in new[] { 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5 })
        {
            var figures = sets.Select(s => Evaluation.Duplicates(s.Pairs, Score, t)).Append(Evaluation.Duplicates(all, Score, t));
            Console.WriteLine($"{(t == current ? "*" : " ")} threshold {t:0.00}   " + string.Join("  ", figures.Select(f => $"{P(f.Precision)} / {P(f.Recall)}")));
        }
        Console.WriteLine($"(* Intake:Duplicates:TextSimilarity as shipped)");
        return 0;
    }

    private static string P(double x) => Evaluation.Percent(x);
}
