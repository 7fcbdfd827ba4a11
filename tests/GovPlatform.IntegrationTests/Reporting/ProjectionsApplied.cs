using System.Diagnostics;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests.Reporting;

/// <summary>
/// Waits until reporting's projections have applied given messages: for each message id, a projection's handling span
/// that ended without error (it ends once the event's transaction has committed, or the inbox found it already
/// applied). The inbox row is no such sign any more: projections idempotent by their own keys write none. Start it
/// before sending, since it sees only the spans that end after it starts.
/// </summary>
public sealed class ProjectionsApplied : IDisposable
{
    private readonly ActivityCollector _spans = new();

    public Task WaitAsync(IEnumerable<Guid> messageIds, string what, TimeSpan? timeout = null)
    {
        var ids = messageIds.ToHashSet();
        return Eventually.True(() => Task.FromResult(ids.IsSubsetOf(Applied())), what, timeout);
    }

    /// <summary>How many deliveries of the message a projection handled without error (duplicates included).</summary>
    public int Handled(Guid messageId) => Spans().Count(id => id == messageId);

    private HashSet<Guid> Applied() => Spans().ToHashSet();

    private IEnumerable<Guid> Spans() =>
        _spans.Stopped
            .Where(a => a.Status != ActivityStatusCode.Error
                        && a.GetTagItem("govplatform.consumer") is string consumer && consumer.EndsWith("Projection", StringComparison.Ordinal))
            .Select(a => a.GetTagItem("messaging.message.id"))
            .OfType<Guid>();

    public void Dispose() => _spans.Dispose();
}
