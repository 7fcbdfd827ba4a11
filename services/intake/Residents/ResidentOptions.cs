namespace GovPlatform.Intake.Residents;

/// <summary>The residents' pages' policies, from the <c>Residents</c> configuration section.</summary>
public sealed class ResidentOptions
{
    /// <summary>Whether one-time codes go out by SMS; off, a phone is taken after a proof of work instead (no verification).</summary>
    public bool SmsEnabled { get; set; } = true;

    /// <summary>The address residents reach intake's pages at (printed in QR codes and messages); unset, the address the request came to.</summary>
    public string? PublicBaseUrl { get; set; }

    public TimeSpan CodeLifetime { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>Wrong guesses allowed for one code before a new one must be asked for (6 digits, so 5 guesses give 1 in 200,000).</summary>
    public int CodeAttempts { get; set; } = 5;
    /// <summary>Codes one phone may be sent per <see cref="CodeWindow"/>: every text costs money and annoys its owner.</summary>
    public int CodesPerPhone { get; set; } = 3;
    public TimeSpan CodeWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a verified phone stays verified in the browser that verified it.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromDays(7);

    public int ReportsPerPhone { get; set; } = 5;
    public int ReportsPerDoorplate { get; set; } = 30;
    public int AlarmsPerPhone { get; set; } = 2;
    /// <summary>Photo uploads (of up to 3 photos each) per phone per <see cref="ReportWindow"/>.</summary>
    public int PhotoUploadsPerPhone { get; set; } = 15;
    public TimeSpan ReportWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Leading zero bits a proof of work must find: 16 takes a phone's browser about a second.</summary>
    public int PowDifficulty { get; set; } = 16;
    public TimeSpan PowLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Waits before each retry of a message the sender refused; after the last one the message is given up as failed.</summary>
    /// <remarks>Null by default: the configuration binder appends configured items to an array's initial ones instead of replacing them.</remarks>
    public TimeSpan[]? NotificationRetryDelays { get; set; }

    public TimeSpan[] RetryDelays => NotificationRetryDelays is { Length: > 0 } configured ? configured :
        [TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30)];
    /// <summary>Safety-net poll of the messages owed (the timeline's NOTIFY wakes the sender at once); retries fall due on it.</summary>
    public TimeSpan NotificationPoll { get; set; } = TimeSpan.FromSeconds(1);
    public int NotificationBatch { get; set; } = 50;
    /// <summary>
    /// How long the sender waits after a wake before claiming, so the texts owed meanwhile go in the same round: it bounds
    /// the sender to a few claiming transactions a second however many steps commit, at the cost of this much delay per text.
    /// </summary>
    public TimeSpan NotificationGather { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Keep a copy of every text sent and serve it at /api/v1/residents/test-mailbox; on in Development and Testing only.</summary>
    public bool? TestMailbox { get; set; }
}
