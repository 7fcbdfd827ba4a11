using GovPlatform.Intake.Classification;

// Only the evaluation's `compare` uses it (ensembles were measured and not shipped), so it lives with the tool.

/// <summary>
/// Several learned models of the same categories voting together: the probability of a category is the mean of
/// the members' probabilities, so a request is sure only where models that read it differently agree.
/// </summary>
internal sealed class EnsembleClassifier(IReadOnlyList<LearnedClassifier> members, double threshold, bool weakestMember = false) : IRequestClassifier
{
    public double Threshold => threshold;

    public IReadOnlyList<LearnedClassifier> Members => members;

    public EnsembleClassifier WithThreshold(double value) => new(members, value, weakestMember);

    public Classification Classify(string text)
    {
        var categories = members[0].Categories;
        var sum = new double[categories.Count];
        var each = new List<double[]>(members.Count);
        foreach (var member in members)
        {
            if (member.Probabilities(text) is not { } p) continue;
            each.Add(p);
            for (var c = 0; c < sum.Length; c++) sum[c] += p[c];
        }
        if (each.Count == 0) return KeywordClassifier.FromEmbeddedRules().Classify(text) with { Confidence = 0 };
        var ranked = sum.Select((s, i) => new Candidate(categories[i], Math.Round(s / members.Count, 3)))
            .OrderByDescending(c => c.Score).ThenBy(c => c.Category, StringComparer.Ordinal).Take(3).ToList();
        var top = Array.IndexOf(categories.ToArray(), ranked[0].Category);
        // Optionally as sure as the least sure member is of the chosen category.
        var confidence = weakestMember ? Math.Round(each.Min(p => p[top]), 3) : ranked[0].Score;
        return new Classification(ranked[0].Category, confidence, ranked);
    }
}
