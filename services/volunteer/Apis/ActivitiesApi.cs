using System.Security.Claims;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.GridCopy;
using GovPlatform.Volunteer.Activities;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using static GovPlatform.Volunteer.Activities.ActivityRecords;
using static GovPlatform.Volunteer.Volunteers.VolunteerAccess;

namespace GovPlatform.Volunteer.Apis;

/// <summary>Activities communities publish, with sign-up, a waiting list and cancellation.</summary>
public static class ActivitiesApi
{
    public sealed record NewActivity(string Title, string Type, string GridCode, DateTimeOffset StartsAt, DateTimeOffset EndsAt, int Capacity,
        double? Latitude = null, double? Longitude = null, int? RadiusMeters = null);
    public sealed record SignupLine(Guid VolunteerId, string Name, string Status, DateTime SignedUpAt);

    public static void MapActivitiesApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/activities").WithTags("Activities");

        api.MapPost("/", PublishActivity)
            .RequireRoles(Roles.Organiser, Roles.Admin)
            .WithName("PublishActivity")
            .WithSummary("Publish an activity in a grid with its time, capacity, points rule and optional check-in radius");

        api.MapGet("/{id:guid}", GetActivity)
            // Public: activities are advertised to residents so they sign up.
            .AllowAnonymous()
            .WithName("GetActivity")
            .WithSummary("One activity with its confirmed and waiting counts");

        api.MapGet("/", ListActivities)
            .AllowAnonymous()
            .WithName("ListActivities")
            .WithSummary("Activities not yet over, soonest first, optionally in one grid");

        api.MapPost("/{id:guid}/signups", SignUp)
            .RequireRoles(Roles.Volunteer)
            .WithName("SignUp")
            .WithSummary("Sign up for an activity: a place while there is one, else the waiting list");

        api.MapPost("/{id:guid}/signups/{volunteerId:guid}/cancel", CancelSignup)
            .RequireRoles(Roles.Volunteer, Roles.Organiser, Roles.Admin)
            .WithName("CancelSignup")
            .WithSummary("Cancel a sign-up; a freed place goes to the first on the waiting list");

        api.MapGet("/{id:guid}/signups", ListSignups)
            .RequireRoles(Roles.Organiser, Roles.Admin)
            .WithName("ListSignups")
            .WithSummary("Who signed up, in order, names masked (the activity's organiser or an admin)");

