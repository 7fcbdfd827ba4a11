using System.Globalization;
using System.Reflection;
using System.Text;

namespace GovPlatform.Intake.Classification;

/// <summary>
/// A multinomial logistic regression (softmax) over the words jieba finds, pairs of neighbouring
/// words, character pairs and the keyword rules' scores per category, learned from the labelled
/// corpus shipped in the assembly (corpus/train.tsv, made by tools/intake-corpus, plus
/// corpus/desk.tsv, the desk's reclassifications). The trained weights ship beside it
/// (corpus/model.tsv, written by the evaluation tool's `train`), stamped with the corpus's hash:
/// segmenting eight thousand requests takes several seconds of CPU, too long for every start, so a
/// start trains only when the shipped weights do not belong to the shipped corpus.
/// Written here rather than taken from ML.NET: a few hundred lines, no native library, training in
/// about a second with a fixed seed so that every start gives the same weights, and each weight
/// names the word it belongs to, so a decision can be explained. The keyword rules stay as
/// features and as the fallback when the model has no evidence at all. Since the fifth round a second model of the same
/// kind over characters alone is trained beside it and averaged with it (<see cref="FeatureSet.CharView"/>): on both spent
/// sealed sets the two views together read other authors' words better than the word view alone (docs/intake.md).
/// </summary>
public sealed class LearnedClassifier : IRequestClassifier
{
    /// <summary>Below this probability of the best category a request goes to triage (before a calibrated one is chosen).</summary>
    public const double DefaultThreshold = 0.6;

    /// <summary>Features with no weight at least this large are left out of the model (<see cref="Train"/>).</summary>
    public const double DefaultPrune = 0.05;

    /// <summary>
    /// The feature kinds the shipped weights are trained with and how they are read (chosen on the calibration set, docs/intake.md;
    /// the character view since the fifth round, where each spent sealed set judged it).
    /// </summary>
    public const FeatureSet ShippedFeatures = FeatureSet.Basic | FeatureSet.Ideas | FeatureSet.SkipPairs | FeatureSet.KnownScale | FeatureSet.MarginConfidence
        | FeatureSet.CharView;

    /// <summary>The share of an example's features left out at random in each pass of training (<see cref="Train"/>).</summary>
    public const double ShippedDropout = 0.5;

    /// <summary>Passes over the corpus in training: with most features left out each time, each example is seen in 20 different parts.</summary>
    public const int ShippedEpochs = 20;

    /// <summary>
    /// The lowest threshold at and above which every cut keeps the auto-classified precision on
    /// <paramref name="calibration"/> at or above <paramref name="precision"/>: read from a labelled set that is
    /// neither trained on nor used to measure, so the held-out figures stay honest. Null when no cut reaches it.
    /// </summary>
    public static double? Calibrate(IRequestClassifier model, IReadOnlyList<(string Category, string Text)> calibration, double precision)
    {
        var results = calibration.Select(c => model.Classify(c.Text) is var r ? (Right: r.Category == c.Category, r.Confidence) : default)
            .OrderByDescending(r => r.Confidence).ToList();
        double? best = null;
        var (right, taken) = (0, 0);
        for (var i = 0; i < results.Count; i++)
        {
            (right, taken) = (right + (results[i].Right ? 1 : 0), taken + 1);
            // Only cut between different confidences: all requests of one confidence go the same way.
            if (i + 1 < results.Count && results[i + 1].Confidence == results[i].Confidence) continue;
            if (right < precision * taken) break;
            if (results[i].Confidence > 0) best = results[i].Confidence;
        }
        return best;
    }

    /// <summary>
    /// The lowest threshold that keeps the precision on each of <paramref name="sets"/> (hand-written tuning sets, never
    /// trained on) at or above <paramref name="precision"/>: the largest of their <see cref="Calibrate"/>d thresholds.
    /// Null when one of them reaches it at no cut.
    /// </summary>
    public static double? CalibrateOnAll(IRequestClassifier model, IEnumerable<IReadOnlyList<(string Category, string Text)>> sets, double precision)
    {
        double? highest = null;
        foreach (var set in sets)
        {
            if (Calibrate(model, set, precision) is not { } threshold) return null;
            highest = Math.Max(highest ?? 0, threshold);
        }
        return highest;
    }

    private readonly string[] _categories;
    private readonly Dictionary<string, float[]> _weights;
    private readonly float[] _bias;
    private readonly KeywordClassifier _rules;

