namespace GovPlatform.IntegrationTests.Infrastructure;

/// <summary>Polls a condition with a deadline: the way to wait for messages, never a fixed sleep.</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public static async Task<T> Get<T>(Func<Task<T?>> probe, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        var delay = TimeSpan.FromMilliseconds(10);
        while (true)
        {
            var value = await probe();
            if (value is not null && value is not false) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out after {timeout ?? DefaultTimeout} waiting for {what}.");
            await Task.Delay(delay, TestContext.Current.CancellationToken);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 200));
        }
    }

    public static Task True(Func<Task<bool>> probe, string what, TimeSpan? timeout = null) =>
        Get<object>(async () => await probe() ? true : null, what, timeout);
}
