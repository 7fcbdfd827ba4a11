using System.Diagnostics;
using GovPlatform.Intake.Classification;
using GovPlatform.Intake.Duplicates;
using GovPlatform.Intake.Search;

/// <summary>
/// The text work one filing does in intake's process, timed per filing on the development and held-out requests
/// (`filing-text`): as it was (the search words read the description's gist, the duplicate search read it again, the
/// hot-spot detection a third time), and as it is (read once, under the request's id, and given to each).
/// Both in the same process, interleaved in rounds, so the ratio holds whatever else the machine runs.
/// </summary>
internal static class FilingText
{
    public static int Cost(string root)
    {
        WordSegmenter.Warm();
        CorpusWeights.Warm();
        var texts = new[] { "eval/intake/dev-requests.tsv", "eval/intake/heldout-requests.tsv" }
            .SelectMany(f => Evaluation.ReadRequests(Path.Combine(root, f))).Select(r => r.Text).Distinct().ToList();
        const string Address = "幸福路12号3栋";
        var sink = 0L;
        // As before: TermsOf read the gist itself, DuplicateFinder read it again, the detector's cache missed.
        void Before(string text, Guid id)
        {
            sink += LedgerSearch.TermsOf(text, Address).Length;
            sink += ReportGist.Of(text).Ideas.Count;
            sink += GistCache.Of(id, text).Ideas.Count;
        }
        // Now: the filing's one gist, kept under the request's id; the detector's cache finds it.
        void After(string text, Guid id)
        {
            var gist = GistCache.Of(id, text);
            sink += LedgerSearch.TermsOf(text, Address, gist).Length;
            sink += gist.Ideas.Count;
            sink += GistCache.Of(id, text).Ideas.Count;
        }
        double Round(Action<string, Guid> filing)
        {
            var watch = Stopwatch.StartNew();
            foreach (var text in texts) filing(text, Guid.NewGuid());
            return watch.Elapsed.TotalMicroseconds / texts.Count;
        }
        Round(Before);
        Round(After);
        var (before, after) = (new List<double>(), new List<double>());
        for (var round = 0; round < 10; round++)
        {
            before.Add(Round(Before));
            after.Add(Round(After));
        }
        GC.KeepAlive(sink);
        double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);
        Console.WriteLine($"a filing's text work, µs per filing ({texts.Count} descriptions with an address, median of 10 interleaved rounds): " +
            $"before {Median(before):0.0}, after {Median(after):0.0} (ratio {Median(after) / Median(before):0.00})");
        return 0;
    }
}
