using GovPlatform.Intake.Classification;

namespace GovPlatform.UnitTests;

/// <summary>
/// The keyword classifier against 240 labelled requests (Data/labelled-requests.tsv, 15 per
/// category). The floors below are regression guards just under the measured figures, which
/// docs/intake.md reports.
/// </summary>
public sealed class ClassifierAccuracyTests
{
    private static readonly KeywordClassifier Classifier = KeywordClassifier.FromEmbeddedRules();

    public static IReadOnlyList<(string Category, string Text)> LabelledSet() =>
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Data", "labelled-requests.tsv"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('\t', 2))
            .Select(p => (p[0], p[1]))
            .ToList();

    [Fact]
    public void The_labelled_set_has_at_least_200_requests_covering_every_category()
    {
        var set = LabelledSet();
        Assert.True(set.Count >= 200, $"{set.Count} labelled requests");
        Assert.Equal(16, set.Select(s => s.Category).Distinct().Count());
    }

    [Fact]
    public void Keyword_rules_classify_the_labelled_set_accurately_and_send_the_unsure_to_triage()
    {
        var set = LabelledSet();
        var results = set.Select(s => (s.Category, s.Text, Result: Classifier.Classify(s.Text))).ToList();
        var top1 = results.Count(r => r.Result.Category == r.Category) / (double)results.Count;
        var auto = results.Where(r => r.Result.Confident(Classifier.Threshold)).ToList();
        var coverage = auto.Count / (double)results.Count;
        var autoAccuracy = auto.Count(r => r.Result.Category == r.Category) / (double)auto.Count;
        var triagedCorrectly = results.Where(r => !r.Result.Confident(Classifier.Threshold)).Count(r => r.Result.Category == r.Category);

        var output = TestContext.Current.TestOutputHelper!;
        output.WriteLine($"requests {results.Count}; top-1 accuracy {top1:P1}; threshold {Classifier.Threshold}");
        output.WriteLine($"auto-classified {auto.Count} ({coverage:P1}), of which correct {autoAccuracy:P1}; to triage {results.Count - auto.Count} (top guess right in {triagedCorrectly})");
        foreach (var miss in results.Where(r => r.Result.Category != r.Category))
            output.WriteLine($"MISS {miss.Category} -> {miss.Result.Category ?? "(none)"} {miss.Result.Confidence:0.00}: {miss.Text}");

        Assert.True(top1 >= 0.78, $"top-1 accuracy {top1:P1}");
        Assert.True(autoAccuracy >= 0.95, $"accuracy of auto-classified requests {autoAccuracy:P1}");
        Assert.True(coverage >= 0.65, $"share auto-classified {coverage:P1}");
    }

    [Fact]
    public void Text_without_any_known_phrase_has_no_category_and_zero_confidence()
    {
        var result = Classifier.Classify("你好，我想问一下");
        Assert.Null(result.Category);
        Assert.Equal(0, result.Confidence);
        Assert.False(result.Confident(Classifier.Threshold));
    }

    [Fact]
    public void Full_width_letters_and_spaces_do_not_hide_a_phrase()
    {
        Assert.Equal("noise", Classifier.Classify("楼上 ＫＴＶ 噪 音 太大").Category);
        Assert.Equal("ktv噪音太大", KeywordClassifier.Normalise("ＫＴＶ 噪音\t太大"));
    }
    [Fact]
    public void Normalising_without_icu_gives_what_nfkc_gives()
    {
        // The shortcut for text NFKC leaves alone must agree with ICU on everything residents type, the corpus included.
        var texts = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Data", "labelled-requests.tsv"))
            .Concat(["3号楼“楼道”灯坏了、《通知》【急】——谢谢。", "ＫＴＶ噪音…１２３", "①号楼 Ａ座", "楼道\u3000堆物", "路灯不亮!!(急)"]);
        foreach (var text in texts)
        {
            var icu = new string(text.Normalize(System.Text.NormalizationForm.FormKC).ToLowerInvariant().Where(c => !char.IsWhiteSpace(c)).ToArray());
            Assert.Equal(icu, KeywordClassifier.Normalise(text));
        }
    }
}