        api.MapGet("/{id:guid}/qr", GetCheckInCode)
            .RequireRoles(Roles.Organiser, Roles.Admin)
            .WithName("GetCheckInCode")
            .WithSummary("A fresh short-lived QR token for check-in or check-out (the organiser's screen rotates it)");
    }

    private static async Task<Results<Created<ActivityDto>, ValidationProblem>> PublishActivity(
        NewActivity body, ClaimsPrincipal user, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (BadText(body.Title, 100)) errors["title"] = ["A title of 1-100 characters is required."];
        if (body.EndsAt <= body.StartsAt) errors["endsAt"] = ["Must be after startsAt."];
        else if (body.EndsAt - body.StartsAt > TimeSpan.FromHours(12)) errors["endsAt"] = ["An activity lasts at most 12 hours; publish a second one for another shift."];
        if (body.EndsAt <= clock.GetUtcNow()) errors["endsAt"] = ["The activity is over already."];
        if (body.Capacity is < 1 or > 10_000) errors["capacity"] = ["1-10000 places."];
        if (body.Latitude is < -90 or > 90) errors["latitude"] = ["Between -90 and 90."];
        if (body.Longitude is < -180 or > 180) errors["longitude"] = ["Between -180 and 180."];
        if ((body.Latitude is null) != (body.Longitude is null)) errors["longitude"] = ["Give latitude and longitude together."];
        if (body.RadiusMeters is { } r && (r is < 10 or > 5000 || body.Latitude is null)) errors["radiusMeters"] = ["10-5000 m, with latitude and longitude."];
        await using var conn = await db.OpenConnectionAsync(ct);
        var grid = await conn.FindGridNodeAsync(body.GridCode ?? "", ct);
        if (grid?.Level != GridLevels.Grid) errors["gridCode"] = [$"'{body.GridCode}' is not a grid of the tree."];
        if (!await conn.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT EXISTS (SELECT 1 FROM points_rules WHERE activity_type = @Type)", body, cancellationToken: ct)))
            errors["type"] = [$"'{body.Type}' is not an activity type with a points rule."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The activity was not published.");

        var id = NewId.NextGuid();
        await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO activities (id, title, activity_type, grid_code, starts_at, ends_at, capacity, latitude, longitude, radius_m, organiser, created_at)
            VALUES (@id, @Title, @Type, @GridCode, @StartsAt, @EndsAt, @Capacity, @Latitude, @Longitude, @RadiusMeters, @organiser, @now)
            """, new
        {
            id, Title = body.Title.Trim(), body.Type, body.GridCode, StartsAt = body.StartsAt.ToUniversalTime(), EndsAt = body.EndsAt.ToUniversalTime(),
            body.Capacity, body.Latitude, body.Longitude, body.RadiusMeters, organiser = user.SubjectOf() ?? "unknown", now = clock.GetUtcNow(),
        }, cancellationToken: ct));
        return TypedResults.Created($"/api/v1/activities/{id}", (await GetAsync(conn, id, ct))!);
    }

    private static async Task<Results<Ok<ActivityDto>, NotFound>> GetActivity(Guid id, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await GetAsync(conn, id, ct) is { } a ? TypedResults.Ok(a) : TypedResults.NotFound();
    }

    private static async Task<Ok<List<ActivityDto>>> ListActivities(string? gridCode, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<ActivityDto>(new CommandDefinition($"""
            {SelectActivity}
            WHERE a.ends_at > @now AND (@gridCode::text IS NULL OR a.grid_code = @gridCode)
            ORDER BY a.starts_at LIMIT 200
            """, new { gridCode, now = clock.GetUtcNow() }, cancellationToken: ct));
        return TypedResults.Ok(rows.AsList());
    }

    private static async Task<Results<Ok<List<SignupLine>>, NotFound, ProblemHttpResult>> ListSignups(
        Guid id, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await GetAsync(conn, id, ct) is not { } activity) return TypedResults.NotFound();
        if (!OwnsActivity(user, activity)) return Forbidden("Organisers see the sign-ups of their own activities.");
        var rows = await conn.QueryAsync<SignupLine>(new CommandDefinition("""
            SELECT s.volunteer_id AS VolunteerId, v.name, s.status, s.signed_up_at AS SignedUpAt
            FROM signups s JOIN volunteers v ON v.id = s.volunteer_id
            WHERE s.activity_id = @id ORDER BY s.seq
            """, new { id }, cancellationToken: ct));
        return TypedResults.Ok(rows.Select(r => r with { Name = PersonalData.MaskName(r.Name)! }).ToList());
    }

    private static async Task<Results<Ok<QrTokens.Issued>, NotFound, ValidationProblem, ProblemHttpResult>> GetCheckInCode(
        Guid id, string purpose, ClaimsPrincipal user, QrTokens qr, NpgsqlDataSource db, CancellationToken ct)
    {
        if (purpose is not (QrPurposes.CheckIn or QrPurposes.CheckOut))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["purpose"] = ["check_in or check_out."] });
        await using var conn = await db.OpenConnectionAsync(ct);
        var activity = await GetAsync(conn, id, ct);
        if (activity is null) return TypedResults.NotFound();
        if (!OwnsActivity(user, activity)) return Forbidden("Only the activity's organiser shows its check-in code.");
        if (!qr.Configured) return QrNotConfigured();
        return TypedResults.Ok(qr.Issue(id, purpose));
    }

    private static Task<Results<Created<SignupDto>, Ok<SignupDto>, NotFound, ProblemHttpResult>> SignUp(
        Guid id, ClaimsPrincipal user, ActivityDesk desk, CancellationToken ct) =>
        desk.SignUpAsync(id, user, ct);

    private static Task<Results<Ok<SignupDto>, NotFound, ProblemHttpResult>> CancelSignup(
        Guid id, Guid volunteerId, ClaimsPrincipal user, ActivityDesk desk, CancellationToken ct) =>
        desk.CancelAsync(id, volunteerId, user, ct);
}
