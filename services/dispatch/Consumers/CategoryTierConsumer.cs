using Dapper;
using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Npgsql;

namespace GovPlatform.Dispatch.Consumers;

/// <summary>
/// Keeps dispatch's copy of the catalogue's default tiers (<c>category_tiers</c>) from intake's announcements, so
/// <see cref="RequestSubmittedConsumer"/> can start an order where its category belongs without asking intake.
/// </summary>
public sealed class CategoryTierConsumer(NpgsqlDataSource db) : InboxConsumer<CategoryChanged>(db)
{
    private static readonly HashSet<string> Known = [Tiers.Compound, Tiers.Community, Tiers.Subdistrict, Tiers.County];

    protected override Task HandleAsync(ConsumeContext<CategoryChanged> context, NpgsqlTransaction tx)
    {
        var m = context.Message;
        // Intake validates the tier; one it might add later is not ours to guess at, so the category keeps its last known tier.
        if (!Known.Contains(m.DefaultTier)) return Task.CompletedTask;
        const string upsert = """
            INSERT INTO category_tiers (category, default_tier, changed_at) VALUES (@Code, @DefaultTier, @At)
            ON CONFLICT (category) DO UPDATE SET default_tier = excluded.default_tier, changed_at = excluded.changed_at
            WHERE category_tiers.changed_at <= excluded.changed_at
            """;
        return tx.Connection!.ExecuteAsync(new CommandDefinition(upsert, new { m.Code, m.DefaultTier, m.At }, tx,
            cancellationToken: context.CancellationToken));
    }
}
