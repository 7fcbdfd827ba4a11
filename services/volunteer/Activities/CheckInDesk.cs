using System.Security.Claims;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Messaging;
using GovPlatform.Volunteer.Points;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using static GovPlatform.Volunteer.Activities.ActivityRecords;
using static GovPlatform.Volunteer.Volunteers.VolunteerAccess;

namespace GovPlatform.Volunteer.Activities;

public sealed record Scan(string Token, double? Latitude = null, double? Longitude = null);
public sealed record AttendanceDto(Guid Id, Guid ActivityId, Guid VolunteerId, DateTime CheckedInAt, DateTime? CheckedOutAt,
    decimal? Hours, string Status, string? VerdictReason);
public sealed record Verdict(bool Approve, string? Reason = null);
public sealed record VerdictResult(AttendanceDto Attendance, long PointsAwarded);

/// <summary>
/// Check-in and check-out by scanning the QR code shown at the activity, then the organiser's
/// verification, which records the service and awards its points once.
/// </summary>
/// <remarks>
/// Anti-fraud: the code must be signed by us, for this activity and purpose, and young; each
/// person may use a code once; the place is checked when the activity has a radius; nobody is
/// checked in at two overlapping activities; hours per day are capped. Every refusal is written
/// to <c>check_rejections</c> with its reason, in its own transaction so it outlives the refusal.
/// </remarks>
public sealed class CheckInDesk(NpgsqlDataSource db, QrTokens qr, VolunteerOptions options, TimeProvider clock, ILogger<CheckInDesk> logger)
{
    private const string SelectAttendance = """
        SELECT id, activity_id AS ActivityId, volunteer_id AS VolunteerId, checked_in_at AS CheckedInAt, checked_out_at AS CheckedOutAt,
               hours, status, verdict_reason AS VerdictReason
        FROM attendances
        """;

    private sealed record Context(ActivityDto Activity, Guid VolunteerId, DateTimeOffset Now, string Action);

