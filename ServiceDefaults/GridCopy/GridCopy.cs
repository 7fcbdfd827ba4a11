using Dapper;
using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults.Data;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace GovPlatform.ServiceDefaults.GridCopy;

/// <summary>
/// Keeps <c>grid_copy</c> current from dispatch's <see cref="GridNodesChanged"/> events. Shared
/// because intake, volunteer and reporting each need the same copy of the tree.
/// </summary>
public sealed class GridNodesChangedConsumer(NpgsqlDataSource db) : InboxConsumer<GridNodesChanged>(db)
{
    protected override async Task HandleAsync(ConsumeContext<GridNodesChanged> context, NpgsqlTransaction tx)
    {
        var m = context.Message;
        await tx.Connection!.ExecuteAsync(new CommandDefinition(Upsert, new
        {
            codes = m.Nodes.Select(n => n.Code).ToArray(),
            parents = m.Nodes.Select(n => n.ParentCode).ToArray(),
            levels = m.Nodes.Select(n => n.Level).ToArray(),
            names = m.Nodes.Select(n => n.Name).ToArray(),
            // Codes are [A-Z0-9-], so '/' can join a path into one array element.
            paths = m.Nodes.Select(n => string.Join('/', n.Path)).ToArray(),
            m.ChangedAt,
        }, tx, cancellationToken: context.CancellationToken));
    }

    // Older news never overwrites newer: chunks of one import, or two imports, may arrive out of order.
    private const string Upsert = """
        INSERT INTO grid_copy AS g (code, parent_code, level, name, path, changed_at)
        SELECT n.code, n.parent_code, n.level, n.name, string_to_array(n.path, '/'), @ChangedAt
        FROM unnest(@codes::text[], @parents::text[], @levels::text[], @names::text[], @paths::text[])
            AS n(code, parent_code, level, name, path)
        ON CONFLICT (code) DO UPDATE
            SET parent_code = excluded.parent_code, level = excluded.level, name = excluded.name,
                path = excluded.path, changed_at = excluded.changed_at
            WHERE g.changed_at <= excluded.changed_at
        """;
}

public static class GridCopyExtensions
{
    /// <summary>Adds the grid copy's table to the service's migrations; register the consumer with <see cref="AddGridCopyConsumer"/>.</summary>
    public static IServiceCollection AddGridCopy(this IServiceCollection services) =>
        services.AddSingleton(new Migrator.Source("gridcopy", typeof(GridNodesChangedConsumer).Assembly, "GridCopy.Migrations."));

    public static void AddGridCopyConsumer(this IBusRegistrationConfigurator x) => x.AddConsumer<GridNodesChangedConsumer>();

    // Property-style because Dapper matches constructors by exact column type (text[] is System.Array).
    public sealed record CopiedNode
    {
        public required string Code { get; init; }
        public string? ParentCode { get; init; }
        public required string Level { get; init; }
        public required string Name { get; init; }
        public required string[] Path { get; init; }
    }

    /// <summary>Looks a location code up in the copy; null when dispatch has not published it.</summary>
    public static Task<CopiedNode?> FindGridNodeAsync(this NpgsqlConnection conn, string code, CancellationToken ct = default) =>
        conn.QuerySingleOrDefaultAsync<CopiedNode>(new CommandDefinition(
            "SELECT code, parent_code AS ParentCode, level, name, path FROM grid_copy WHERE code = @code",
            new { code }, cancellationToken: ct));
}
