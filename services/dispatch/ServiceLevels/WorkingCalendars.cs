using Dapper;
using Npgsql;

namespace GovPlatform.Dispatch.ServiceLevels;

/// <param name="Kind">holiday, or workday (a make-up working day, 调休).</param>
public sealed record CalendarDay(DateOnly Day, string Kind, string Name);

/// <summary>Changes to a county's working-day calendar, which working-time service levels count on.</summary>
public sealed class WorkingCalendars(NpgsqlDataSource db)
{
    /// <summary>Replaces a county's holidays and make-up working days of one year, in one transaction.</summary>
    public async Task ReplaceYearAsync(string county, int year, IReadOnlyList<CalendarDay> days, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // The year is replaced whole: the published arrangement is one document, not edits to merge.
        await conn.ExecuteAsync(new CommandDefinition("""
            DELETE FROM work_calendar_days WHERE county_code = @county AND day >= make_date(@year, 1, 1) AND day < make_date(@year + 1, 1, 1);
            INSERT INTO work_calendar_days (county_code, day, kind, name)
            SELECT @county, d::date, k, n FROM unnest(@dates::text[], @kinds::text[], @names::text[]) AS x(d, k, n);
            """, new
            {
                county, year,
                // ISO dates as text: a DateTime array would be sent as timestamps with a time zone.
                dates = days.Select(d => d.Day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)).ToArray(),
                kinds = days.Select(d => d.Kind).ToArray(),
                names = days.Select(d => d.Name.Trim()).ToArray(),
            }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
    }
}