    public async Task<Results<Ok<AttendanceDto>, NotFound, ProblemHttpResult>> CheckInAsync(Guid id, Scan body, ClaimsPrincipal user, CancellationToken ct)
    {
        var pre = await PrepareAsync(id, body, user, qr, db, clock, logger, QrPurposes.CheckIn, ct);
        if (pre.Result is { } early) return early;
        var (c, nonce) = (pre.Context!, pre.Nonce!);
        var a = c.Activity;
        if (c.Now < a.StartsAt - options.CheckInOpensBefore || c.Now > a.EndsAt)
            return await RejectAsync(db, logger, c, "outside_window", $"Check-in is open from {options.CheckInOpensBefore} before the start until the end.", ct);

        await using var conn = await db.OpenConnectionAsync(ct);
        var signedUp = await conn.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT status FROM signups WHERE activity_id = @id AND volunteer_id = @VolunteerId", new { id, c.VolunteerId }, cancellationToken: ct));
        if (signedUp != "confirmed") return await RejectAsync(db, logger, c, "not_signed_up", $"Sign-up status: {signedUp ?? "none"}.", ct);

        string? refusal = null, detail = null;
        var status = StatusCodes.Status403Forbidden;
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            await LockVolunteerAsync(conn, tx, c.VolunteerId, ct);
            if (!await UseNonceAsync(conn, tx, nonce, c, ct)) (refusal, detail) = ("replayed", "This code was used by this person already.");
            else if (await conn.ExecuteScalarAsync<string?>(new CommandDefinition(
                         "SELECT status FROM attendances WHERE activity_id = @id AND volunteer_id = @VolunteerId", new { id, c.VolunteerId }, tx, cancellationToken: ct)) is { } already)
                (refusal, detail, status) = ("already_checked_in", $"Attendance is {already}.", StatusCodes.Status409Conflict);
            else
            {
                // Still checked in at another activity whose time overlaps this one: one body, one place.
                var elsewhere = await conn.ExecuteScalarAsync<Guid?>(new CommandDefinition("""
                    SELECT x.id FROM attendances t JOIN activities x ON x.id = t.activity_id
                    WHERE t.volunteer_id = @VolunteerId AND t.activity_id <> @id AND t.status = 'checked_in'
                      AND x.starts_at < @EndsAt AND x.ends_at > @StartsAt
                    LIMIT 1
                    """, new { id, c.VolunteerId, a.StartsAt, a.EndsAt }, tx, cancellationToken: ct));
                if (elsewhere is { } other) (refusal, detail) = ("overlapping", $"Checked in at overlapping activity {other}.");
                else
                {
                    await conn.ExecuteAsync(new CommandDefinition("""
                        INSERT INTO attendances (id, activity_id, volunteer_id, checked_in_at, status)
                        VALUES (@attendanceId, @id, @VolunteerId, @Now, 'checked_in')
                        """, new { attendanceId = NewId.NextGuid(), id, c.VolunteerId, c.Now }, tx, cancellationToken: ct));
                    await tx.CommitAsync(ct);
                }
            }
        }
        if (refusal is not null) return await RejectAsync(db, logger, c, refusal, detail!, ct, status);
        return TypedResults.Ok(await conn.QuerySingleAsync<AttendanceDto>(new CommandDefinition(
            $"{SelectAttendance} WHERE activity_id = @id AND volunteer_id = @VolunteerId", new { id, c.VolunteerId }, cancellationToken: ct)));
    }

    public async Task<Results<Ok<AttendanceDto>, NotFound, ProblemHttpResult>> CheckOutAsync(Guid id, Scan body, ClaimsPrincipal user, CancellationToken ct)
    {
        var pre = await PrepareAsync(id, body, user, qr, db, clock, logger, QrPurposes.CheckOut, ct);
        if (pre.Result is { } early) return early;
        var (c, nonce) = (pre.Context!, pre.Nonce!);
        var a = c.Activity;
        if (c.Now > a.EndsAt + options.CheckOutClosesAfter)
            return await RejectAsync(db, logger, c, "outside_window", $"Check-out closes {options.CheckOutClosesAfter} after the end.", ct);

        await using var conn = await db.OpenConnectionAsync(ct);
        string? refusal = null, detail = null;
        var status = StatusCodes.Status403Forbidden;
        AttendanceDto? done = null;
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            await LockVolunteerAsync(conn, tx, c.VolunteerId, ct);
            var attendance = await conn.QuerySingleOrDefaultAsync<AttendanceDto>(new CommandDefinition(
                $"{SelectAttendance} WHERE activity_id = @id AND volunteer_id = @VolunteerId FOR UPDATE", new { id, c.VolunteerId }, tx, cancellationToken: ct));
            if (attendance?.Status != "checked_in")
                (refusal, detail, status) = ("not_checked_in", $"Attendance is {attendance?.Status ?? "none"}.", StatusCodes.Status409Conflict);
            else if (!await UseNonceAsync(conn, tx, nonce, c, ct)) (refusal, detail) = ("replayed", "This code was used by this person already.");
            else
            {
                // Hours count only inside the activity's window, in hundredths, rounded down.
                var from = Max(attendance.CheckedInAt, a.StartsAt);
                var to = Min(c.Now.UtcDateTime, a.EndsAt);
                var hours = Math.Max(0m, Math.Floor((decimal)(to - from).TotalHours * 100m) / 100m);
                var usedToday = await conn.ExecuteScalarAsync<decimal>(new CommandDefinition("""
                    SELECT coalesce(sum(hours), 0) FROM attendances
                    WHERE volunteer_id = @VolunteerId AND id <> @Id AND status IN ('checked_out', 'verified')
                      AND (checked_in_at AT TIME ZONE 'Asia/Shanghai')::date = (@CheckedInAt::timestamptz AT TIME ZONE 'Asia/Shanghai')::date
                    """, new { c.VolunteerId, attendance.Id, attendance.CheckedInAt }, tx, cancellationToken: ct));
                var allowed = Math.Max(0m, options.DailyHoursCap - usedToday);
                if (hours > allowed)
                {
                    // Checked out all the same (the person did leave); only the hours are cut, and the cut is logged.
                    await LogRejectionAsync(db, logger, c, "daily_cap", $"{hours} h asked, {allowed} h left of the {options.DailyHoursCap} h daily cap.", ct);
                    hours = allowed;
                }
                done = await conn.QuerySingleAsync<AttendanceDto>(new CommandDefinition("""
                    UPDATE attendances SET checked_out_at = @Now, hours = @hours, status = 'checked_out' WHERE id = @Id
                    RETURNING id, activity_id AS ActivityId, volunteer_id AS VolunteerId, checked_in_at AS CheckedInAt,
                              checked_out_at AS CheckedOutAt, hours, status, verdict_reason AS VerdictReason
                    """, new { c.Now, hours, attendance.Id }, tx, cancellationToken: ct));
                await tx.CommitAsync(ct);
            }
        }
        if (refusal is not null) return await RejectAsync(db, logger, c, refusal, detail!, ct, status);
        return TypedResults.Ok(done!);
    }

    public async Task<Results<Ok<VerdictResult>, NotFound, ValidationProblem, ProblemHttpResult>> VerifyAsync(
        Guid id, Guid volunteerId, Verdict body, ClaimsPrincipal user, CancellationToken ct)
    {
        if (!body.Approve && BadText(body.Reason, 200))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["reason"] = ["Rejecting service needs a reason of 1-200 characters."] });
        await using var conn = await db.OpenConnectionAsync(ct);
        var activity = await GetAsync(conn, id, ct);
        if (activity is null) return TypedResults.NotFound();
        if (!OwnsActivity(user, activity)) return Forbidden("Only the activity's organiser verifies its service.");

        var now = clock.GetUtcNow();
        var by = user.SubjectOf() ?? "unknown";
        await using var tx = await conn.BeginTransactionAsync(ct);
        var attendance = await conn.QuerySingleOrDefaultAsync<AttendanceDto>(new CommandDefinition(
            $"{SelectAttendance} WHERE activity_id = @id AND volunteer_id = @volunteerId FOR UPDATE", new { id, volunteerId }, tx, cancellationToken: ct));
        if (attendance is null) return TypedResults.NotFound();
        if (attendance.Status != "checked_out")
            return TypedResults.Problem(statusCode: 409, title: "Only checked-out service can be verified.", detail: $"Attendance is {attendance.Status}.",
                extensions: new Dictionary<string, object?> { ["status"] = attendance.Status });

        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE attendances SET status = @status, verified_by = @by, verdict_reason = @Reason WHERE id = @Id",
            new { status = body.Approve ? "verified" : "rejected", by, body.Reason, attendance.Id }, tx, cancellationToken: ct));
        long points = 0;
        if (body.Approve)
        {
            var hours = attendance.Hours ?? 0;
            var place = await PointsBook.WhereAsync(tx, volunteerId, ct);
            await Outbox.EnqueueAsync(tx, new ServiceRecorded(attendance.Id, volunteerId, id, activity.Type, activity.GridCode, place.UnitId, hours, now), ct);
            var rule = (await PointsBook.RuleAsync(conn, tx, activity.Type, ct))!;
            points = (long)Math.Round(rule.PointsPerHour * hours, MidpointRounding.AwayFromZero) + (hours > 0 ? rule.Bonus : 0);
            if (points > 0)
                await PointsBook.AwardAsync(tx, new PointsBook.Award(volunteerId, points, $"志愿服务 {activity.Title} {hours} h",
                    $"checkout:{attendance.Id}", by, now, rule.ExpiryDays is int days ? now.AddDays(days) : null), ct);
        }
        await tx.CommitAsync(ct);
        var after = await conn.QuerySingleAsync<AttendanceDto>(new CommandDefinition($"{SelectAttendance} WHERE id = @Id", attendance, cancellationToken: ct));
        return TypedResults.Ok(new VerdictResult(after, points));
    }

    private sealed record Prepared(Results<Ok<AttendanceDto>, NotFound, ProblemHttpResult>? Result, Context? Context, string? Nonce);

    /// <summary>The checks that need no transaction: who, which activity, the code's signature and age, the place.</summary>
    private static async Task<Prepared> PrepareAsync(Guid id, Scan body, ClaimsPrincipal user, QrTokens qr, NpgsqlDataSource db, TimeProvider clock,
        ILogger logger, string purpose, CancellationToken ct)
    {
        if (!Guid.TryParse(user.SubjectOf(), out var volunteerId)) return new(Forbidden("Check-in is for volunteers, for themselves."), null, null);
        if (!qr.Configured) return new(QrNotConfigured(), null, null);
        ActivityDto? activity;
        await using (var conn = await db.OpenConnectionAsync(ct)) activity = await GetAsync(conn, id, ct);
        if (activity is null) return new(TypedResults.NotFound(), null, null);
        var c = new Context(activity, volunteerId, clock.GetUtcNow(), purpose);

        var check = qr.Verify(body.Token, id, purpose);
        if (check.Reason is { } reason)
            return new(await RejectAsync(db, logger, c, reason, reason switch
            {
                "expired" => $"The code was issued at {check.IssuedAt:O}; codes live {(c.Now - check.IssuedAt!.Value).TotalSeconds:0} s too long.",
                "wrong_purpose" => $"This is not a {purpose} code.",
                "wrong_activity" => "The code belongs to another activity.",
                _ => "The code is not one this platform signed.",
            }, ct), null, null);

        if (activity.RadiusMeters is int radius)
        {
            if (body.Latitude is not double lat || body.Longitude is not double lon)
                return new(await RejectAsync(db, logger, c, "location_required", "This activity checks where you are: send latitude and longitude.", ct), null, null);
            var distance = DistanceMeters(lat, lon, activity.Latitude!.Value, activity.Longitude!.Value);
            if (distance > radius)
                return new(await RejectAsync(db, logger, c, "out_of_range", $"{distance:0} m from the activity; at most {radius} m.", ct), null, null);
        }
        return new(null, c, check.Nonce);
    }

    private static Task LockVolunteerAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid volunteerId, CancellationToken ct) =>
        // NO KEY UPDATE: serialises one person's check-ins without blocking inserts that merely reference them.
        conn.ExecuteAsync(new CommandDefinition("SELECT 1 FROM volunteers WHERE id = @volunteerId FOR NO KEY UPDATE", new { volunteerId }, tx, cancellationToken: ct));

    private static async Task<bool> UseNonceAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string nonce, Context c, CancellationToken ct) =>
        await conn.ExecuteAsync(new CommandDefinition(
            "INSERT INTO used_qr_tokens (nonce, volunteer_id, used_at) VALUES (@nonce, @VolunteerId, @Now) ON CONFLICT DO NOTHING",
            new { nonce, c.VolunteerId, c.Now }, tx, cancellationToken: ct)) == 1;

    private static async Task<ProblemHttpResult> RejectAsync(NpgsqlDataSource db, ILogger? logger, Context c, string reason, string detail, CancellationToken ct,
        int status = StatusCodes.Status403Forbidden)
    {
        await LogRejectionAsync(db, logger, c, reason, detail, ct);
        return TypedResults.Problem(statusCode: status, title: $"{(c.Action == QrPurposes.CheckIn ? "Check-in" : "Check-out")} refused: {reason}.", detail: detail,
            extensions: new Dictionary<string, object?> { ["reason"] = reason });
    }

    private static async Task LogRejectionAsync(NpgsqlDataSource db, ILogger? logger, Context c, string reason, string detail, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO check_rejections (activity_id, volunteer_id, action, reason, detail, at)
            VALUES (@activityId, @VolunteerId, @Action, @reason, @detail, @Now)
            """, new { activityId = c.Activity.Id, c.VolunteerId, c.Action, reason, detail, c.Now }, cancellationToken: ct));
        logger?.LogWarning("Refused {Action} of volunteer {VolunteerId} at activity {ActivityId}: {Reason}", c.Action, c.VolunteerId, c.Activity.Id, reason);
    }

    private static DateTime Max(DateTime a, DateTime b) => a > b ? a : b;
    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;

    /// <summary>Great-circle distance (haversine); metres are plenty precise for a check-in radius.</summary>
    internal static double DistanceMeters(double lat1, double lon1, double lat2, double lon2)
    {
        static double Rad(double d) => d * Math.PI / 180;
        var h = Math.Pow(Math.Sin(Rad(lat2 - lat1) / 2), 2) + Math.Cos(Rad(lat1)) * Math.Cos(Rad(lat2)) * Math.Pow(Math.Sin(Rad(lon2 - lon1) / 2), 2);
        return 2 * 6_371_000 * Math.Asin(Math.Min(1, Math.Sqrt(h)));
    }
}
