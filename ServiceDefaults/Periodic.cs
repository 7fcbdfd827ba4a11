namespace GovPlatform.ServiceDefaults;

public static class Periodic
{
    /// <summary>
    /// Waits for the timer's next tick; false once the service is stopping, so a background loop written as
    /// <c>do { … } while (await timer.NextTickAsync(ct));</c> runs its first round at once and ends without an exception.
    /// </summary>
    public static async Task<bool> NextTickAsync(this PeriodicTimer timer, CancellationToken ct)
    {
        try { return await timer.WaitForNextTickAsync(ct); }
        catch (OperationCanceledException) { return false; }
    }
}
