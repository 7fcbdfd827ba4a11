using Dapper;
using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.GridCopy;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using static GovPlatform.Volunteer.Volunteers.VolunteerAccess;

namespace GovPlatform.Volunteer.Teams;

public sealed record NewTeam(string Name, string Kind, string CommunityCode, Guid LeaderId);
public sealed record MemberDto(Guid VolunteerId, string Name, bool Leader);
public sealed record TeamDto(Guid Id, string Name, string Kind, string CommunityCode, Guid LeaderId)
{
    public IReadOnlyList<MemberDto> Members { get; init; } = [];
}

/// <summary>Forming a service team of a community: the team and its leader's membership in one transaction.</summary>
public sealed class TeamDesk(NpgsqlDataSource db, TimeProvider clock)
{
    public static readonly string[] Kinds = ["red_service", "mediation", "night_patrol", "other"];

    public async Task<Results<Created<TeamDto>, ValidationProblem, ProblemHttpResult>> CreateAsync(NewTeam body, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (BadText(body.Name, 50)) errors["name"] = ["A name of 1-50 characters is required."];
        if (!Kinds.Contains(body.Kind)) errors["kind"] = [$"One of: {string.Join(", ", Kinds)}."];
        await using var conn = await db.OpenConnectionAsync(ct);
        var community = await conn.FindGridNodeAsync(body.CommunityCode ?? "", ct);
        if (community?.Level != GridLevels.Community) errors["communityCode"] = [$"'{body.CommunityCode}' is not a community of the grid tree."];
        if (!await VolunteerExistsAsync(conn, body.LeaderId, ct)) errors["leaderId"] = ["No such volunteer."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The team was not created.");

        var now = clock.GetUtcNow();
        var id = NewId.NextGuid();
        await using var tx = await conn.BeginTransactionAsync(ct);
        var added = await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO teams (id, name, kind, community_code, leader_id, created_at)
            VALUES (@id, @Name, @Kind, @CommunityCode, @LeaderId, @now)
            ON CONFLICT (community_code, name) DO NOTHING
            """, new { id, Name = body.Name.Trim(), body.Kind, body.CommunityCode, body.LeaderId, now }, tx, cancellationToken: ct));
        if (added == 0) return TypedResults.Problem(statusCode: 409, title: "The community has a team of this name.", detail: $"'{body.Name}' exists in {body.CommunityCode}.");
        await conn.ExecuteAsync(new CommandDefinition(
            "INSERT INTO team_members (team_id, volunteer_id, joined_at) VALUES (@id, @LeaderId, @now)",
            new { id, body.LeaderId, now }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return TypedResults.Created($"/api/v1/teams/{id}", (await GetAsync(conn, id, ct))!);
    }

    public static async Task<TeamDto?> GetAsync(NpgsqlConnection conn, Guid id, CancellationToken ct)
    {
        var team = await conn.QuerySingleOrDefaultAsync<TeamDto>(new CommandDefinition(
            "SELECT id, name, kind, community_code AS CommunityCode, leader_id AS LeaderId FROM teams WHERE id = @id", new { id }, cancellationToken: ct));
        if (team is null) return null;
        var members = await conn.QueryAsync<MemberDto>(new CommandDefinition("""
            SELECT v.id AS VolunteerId, v.name, v.id = t.leader_id AS Leader
            FROM team_members m JOIN volunteers v ON v.id = m.volunteer_id JOIN teams t ON t.id = m.team_id
            WHERE m.team_id = @id ORDER BY (v.id = t.leader_id) DESC, m.joined_at, v.id
            """, new { id }, cancellationToken: ct));
        return team with { Members = members.Select(m => m with { Name = PersonalData.MaskName(m.Name)! }).ToList() };
    }
}
