using Dapper;
using Npgsql;

namespace GovPlatform.Dispatch.Property;

public sealed record StandardItem(string Code, string Name, decimal Weight);
public sealed record StandardSystem(string Code, string Name, IReadOnlyList<StandardItem> Items)
{
    public decimal Weight => Items.Sum(i => i.Weight);
}
/// <param name="County">The county whose standard this is, or <c>*</c> for the default a county uses until it saves its own.</param>
public sealed record Standard(string County, int Version, string Name, IReadOnlyList<StandardSystem> Systems)
{
    public int ItemCount => Systems.Sum(s => s.Items.Count);
}

/// <summary>
/// The property-service evaluation standard as data (红色物业考评标准): systems of items, each item worth its weight in
/// points, 100 in all. Versioned: a county's edit is a new version, and an inspection keeps the version it was scored by.
/// </summary>
public static class PropertyStandards
{
    public const string Default = "*";
    public const int MaxItems = 200;

    private sealed record Row(string County, int Version, string Name, string SystemCode, string SystemName, string ItemCode, string ItemName, decimal Weight);

    /// <summary>The standard in force for a county: its own newest version, else the default.</summary>
    public static async Task<Standard> CurrentAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string county, CancellationToken ct)
    {
        const string sql = """
            WITH chosen AS (
                SELECT county, version, name FROM property_standards
                WHERE county IN (@county, '*')
                ORDER BY (county = '*'), version DESC LIMIT 1)
            SELECT c.county, c.version, c.name, i.system_code AS SystemCode, i.system_name AS SystemName,
                   i.item_code AS ItemCode, i.item_name AS ItemName, i.weight
            FROM chosen c JOIN property_standard_items i ON i.county = c.county AND i.version = c.version
            ORDER BY i.system_order, i.item_order
            """;
        var rows = (await conn.QueryAsync<Row>(new CommandDefinition(sql, new { county }, tx, cancellationToken: ct))).AsList();
        var first = rows[0];
        var systems = rows.GroupBy(r => (r.SystemCode, r.SystemName))
            .Select(g => new StandardSystem(g.Key.SystemCode, g.Key.SystemName, g.Select(r => new StandardItem(r.ItemCode, r.ItemName, r.Weight)).ToList()))
            .ToList();
        return new Standard(first.County, first.Version, first.Name, systems);
    }

    /// <summary>What is wrong with a standard a county wants to save, by field; empty when it may be saved.</summary>
    public static Dictionary<string, string[]> Validate(string? name, IReadOnlyList<StandardSystem>? systems)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(name) || name.Length > 200) errors["name"] = ["A name of 1-200 characters is required."];
        if (systems is null || systems.Count == 0) { errors["systems"] = ["At least one system of items is required."]; return errors; }
        var codes = new HashSet<string>();
        var systemCodes = new HashSet<string>();
        var items = 0;
        for (var s = 0; s < systems.Count; s++)
        {
            var system = systems[s];
            if (!Code(system.Code) || !systemCodes.Add(system.Code)) errors[$"systems[{s}].code"] = ["A unique code of 1-16 letters, digits or '_'."];
            if (string.IsNullOrWhiteSpace(system.Name) || system.Name.Length > 100) errors[$"systems[{s}].name"] = ["A name of 1-100 characters is required."];
            if (system.Items is null || system.Items.Count == 0) { errors[$"systems[{s}].items"] = ["A system needs at least one item."]; continue; }
            for (var i = 0; i < system.Items.Count; i++)
            {
                var item = system.Items[i];
                var at = $"systems[{s}].items[{i}]";
                items++;
                if (!Code(item.Code) || !codes.Add(item.Code)) errors[$"{at}.code"] = ["A code of 1-16 letters, digits or '_', unique in the standard."];
                if (string.IsNullOrWhiteSpace(item.Name) || item.Name.Length > 200) errors[$"{at}.name"] = ["A name of 1-200 characters is required."];
                if (item.Weight <= 0 || item.Weight > 100 || decimal.Round(item.Weight, 2) != item.Weight) errors[$"{at}.weight"] = ["Points above 0, at most 100, in hundredths."];
            }
        }
        if (items > MaxItems) errors["systems"] = [$"At most {MaxItems} items."];
        var total = systems.Where(s => s.Items is not null).SelectMany(s => s.Items).Sum(i => i.Weight);
        if (errors.Count == 0 && total != 100m) errors["systems"] = [$"The items' weights must add up to 100 points; they add up to {total}."];
        return errors;
    }

    private static bool Code(string? code) => code is { Length: >= 1 and <= 16 } && code.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary>Saves a county's standard as its next version; returns the version.</summary>
    public static async Task<int> SaveAsync(NpgsqlTransaction tx, string county, string name, IReadOnlyList<StandardSystem> systems, string by,
        DateTimeOffset now, CancellationToken ct)
    {
        var conn = tx.Connection!;
        // Two saves racing take turns on the county's lock, so versions never collide.
        await conn.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(hashtext('property_standard:' || @county))", new { county }, tx, cancellationToken: ct));
        var version = await conn.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT coalesce(max(version), 0) + 1 FROM property_standards WHERE county = @county", new { county }, tx, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition(
            "INSERT INTO property_standards (county, version, name, created_by, created_at) VALUES (@county, @version, @name, @by, @now)",
            new { county, version, name, by, now }, tx, cancellationToken: ct));
        var rows = systems.SelectMany((s, si) => s.Items.Select((i, ii) => new { s, si, i, ii })).ToList();
        await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO property_standard_items (county, version, system_code, system_name, system_order, item_code, item_name, item_order, weight)
            SELECT @county, @version, * FROM unnest(@sc::text[], @sn::text[], @so::int[], @ic::text[], @iname::text[], @io::int[], @w::numeric[])
            """, new
        {
            county, version,
            sc = rows.Select(r => r.s.Code).ToArray(), sn = rows.Select(r => r.s.Name.Trim()).ToArray(), so = rows.Select(r => r.si + 1).ToArray(),
            ic = rows.Select(r => r.i.Code).ToArray(), iname = rows.Select(r => r.i.Name.Trim()).ToArray(), io = rows.Select(r => r.ii + 1).ToArray(),
            w = rows.Select(r => r.i.Weight).ToArray(),
        }, tx, cancellationToken: ct));
        return version;
    }
}
