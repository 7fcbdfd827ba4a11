using System.Collections.Concurrent;
using System.Diagnostics;

namespace GovPlatform.IntegrationTests.Infrastructure;

/// <summary>Records the platform's own spans (outbox publish, inbox handling) from every service in this process.</summary>
public sealed class ActivityCollector : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Activity> _stopped = new();

    public ActivityCollector()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "GovPlatform.Messaging",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public IEnumerable<Activity> Stopped => _stopped;

    /// <summary>Handling spans of one consumer for one message id (duplicates included).</summary>
    public IReadOnlyList<Activity> Handled(string consumer, Guid messageId) =>
        _stopped.Where(a => a.GetTagItem("govplatform.consumer") as string == consumer
                            && a.GetTagItem("messaging.message.id") is Guid id && id == messageId).ToList();

    public void Dispose() => _listener.Dispose();
}
