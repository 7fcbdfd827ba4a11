using System.Text;
using GovPlatform.Intake.Classification;
using GovPlatform.Intake.Duplicates;

// The sealed sets were written by an author outside the tuning, by another method than the other sets, and each is
// measured once, after a round of tuning: `sealed [--set NAME]` prints that run's figures, `sealed [--set NAME] --check`
// only validates the files and prints counts, so it can be run at any time without seeing a figure or a text. The
// first set (eval/intake/sealed-*.tsv) is the default; its figures are out, so the fourth round was measured on the
// second (eval/intake/sealed2-*.tsv, another author and method), and with that one spent too the fifth round is measured
// on the third (eval/intake/sealed3-*.tsv, a fourth author and method: text as it reaches the desk from conversations and
// public posts). Neither the default run nor `compare` reads them.

/// <summary>The `sealed` mode of the evaluation command.</summary>
internal static class Sealed
{
    /// <summary>One sealed set: its name on the command line and its two files.</summary>
    public sealed record Set(string Name, string RequestsFile, string PairsFile);

    /// <summary>Every sealed set, the first one first: it is what `sealed` measures without --set.</summary>
    public static readonly IReadOnlyList<Set> Sets =
    [
        new("sealed", "eval/intake/sealed-requests.tsv", "eval/intake/sealed-pairs.tsv"),
        new("sealed2", "eval/intake/sealed2-requests.tsv", "eval/intake/sealed2-pairs.tsv"),
        new("sealed3", "eval/intake/sealed3-requests.tsv", "eval/intake/sealed3-pairs.tsv"),
    ];

    /// <summary>The set named by `--set NAME`, the first one without it; null for an unknown name.</summary>
    public static Set? Find(string[] args)
    {
        var at = Array.IndexOf(args, "--set");
        if (at < 0) return Sets[0];
        return at + 1 < args.Length ? Sets.FirstOrDefault(s => s.Name == args[at + 1]) : null;
    }

    /// <summary>`sealed [--set NAME] [--check]`: 2 and the known names for an unknown set.</summary>
    public static int Run(string[] args, string root, Func<IEnumerable<(string Category, string Text)>> corpus, string calibrationPath, Func<LearnedClassifier> learned)
    {
        if (Find(args) is not { } set)
        {
            Console.Error.WriteLine($"sealed --set takes one of: {string.Join(", ", Sets.Select(s => s.Name))}");
            return 2;
        }
        return args.Contains("--check") ? Check(root, corpus(), calibrationPath, set) : Report(root, learned(), set);
    }

    public const int PerCategory = 20, Duplicates = 25, NearMisses = 25;

    /// <summary>The catalogue's 16 minor categories (intake's Migrations/V0001, V0007).</summary>
    public static readonly IReadOnlyList<string> Categories =
    [
        "street_light", "drainage", "water_supply", "public_repair", "greening", "stairwell_clutter", "fire_escape",
        "thrown_objects", "safety_hazard", "roof_leak", "property_service", "parking", "noise", "neighbour_dispute",
        "anti_fraud_legal", "elderly_disabled",
    ];

    /// <summary>
    /// The labelled sets the sealed texts must not repeat: the other held-out sets, the development sets (tuned on, so a
    /// sealed text equal to one of theirs would be measured on what the round was fitted to) and the hot-spot histories.
    /// </summary>
    private static readonly string[] OtherEvalFiles =
    [
        "heldout-requests.tsv", "fresh-requests.tsv", "duplicate-pairs.tsv", "fresh-pairs.tsv", "dev-requests.tsv", "dev-pairs.tsv",
        "hotspot-history.tsv", "hotspot-history-tuning.tsv",
    ];

