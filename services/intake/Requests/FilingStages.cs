using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace GovPlatform.Intake.Requests;

/// <summary>
/// Where a filing's time goes, stage by stage (<c>govplatform.intake.filing.stage</c>, milliseconds, tagged with the
/// stage): the POST's latency is the sum, and the stages inside the transaction are also how long its locks are held.
/// Recording costs two timestamps and, only while something listens (the OTLP exporter, a benchmark), a histogram entry.
/// </summary>
public static class FilingStages
{
    public const string MeterName = "GovPlatform.Intake";
    public const string InstrumentName = "govplatform.intake.filing.stage";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(InstrumentName, "ms",
        "Time a request's filing spent in each stage");

    /// <summary>Validation, the caller's checks and the text's search words (jieba), before any database work.</summary>
    public const string Validate = "validate";
    /// <summary>The place in the grid tree (a cache hit costs nothing) and, without a code, the grid holding the point.</summary>
    public const string Place = "place";
    /// <summary>The category's answers, or the rules' classification of the text.</summary>
    public const string Classify = "classify";
    /// <summary>The external-id check and the duplicate search with its lock.</summary>
    public const string Duplicates = "duplicates";
    /// <summary>The row, its first timeline entry (with the texts it owes), the idempotency key and, usually, the event for dispatch: one round trip.</summary>
    public const string Insert = "insert";
    /// <summary>Uploads linked, the duplicate's link, and the event when it could not be written with the row (a duplicate's, or one with uploads).</summary>
    public const string Events = "events";
    public const string Commit = "commit";

    /// <summary>Times consecutive stages of one filing.</summary>
    public struct Clock()
    {
        private long _last = Stopwatch.GetTimestamp();

        /// <summary>Records the time since the previous mark (or the start) under <paramref name="stage"/>.</summary>
        public void Mark(string stage)
        {
            var now = Stopwatch.GetTimestamp();
            if (Duration.Enabled)
                Duration.Record(Stopwatch.GetElapsedTime(_last, now).TotalMilliseconds, new KeyValuePair<string, object?>("stage", stage));
            _last = now;
        }
    }
}
