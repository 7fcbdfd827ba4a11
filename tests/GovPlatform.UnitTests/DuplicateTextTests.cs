using GovPlatform.Intake.Duplicates;

namespace GovPlatform.UnitTests;

/// <summary>
/// The text half of duplicate detection against 60 labelled pairs (Data/duplicate-pairs.tsv):
/// same category and place, same problem or not. Floors are regression guards under the measured
/// figures, which docs/intake.md reports.
/// </summary>
public sealed class DuplicateTextTests
{
    private static IReadOnlyList<(bool Duplicate, string Open, string New)> Pairs() =>
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Data", "duplicate-pairs.tsv"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('\t'))
            .Select(p => (p[0] == "dup", p[1], p[2]))
            .ToList();

    private static (double Precision, double Recall) Measure(double threshold)
    {
        var judged = Pairs().Select(p => (p.Duplicate, Linked: TextSimilarity.Dice(p.Open, p.New) >= threshold)).ToList();
        var truePositives = judged.Count(j => j.Duplicate && j.Linked);
        var linked = judged.Count(j => j.Linked);
        return (linked == 0 ? 1 : truePositives / (double)linked, truePositives / (double)judged.Count(j => j.Duplicate));
    }

    [Fact]
    public void Similar_reports_of_one_problem_are_linked_and_other_problems_of_the_kind_are_not()
    {
        // The bigram measure's own threshold (the finder now uses ReportGist; see ResidentWordsTests).
        const double threshold = 0.25;
        var (precision, recall) = Measure(threshold);

        var output = TestContext.Current.TestOutputHelper!;
        output.WriteLine($"pairs {Pairs().Count}; threshold {threshold}: precision {precision:P1}, recall {recall:P1}");
        foreach (var t in new[] { 0.15, 0.2, 0.25, 0.3, 0.35, 0.4 })
        {
            var (p, r) = Measure(t);
            output.WriteLine($"  threshold {t}: precision {p:P1}, recall {r:P1}");
        }
        foreach (var (duplicate, open, @new) in Pairs())
            output.WriteLine($"{(duplicate ? "dup " : "dist")} {TextSimilarity.Dice(open, @new):0.00} {open} | {@new}");

        Assert.True(precision >= 0.9, $"precision {precision:P1}");
        Assert.True(recall >= 0.7, $"recall {recall:P1}");
    }

    [Fact]
    public void Text_similarity_ignores_punctuation_and_is_symmetric()
    {
        Assert.Equal(1, TextSimilarity.Dice("下水道堵了！", "下水道 堵了"));
        Assert.Equal(TextSimilarity.Dice("楼道堆满杂物", "杂物堆满楼道"), TextSimilarity.Dice("杂物堆满楼道", "楼道堆满杂物"));
        Assert.Equal(0, TextSimilarity.Dice("", "下水道"));
    }

    [Fact]
    public void Distance_between_coordinates_is_in_metres()
    {
        // 0.001 degree of latitude is about 111 m.
        Assert.InRange(DuplicateFinder.DistanceMeters(27.766, 107.465, 27.767, 107.465), 110, 112);
    }
}