    /// <summary>The one measurement: keyword rules (before) and the shipped learned model (after), every miss and wrong link.</summary>
    public static int Report(string root, LearnedClassifier learned, Set set)
    {
        var requests = Evaluation.ReadRequests(Path.Combine(root, set.RequestsFile));
        var pairs = Evaluation.ReadPairs(Path.Combine(root, set.PairsFile));
        var keywords = KeywordClassifier.FromEmbeddedRules();
        var before = Evaluation.Classify(keywords, requests);
        var after = Evaluation.Classify(learned, requests);
        Console.WriteLine($"Sealed set '{set.Name}', measured once after a round of tuning: {requests.Count} requests in {requests.Select(r => r.Category).Distinct().Count()} categories, " +
            $"{pairs.Count} pairs ({pairs.Count(p => p.Duplicate)} reworded duplicates, {pairs.Count(p => !p.Duplicate)} near-misses).");
        Console.WriteLine();
        HeldOut.PrintClassification(keywords, before, learned, after);
        Console.WriteLine();
        Console.WriteLine("Misses of the keyword rules (expected -> got, confidence)");
        HeldOut.PrintMisses(before);
        Console.WriteLine("Misses of the learned model (expected -> got, confidence)");
        HeldOut.PrintMisses(after);
        Console.WriteLine();

        var threshold = new DuplicateOptions().TextSimilarity;
        foreach (var (name, similarity, t) in new (string, Func<string, string, double>, double)[]
                 {
                     ("before (character-bigram Dice >= 0.25)", TextSimilarity.Dice, 0.25),
                     ($"after (words and paraphrases >= {threshold})", Evaluation.GistSimilarity, threshold),
                 })
        {
            var f = Evaluation.Duplicates(pairs, similarity, t);
            Console.WriteLine($"Duplicates {name}: precision {P(f.Precision)}, recall {P(f.Recall)} ({f.TruePositives} of {f.Linked} linked are duplicates)");
            HeldOut.PrintWrongPairs(pairs, similarity, t);
        }
        return 0;
    }

    /// <summary>
    /// Validates the sealed files without classifying anything and without printing any text: labels, 20 requests a
    /// category, 25 duplicates and 25 near-misses, no text twice, none equal to a text of the other sets, the training
    /// corpus, the calibration set or another sealed set (compared after dropping spaces and punctuation). Prints
    /// counts; 1 when a rule fails.
    /// </summary>
    public static int Check(string root, IEnumerable<(string Category, string Text)> corpus, string calibrationPath, Set set)
    {
        var problems = new List<string>();
        var requestLines = DataLines(Path.Combine(root, set.RequestsFile));
        var requests = Evaluation.ReadRequests(Path.Combine(root, set.RequestsFile));
        if (requests.Count != requestLines.Count) problems.Add($"{requestLines.Count - requests.Count} request lines are not category<TAB>text");
        foreach (var label in requests.Select(r => r.Category).Distinct().Where(c => !Categories.Contains(c)))
            problems.Add($"unknown category '{label}'");
        foreach (var category in Categories)
            if (requests.Count(r => r.Category == category) is var n && n != PerCategory) problems.Add($"{category}: {n} requests, not {PerCategory}");

        var pairLines = DataLines(Path.Combine(root, set.PairsFile));
        var malformed = pairLines.Count(l => l.Split('\t') is var p && (p.Length != 3 || p[0] is not ("dup" or "distinct") || p[1].Length == 0 || p[2].Length == 0));
        if (malformed > 0) problems.Add($"{malformed} pair lines are not dup|distinct<TAB>open<TAB>new");
        var pairs = pairLines.Select(l => l.Split('\t')).Where(p => p.Length == 3).ToList();
        var (dups, misses) = (pairs.Count(p => p[0] == "dup"), pairs.Count(p => p[0] == "distinct"));
        if (dups != Duplicates || misses != NearMisses) problems.Add($"pairs: {dups} dup and {misses} distinct, not {Duplicates} and {NearMisses}");

        var sealedTexts = requests.Select(r => r.Text).Concat(pairs.SelectMany(p => p[1..])).ToList();
        var repeated = sealedTexts.Count - sealedTexts.Select(Key).Distinct().Count();
        if (repeated > 0) problems.Add($"{repeated} texts appear twice in the sealed files");
        var pairedTwice = pairs.Count - pairs.Select(p => (Key(p[1]), Key(p[2]))).Distinct().Count();
        if (pairedTwice > 0) problems.Add($"{pairedTwice} pairs are repeated");

        var keys = sealedTexts.Select(Key).ToHashSet(StringComparer.Ordinal);
        var eval = OtherEvalFiles.SelectMany(f => OtherTexts(Path.Combine(root, "eval/intake", f))).ToList();
        var training = corpus.Select(c => c.Text).ToList();
        var calibration = Evaluation.ReadRequests(calibrationPath).Select(c => c.Text).ToList();
        // A later sealed set must be new text to every earlier one (and the other way round), or it measures nothing new.
        var otherSealed = Sets.Where(s => s != set)
            .SelectMany(s => new[] { s.RequestsFile, s.PairsFile }).SelectMany(f => OtherTexts(Path.Combine(root, f))).ToList();
        var shared = new List<string>();
        foreach (var (name, texts) in new[]
                 {
                     ("the other eval sets", eval), ("the other sealed sets", otherSealed), ("the training corpus", training),
                     ("the calibration set", calibration),
                 })
        {
            var equal = texts.Select(Key).Where(keys.Contains).Distinct().Count();
            shared.Add($"{equal} of {texts.Count} in {name}");
            if (equal > 0) problems.Add($"{equal} sealed texts equal one in {name}");
        }

        var sizes = requests.GroupBy(r => r.Category).Select(g => g.Count()).DefaultIfEmpty(0).ToList();
        Console.WriteLine($"{set.RequestsFile}: {requests.Count} requests in {requests.Select(r => r.Category).Distinct().Count()} categories, " +
            $"{sizes.Min()} to {sizes.Max()} a category (want {PerCategory} in each of {Categories.Count})");
        Console.WriteLine($"{set.PairsFile}: {pairs.Count} pairs, {dups} dup and {misses} distinct");
        Console.WriteLine($"texts equal to a sealed one (spaces and punctuation aside): {string.Join("; ", shared)}");
        foreach (var problem in problems) Console.WriteLine($"  PROBLEM {problem}");
        Console.WriteLine(problems.Count == 0 ? "sealed files: OK" : $"sealed files: {problems.Count} problems");
        return problems.Count == 0 ? 0 : 1;
    }

