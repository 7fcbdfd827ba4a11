namespace GovPlatform.Intake.Duplicates;

/// <summary>
/// Learns the duplicate similarity's <see cref="CorpusWeights"/> in the background as intake starts: one pass over the
/// embedded corpus that would otherwise fall on the first filing with a building or coordinates, while it holds its
/// duplicate lock.
/// </summary>
public sealed class CorpusWeightsWarmUp(ILogger<CorpusWeightsWarmUp> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(() =>
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        CorpusWeights.Warm();
        logger.LogInformation("Duplicate weights learned in {Milliseconds} ms", clock.ElapsedMilliseconds);
    }, stoppingToken);
}
