using System.Security.Claims;
using Dapper;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using static GovPlatform.Volunteer.Activities.ActivityRecords;
using static GovPlatform.Volunteer.Volunteers.VolunteerAccess;

namespace GovPlatform.Volunteer.Activities;

public sealed record ActivityDto(Guid Id, string Title, string Type, string GridCode, DateTime StartsAt, DateTime EndsAt, int Capacity,
    double? Latitude, double? Longitude, int? RadiusMeters, string Organiser, string Status, int Confirmed, int Waitlisted);
public sealed record SignupDto(Guid ActivityId, Guid VolunteerId, string Status, int? WaitlistPosition);

/// <summary>Reading an activity and who owns it, shared by the activities' and the check-in's route tables and desks.</summary>
public static class ActivityRecords
{
    public const string SelectActivity = """
        SELECT a.id, a.title, a.activity_type AS Type, a.grid_code AS GridCode, a.starts_at AS StartsAt, a.ends_at AS EndsAt,
               a.capacity, a.latitude, a.longitude, a.radius_m AS RadiusMeters, a.organiser, a.status,
               (SELECT count(*)::int FROM signups s WHERE s.activity_id = a.id AND s.status = 'confirmed') AS Confirmed,
               (SELECT count(*)::int FROM signups s WHERE s.activity_id = a.id AND s.status = 'waitlisted') AS Waitlisted
        FROM activities a
        """;

    public static bool OwnsActivity(ClaimsPrincipal user, ActivityDto activity) =>
        user.IsInRole(Roles.Admin) || user.SubjectOf() == activity.Organiser;

    public static ProblemHttpResult QrNotConfigured() =>
        TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "QR check-in is not configured.",
            detail: "Set Volunteer__QrSigningKey to a base64 key of at least 32 bytes.");

    public static Task<ActivityDto?> GetAsync(NpgsqlConnection conn, Guid id, CancellationToken ct, NpgsqlTransaction? tx = null) =>
        conn.QuerySingleOrDefaultAsync<ActivityDto>(new CommandDefinition($"{SelectActivity} WHERE a.id = @id", new { id }, tx, cancellationToken: ct));
}

