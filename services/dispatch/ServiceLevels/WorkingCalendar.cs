using Dapper;
using Npgsql;

namespace GovPlatform.Dispatch.ServiceLevels;

/// <summary>
/// A county's working days: Monday to Friday unless the county marked a public holiday, Saturday and Sunday
/// only when marked a make-up working day (调休). Working time is the time that falls on working days, counted
/// in China's time zone (UTC+8, no daylight saving), so "7 working days" from a Friday afternoon skips the weekend
/// and any holiday between.
/// </summary>
public sealed class WorkingCalendar(IReadOnlyDictionary<DateOnly, bool> overrides)
{
    public static readonly TimeSpan ChinaOffset = TimeSpan.FromHours(8);
    /// <summary>Longer than any level: a clock that cannot find its working time within it is a data error, not a loop.</summary>
    private const int MaxDays = 800;

    public static readonly WorkingCalendar Plain = new(new Dictionary<DateOnly, bool>());

    public bool IsWorkingDay(DateOnly day) =>
        overrides.TryGetValue(day, out var working) ? working : day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);

    /// <summary>The moment <paramref name="working"/> of working time after <paramref name="from"/>.</summary>
    public DateTimeOffset Add(DateTimeOffset from, TimeSpan working)
    {
        var cursor = from.ToOffset(ChinaOffset);
        var left = working;
        for (var i = 0; i < MaxDays; i++)
        {
            var day = DateOnly.FromDateTime(cursor.DateTime);
            var dayEnd = new DateTimeOffset(day.AddDays(1).ToDateTime(TimeOnly.MinValue), ChinaOffset);
            if (IsWorkingDay(day))
            {
                var available = dayEnd - cursor;
                if (left <= available) return (cursor + left).ToUniversalTime();
                left -= available;
            }
            cursor = dayEnd;
        }
        throw new InvalidOperationException($"No {working} of working time within {MaxDays} days of {from:O}.");
    }

    /// <summary>Working time between two moments (zero when <paramref name="to"/> is not later).</summary>
    public TimeSpan Between(DateTimeOffset from, DateTimeOffset to)
    {
        var total = TimeSpan.Zero;
        var cursor = from.ToOffset(ChinaOffset);
        var end = to.ToOffset(ChinaOffset);
        while (cursor < end)
        {
            var day = DateOnly.FromDateTime(cursor.DateTime);
            var dayEnd = new DateTimeOffset(day.AddDays(1).ToDateTime(TimeOnly.MinValue), ChinaOffset);
            var stop = dayEnd < end ? dayEnd : end;
            if (IsWorkingDay(day)) total += stop - cursor;
            cursor = stop;
        }
        return total;
    }

    /// <summary>Days travel as ISO text: what a <c>date</c> column reads as differs between Npgsql versions (DateTime, DateOnly).</summary>
    public static DateOnly ParseDay(string day) => DateOnly.ParseExact(day, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A county's calendar, for an order about to be written (its scope path starts with the county).</summary>
    public static async Task<WorkingCalendar> ForCountyAsync(NpgsqlTransaction tx, string county, CancellationToken ct)
    {
        var rows = await tx.Connection!.QueryAsync<(string Day, string Kind)>(new CommandDefinition(
            "SELECT day::text, kind FROM work_calendar_days WHERE county_code = @county", new { county }, tx, cancellationToken: ct));
        return new WorkingCalendar(rows.ToDictionary(r => ParseDay(r.Day), r => r.Kind == "workday"));
    }

    /// <summary>The calendar of the county an order lies in (the first code of its scope path).</summary>
    public static async Task<WorkingCalendar> ForOrderAsync(NpgsqlTransaction tx, Guid workOrderId, CancellationToken ct)
    {
        var rows = await tx.Connection!.QueryAsync<(string Day, string Kind)>(new CommandDefinition("""
            SELECT c.day::text, c.kind FROM work_calendar_days c
            JOIN work_orders o ON o.scope_path[1] = c.county_code
            WHERE o.id = @workOrderId
            """, new { workOrderId }, tx, cancellationToken: ct));
        return new WorkingCalendar(rows.ToDictionary(r => ParseDay(r.Day), r => r.Kind == "workday"));
    }
}
