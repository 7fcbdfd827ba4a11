using System.Collections.Concurrent;
using GovPlatform.ServiceDefaults;

namespace GovPlatform.Intake.Notifications;

/// <param name="Kind">code (a one-time code) or a step of a request's progress.</param>
public sealed record OutgoingText(string Phone, string Text, string Kind);

/// <summary>
/// Where texts to residents leave the platform: an SMS gateway or a WeChat template message in production,
/// <see cref="LogTextSender"/> locally. Throwing means not sent; the caller retries.
/// </summary>
public interface ITextSender
{
    Task SendAsync(OutgoingText text, CancellationToken ct);
}

/// <summary>The local sender: writes each text to the log (phone masked) and, where enabled, to the test mailbox.</summary>
public sealed class LogTextSender(TestMailbox mailbox, ILogger<LogTextSender> logger) : ITextSender
{
    public Task SendAsync(OutgoingText text, CancellationToken ct)
    {
        // A code is a credential: the log keeps only that one was sent.
        logger.LogInformation("Text to {Phone} ({Kind}): {Text}", PersonalData.MaskPhone(text.Phone), text.Kind,
            text.Kind == "code" ? "(one-time code)" : text.Text);
        mailbox.Add(text);
        return Task.CompletedTask;
    }
}

public sealed record MailboxEntry(string Phone, string Text, string Kind, DateTimeOffset At);

/// <summary>The last texts sent by this instance, in memory, so tests and a developer can read what a resident received.</summary>
public sealed class TestMailbox(TimeProvider clock)
{
    private const int Capacity = 10_000;
    private readonly ConcurrentQueue<MailboxEntry> _entries = new();

    public bool Enabled { get; set; }

    public void Add(OutgoingText text)
    {
        if (!Enabled) return;
        _entries.Enqueue(new MailboxEntry(text.Phone, text.Text, text.Kind, clock.GetUtcNow()));
        while (_entries.Count > Capacity) _entries.TryDequeue(out _);
    }

    public IReadOnlyList<MailboxEntry> For(string phone) => _entries.Where(e => e.Phone == phone).ToList();
}
