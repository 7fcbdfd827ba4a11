namespace GovPlatform.Intake.Duplicates;

public sealed class DuplicateOptions
{
    /// <summary>How far back an open request can be the original of a new one.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(72);
    /// <summary>Requests with coordinates this close count as the same place, even in different buildings.</summary>
    public double RadiusMeters { get; set; } = 100;
    /// <summary>Minimum text similarity (<see cref="ReportGist.Similarity"/>: shared ideas and words, no different floor, unit or room).</summary>
    public double TextSimilarity { get; set; } = 0.5;
}
