using System.Reflection;
using System.Text;
using JiebaNet.Segmenter;

namespace GovPlatform.Intake.Classification;

/// <summary>
/// Chinese word segmentation with jieba (its dictionary plus the field's words in
/// Classification/domain-words.txt). jieba reads its own dictionary from a Resources folder that
/// the project file copies from the package beside the assembly, for build and publish alike.
/// Loading that dictionary takes about a second, so one segmenter serves the whole process.
/// </summary>
public static class WordSegmenter
{
    private static readonly Lazy<JiebaSegmenter> Segmenter = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The words of a text, normalised (NFKC, lower case), without whitespace and punctuation.</summary>
    public static IReadOnlyList<string> Words(string text)
    {
        var normalised = KeywordClassifier.Normalise(text);
        if (normalised.Length == 0) return [];
        var words = new List<string>();
        foreach (var word in Segmenter.Value.Cut(normalised, cutAll: false, hmm: true))
            if (word.Any(char.IsLetterOrDigit)) words.Add(word);
        return words;
    }

    /// <summary>
    /// The words of a text in jieba's search mode: each word, and the dictionary words of two and
    /// three characters inside a longer one (下水道 also gives 水道), so a search for the shorter word
    /// finds the longer. Normalised like <see cref="Words"/>.
    /// </summary>
    public static IReadOnlyList<string> SearchWords(string text)
    {
        var normalised = KeywordClassifier.Normalise(text);
        if (normalised.Length == 0) return [];
        var words = new List<string>();
        foreach (var word in Segmenter.Value.CutForSearch(normalised, hmm: true))
            if (word.Any(char.IsLetterOrDigit)) words.Add(word);
        return words;
    }

    /// <summary>Loads the dictionaries now rather than on the first request.</summary>
    public static void Warm() => _ = Segmenter.Value;

    private static JiebaSegmenter Create()
    {
        var resources = Path.Combine(AppContext.BaseDirectory, "Resources");
        if (!File.Exists(Path.Combine(resources, "dict.txt")))
            throw new InvalidOperationException($"jieba's dictionary is missing from {resources}; the intake project copies it from the jieba.NET package.");
        ConfigManager.ConfigFileBaseDir = resources;
        var segmenter = new JiebaSegmenter();
        foreach (var (word, frequency) in DomainWords())
            segmenter.AddWord(word, frequency);
        return segmenter;
    }

    /// <summary>The field's words shipped in the assembly, with their frequencies (default 500).</summary>
    public static IEnumerable<(string Word, int Frequency)> DomainWords()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Classification.domain-words.txt")
            ?? throw new InvalidOperationException("The embedded domain dictionary is missing.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var result = new List<(string, int)>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            result.Add((parts[0], parts.Length > 1 ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : 500));
        }
        return result;
    }
}