/// <summary>
/// Sign-ups to an activity, one transaction each: a place while there is one, else the waiting list; a cancelled
/// place goes to the first who waits. The activity's row lock makes sign-ups and cancellations take turns.
/// </summary>
public sealed class ActivityDesk(NpgsqlDataSource db, TimeProvider clock)
{
    public async Task<Results<Created<SignupDto>, Ok<SignupDto>, NotFound, ProblemHttpResult>> SignUpAsync(
        Guid id, ClaimsPrincipal user, CancellationToken ct)
    {
        if (!Guid.TryParse(user.SubjectOf(), out var volunteerId)) return Forbidden("Sign-up is for volunteers, for themselves.");
        var now = clock.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        if (!await VolunteerExistsAsync(conn, volunteerId, ct)) return Forbidden("The token's subject is not a registered volunteer.");
        await using var tx = await conn.BeginTransactionAsync(ct);
        // The activity row lock makes sign-ups and cancellations take turns, so capacity is never exceeded.
        var activity = await conn.QuerySingleOrDefaultAsync<(int Capacity, string Status, DateTime EndsAt)>(new CommandDefinition(
            "SELECT capacity, status, ends_at FROM activities WHERE id = @id FOR UPDATE", new { id }, tx, cancellationToken: ct));
        if (activity.Status is null) return TypedResults.NotFound();
        if (activity.Status != "published" || activity.EndsAt <= now.UtcDateTime)
            return TypedResults.Problem(statusCode: 409, title: "Sign-up is closed.", detail: $"The activity is {(activity.Status == "published" ? "over" : activity.Status)}.",
                extensions: new Dictionary<string, object?> { ["status"] = activity.Status });

        var existing = await conn.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT status FROM signups WHERE activity_id = @id AND volunteer_id = @volunteerId", new { id, volunteerId }, tx, cancellationToken: ct));
        if (existing is "confirmed" or "waitlisted")
            return TypedResults.Ok(await SignupAsync(conn, tx, id, volunteerId, ct));

        var confirmed = await conn.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT count(*)::int FROM signups WHERE activity_id = @id AND status = 'confirmed'", new { id }, tx, cancellationToken: ct));
        var status = confirmed < activity.Capacity ? "confirmed" : "waitlisted";
        // Signing up again after cancelling goes to the back of the line.
        await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO signups (activity_id, volunteer_id, status, signed_up_at, updated_at) VALUES (@id, @volunteerId, @status, @now, @now)
            ON CONFLICT (activity_id, volunteer_id) DO UPDATE
                SET status = excluded.status, signed_up_at = excluded.signed_up_at, updated_at = excluded.updated_at, seq = DEFAULT
            """, new { id, volunteerId, status, now }, tx, cancellationToken: ct));
        var dto = await SignupAsync(conn, tx, id, volunteerId, ct);
        await tx.CommitAsync(ct);
        return TypedResults.Created($"/api/v1/activities/{id}/signups/{volunteerId}", dto);
    }

    public async Task<Results<Ok<SignupDto>, NotFound, ProblemHttpResult>> CancelAsync(
        Guid id, Guid volunteerId, ClaimsPrincipal user, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        // The person themselves, the activity's own organiser, or an admin: not any organiser.
        if (user.SubjectOf() != volunteerId.ToString() && !user.IsInRole(Roles.Admin)
            && (await GetAsync(conn, id, ct) is not { } owned || !OwnsActivity(user, owned)))
            return Forbidden("Volunteers cancel their own sign-ups only; organisers those of their own activities.");
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (!await conn.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT true FROM activities WHERE id = @id FOR UPDATE", new { id }, tx, cancellationToken: ct)))
            return TypedResults.NotFound();
        var was = await conn.ExecuteScalarAsync<string?>(new CommandDefinition("""
            UPDATE signups s SET status = 'cancelled', updated_at = @now
            FROM (SELECT status FROM signups WHERE activity_id = @id AND volunteer_id = @volunteerId) old
            WHERE s.activity_id = @id AND s.volunteer_id = @volunteerId AND s.status <> 'cancelled'
            RETURNING old.status
            """, new { id, volunteerId, now }, tx, cancellationToken: ct));
        if (was is null) return TypedResults.Problem(statusCode: 409, title: "Nothing to cancel.", detail: "This volunteer holds no sign-up for the activity.");
        if (was == "confirmed")
        {
            // The freed place goes to the first on the waiting list.
            await conn.ExecuteAsync(new CommandDefinition("""
                UPDATE signups SET status = 'confirmed', updated_at = @now
                WHERE (activity_id, volunteer_id) = (SELECT activity_id, volunteer_id FROM signups
                                                     WHERE activity_id = @id AND status = 'waitlisted' ORDER BY seq LIMIT 1)
                """, new { id, now }, tx, cancellationToken: ct));
        }
        var dto = await SignupAsync(conn, tx, id, volunteerId, ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(dto);
    }

    private static Task<SignupDto> SignupAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, Guid volunteerId, CancellationToken ct) =>
        conn.QuerySingleAsync<SignupDto>(new CommandDefinition("""
            SELECT s.activity_id AS ActivityId, s.volunteer_id AS VolunteerId, s.status,
                   CASE WHEN s.status = 'waitlisted'
                        THEN (SELECT count(*)::int FROM signups w WHERE w.activity_id = s.activity_id AND w.status = 'waitlisted' AND w.seq <= s.seq)
                   END AS WaitlistPosition
            FROM signups s WHERE s.activity_id = @id AND s.volunteer_id = @volunteerId
            """, new { id, volunteerId }, tx, cancellationToken: ct));
}
