using System.Security.Claims;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Messaging;
using GovPlatform.Volunteer.Activities;
using GovPlatform.Volunteer.Points;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using static GovPlatform.Volunteer.Activities.ActivityRecords;
using static GovPlatform.Volunteer.Volunteers.VolunteerAccess;

namespace GovPlatform.Volunteer.Apis;

/// <summary>Check-in, check-out and the organiser's verification: the route table of <see cref="CheckInDesk"/>, plus the organiser's reviews.</summary>
public static class CheckInApi
{
    /// <summary>One volunteer's attendance as the organiser reviews it, the name masked as in the sign-ups.</summary>
    public sealed record AttendanceLine(Guid VolunteerId, string Name, DateTime CheckedInAt, DateTime? CheckedOutAt, decimal? Hours, string Status,
        string? VerdictReason);
    public sealed record RejectionDto(long Id, Guid? VolunteerId, string Action, string Reason, string Detail, DateTime At);

    public static void MapCheckInApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/activities").WithTags("Check-in");

        api.MapPost("/{id:guid}/check-in", CheckIn)
            .RequireRoles(Roles.Volunteer)
            .WithName("CheckIn")
            .WithSummary("Check in by scanning the activity's QR code (with location when the activity has a radius)");

        api.MapPost("/{id:guid}/check-out", CheckOut)
            .RequireRoles(Roles.Volunteer)
            .WithName("CheckOut")
            .WithSummary("Check out by scanning the activity's check-out code; hours are computed from check-in and check-out");

        api.MapPost("/{id:guid}/attendances/{volunteerId:guid}/verify", Verify)
            .RequireRoles(Roles.Organiser, Roles.Admin)
            .WithName("VerifyService")
            .WithSummary("The organiser approves checked-out service (recording it and awarding its points once) or rejects it with a reason");

        api.MapGet("/{id:guid}/attendances", ListAttendances)
            .RequireRoles(Roles.Organiser, Roles.Admin)
            .WithName("ListAttendances")
            .WithSummary("Who checked in and out of the activity, their hours and where verification stands (the activity's organiser or an admin)");

        api.MapGet("/{id:guid}/rejections", ListCheckRejections)
            .RequireRoles(Roles.Organiser, Roles.Admin)
            .WithName("ListCheckRejections")
            .WithSummary("Every refused check-in or check-out at an activity, with its reason");
    }

    private static async Task<Results<Ok<List<AttendanceLine>>, NotFound, ProblemHttpResult>> ListAttendances(
        Guid id, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var activity = await GetAsync(conn, id, ct);
        if (activity is null) return TypedResults.NotFound();
        if (!OwnsActivity(user, activity)) return Forbidden("Only the activity's organiser reviews its attendance.");
        var rows = await conn.QueryAsync<AttendanceLine>(new CommandDefinition("""
            SELECT a.volunteer_id AS VolunteerId, v.name, a.checked_in_at AS CheckedInAt, a.checked_out_at AS CheckedOutAt, a.hours, a.status,
                   a.verdict_reason AS VerdictReason
            FROM attendances a JOIN volunteers v ON v.id = a.volunteer_id
            WHERE a.activity_id = @id ORDER BY a.checked_in_at, a.volunteer_id
            """, new { id }, cancellationToken: ct));
        return TypedResults.Ok(rows.Select(r => r with { Name = PersonalData.MaskName(r.Name)! }).ToList());
    }

    private static async Task<Results<Ok<List<RejectionDto>>, NotFound, ProblemHttpResult>> ListCheckRejections(
        Guid id, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var activity = await GetAsync(conn, id, ct);
        if (activity is null) return TypedResults.NotFound();
        if (!OwnsActivity(user, activity)) return Forbidden("Only the activity's organiser reviews its refusals.");
        var rows = await conn.QueryAsync<RejectionDto>(new CommandDefinition(
            "SELECT id, volunteer_id AS VolunteerId, action, reason, detail, at FROM check_rejections WHERE activity_id = @id ORDER BY id",
            new { id }, cancellationToken: ct));
        return TypedResults.Ok(rows.AsList());
    }

    private static Task<Results<Ok<AttendanceDto>, NotFound, ProblemHttpResult>> CheckIn(Guid id, Scan body, ClaimsPrincipal user, CheckInDesk desk, CancellationToken ct) =>
        desk.CheckInAsync(id, body, user, ct);

    private static Task<Results<Ok<AttendanceDto>, NotFound, ProblemHttpResult>> CheckOut(Guid id, Scan body, ClaimsPrincipal user, CheckInDesk desk, CancellationToken ct) =>
        desk.CheckOutAsync(id, body, user, ct);

    private static Task<Results<Ok<VerdictResult>, NotFound, ValidationProblem, ProblemHttpResult>> Verify(
        Guid id, Guid volunteerId, Verdict body, ClaimsPrincipal user, CheckInDesk desk, CancellationToken ct) =>
        desk.VerifyAsync(id, volunteerId, body, user, ct);
}
