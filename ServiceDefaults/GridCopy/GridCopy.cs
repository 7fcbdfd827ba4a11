using System.Globalization;
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
            lats = m.Nodes.Select(n => n.Centre?.Lat).ToArray(),
            lons = m.Nodes.Select(n => n.Centre?.Lon).ToArray(),
            // A ring per node, comma-joined, because Postgres arrays of arrays must be rectangular.
            boundaries = m.Nodes.Select(n => n.Boundary is { Count: >= 3 } b
                ? string.Join(',', Geo.Flatten(b).Select(v => v.ToString("R", CultureInfo.InvariantCulture)))
                : null).ToArray(),
            m.ChangedAt,
        }, tx, cancellationToken: context.CancellationToken));
    }

    // Older news never overwrites newer: chunks of one import, or two imports, may arrive out of order.
    private const string Upsert = """
        INSERT INTO grid_copy AS g (code, parent_code, level, name, path, changed_at,
                                    centre_lat, centre_lon, boundary, min_lat, max_lat, min_lon, max_lon)
        SELECT n.code, n.parent_code, n.level, n.name, string_to_array(n.path, '/'), @ChangedAt,
               n.lat, n.lon, b.ring,
               (SELECT min(v) FROM unnest(b.ring) WITH ORDINALITY AS r(v, i) WHERE i % 2 = 1),
               (SELECT max(v) FROM unnest(b.ring) WITH ORDINALITY AS r(v, i) WHERE i % 2 = 1),
               (SELECT min(v) FROM unnest(b.ring) WITH ORDINALITY AS r(v, i) WHERE i % 2 = 0),
               (SELECT max(v) FROM unnest(b.ring) WITH ORDINALITY AS r(v, i) WHERE i % 2 = 0)
        FROM unnest(@codes::text[], @parents::text[], @levels::text[], @names::text[], @paths::text[],
                    @lats::float8[], @lons::float8[], @boundaries::text[])
            AS n(code, parent_code, level, name, path, lat, lon, boundary)
        CROSS JOIN LATERAL (SELECT string_to_array(n.boundary, ',')::float8[] AS ring) b
        ON CONFLICT (code) DO UPDATE
            SET parent_code = excluded.parent_code, level = excluded.level, name = excluded.name,
                path = excluded.path, changed_at = excluded.changed_at,
                centre_lat = excluded.centre_lat, centre_lon = excluded.centre_lon, boundary = excluded.boundary,
                min_lat = excluded.min_lat, max_lat = excluded.max_lat, min_lon = excluded.min_lon, max_lon = excluded.max_lon
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

    /// <summary>
    /// The grid a latitude/longitude falls in, by <see cref="Geo.Locate"/>'s rule, from the copy; null when no
    /// surveyed grid contains it and no grid centre is within <see cref="Geo.NearestGridMaxMetres"/>.
    /// </summary>
    public static async Task<CopiedNode?> FindGridByPointAsync(this NpgsqlConnection conn, GeoPoint p, CancellationToken ct = default)
    {
        var w = Geo.Window(p, Geo.NearestGridMaxMetres);
        const string sql = """
            SELECT code, centre_lat AS CentreLat, centre_lon AS CentreLon, boundary
            FROM grid_copy
            WHERE level = 'grid' AND boundary IS NOT NULL
              AND @Lat BETWEEN min_lat AND max_lat AND @Lon BETWEEN min_lon AND max_lon
            UNION ALL
            SELECT code, centre_lat, centre_lon, NULL
            FROM grid_copy
            WHERE level = 'grid' AND centre_lat BETWEEN @MinLat AND @MaxLat AND centre_lon BETWEEN @MinLon AND @MaxLon
            """;
        var rows = await conn.QueryAsync<(string Code, double? CentreLat, double? CentreLon, double[]? Boundary)>(new CommandDefinition(
            sql, new { p.Lat, p.Lon, w.MinLat, w.MaxLat, w.MinLon, w.MaxLon }, cancellationToken: ct));
        var code = Geo.Locate(p, rows.Select(r => (r.Code,
            r.CentreLat is { } lat && r.CentreLon is { } lon ? new GeoPoint(lat, lon) : null,
            r.Boundary is null ? null : (IReadOnlyList<GeoPoint>)Geo.Unflatten(r.Boundary))));
        return code is null ? null : await conn.FindGridNodeAsync(code, ct);
    }
}
