namespace GovPlatform.Volunteer.Points;

/// <summary>
/// Runs the expiry of due points on a timer. Runs on several instances may overlap: each
/// volunteer's expiry is computed under their account's row lock, so the second finds nothing due.
/// </summary>
public sealed class PointsExpiryService(Npgsql.NpgsqlDataSource db, TimeProvider clock, IConfiguration config, ILogger<PointsExpiryService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = config.GetValue("Volunteer:ExpiryInterval", TimeSpan.FromHours(1));
        using var timer = new PeriodicTimer(interval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    var (entries, points) = await PointsBook.ExpireDueAsync(db, clock.GetUtcNow(), stoppingToken);
                    if (entries > 0) logger.LogInformation("Expired {Points} points in {Entries} accounts", points, entries);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogError(e, "Points expiry run failed; the next tick retries");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