    private static List<string> DataLines(string path) =>
        File.ReadAllLines(path, Encoding.UTF8).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

    // Every free-text column of another set: requests and pairs are all text after the label, the histories'
    // description is their last column.
    private static IEnumerable<string> OtherTexts(string path) =>
        File.Exists(path)
            ? DataLines(path).SelectMany(l => l.Split('\t') is var p && path.Contains("hotspot-history", StringComparison.Ordinal) ? p[^1..] : p[1..])
            : [];

    /// <summary>Text as compared: without whitespace and punctuation, full-width letters and digits folded.</summary>
    public static string Key(string text) =>
        new(text.Normalize(NormalizationForm.FormKC).Where(c => !char.IsWhiteSpace(c) && !char.IsPunctuation(c) && !char.IsSymbol(c)).ToArray());

    private static string P(double x) => Evaluation.Percent(x);
}

/// <summary>Lines every held-out report prints the same way.</summary>
internal static class HeldOut
{
    /// <summary>The before / after table and the per-category counts, as every held-out report prints them.</summary>
    public static void PrintClassification(IRequestClassifier keywords, ClassifierFigures before, IRequestClassifier learned, ClassifierFigures after)
    {
        static string P(double x) => Evaluation.Percent(x);
        Console.WriteLine("Classification      top-1    auto-classified  precision of auto  threshold");
        Console.WriteLine($"before (keywords)   {P(before.Top1),6}   {P(before.AutoShare),15}  {P(before.AutoPrecision),17}  {keywords.Threshold}");
        Console.WriteLine($"after (learned)     {P(after.Top1),6}   {P(after.AutoShare),15}  {P(after.AutoPrecision),17}  {learned.Threshold}");
        Console.WriteLine();
        Console.WriteLine("Per category (after / before)");
        foreach (var (category, (right, total)) in after.PerCategory)
            Console.WriteLine($"  {category,-18} {right,2}/{total}   {before.PerCategory[category].Right,2}/{total}");
    }

    public static void PrintMisses(ClassifierFigures figures)
    {
        foreach (var miss in figures.Misses)
            Console.WriteLine($"  {miss.Expected} -> {miss.Got ?? "(none)"} {miss.Confidence:0.00}: {miss.Text}");
    }

    public static void PrintWrongPairs(IReadOnlyList<(bool Duplicate, string Open, string New)> pairs, Func<string, string, double> similarity, double threshold)
    {
        foreach (var (duplicate, open, @new) in pairs)
        {
            var s = similarity(open, @new);
            if (duplicate != s >= threshold) Console.WriteLine($"  WRONG {(duplicate ? "dup" : "distinct")} {s:0.00}: {open} | {@new}");
        }
    }
}
