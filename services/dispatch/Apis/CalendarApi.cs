using Dapper;
using GovPlatform.Dispatch.ServiceLevels;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Dispatch.Apis;

/// <summary>
/// A county's working-day calendar, which working-time service levels count on: the public holidays and the make-up
/// working days (调休) the State Council publishes each year, entered by the county's admin.
/// </summary>
public static class CalendarApi
{
    public sealed record CalendarYear(string County, int Year, IReadOnlyList<CalendarDay> Days, int WorkingDays);
    public sealed record CalendarBody(IReadOnlyList<CalendarDay>? Days);
    public sealed record WorkingTimeDto(string County, DateTimeOffset From, double WorkingHours, DateTimeOffset DueAt);

    public static void MapCalendarApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/calendars").WithTags("Service levels");

        api.MapGet("/{county}/{year:int}", GetAsync)
            .RequireRoles(WorkOrdersApi.StaffRoles)
            .WithName("GetWorkingCalendar").WithSummary("A county's holidays and make-up working days of a year, and how many working days it has");

        api.MapPut("/{county}/{year:int}", PutAsync)
            .RequireRoles(Roles.Admin)
            .WithName("SetWorkingCalendar").WithSummary("Replace a county's holidays and make-up working days of a year (clocks started from now on count on them)");

        api.MapGet("/{county}/due", DueAsync)
            .RequireRoles(WorkOrdersApi.StaffRoles)
            .WithName("WorkingTimeDue").WithSummary("When a working-time level started at 'from' falls due: 'workingDays' days plus 'workingHours' hours of working time");
    }

    private static async Task<bool> IsCountyAsync(NpgsqlConnection conn, string county, CancellationToken ct) =>
        await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM grid_nodes WHERE code = @county AND level = 'district')", new { county }, cancellationToken: ct));

    private static async Task<WorkingCalendar> LoadAsync(NpgsqlConnection conn, string county, CancellationToken ct)
    {
        var rows = await conn.QueryAsync<(string Day, string Kind)>(new CommandDefinition(
            "SELECT day::text, kind FROM work_calendar_days WHERE county_code = @county", new { county }, cancellationToken: ct));
        return new WorkingCalendar(rows.ToDictionary(r => WorkingCalendar.ParseDay(r.Day), r => r.Kind == "workday"));
    }

    private static async Task<Results<Ok<CalendarYear>, NotFound>> GetAsync(string county, int year, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (!await IsCountyAsync(conn, county, ct) || year is < 2000 or > 2100) return TypedResults.NotFound();
        return TypedResults.Ok(await YearAsync(conn, county, year, ct));
    }

    private static async Task<CalendarYear> YearAsync(NpgsqlConnection conn, string county, int year, CancellationToken ct)
    {
        var days = (await conn.QueryAsync<(string Day, string Kind, string Name)>(new CommandDefinition("""
            SELECT day::text, kind, name FROM work_calendar_days
            WHERE county_code = @county AND day >= make_date(@year, 1, 1) AND day < make_date(@year + 1, 1, 1)
            ORDER BY day
            """, new { county, year }, cancellationToken: ct))).Select(d => new CalendarDay(WorkingCalendar.ParseDay(d.Day), d.Kind, d.Name)).ToList();
        var calendar = new WorkingCalendar(days.ToDictionary(d => d.Day, d => d.Kind == "workday"));
        var first = new DateOnly(year, 1, 1);
        var working = Enumerable.Range(0, first.AddYears(1).DayNumber - first.DayNumber).Count(i => calendar.IsWorkingDay(first.AddDays(i)));
        return new CalendarYear(county, year, days, working);
    }

    private static async Task<Results<Ok<CalendarYear>, ValidationProblem, NotFound>> PutAsync(string county, int year, CalendarBody body,
        NpgsqlDataSource db, WorkingCalendars calendars, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (year is < 2000 or > 2100) errors["year"] = ["A year between 2000 and 2100."];
        var days = body.Days ?? [];
        if (body.Days is null) errors["days"] = ["The year's holidays and make-up working days (an empty list clears them)."];
        if (days.Count > 366) errors["days"] = ["At most one entry per day of the year."];
        for (var i = 0; i < days.Count && errors.Count == 0; i++)
        {
            var d = days[i];
            var weekend = d.Day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
            string? problem =
                d.Day.Year != year ? $"{d.Day:yyyy-MM-dd} is not in {year}."
                : d.Kind is not ("holiday" or "workday") ? "kind is 'holiday' or 'workday' (a make-up working day)."
                : d.Kind == "workday" && !weekend ? $"{d.Day:yyyy-MM-dd} is a weekday, a working day already; make-up days fall on weekends."
                : string.IsNullOrWhiteSpace(d.Name) || d.Name.Length > 100 ? "name: the holiday's name (e.g. 国庆节), 1 to 100 characters."
                : days.Take(i).Any(o => o.Day == d.Day) ? $"{d.Day:yyyy-MM-dd} appears twice."
                : null;
            if (problem is not null) errors[$"days[{i}]"] = [problem];
        }
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The calendar was rejected; nothing changed.");

        await using var conn = await db.OpenConnectionAsync(ct);
        if (!await IsCountyAsync(conn, county, ct)) return TypedResults.NotFound();
        await calendars.ReplaceYearAsync(county, year, days, ct);
        return TypedResults.Ok(await YearAsync(conn, county, year, ct));
    }

    private static async Task<Results<Ok<WorkingTimeDto>, ValidationProblem, NotFound>> DueAsync(string county, DateTimeOffset? from,
        double? workingDays, double? workingHours, NpgsqlDataSource db, CancellationToken ct)
    {
        var hours = (workingDays ?? 0) * 24 + (workingHours ?? 0);
        if (from is null || hours is <= 0 or > 60 * 24)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["from"] = ["'from' (an ISO time) and a positive 'workingDays' and/or 'workingHours', at most 60 days in all."],
            });
        await using var conn = await db.OpenConnectionAsync(ct);
        if (!await IsCountyAsync(conn, county, ct)) return TypedResults.NotFound();
        var calendar = await LoadAsync(conn, county, ct);
        return TypedResults.Ok(new WorkingTimeDto(county, from.Value, hours, calendar.Add(from.Value, TimeSpan.FromHours(hours)).ToOffset(WorkingCalendar.ChinaOffset)));
    }
}
