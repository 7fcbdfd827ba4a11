using GovPlatform.Intake.Classification;
using GovPlatform.Intake.Duplicates;

// `pairs --sweep`: the duplicate similarity's precision and recall on every labelled set of pairs at a range of
// thresholds, each set alone and all together, which is how Intake:Duplicates:TextSimilarity is chosen. The first
// sealed set (eval/intake/sealed-pairs.tsv) is among them: its one run is out, so it is development data now, reported
// as "dev (formerly sealed)". So is the second (sealed2, run once on 7 December 2026 after the fourth round), reported as
// "dev (formerly sealed2)". The third sealed set is never read here.

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
        ("dev (formerly sealed2)", "eval/intake/sealed2-pairs.tsv"),
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
        // What the shipped threshold gets wrong, per set: the reading of errors each change starts from.
        foreach (var (name, pairs) in sets)
            foreach (var (duplicate, open, @new) in pairs)
                if (duplicate != Score(open, @new) >= current)
                    Console.WriteLine($"  {name}: WRONG {(duplicate ? "dup" : "distinct")} {Score(open, @new):0.00}: {open} | {@new}");
        return 0;
    }

    /// <summary>
    /// `pairs --cost`: what the similarity costs a filing. Learning the weights (once a process, at start), reading a
    /// text's gist (once a request, then cached), and one comparison with a candidate original (up to 50 a filing),
    /// timed side by side with the unweighted count of ideas and words (<see cref="ReportGist.TopicSimilarity"/>,
    /// the measure duplicates used before) in the same run.
    /// </summary>
    public static int Cost(string root)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        WordSegmenter.Warm();
        var segmenterMs = clock.ElapsedMilliseconds;
        clock.Restart();
        CorpusWeights.Warm();
        var weightsMs = clock.ElapsedMilliseconds;
        var texts = Sets.SelectMany(s => Evaluation.ReadPairs(Path.Combine(root, s.File))).SelectMany(p => new[] { p.Open, p.New }).Distinct().ToList();
        clock.Restart();
        var gists = texts.Select(ReportGist.Of).ToList();
        var gistUs = clock.Elapsed.TotalMicroseconds / texts.Count;
        Console.WriteLine($"jieba loaded in {segmenterMs} ms; corpus weights learned in {weightsMs} ms (once a process, in the background at start)");
        Console.WriteLine($"gist of a text: {gistUs:0.0} µs ({texts.Count} texts)");
        double Time(Func<ReportGist, ReportGist, double> compare)
        {
            var sink = 0.0;
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var n = 0;
            for (var round = 0; round < 5; round++)
                foreach (var a in gists)
                    foreach (var b in gists.Take(50))
                    {
                        sink += compare(a, b);
                        n++;
                    }
            GC.KeepAlive(sink);
            return watch.Elapsed.TotalMicroseconds * 1000 / n;
        }
        Time((a, b) => a.Similarity(b));
        var (baseline, weighted) = (Time((a, b) => a.TopicSimilarity(b)), Time((a, b) => a.Similarity(b)));
        Console.WriteLine($"one comparison with a candidate: {weighted:0} ns weighted with characters, {baseline:0} ns unweighted (ratio {weighted / baseline:0.00}); " +
            $"50 candidates: {weighted * 50 / 1000:0.0} µs");
        return 0;
    }

    private static string P(double x) => Evaluation.Percent(x);
}
