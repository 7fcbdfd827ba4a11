using System.Diagnostics;
using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults;
using MassTransit;

namespace GovPlatform.Intake.HotSpots;

/// <summary>
/// Looks for a hot spot each request makes or joins, just after it is filed: intake hears its own
/// <see cref="RequestSubmitted"/> (published only for a request with a category that is no linked duplicate: at
/// filing, when the desk chooses a category for one in triage, when a duplicate is unlinked and so stands on its own,
/// and for a meeting's need, which is not looked at) and hands the request to <see cref="HotSpotGroups"/>, which runs
/// <see cref="HotSpotDetector"/> for it in a transaction shared with the requests that arrived meanwhile, with
/// <see cref="HotSpotDetected"/> and <see cref="HotSpotGrew"/> through the outbox in it. The message is acknowledged
/// once that transaction has committed. The filing's transaction no longer waits for the detector's lock per
/// category and community, which concurrent filings of one place used to queue behind.
/// </summary>
/// <remarks>
/// Considered once: the request's row in <c>hot_spot_checks</c> is claimed first (<c>ON CONFLICT DO NOTHING</c>),
/// so a redelivery, or the same event published again under another message id, finds it there and changes
/// nothing; a concurrent second delivery waits on that row until the first commits. The row is needed because a
/// request that joined nothing leaves no other trace, and considering it again later, with more requests filed
/// since, could make a hot spot its filing did not. The request is read from the ledger, not the message, so a
/// category chosen or a link made since counts as it stands now.
/// <para>
/// Checks are kept for <see cref="HotSpotOptions.CheckRetention"/> (the window plus a margin; HotSpotCheckRetention
/// deletes older ones), so a request filed longer ago than that is not looked at: its check may be gone, and every
/// request it could make a hot spot with is past the window. A check is written no earlier than its request's
/// filing, so whenever a check has been deleted its request is already that old, and no copy of an event, however
/// late, can make a request count twice.
/// </para>
/// <para>
/// Its queue is not gated by the service's consumer gate: a delivery holds no connection while it waits for its
/// group (the groups' writers hold their own, <see cref="HotSpotOptions.DetectionConcurrency"/> at most).
/// </para>
/// </remarks>
public sealed class HotSpotDetectionConsumer(HotSpotGroups groups, IntakeOptions options) : IConsumer<RequestSubmitted>
{
    public async Task Consume(ConsumeContext<RequestSubmitted> context)
    {
        var messageId = context.MessageId
            ?? throw new InvalidOperationException($"{nameof(RequestSubmitted)} arrived without a MessageId.");
        // The same span and tags as the inbox consumers' (InboxConsumer), so a delivery that changed nothing shows as one.
        using var activity = Telemetry.Messaging.StartActivity($"handle {nameof(RequestSubmitted)}", ActivityKind.Consumer);
        activity?.SetTag("messaging.message.id", messageId);
        activity?.SetTag("govplatform.consumer", nameof(HotSpotDetectionConsumer));
        // A meeting's need gathered the neighbours' voices already (docs/intake.md, Meetings): not looked at, as before.
        if (!options.HotSpots.Enabled || context.Message.Channel == Meetings.MeetingNeedRaisedConsumer.Channel) return;
        if (!await groups.ConsiderAsync(context.Message.RequestId, context.CancellationToken))
            activity?.SetTag("govplatform.duplicate", true);
    }
}
