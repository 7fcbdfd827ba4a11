using GovPlatform.Intake.Classification;

namespace GovPlatform.Intake.Duplicates;

/// <summary>
/// How much an idea or a character tells two reports of one category apart, learned from the training corpus: the
/// weight of x is the least, over the categories, of log(requests of the category / those of them that say x), so
/// what nearly every request of some category says (灯坏 and 灯 in street lights, 诈骗 in anti-fraud, 水 in water
/// supply) weighs almost nothing, and what names the particular thing (粪, 杆, 瓶, 梯) weighs much.
/// <para>
/// Why: duplicates are only sought among requests of the same category, so the words of the category itself say
/// nothing about whether two reports are one problem: counted alike, a bottle thrown and washing water poured from one
/// floor shared the idea of throwing and scored as one problem. Why characters (<see cref="ReportGist.Characters"/>):
/// neighbours name one thing in words no hand list can hold (灯杆子 for 路灯杆, 粪池子 for 化粪池, 长石凳 for 石凳子),
/// but Chinese compounds keep the characters that carry the meaning. Why the corpus rather than a
/// list: it already says which characters and ideas every request of a kind uses, and it grows with the desk's
/// reclassifications (`retrain`). Not the classifier's category scores (two reports of one building and category
/// have nearly the same ones) nor co-occurrence vectors (the corpus is generated from templates, so they would learn
/// its templates rather than residents' words).
/// </para>
/// </summary>
public static class CorpusWeights
{
    // An idea or character a category has in fewer than this many requests weighs as if it had this many: a rare
    // character is telling, but a typo or an unusual one should not outweigh all the rest.
    private const int FewestRequests = 3;

    private sealed record Table(IReadOnlyDictionary<string, double> Ideas, IReadOnlyDictionary<char, double> Characters, double Unseen);

    private static readonly Lazy<Table> Weights = new(() => Learn(LearnedClassifier.ShippedCorpus()), LazyThreadSafetyMode.ExecutionAndPublication);

    public static double Idea(string idea) => Weights.Value.Ideas.TryGetValue(idea, out var w) ? w : Weights.Value.Unseen;

    public static double Character(char c) => Weights.Value.Characters.TryGetValue(c, out var w) ? w : Weights.Value.Unseen;

    /// <summary>Weighted Dice of two sets: twice the weight they share over the weight of both; 0 when either is empty.</summary>
    public static double Dice<T>(IReadOnlySet<T> a, IReadOnlySet<T> b, Func<T, double> weight)
    {
        if (a.Count == 0 || b.Count == 0) return 0;
        double shared = 0, total = 0;
        foreach (var x in a)
        {
            var w = weight(x);
            total += w;
            if (b.Contains(x)) shared += w;
        }
        foreach (var x in b) total += weight(x);
        return total == 0 ? 0 : 2 * shared / total;
    }

    /// <summary>Learns the weights now rather than on the first filing (a pass over the embedded corpus).</summary>
    public static void Warm() => _ = Weights.Value;

    /// <summary>The weights of a labelled corpus: one pass reading each request's ideas and letters.</summary>
    private static Table Learn(IReadOnlyList<(string Category, string Text)> corpus)
    {
        var ideas = new Dictionary<string, double>(StringComparer.Ordinal);
        var characters = new Dictionary<char, double>();
        var unseen = 0.0;
        foreach (var category in corpus.GroupBy(c => c.Category, StringComparer.Ordinal))
        {
            var n = category.Count();
            var (ideaCounts, characterCounts) = (new Dictionary<string, int>(StringComparer.Ordinal), new Dictionary<char, int>());
            var seen = new HashSet<char>();
            foreach (var (_, text) in category)
            {
                foreach (var idea in ReportGist.IdeasOf(text)) ideaCounts[idea] = ideaCounts.GetValueOrDefault(idea) + 1;
                // Every letter of the request, not only its content words: how many requests of the category use the
                // character, without segmenting the whole corpus (seconds with jieba).
                seen.Clear();
                foreach (var c in KeywordClassifier.Normalise(text))
                    if (char.IsLetter(c) && seen.Add(c)) characterCounts[c] = characterCounts.GetValueOrDefault(c) + 1;
            }
            double W(int count) => Math.Log((double)n / Math.Max(FewestRequests, count));
            unseen = Math.Max(unseen, W(0));
            // The least over the categories: keep the smaller weight where another category already set one.
            foreach (var (idea, count) in ideaCounts) ideas[idea] = Math.Min(W(count), ideas.GetValueOrDefault(idea, double.MaxValue));
            foreach (var (c, count) in characterCounts) characters[c] = Math.Min(W(count), characters.GetValueOrDefault(c, double.MaxValue));
        }
        return new Table(ideas, characters, unseen);
    }
}
