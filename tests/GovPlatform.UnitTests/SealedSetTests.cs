using System.Text;
using System.Text.RegularExpressions;
using GovPlatform.Intake.Classification;

namespace GovPlatform.UnitTests;

/// <summary>
/// The shape of the sealed held-out sets (eval/intake/sealed-*.tsv), so an edit that breaks them fails the build's
/// tests. Nothing here classifies or links a sealed text: they are measured once, by the evaluation command's
/// `sealed` mode, after all tuning. Assertions report counts, never texts.
/// </summary>
public sealed partial class SealedSetTests
{
    private const int PerCategory = 20, Duplicates = 25, NearMisses = 25;

    private static string Eval(string file) => Path.Combine(AppContext.BaseDirectory, "eval", "intake", file);

    private static List<string> DataLines(string path) =>
        File.ReadAllLines(path, Encoding.UTF8).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

    private static List<string[]> Requests() => DataLines(Eval("sealed-requests.tsv")).Select(l => l.Split('\t')).ToList();

    private static List<string[]> Pairs() => DataLines(Eval("sealed-pairs.tsv")).Select(l => l.Split('\t')).ToList();

    // Compared without whitespace and punctuation, full-width forms folded: a copy with another comma is still a copy.
    private static string Key(string text) =>
        new(text.Normalize(NormalizationForm.FormKC).Where(c => !char.IsWhiteSpace(c) && !char.IsPunctuation(c) && !char.IsSymbol(c)).ToArray());

    /// <summary>The minor categories the shipped catalogue seeds (intake's embedded migration V0001).</summary>
    private static IReadOnlyList<string> CatalogueCategories()
    {
        using var stream = typeof(LearnedClassifier).Assembly.GetManifestResourceStream("Migrations.V0001__requests.sql")!;
        var sql = new StreamReader(stream, Encoding.UTF8).ReadToEnd();
        var start = sql.IndexOf("INSERT INTO categories", StringComparison.Ordinal);
        var seed = sql[start..sql.IndexOf(';', start)];
        return CategoryRow().Matches(seed).Select(m => m.Groups[1].Value).ToList();
    }

    [GeneratedRegex(@"\(\s*'([a-z_]+)'\s*,")]
    private static partial Regex CategoryRow();

    [Fact]
    public void Every_catalogue_category_has_twenty_sealed_requests_and_no_other_label_appears()
    {
        var categories = CatalogueCategories();
        var requests = Requests();

        Assert.Equal(16, categories.Count);
        Assert.Equal(0, requests.Count(r => r.Length != 2 || r[1].Length == 0));
        Assert.Empty(requests.Select(r => r[0]).Distinct().Except(categories));
        Assert.All(categories, c => Assert.Equal(PerCategory, requests.Count(r => r[0] == c)));
    }

    // Counts, not Assert.All: a failing item would be printed with its text.
    [Fact]
    public void The_sealed_pairs_are_twenty_five_duplicates_and_twenty_five_near_misses()
    {
        var pairs = Pairs();

        Assert.Equal(0, pairs.Count(p => p.Length != 3 || p[0] is not ("dup" or "distinct") || p[1].Length == 0 || p[2].Length == 0));
        Assert.Equal(0, pairs.Count(p => Key(p[1]) == Key(p[2])));
        Assert.Equal(Duplicates, pairs.Count(p => p[0] == "dup"));
        Assert.Equal(NearMisses, pairs.Count(p => p[0] == "distinct"));
        Assert.Equal(pairs.Count, Evaluation.ReadPairs(Eval("sealed-pairs.tsv")).Count);
    }

    [Fact]
    public void No_sealed_text_appears_twice_or_in_another_set_the_training_corpus_or_the_calibration_set()
    {
        var sealedKeys = Requests().Select(r => Key(r[^1])).Concat(Pairs().SelectMany(p => p[1..]).Select(Key)).ToList();
        var keys = sealedKeys.ToHashSet(StringComparer.Ordinal);

        Assert.Equal(sealedKeys.Count, keys.Count);
        int Shared(IEnumerable<string> texts) => texts.Select(Key).Where(keys.Contains).Distinct().Count();
        // The other labelled sets: every text column of the requests and pairs, the histories' description (last column).
        foreach (var file in new[] { "heldout-requests.tsv", "fresh-requests.tsv", "duplicate-pairs.tsv", "fresh-pairs.tsv" })
            Assert.Equal(0, Shared(DataLines(Eval(file)).SelectMany(l => l.Split('\t')[1..])));
        foreach (var file in new[] { "hotspot-history.tsv", "hotspot-history-tuning.tsv" })
            Assert.Equal(0, Shared(DataLines(Eval(file)).Select(l => l.Split('\t')[^1])));
        Assert.Equal(0, Shared(LearnedClassifier.ShippedCorpus().Select(c => c.Text)));
        Assert.Equal(0, Shared(Evaluation.ReadRequests(Path.Combine(AppContext.BaseDirectory, "Data", "labelled-requests.tsv")).Select(c => c.Text)));
    }
}
