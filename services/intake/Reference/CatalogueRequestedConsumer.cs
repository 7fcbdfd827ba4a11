using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Npgsql;

namespace GovPlatform.Intake.Reference;

/// <summary>
/// Answers a service that asks for the catalogue (dispatch, at each of its starts) with a <see cref="CategoryChanged"/>
/// for every category, in the outbox in the inbox's transaction, so a request is answered exactly once. The answer is
/// published like any other, to every service that keeps a copy; each is dated by the category's last change, so it
/// restores what a consumer missed and leaves alone what it already holds.
/// </summary>
public sealed class CatalogueRequestedConsumer(NpgsqlDataSource db, ILogger<CatalogueRequestedConsumer> logger)
    : InboxConsumer<CatalogueRequested>(db)
{
    protected override async Task HandleAsync(ConsumeContext<CatalogueRequested> context, NpgsqlTransaction tx)
    {
        var count = await CatalogueAnnouncement.AnnounceAllAsync(tx, context.CancellationToken);
        logger.LogInformation("Announced {Count} catalogue categories at {Service}'s request", count, context.Message.Service);
    }
}
