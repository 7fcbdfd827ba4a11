using Microsoft.Extensions.Time.Testing;

namespace GovPlatform.IntegrationTests.Infrastructure;

/// <summary>
/// The tests' one clock, given to a service as its <see cref="TimeProvider"/>: a <see cref="FakeTimeProvider"/> whose
/// "now" moves only when the test advances it, so clocks are tested by time travel, never by sleeping.
/// </summary>
/// <remarks>
/// Timers and timestamps stay the system's. The services' background loops (retention, points expiry) and the
/// libraries' timeouts and retry delays wait on the injected provider's timers; FakeTimeProvider's own timers fire only
/// when a test advances it, so those loops would stall and a retry would hang. What the tests move is the date the
/// services read, not how long they wait.
/// </remarks>
public sealed class FakeClock(DateTimeOffset start) : FakeTimeProvider(start)
{
    /// <summary>Starts at the real now (FakeTimeProvider on its own starts on 1 January 2000).</summary>
    public FakeClock() : this(DateTimeOffset.UtcNow) { }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        TimeProvider.System.CreateTimer(callback, state, dueTime, period);

    public override long GetTimestamp() => TimeProvider.System.GetTimestamp();

    public override long TimestampFrequency => TimeProvider.System.TimestampFrequency;
}
