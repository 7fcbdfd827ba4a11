using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults.Messaging;
using Npgsql;

namespace GovPlatform.Dispatch.Consumers;

/// <summary>
/// Asks intake for its whole catalogue at every start (<see cref="CatalogueRequested"/>, through the outbox), so
/// <see cref="CategoryTierConsumer"/> learns each category's default tier even when intake announced its catalogue
/// before dispatch's queue existed: RabbitMQ drops an event no queue is bound to, as on a fresh broker where intake
/// starts first. Whichever starts first, one of the two reaches the other: intake's start-up announcement finds
/// dispatch's queue, or this request finds intake's.
/// </summary>
/// <remarks>
/// Registered after the messaging, whose hosted service waits until the bus and its queues are up, so intake's
/// answer always finds dispatch's queue bound. The answer is dated by each category's last change and the tier copy
/// keeps the newer of two versions, so asking again at every start is harmless.
/// </remarks>
public sealed class CatalogueRequest(NpgsqlDataSource db, TimeProvider clock, ILogger<CatalogueRequest> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        await Outbox.EnqueueAsync(tx, new CatalogueRequested("dispatch", clock.GetUtcNow()), cancellationToken);
        await tx.CommitAsync(cancellationToken);
        logger.LogInformation("Asked intake for the catalogue's default tiers (CatalogueRequested)");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
