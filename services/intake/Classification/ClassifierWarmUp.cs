namespace GovPlatform.Intake.Classification;

/// <summary>
/// Loads jieba's dictionary and trains the model in the background as intake starts, so the first
/// request without a category does not wait for it (it would, on the shared lazy value, if it came first).
/// </summary>
public sealed class ClassifierWarmUp(IRequestClassifier classifier, ILogger<ClassifierWarmUp> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(() =>
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        classifier.Classify("楼道灯坏了");
        logger.LogInformation("Classifier ready in {Milliseconds} ms", clock.ElapsedMilliseconds);
    }, stoppingToken);
}
