namespace GovPlatform.ServiceDefaults.Messaging;

/// <summary>
/// Exponential back-off with full jitter for reconnect loops. Without it every instance retries a dead
/// server on the same fixed beat, and when the server returns they all arrive at once (a connection
/// storm that can keep a just-restarted PostgreSQL busy with handshakes instead of queries).
/// </summary>
public sealed class Backoff(TimeSpan first, TimeSpan max)
{
    private int _failures;

    /// <summary>The platform's reconnect schedule: 0.5 s doubling to 5 s, so a server that is back is used again within ~5 s.</summary>
    public static Backoff Reconnect() => new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5));

    public int Failures => _failures;

    /// <summary>The delay after one more failure: a random point in [ceiling/2, ceiling], ceiling = first * 2^failures capped at max.</summary>
    public TimeSpan Next()
    {
        var ceiling = Math.Min(max.TotalMilliseconds, first.TotalMilliseconds * Math.Pow(2, Math.Min(_failures, 20)));
        _failures++;
        return TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
    }

    public void Reset() => _failures = 0;

    /// <summary>Waits <see cref="Next"/>; false when <paramref name="ct"/> was cancelled meanwhile.</summary>
    public async Task<bool> WaitAsync(CancellationToken ct)
    {
        try
        {
            await Task.Delay(Next(), ct);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
