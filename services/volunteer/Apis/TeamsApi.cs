using Dapper;
using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.GridCopy;
using GovPlatform.Volunteer.Teams;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using static GovPlatform.Volunteer.Teams.TeamDesk;
using static GovPlatform.Volunteer.Volunteers.VolunteerAccess;

namespace GovPlatform.Volunteer.Apis;

/// <summary>Service teams of a community (red service, mediation, night patrol), each with a leader.</summary>
public static class TeamsApi
{
    public sealed record NewMember(Guid VolunteerId);

    public static void MapTeamsApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/teams").WithTags("Teams");

        api.MapPost("/", CreateTeam)
            .RequireRoles(Roles.Organiser, Roles.Admin)
            .WithName("CreateTeam")
            .WithSummary("Form a service team in a community with its leader");

        api.MapPost("/{id:guid}/members", AddTeamMember)
            .RequireRoles(Roles.Organiser, Roles.Admin)
            .WithName("AddTeamMember")
            .WithSummary("Add a volunteer to a team (adding a member twice changes nothing)");

        api.MapGet("/{id:guid}", GetTeam)
            .RequireRoles(Roles.Volunteer, Roles.Organiser, Roles.Admin)
            .WithName("GetTeam")
            .WithSummary("A team with its members, names masked");
    }

    private static async Task<Results<Ok<TeamDto>, NotFound, ValidationProblem>> AddTeamMember(
        Guid id, NewMember body, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await GetAsync(conn, id, ct) is null) return TypedResults.NotFound();
        if (!await VolunteerExistsAsync(conn, body.VolunteerId, ct))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["volunteerId"] = ["No such volunteer."] });
        await conn.ExecuteAsync(new CommandDefinition(
            "INSERT INTO team_members (team_id, volunteer_id, joined_at) VALUES (@id, @VolunteerId, @now) ON CONFLICT DO NOTHING",
            new { id, body.VolunteerId, now = clock.GetUtcNow() }, cancellationToken: ct));
        return TypedResults.Ok((await GetAsync(conn, id, ct))!);
    }

    private static async Task<Results<Ok<TeamDto>, NotFound>> GetTeam(Guid id, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await GetAsync(conn, id, ct) is { } team ? TypedResults.Ok(team) : TypedResults.NotFound();
    }

    private static Task<Results<Created<TeamDto>, ValidationProblem, ProblemHttpResult>> CreateTeam(NewTeam body, TeamDesk desk, CancellationToken ct) =>
        desk.CreateAsync(body, ct);
}
