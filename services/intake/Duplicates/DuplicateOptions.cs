namespace GovPlatform.Intake.Duplicates;

public sealed class DuplicateOptions
{
    /// <summary>How far back an open request can be the original of a new one.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(72);
    /// <summary>Requests with coordinates this close count as the same place, even in different buildings.</summary>
    public double RadiusMeters { get; set; } = 100;
    /// <summary>
    /// Minimum text similarity (<see cref="ReportGist.Similarity"/>: shared ideas, words or characters weighted by
    /// <see cref="CorpusWeights"/>, no different floor, unit, room, side, gate, person, state or object). 0.25 was chosen on
    /// every labelled set of pairs together, again after the fifth round (93.7 % / 95.0 % over 280 pairs; docs/intake.md,
    /// "Fifth round"); the weights make the category's own words count for little, so scores run lower than the
    /// unweighted measure's (then 0.5).
    /// </summary>
    public double TextSimilarity { get; set; } = 0.25;
}
