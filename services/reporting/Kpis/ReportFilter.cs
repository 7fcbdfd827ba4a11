using System.Globalization;
using Dapper;
using Npgsql;

namespace GovPlatform.Reporting.Kpis;

/// <summary>
/// The dimensions every figure can be cut by: a range of calendar days in China Standard Time
/// (both ends included), a node of the grid tree (everything under it rolls up), a category and a channel.
/// <paramref name="Department"/> narrows only the figures of whistled departments (see docs/metrics.md).
/// </summary>
public sealed partial record ReportFilter(DateOnly From, DateOnly To, string? Under, string? Category, string? Channel, string? Department = null)
{
    /// <summary>
    /// A department code as dispatch's registry takes it (lower-case a-z, 0-9 and _, 2 to 64 characters): the eight
    /// every county has and any a county registers. Reporting keeps no copy of the registry, so any well-formed code is
    /// asked about; one nobody whistled has no figures.
    /// </summary>
    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9_]{2,64}$")]
    private static partial System.Text.RegularExpressions.Regex DepartmentCode();

    /// <summary>China Standard Time has had no daylight saving since 1991: a fixed offset is exact.</summary>
    public static readonly TimeSpan ChinaOffset = TimeSpan.FromHours(8);
    public const int MaxDays = 3 * 366;

    public DateTime FromUtc => new DateTimeOffset(From.ToDateTime(TimeOnly.MinValue), ChinaOffset).UtcDateTime;
    public DateTime ToUtc => new DateTimeOffset(To.AddDays(1).ToDateTime(TimeOnly.MinValue), ChinaOffset).UtcDateTime;

    /// <summary>Parses query-string values; errors are keyed by the parameter's name.</summary>
    public static async Task<(ReportFilter? Filter, Dictionary<string, string[]> Errors)> ParseAsync(
        string? from, string? to, string? under, string? category, string? channel, NpgsqlConnection conn, CancellationToken ct,
        string? department = null)
    {
        var errors = new Dictionary<string, string[]>();
        DateOnly? Date(string name, string? value)
        {
            if (string.IsNullOrWhiteSpace(value)) { errors[name] = ["Required: a date as yyyy-MM-dd (China Standard Time)."]; return null; }
            // The calendar's ends would overflow the day arithmetic below (a day after 9999-12-31, UTC before 0001-01-01).
            if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
            {
                if (d >= ServiceDefaults.Http.TextRules.MinDate && d <= ServiceDefaults.Http.TextRules.MaxDate) return d;
                errors[name] = [$"'{value}' is out of range: a date from {ServiceDefaults.Http.TextRules.MinDate:yyyy-MM-dd} to {ServiceDefaults.Http.TextRules.MaxDate:yyyy-MM-dd}."];
                return null;
            }
            errors[name] = [$"'{value}' is not a date as yyyy-MM-dd."];
            return null;
        }
        var f = Date("from", from);
        var t = Date("to", to);
        if (f is { } a && t is { } b)
        {
            if (b < a) errors["to"] = ["'to' must not be before 'from'."];
            else if (b.DayNumber - a.DayNumber + 1 > MaxDays) errors["to"] = [$"At most {MaxDays} days per query."];
        }
        under = string.IsNullOrWhiteSpace(under) ? null : under.Trim();
        if (under is not null && !await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM grid_copy WHERE code = @under)", new { under }, cancellationToken: ct)))
            errors["under"] = [$"'{under}' is not a node of the grid tree."];
        if (category is { Length: > 64 }) errors["category"] = ["At most 64 characters."];
        if (channel is { Length: > 64 }) errors["channel"] = ["At most 64 characters."];
        department = Blank(department);
        if (department is not null && !DepartmentCode().IsMatch(department))
            errors["department"] = [$"'{department}' is not a department code: lower-case letters, digits and _, 2 to 64 characters."];
        if (errors.Count > 0) return (null, errors);
        return (new ReportFilter(f!.Value, t!.Value, under, Blank(category), Blank(channel), department), errors);
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    /// <summary>The SQL parameters of every report query.</summary>
    public object Parameters() => new { FromUtc, ToUtc, FromDay, ToDay, Under, Category, Channel, Department };

    /// <summary>The period's first and last day, for the roll-ups keyed by day of submission.</summary>
    public string FromDay => From.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    public string ToDay => To.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>A rate with what it counts, so every figure can be checked by hand; null when nothing was counted.</summary>
public sealed record Rate(long Numerator, long Denominator)
{
    public double? Value => Denominator == 0 ? null : Math.Round((double)Numerator / Denominator, 4);
}