    public double Threshold { get; }

    /// <summary>Which kinds of feature the model reads (<see cref="FeatureSet"/>); saved with the weights.</summary>
    public FeatureSet Kinds { get; }

    private LearnedClassifier(string[] categories, Dictionary<string, float[]> weights, float[] bias, KeywordClassifier rules, double threshold,
        FeatureSet kinds)
    {
        (_categories, _weights, _bias, _rules, Threshold, Kinds) = (categories, weights, bias, rules, threshold, kinds);
    }

    /// <summary>The same weights with another threshold (one chosen on a calibration set).</summary>
    public LearnedClassifier WithThreshold(double threshold) => new(_categories, _weights, _bias, _rules, threshold, Kinds);

    /// <summary>The same weights read with other feature kinds (only <see cref="FeatureSet.KnownScale"/> changes nothing the weights depend on).</summary>
    public LearnedClassifier WithKinds(FeatureSet kinds) => new(_categories, _weights, _bias, _rules, Threshold, kinds);

    /// <summary>The model of the shipped corpus: its shipped weights, or trained now if they are stale. Once a process.</summary>
    public static LearnedClassifier FromShippedCorpus() => Shipped.Value;

    private static readonly Lazy<LearnedClassifier> Shipped = new(() =>
    {
        var corpus = ShippedCorpus();
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Classification.corpus.model.tsv");
        if (stream is not null)
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            if (Load(reader, CorpusHash(corpus)) is { } model) return model;
        }
        return Train(corpus);
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Whether the weights in the assembly were trained on the corpus in the assembly.</summary>
    public static bool ShippedModelIsCurrent()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Classification.corpus.model.tsv");
        if (stream is null) return false;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return Load(reader, CorpusHash(ShippedCorpus())) is not null;
    }

