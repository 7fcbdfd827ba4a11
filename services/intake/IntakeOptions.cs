using GovPlatform.Intake.Duplicates;
using GovPlatform.Intake.Open311;

namespace GovPlatform.Intake;

/// <summary>The desk's policies, from the <c>Intake</c> configuration section.</summary>
public sealed class IntakeOptions
{
    /// <summary>How often a dissatisfied resident may reopen a request; after that a dissatisfied callback closes it as dissatisfied.</summary>
    public int MaxReopens { get; set; } = 2;

    /// <summary>Below this confidence an uncategorised request goes to triage; unset, the rules file's threshold applies.</summary>
    public double? ClassificationThreshold { get; set; }

    public DuplicateOptions Duplicates { get; set; } = new();

    /// <summary>The <c>Intake:HotSpots</c> section: window, how many requests make a hot spot, topic similarity.</summary>
    public HotSpots.HotSpotOptions HotSpots { get; set; } = new();

    /// <summary>The <c>Intake:Open311</c> section: jurisdiction, list limit, and the retry window for clients that send no Idempotency-Key.</summary>
    public Open311Options Open311 { get; set; } = new();

    /// <summary>How long an Idempotency-Key replays its first response; after that the key is free again.</summary>
    public TimeSpan IdempotencyKeyLifetime { get; set; } = TimeSpan.FromHours(24);
    /// <summary>How often expired keys are deleted (expiry holds from the first moment, whether or not they are deleted yet).</summary>
    public TimeSpan IdempotencySweepInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The sweep keeps a key as long as any use of the store still replays it.</summary>
    public TimeSpan IdempotencyRetention => IdempotencyKeyLifetime > Open311.RetryWindow ? IdempotencyKeyLifetime : Open311.RetryWindow;

    /// <summary>Wrong phone digits allowed per ticket per window before look-ups of that ticket are refused (4 digits are guessable).</summary>
    public int LookupFailuresAllowed { get; set; } = 5;
    public TimeSpan LookupFailureWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Deliveries of one timeline event (assigned, accepted, ...) applied at once in this process. Each holds a pooled
    /// connection and the request's row lock; unbounded (the broker's prefetch per queue, eleven queues), a burst of
    /// "assigned" took connections and CPU from the POSTs filing requests. The rest waits in the queue.
    /// </summary>
    public int TimelineConcurrency { get; set; } = 4;
}
