using GovPlatform.Contracts;
using MassTransit;

namespace GovPlatform.Web.Live;

/// <summary>A resident's one-key alarm (a critical request) as an open console page shows it.</summary>
/// <param name="LocationPath">Grid-tree codes from the district down to the place: who is in scope of it.</param>
/// <param name="Place">The place's names as the doorplate gives them, e.g. 锦园社区 东苑小区 1号楼.</param>
public sealed record ResidentAlarm(Guid RequestId, string TicketNo, string LocationCode, IReadOnlyList<string> LocationPath, string? Place,
    string? Description, DateTimeOffset SubmittedAt, DateTimeOffset ReceivedAt)
{
    /// <summary>
    /// Whether the signed-in person is one who must hear of it: someone whose scope holds the place (a person with no
    /// scope node, as a county desk operator may be, hears every alarm).
    /// </summary>
    public bool Concerns(string? scopeNode) =>
        scopeNode is null || LocationCode == scopeNode || LocationPath.Contains(scopeNode);
}

/// <summary>Tells this instance's open pages of each new alarm, the way <see cref="WorkOrderHub"/> tells them of orders.</summary>
public sealed class AlarmHub
{
    public event Func<ResidentAlarm, Task>? Raised;

    public async Task RaiseAsync(ResidentAlarm alarm)
    {
        if (Raised is not { } handlers) return;
        foreach (var handler in handlers.GetInvocationList().Cast<Func<ResidentAlarm, Task>>())
        {
            // One closed or broken circuit must not keep the others from hearing.
            try { await handler(alarm); }
            catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException or TaskCanceledException) { }
        }
    }
}

/// <summary>
/// Intake's <see cref="RequestSubmitted"/>, heard directly rather than through dispatch's assignment: an alarm must
/// reach the screens within 2 s of the resident's tap, and waiting for dispatch to route it first would spend most
/// of that. Only critical requests (the one-key alarm files nothing else as critical from a resident) are raised.
/// </summary>
public sealed class AlarmFeed(AlarmHub hub, TimeProvider clock) : IConsumer<RequestSubmitted>
{
    public const string Critical = "critical";

    public Task Consume(ConsumeContext<RequestSubmitted> context)
    {
        var m = context.Message;
        if (m.Urgency != Critical) return Task.CompletedTask;
        return hub.RaiseAsync(new ResidentAlarm(m.RequestId, m.TicketNo, m.LocationCode, m.LocationPath, m.Case?.Address,
            m.Case?.Description, m.SubmittedAt, clock.GetUtcNow()));
    }
}