    /// <summary>SHA-256 of the corpus's lines: names the data a set of weights was trained on.</summary>
    public static string CorpusHash(IReadOnlyList<(string Category, string Text)> corpus)
    {
        var text = new StringBuilder();
        foreach (var (category, request) in corpus) text.Append(category).Append('\t').Append(request).Append('\n');
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>Writes the weights: a header with the corpus hash, threshold and categories, the biases, then one feature a line.</summary>
    public void Save(TextWriter writer, string corpusHash)
    {
        writer.Write($"# weights of intake's classifier; corpus {corpusHash}; features {(int)Kinds}; threshold {Threshold.ToString(CultureInfo.InvariantCulture)}\n");
        writer.Write("categories\t" + string.Join(',', _categories) + "\n");
        writer.Write("bias\t" + string.Join(',', _bias.Select(b => b.ToString("R", CultureInfo.InvariantCulture))) + "\n");
        foreach (var (name, w) in _weights.OrderBy(f => f.Key, StringComparer.Ordinal))
            writer.Write(name + "\t" + string.Join(',', w.Select(x => x.ToString("R", CultureInfo.InvariantCulture))) + "\n");
    }

    /// <summary>Reads weights written by <see cref="Save"/>; null when they belong to another corpus.</summary>
    public static LearnedClassifier? Load(TextReader reader, string corpusHash)
    {
        var header = reader.ReadLine();
        if (header is null || !header.Contains($"corpus {corpusHash};", StringComparison.Ordinal)) return null;
        var threshold = double.Parse(header[(header.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        // Weights written before the feature kinds were saved read words, pairs, characters and rules.
        var at = header.IndexOf("; features ", StringComparison.Ordinal);
        var kinds = at < 0 ? FeatureSet.Basic
            : (FeatureSet)int.Parse(header.AsSpan(at + 11, header.IndexOf(';', at + 11) - at - 11), CultureInfo.InvariantCulture);
        var categories = reader.ReadLine()!.Split('\t')[1].Split(',');
        static float[] Floats(string line) => line[(line.LastIndexOf('\t') + 1)..].Split(',').Select(x => float.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        var bias = Floats(reader.ReadLine()!);
        var weights = new Dictionary<string, float[]>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
            weights[line[..line.LastIndexOf('\t')]] = Floats(line);
        return new LearnedClassifier(categories, weights, bias, KeywordClassifier.FromEmbeddedRules(), threshold, kinds);
    }

    /// <summary>The training corpus and the desk's reclassifications embedded in the assembly.</summary>
    public static IReadOnlyList<(string Category, string Text)> ShippedCorpus() => Embedded(CorpusFiles);

    private static List<(string Category, string Text)> Embedded(IEnumerable<string> files)
    {
        var assembly = Assembly.GetExecutingAssembly();
        var rows = new List<(string, string)>();
        foreach (var name in files)
        {
            using var stream = assembly.GetManifestResourceStream("Classification.corpus." + name);
            if (stream is null) continue;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            rows.AddRange(ReadLabelled(reader));
        }
        return rows;
    }

    /// <summary>The corpus's files in Classification/corpus/, in the order they are read.</summary>
    public static readonly IReadOnlyList<string> CorpusFiles = ["train.tsv", "desk.tsv"];

    /// <summary>Lines of category TAB text; '#' starts a comment line.</summary>
    public static IEnumerable<(string Category, string Text)> ReadLabelled(TextReader reader)
    {
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var tab = line.IndexOf('\t');
            if (tab <= 0) continue;
            yield return (line[..tab], line[(tab + 1)..]);
        }
    }

    /// <summary>Trains deterministically: fixed order of features, fixed seed for the shuffles.</summary>
    /// <remarks>
    /// Features whose every weight stays under <paramref name="prune"/> in size are dropped: most are character pairs
    /// and word pairs seen once or twice, and each moves a score by less than a hundredth (features are scaled to
    /// unit length), while keeping them would more than double the weights' file and their load at start.
    /// </remarks>
    public static LearnedClassifier Train(IReadOnlyList<(string Category, string Text)> corpus, double threshold = DefaultThreshold,
        int epochs = ShippedEpochs, double l2 = 1e-6, FeatureSet? kinds = null, double prune = DefaultPrune, int seed = 20261207,
        double dropout = ShippedDropout)
    {
        var set = kinds ?? ShippedFeatures;
        var rules = KeywordClassifier.FromEmbeddedRules();
        var categories = corpus.Select(c => c.Category).Distinct().Order(StringComparer.Ordinal).ToArray();
        var (weights, bias) = Fit(corpus, categories, text => Features(text, rules, set), epochs, l2, prune, seed, dropout);
        if (set.HasFlag(FeatureSet.CharView))
        {
            // The second view learns on its own (its own shuffles), and its bias is kept as a feature every text has.
            var (view, viewBias) = Fit(corpus, categories, text => CharViewFeatures(text, rules), epochs, l2, prune, seed + 1, dropout);
            foreach (var (name, w) in view) weights[name] = w;
            weights[CharViewBias] = viewBias;
        }
        return new LearnedClassifier(categories, weights, bias, rules, threshold, set);
    }

    // One softmax regression over the features a function reads from each request: stochastic gradient descent with a
    // falling rate, the example's word-like features left out at random (dropout) in every pass, then pruned.
    private static (Dictionary<string, float[]> Weights, float[] Bias) Fit(IReadOnlyList<(string Category, string Text)> corpus, string[] categories,
        Func<string, IReadOnlyList<(string Name, double Value)>> read, int epochs, double l2, double prune, int seed, double dropout)
    {
        var index = categories.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        var k = categories.Length;
        // Features become row numbers once, so the passes below are plain array arithmetic.
        var rows = new Dictionary<string, int>(StringComparer.Ordinal);
        var examples = corpus.Select(c => (Label: index[c.Category],
            Features: read(c.Text).Select(f => (Row: rows.TryGetValue(f.Name, out var r) ? r : rows[f.Name] = rows.Count, f.Value,
                Rule: IsRule(f.Name))).ToArray())).ToArray();
        var w = new double[rows.Count * k];
        var bias = new double[k];

        var random = new Random(seed);
        var order = Enumerable.Range(0, examples.Length).ToArray();
        var p = new double[k];
        var step = 0;
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            random.Shuffle(order);
            foreach (var e in order)
            {
                var (label, all) = examples[e];
                var features = dropout > 0 ? Dropped(all, dropout, random) : all.Select(f => (f.Row, f.Value)).ToArray();
                var rate = 0.5 / (1 + step++ * 1e-4);
                for (var c = 0; c < k; c++) p[c] = bias[c];
                foreach (var (row, value) in features)
                    for (var c = 0; c < k; c++) p[c] += w[row * k + c] * value;
                Softmax(p);
                for (var c = 0; c < k; c++)
                {
                    var gradient = p[c] - (c == label ? 1 : 0);
                    bias[c] -= rate * gradient * 0.1;
                    foreach (var (row, value) in features)
                        w[row * k + c] -= rate * (gradient * value + l2 * w[row * k + c]);
                }
            }
        }
        var weights = rows.Where(r => Enumerable.Range(0, k).Any(c => Math.Abs(w[r.Value * k + c]) >= prune))
            .ToDictionary(r => r.Key, r => Enumerable.Range(0, k).Select(c => (float)w[r.Value * k + c]).ToArray(), StringComparer.Ordinal);
        return (weights, bias.Select(b => (float)b).ToArray());
    }

    // The keyword rules' scores: always kept whole, in training and at classification.
    private static bool IsRule(string name) => name.StartsWith("k:", StringComparison.Ordinal) || name.StartsWith("vk:", StringComparison.Ordinal);

    /// <summary>The character view's bias, stored as a feature (<see cref="FeatureSet.CharView"/>).</summary>
    private const string CharViewBias = "v:bias";

    /// <summary>The categories in the order of <see cref="Probabilities"/>.</summary>
    public IReadOnlyList<string> Categories => _categories;

    /// <summary>The probability of each category (<see cref="Categories"/>' order); null when the model knows nothing of the text.</summary>
    public double[]? Probabilities(string text) => Read(text)?.Both;

    // Both views' probabilities and their mean (only the word view's, and no character view, without CharView).
    private (double[] Both, double[] Words, double[]? Chars)? Read(string text)
    {
        var features = Features(text, _rules, Kinds);
        if (Kinds.HasFlag(FeatureSet.KnownScale)) features = KnownOnly(features);
        // Nothing the model has seen and no rule matched: no evidence.
        if (!features.Any(f => _weights.ContainsKey(f.Name))) return null;
        var words = new double[_categories.Length];
        Scores(features, _weights, _bias, words);
        if (!Kinds.HasFlag(FeatureSet.CharView) || !_weights.TryGetValue(CharViewBias, out var viewBias)) return (words, words, null);
        // The two views vote with equal weight: a category is likely only where words and characters both say so.
        var chars = CharViewFeatures(text, _rules);
        var view = new double[_categories.Length];
        Scores(Kinds.HasFlag(FeatureSet.KnownScale) ? KnownOnly(chars) : chars, _weights, viewBias, view);
        return (words.Select((p, c) => (p + view[c]) / 2).ToArray(), words, view);
    }

    /// <summary>
    /// The character view (<see cref="FeatureSet.CharView"/>): single characters, pairs and runs of three, and the rules'
    /// scores, without the segmenter's words. It reads a sentence by its pieces whatever the segmenter makes of it, so it
    /// errs in other places than the word view.
    /// </summary>
    public static IReadOnlyList<(string Name, double Value)> CharViewFeatures(string text, KeywordClassifier rules)
    {
        var letters = KeywordClassifier.Normalise(text).Where(char.IsLetter).ToArray();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < letters.Length; i++)
        {
            names.Add(string.Create(CultureInfo.InvariantCulture, $"vu:{letters[i]}"));
            if (i + 1 < letters.Length) names.Add(string.Create(CultureInfo.InvariantCulture, $"vc:{letters[i]}{letters[i + 1]}"));
            if (i + 2 < letters.Length) names.Add(string.Create(CultureInfo.InvariantCulture, $"vt:{letters[i]}{letters[i + 1]}{letters[i + 2]}"));
        }
        var features = new List<(string, double)>(names.Count + 4);
        var scale = 1 / Math.Sqrt(Math.Max(1, names.Count));
        foreach (var name in names) features.Add((name, scale));
        foreach (var candidate in rules.Classify(text).Candidates)
            features.Add(("vk:" + candidate.Category, Math.Min(1, candidate.Score / 3)));
        return features;
    }

    /// <summary>
    /// The features the model has weights for, rescaled to unit length among themselves: a word never seen in training
    /// (or pruned) carries no evidence, and should not dilute the words that do.
    /// </summary>
    private List<(string Name, double Value)> KnownOnly(IReadOnlyList<(string Name, double Value)> features)
    {
        var known = features.Where(f => !IsRule(f.Name) && _weights.ContainsKey(f.Name)).Select(f => f.Name).ToList();
        var scale = 1 / Math.Sqrt(Math.Max(1, known.Count));
        var result = known.Select(n => (n, scale)).ToList();
        result.AddRange(features.Where(f => IsRule(f.Name)));
        return result;
    }

    /// <summary>
    /// The example with each word, pair and character feature left out at random, the rest rescaled to unit length: a
    /// resident's sentence holds words the corpus never had, and the model should be sure from the part it knows.
    /// </summary>
    private static (int Row, double Value)[] Dropped((int Row, double Value, bool Rule)[] features, double dropout, Random random)
    {
        var kept = features.Where(f => f.Rule || random.NextDouble() >= dropout).ToList();
        var words = kept.Count(f => !f.Rule);
        if (words == 0) return features.Select(f => (f.Row, f.Value)).ToArray();
        var scale = 1 / Math.Sqrt(words);
        return kept.Select(f => (f.Row, f.Rule ? f.Value : scale)).ToArray();
    }

    public Classification Classify(string text)
    {
        // Nothing the model has seen and no rule matched: no evidence, the desk decides.
        if (Read(text) is not { } read) return _rules.Classify(text) with { Confidence = 0 };
        var probabilities = read.Both;
        var ranked = probabilities.Select((p, i) => new Candidate(_categories[i], Math.Round(p, 3)))
            .OrderByDescending(c => c.Score).ThenBy(c => c.Category, StringComparer.Ordinal).Take(3).ToList();
        // With MarginConfidence the model is as sure as its best category leads the runner-up: two categories
        // sharing the probability is doubt, whatever the best one's probability.
        var confidence = Kinds.HasFlag(FeatureSet.MarginConfidence) ? Math.Round(ranked[0].Score - ranked[1].Score, 3) : ranked[0].Score;
        if (Kinds.HasFlag(FeatureSet.ViewAgreement)) confidence = Math.Min(confidence, Math.Round(ViewLead(text, Array.IndexOf(_categories, ranked[0].Category)), 3));
        if (Kinds.HasFlag(FeatureSet.ViewVote) && read.Chars is { } chars)
        {
            // As sure as the less sure view is of the chosen category: 0 when either view prefers another.
            var best = Array.IndexOf(_categories, ranked[0].Category);
            static double Lead(double[] p, int c) => p[c] - p.Where((_, i) => i != c).Max();
            confidence = Math.Max(0, Math.Min(confidence, Math.Round(Math.Min(Lead(read.Words, best), Lead(chars, best)), 3)));
        }
        return new Classification(ranked[0].Category, confidence, ranked);
    }

    /// <summary>How many halves of a request <see cref="ViewLead"/> reads.</summary>
    public const int Views = 8;

    /// <summary>
    /// The best category's lead over the runner-up, averaged over <see cref="Views"/> halves of the request (each word,
    /// pair and character feature in a half or not by a fixed hash of its name, so the same text always gives the same
    /// halves; the rules' scores in every half). A request that names two categories' things (a quarrel over the
    /// stairwell lamp's bill, water from a blocked roof drain) is read one way by some halves and the other way by
    /// others, so its lead falls however sure the whole reads; a request whose every part points one way keeps it.
    /// Negative when the halves mostly prefer another category.
    /// </summary>
    private double ViewLead(string text, int best)
    {
        var features = Features(text, _rules, Kinds);
        if (Kinds.HasFlag(FeatureSet.KnownScale)) features = KnownOnly(features);
        var words = features.Where(f => !f.Name.StartsWith("k:", StringComparison.Ordinal)).ToList();
        var rules = features.Where(f => f.Name.StartsWith("k:", StringComparison.Ordinal)).ToList();
        var p = new double[_categories.Length];
        var sum = 0.0;
        for (var view = 0; view < Views; view++)
        {
            var half = words.Where(f => InView(f.Name, view)).ToList();
            // A request too short to halve keeps its whole reading in this view.
            if (half.Count == 0) half = words;
            var scale = 1 / Math.Sqrt(half.Count);
            var read = half.Select(f => (f.Name, scale)).Concat(rules).ToList();
            Scores(read, _weights, _bias, p);
            var other = p.Where((_, c) => c != best).Max();
            sum += p[best] - other;
        }
        return sum / Views;
    }

    // FNV-1a of the feature's name and the view: stable across processes, unlike string.GetHashCode.
    private static bool InView(string name, int view)
    {
        var hash = 2166136261u ^ (uint)(view * 16777619);
        foreach (var c in name) hash = (hash ^ c) * 16777619;
        return (hash >> 7 & 1) == 0;
    }

    private static void Scores(IReadOnlyList<(string Name, double Value)> features, Dictionary<string, float[]> weights, float[] bias, double[] into)
    {
        for (var c = 0; c < into.Length; c++) into[c] = bias[c];
        foreach (var (name, value) in features)
        {
            if (!weights.TryGetValue(name, out var w)) continue;
            for (var c = 0; c < into.Length; c++) into[c] += w[c] * value;
        }
        Softmax(into);
    }

    private static void Softmax(double[] scores)
    {
        var max = scores.Max();
        var sum = 0.0;
        for (var c = 0; c < scores.Length; c++) sum += scores[c] = Math.Exp(scores[c] - max);
        for (var c = 0; c < scores.Length; c++) scores[c] /= sum;
    }

    /// <summary>
    /// Words and word pairs (meaning), character pairs (typos and words jieba splits oddly) and the
    /// keyword rules' evidence per category; with <see cref="FeatureSet.Ideas"/> the paraphrase ideas the
    /// text names (走廊, 过道 and 楼梯间 are all 楼道; 黑漆漆 and 不亮 are 灯坏), so a rewording seen once in
    /// training counts for all; with <see cref="FeatureSet.SkipPairs"/> words one apart (楼上|东西 in
    /// 楼上扔东西 around a particle); with <see cref="FeatureSet.Places"/> the kinds of place named inside the
    /// building (a room number, a floor), which lean towards households' and high floors' problems.
    /// Scaled to unit length so long texts do not shout.
    /// </summary>
    public static IReadOnlyList<(string Name, double Value)> Features(string text, KeywordClassifier rules, FeatureSet kinds = FeatureSet.Basic)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var words = WordSegmenter.Words(text);
        for (var i = 0; i < words.Count; i++)
        {
            if (IsNumber(words[i])) continue;
            names.Add("w:" + words[i]);
            if (i + 1 < words.Count) names.Add("b:" + words[i] + "|" + words[i + 1]);
            if (kinds.HasFlag(FeatureSet.SkipPairs) && i + 2 < words.Count) names.Add("s:" + words[i] + "|" + words[i + 2]);
        }
        if (kinds.HasFlag(FeatureSet.Heads) || kinds.HasFlag(FeatureSet.States)) AddHeads(words, names, kinds.HasFlag(FeatureSet.Heads));
        var letters = KeywordClassifier.Normalise(text).Where(char.IsLetter).ToArray();
        for (var i = 0; i + 1 < letters.Length; i++) names.Add(string.Create(CultureInfo.InvariantCulture, $"c:{letters[i]}{letters[i + 1]}"));
        if (kinds.HasFlag(FeatureSet.CharTriples))
            for (var i = 0; i + 2 < letters.Length; i++) names.Add(string.Create(CultureInfo.InvariantCulture, $"t:{letters[i]}{letters[i + 1]}{letters[i + 2]}"));
        if (kinds.HasFlag(FeatureSet.Ideas) || kinds.HasFlag(FeatureSet.Places))
        {
            var gist = Duplicates.ReportGist.Of(text);
            if (kinds.HasFlag(FeatureSet.Ideas))
                foreach (var idea in gist.Ideas) names.Add("i:" + idea);
            if (kinds.HasFlag(FeatureSet.Places))
                foreach (var place in gist.Places.Keys) names.Add("p:" + place);
        }

        var features = new List<(string, double)>(names.Count + 4);
        var scale = 1 / Math.Sqrt(Math.Max(1, names.Count));
        foreach (var name in names) features.Add((name, scale));
        foreach (var candidate in rules.Classify(text).Candidates)
            features.Add(("k:" + candidate.Category, Math.Min(1, candidate.Score / 3)));
        return features;
    }

    // What is said of a thing, by the morphemes that say it. A class, not a list of things: 坏, 断, 裂, 松, 掉 … say that a
    // thing is broken whatever the thing is.
    private static readonly (string Class, string[] Morphemes)[] States =
    [
        ("dark", ["不亮", "灭", "黑", "暗", "闪"]),
        ("missing", ["不见", "缺", "丢了", "没了", "偷"]),
        ("broken", ["坏", "断", "裂", "碎", "烂", "破", "掉", "脱", "松", "歪", "塌", "锈", "翘", "变形", "卡", "失灵", "不灵", "晃", "抬不", "关不", "锁不", "没反应", "损"]),
        ("occupied", ["占", "停满", "堵", "挡", "拦", "封", "焊", "砌", "圈", "锁"]),
        ("leaking", ["漏", "渗", "滴", "湿", "霉", "淌"]),
        ("noisy", ["吵", "响", "嗡", "轰", "咚", "噪"]),
        ("smelly", ["臭", "味", "熏"]),
        ("thrown", ["扔", "抛", "泼", "甩", "砸", "往下丢", "丢下"]),
    ];

    private static readonly HashSet<string> Particles = new(["的", "了", "都", "也", "又", "被", "就", "还", "给", "把", "已经", "一直", "老是", "总是", "是", "有", "那个", "这个"], StringComparer.Ordinal);

    /// <summary>
    /// The object-and-state pattern (<see cref="FeatureSet.Heads"/>): for each word that says a state (broken, missing,
    /// occupied, leaking …), the state's class alone (st:broken) and with the head of the thing named just before it
    /// (h:凳|broken). Chinese compounds are head-final, so the last character of a noun names its kind (长凳, 石凳 and 板凳
    /// are all 凳; 信报箱 and 配电箱 both 箱): a bench the corpus never named still reads as a seat that is broken, and a
    /// fixture nobody listed still reads as a thing that is broken rather than as its one known neighbour word.
    /// </summary>
    private static void AddHeads(IReadOnlyList<string> words, HashSet<string> names, bool heads)
    {
        for (var i = 0; i < words.Count; i++)
        {
            foreach (var (kind, morphemes) in States)
            {
                if (!morphemes.Any(m => words[i].Contains(m, StringComparison.Ordinal))) continue;
                names.Add("st:" + kind);
                if (!heads) continue;
                // The thing: the nearest word before the state that is not a particle (at most two words back).
                for (var j = i - 1; j >= 0 && j >= i - 3; j--)
                {
                    if (Particles.Contains(words[j])) continue;
                    if (Head(words[j]) is { } head) names.Add("h:" + head + "|" + kind);
                    break;
                }
            }
        }
    }

    // The last character of a noun, past the suffixes 子, 儿, 头 that do not name its kind (杆子 → 杆); null for a word
    // that is not Chinese letters or that is itself a state.
    private static string? Head(string word)
    {
        var w = word.Length > 1 && word[^1] is '子' or '儿' or '头' ? word[..^1] : word;
        if (w.Length == 0 || !w.All(c => c >= '\u4e00' && c <= '\u9fff')) return null;
        if (States.Any(s => s.Morphemes.Any(m => w.Contains(m, StringComparison.Ordinal)))) return null;
        return w[^1].ToString();
    }

    private static bool IsNumber(string word) => word.All(c => char.IsDigit(c) || "零一二三四五六七八九十百两".Contains(c));
}

/// <summary>The kinds of feature a model reads; saved with its weights.</summary>
[Flags]
public enum FeatureSet
{
    /// <summary>Words, neighbouring word pairs, character pairs and the keyword rules' scores.</summary>
    Basic = 1,
    /// <summary>The paraphrase ideas the text names (Duplicates/paraphrases.txt).</summary>
    Ideas = 2,
    /// <summary>Pairs of words one word apart.</summary>
    SkipPairs = 4,
    /// <summary>The kinds of place inside the building the text names (building, unit, floor, room).</summary>
    Places = 8,
    /// <summary>At classification, only the features the model has weights for count towards a text's length.</summary>
    KnownScale = 16,
    /// <summary>Runs of three characters.</summary>
    CharTriples = 32,
    /// <summary>Not a feature: the confidence is the best category's lead over the runner-up rather than its probability.</summary>
    MarginConfidence = 64,
    /// <summary>Not a feature: the confidence is at most the best category's lead averaged over halves of the request.</summary>
    ViewAgreement = 128,
    /// <summary>The object-and-state pattern: the class of what is said of a thing (broken, occupied …), alone and with the thing's head character.</summary>
    Heads = 256,
    /// <summary>The class of what is said of a thing alone, without the thing's head (part of <see cref="Heads"/>).</summary>
    States = 512,
    /// <summary>
    /// A second model over characters alone (single, pairs, runs of three) and the rules' scores, trained beside the first
    /// and averaged with it (<see cref="LearnedClassifier.CharViewFeatures"/>).
    /// </summary>
    CharView = 1024,
    /// <summary>Not a feature: with <see cref="CharView"/>, the confidence is at most the less sure view's lead for the chosen category.</summary>
    ViewVote = 2048,
}
