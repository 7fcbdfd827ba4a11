using System.Text.RegularExpressions;
using Dapper;
using GovPlatform.Contracts;
using Npgsql;

namespace GovPlatform.Dispatch.Bodies;

/// <param name="At">The node the body belongs to: a compound for property companies and owners' committees,
/// a grid for responsible units; a department code (police, fire, ...) for departments.</param>
public sealed record BodyInput(string At, string Name, string ContactName, string Phone);

public sealed record BodiesImportRequest(
    IReadOnlyList<BodyInput>? PropertyCompanies = null,
    IReadOnlyList<BodyInput>? OwnersCommittees = null,
    IReadOnlyList<BodyInput>? ResponsibleUnits = null,
    IReadOnlyList<BodyInput>? Departments = null);

public sealed record BodiesImportResult(int PropertyCompanies, int OwnersCommittees, int ResponsibleUnits, int Departments);

/// <summary>
/// The bodies routing and whistles reach beyond the grid's own people: property companies and owners'
/// committees per compound, units adopting a grid (包保单位), and the county's departments, each with a contact.
/// One transaction; a refused import stores nothing.
/// </summary>
public static partial class BodiesImport
{
    public const int MaxRows = 50_000;

    [GeneratedRegex(@"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")]
    private static partial Regex PhonePattern();

    /// <summary>A department's code is its id in tokens and events; the registry holds which ones the county has.</summary>
    [GeneratedRegex(@"^[a-z][a-z0-9_]{1,63}$")]
    private static partial Regex DepartmentCodePattern();

    private sealed record Section(string Field, string Table, string KeyColumn, string? Level, IReadOnlyList<BodyInput> Rows);

    public static async Task<(BodiesImportResult? Result, Dictionary<string, string[]> Errors)> ImportAsync(
        NpgsqlDataSource db, BodiesImportRequest request, CancellationToken ct)
    {
        var sections = new[]
        {
            new Section("propertyCompanies", "property_companies", "compound_code", GridLevels.Compound, request.PropertyCompanies ?? []),
            new Section("ownersCommittees", "owners_committees", "compound_code", GridLevels.Compound, request.OwnersCommittees ?? []),
            new Section("responsibleUnits", "responsible_units", "grid_code", GridLevels.Grid, request.ResponsibleUnits ?? []),
            new Section("departments", "departments", "code", null, request.Departments ?? []),
        };
        var errors = new Dictionary<string, List<string>>();
        void Error(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list)) errors[field] = list = [];
            list.Add(message);
        }
        var total = sections.Sum(s => s.Rows.Count);
        if (total == 0) Error("body", "Nothing to import: give propertyCompanies, ownersCommittees, responsibleUnits or departments.");
        if (total > MaxRows) Error("body", $"At most {MaxRows} rows per import.");
        if (errors.Count > 0) return (null, Freeze(errors));

        await using var conn = await db.OpenConnectionAsync(ct);
        var codes = sections.Where(s => s.Level is not null).SelectMany(s => s.Rows.Select(r => r.At)).Distinct().ToArray();
        var levels = (await conn.QueryAsync<(string Code, string Level)>(new CommandDefinition(
            "SELECT code, level FROM grid_nodes WHERE code = ANY(@codes)", new { codes }, cancellationToken: ct))).ToDictionary(n => n.Code, n => n.Level);

        foreach (var s in sections)
        {
            var seen = new HashSet<string>();
            for (var i = 0; i < s.Rows.Count; i++)
            {
                var (r, at) = (s.Rows[i], $"{s.Field}[{i}]");
                var key = s.Level == GridLevels.Grid ? $"{r.At}/{r.Name}" : r.At;
                if (s.Level is null)
                {
                    if (r.At is null || !DepartmentCodePattern().IsMatch(r.At))
                        Error($"{at}.at", $"'{r.At}' is not a department code: 2-64 lower-case letters, digits and '_', starting with a letter (e.g. market_regulation).");
                }
                else if (!levels.TryGetValue(r.At ?? "", out var level)) Error($"{at}.at", $"Unknown node '{r.At}'.");
                else if (level != s.Level) Error($"{at}.at", $"'{r.At}' is a {level}; {s.Field} belong to a {s.Level}.");
                if (!seen.Add(key)) Error($"{at}.at", $"'{key}' appears twice in {s.Field}.");
                if (string.IsNullOrWhiteSpace(r.Name) || r.Name.Length > 200) Error($"{at}.name", "A name of 1-200 characters is required.");
                if (string.IsNullOrWhiteSpace(r.ContactName) || r.ContactName.Length > 100) Error($"{at}.contactName", "A contact name of 1-100 characters is required.");
                if (r.Phone is null || !PhonePattern().IsMatch(r.Phone)) Error($"{at}.phone", "Expected a mainland mobile (11 digits) or landline (0xxx-xxxxxxx) number.");
            }
        }
        if (errors.Count > 0) return (null, Freeze(errors));

        await using var tx = await conn.BeginTransactionAsync(ct);
        foreach (var s in sections.Where(s => s.Rows.Count > 0))
        {
            var conflict = s.Level == GridLevels.Grid ? "grid_code, name" : s.KeyColumn;
            var sql = $"""
                INSERT INTO {s.Table} ({s.KeyColumn}, name, contact_name, phone, updated_at)
                SELECT * , now() FROM unnest(@keys::text[], @names::text[], @contacts::text[], @phones::text[])
                ON CONFLICT ({conflict}) DO UPDATE SET name = excluded.name, contact_name = excluded.contact_name,
                    phone = excluded.phone, updated_at = excluded.updated_at{(s.Level == GridLevels.Compound ? ", coverage_published = false" : "")}
                """;
            await conn.ExecuteAsync(new CommandDefinition(sql, new
            {
                keys = s.Rows.Select(r => r.At).ToArray(),
                names = s.Rows.Select(r => r.Name).ToArray(),
                contacts = s.Rows.Select(r => r.ContactName).ToArray(),
                phones = s.Rows.Select(r => r.Phone).ToArray(),
            }, tx, cancellationToken: ct));
        }
        // The compound bodies just written are published for the three-coverages figures (三覆盖), in this transaction.
        await Property.PropertyDesk.PublishBodiesAsync(tx, MaxRows, ct);
        await tx.CommitAsync(ct);
        return (new BodiesImportResult(sections[0].Rows.Count, sections[1].Rows.Count, sections[2].Rows.Count, sections[3].Rows.Count), []);
    }

    private static Dictionary<string, string[]> Freeze(Dictionary<string, List<string>> errors) =>
        errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
}
