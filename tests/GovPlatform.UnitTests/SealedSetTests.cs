using System.Text;
using System.Text.RegularExpressions;
using GovPlatform.Intake.Classification;

namespace GovPlatform.UnitTests;

/// <summary>
/// The shape of the sealed held-out sets (eval/intake/sealed-*.tsv, then sealed2-*.tsv and sealed3-*.tsv, each by
/// another author and method), so an edit that breaks them fails the build's tests. Nothing here classifies or links a sealed text: each set is
/// measured once, by the evaluation command's `sealed --set NAME` mode, after a round of tuning. Assertions report
/// counts, never texts.
/// </summary>
public sealed partial class SealedSetTests
{
    private const int PerCategory = 20, Duplicates = 25, NearMisses = 25;

    private static string Eval(string file) => Path.Combine(AppContext.BaseDirectory, "eval", "intake", file);

    private static List<string> DataLines(string path) =>
        File.ReadAllLines(path, Encoding.UTF8).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

    /// <summary>The sealed sets by name, as the evaluation command's --set takes them; files are {name}-requests.tsv and {name}-pairs.tsv.</summary>
    private static readonly string[] SetNames = ["sealed", "sealed2", "sealed3"];

    public static TheoryData<string> Sets => new(SetNames);

    private static List<string[]> Requests(string set) => DataLines(Eval($"{set}-requests.tsv")).Select(l => l.Split('\t')).ToList();

    private static List<string[]> Pairs(string set) => DataLines(Eval($"{set}-pairs.tsv")).Select(l => l.Split('\t')).ToList();

    private static List<string> Texts(string set) => Requests(set).Select(r => r[^1]).Concat(Pairs(set).SelectMany(p => p[1..])).ToList();

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

    [Theory]
    [MemberData(nameof(Sets))]
    public void Every_catalogue_category_has_twenty_sealed_requests_and_no_other_label_appears(string set)
    {
        var categories = CatalogueCategories();
        var requests = Requests(set);

        Assert.Equal(16, categories.Count);
        Assert.Equal(0, requests.Count(r => r.Length != 2 || r[1].Length == 0));
        Assert.Empty(requests.Select(r => r[0]).Distinct().Except(categories));
        Assert.All(categories, c => Assert.Equal(PerCategory, requests.Count(r => r[0] == c)));
    }

    // Counts, not Assert.All: a failing item would be printed with its text.
    [Theory]
    [MemberData(nameof(Sets))]
    public void The_sealed_pairs_are_twenty_five_duplicates_and_twenty_five_near_misses(string set)
    {
        var pairs = Pairs(set);

        Assert.Equal(0, pairs.Count(p => p.Length != 3 || p[0] is not ("dup" or "distinct") || p[1].Length == 0 || p[2].Length == 0));
        Assert.Equal(0, pairs.Count(p => Key(p[1]) == Key(p[2])));
        Assert.Equal(Duplicates, pairs.Count(p => p[0] == "dup"));
        Assert.Equal(NearMisses, pairs.Count(p => p[0] == "distinct"));
        Assert.Equal(pairs.Count, Evaluation.ReadPairs(Eval($"{set}-pairs.tsv")).Count);
    }

    [Theory]
    [MemberData(nameof(Sets))]
    public void No_sealed_text_appears_twice_or_in_another_set_the_training_corpus_or_the_calibration_set(string set)
    {
        var sealedKeys = Texts(set).Select(Key).ToList();
        var keys = sealedKeys.ToHashSet(StringComparer.Ordinal);

        Assert.Equal(sealedKeys.Count, keys.Count);
        int Shared(IEnumerable<string> texts) => texts.Select(Key).Where(keys.Contains).Distinct().Count();
        // Every other sealed set: a later set repeating an earlier one's text would measure nothing new.
        foreach (var other in SetNames.Where(o => o != set))
            Assert.Equal(0, Shared(Texts(other)));
        // The other labelled sets, the development ones (tuned on) among them: every text column of the requests and
        // pairs, the histories' description (last column).
        foreach (var file in new[] { "heldout-requests.tsv", "fresh-requests.tsv", "duplicate-pairs.tsv", "fresh-pairs.tsv", "dev-requests.tsv", "dev-pairs.tsv" })
            Assert.Equal(0, Shared(DataLines(Eval(file)).SelectMany(l => l.Split('\t')[1..])));
        foreach (var file in new[] { "hotspot-history.tsv", "hotspot-history-tuning.tsv" })
            Assert.Equal(0, Shared(DataLines(Eval(file)).Select(l => l.Split('\t')[^1])));
        Assert.Equal(0, Shared(LearnedClassifier.ShippedCorpus().Select(c => c.Text)));
        Assert.Equal(0, Shared(Evaluation.ReadRequests(Path.Combine(AppContext.BaseDirectory, "Data", "labelled-requests.tsv")).Select(c => c.Text)));
    }
}
