using Microsoft.Extensions.Options;

namespace GovPlatform.ServiceDefaults.Messaging;

/// <summary>
/// How long handled messages are kept (section <c>Retention</c>). The windows they must outlast are in
/// docs/migrations.md ("Retention").
/// </summary>
public sealed class RetentionOptions
{
    public const string Section = "Retention";

    /// <summary>
    /// Published outbox rows are deleted this long after publication. While kept, an operator can publish them
    /// again (<c>UPDATE outbox_messages SET published_at = NULL</c>), e.g. to rebuild a read model; unpublished and
    /// parked rows are never deleted.
    /// </summary>
    public TimeSpan OutboxPublishedAge { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Inbox rows are deleted this long after the message was handled. A copy of the message that arrives later is
    /// applied again, so this outlasts every way a copy can arrive: MassTransit's in-place retries (seconds), the
    /// broker's redelivery of an unacknowledged message (minutes), a publisher's outbox replayed (at most
    /// <see cref="OutboxPublishedAge"/>), and a message moved back from an <c>_error</c> queue (7 days, documented).
    /// </summary>
    public TimeSpan InboxAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Time between sweeps; the first comes one interval after start.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Rows deleted per statement: each batch is its own short transaction.</summary>
    public int BatchSize { get; set; } = 1000;

    public bool Enabled { get; set; } = true;

    /// <summary>Why the options cannot be used, or null.</summary>
    public string? Problem() =>
        OutboxPublishedAge <= TimeSpan.Zero ? "Retention:OutboxPublishedAge must be positive."
        : InboxAge <= OutboxPublishedAge ? "Retention:InboxAge must be longer than Retention:OutboxPublishedAge: a replayed outbox row must still find its inbox row in every consumer."
        : Interval <= TimeSpan.Zero ? "Retention:Interval must be positive."
        : BatchSize is < 1 or > 100_000 ? "Retention:BatchSize must be between 1 and 100000."
        : null;

    /// <summary>Fails the start with <see cref="Problem"/>'s sentence.</summary>
    public sealed class Validator : IValidateOptions<RetentionOptions>
    {
        public ValidateOptionsResult Validate(string? name, RetentionOptions options) =>
            options.Problem() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
    }
}
