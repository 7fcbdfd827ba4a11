using System.Security.Claims;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults.GridCopy;
using GovPlatform.ServiceDefaults.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Volunteer.Volunteers;

public sealed record DoubleReport(Guid UnitId, string CommunityCode);
public sealed record DoubleReportDto(Guid VolunteerId, Guid UnitId, string UnitName, string CommunityCode, DateTime ReportedAt);

/// <summary>
/// A party member's report to their employer unit and home community (双报到): the report and, when it is new or
/// changed, its event in the outbox, in one transaction; a new unit replaces the old.
/// </summary>
public sealed class DoubleReportDesk(NpgsqlDataSource db, TimeProvider clock)
{
    public async Task<Results<Created<DoubleReportDto>, Ok<DoubleReportDto>, NotFound, ValidationProblem, ProblemHttpResult>> ReportAsync(
        Guid id, DoubleReport body, ClaimsPrincipal user, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (!await VolunteerAccess.MaySeeAsync(conn, user, id, ct)) return VolunteerAccess.Forbidden("Volunteers report for themselves only.");
        var v = await conn.QuerySingleOrDefaultAsync<(string GridCode, bool PartyMember)>(new CommandDefinition(
            "SELECT grid_code, party_member FROM volunteers WHERE id = @id", new { id }, cancellationToken: ct));
        if (v.GridCode is null) return TypedResults.NotFound();
        if (!v.PartyMember) return TypedResults.Problem(statusCode: 409, title: "Only party members double-report.",
            detail: "This volunteer is not registered as a party member.", extensions: new Dictionary<string, object?> { ["partyMember"] = false });

        var errors = new Dictionary<string, string[]>();
        if (!await conn.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT EXISTS (SELECT 1 FROM units WHERE id = @UnitId)", body, cancellationToken: ct)))
            errors["unitId"] = ["No such unit: register it first."];
        var home = await conn.FindGridNodeAsync(v.GridCode, ct);
        var community = await conn.FindGridNodeAsync(body.CommunityCode ?? "", ct);
        // The community reported to is the one the member lives in, i.e. above their grid.
        if (community?.Level != GridLevels.Community || home is null || !home.Path.Contains(community.Code))
            errors["communityCode"] = [$"'{body.CommunityCode}' is not the community of the volunteer's grid."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The report was not recorded.");

        var now = clock.GetUtcNow();
        await using var tx = await conn.BeginTransactionAsync(ct);
        // xmax = 0 tells a fresh row from an updated one; an identical repeat updates nothing.
        var outcome = await conn.QuerySingleOrDefaultAsync<bool?>(new CommandDefinition("""
            INSERT INTO party_member_reports AS r (volunteer_id, unit_id, community_code, reported_at)
            VALUES (@id, @UnitId, @CommunityCode, @now)
            ON CONFLICT (volunteer_id) DO UPDATE SET unit_id = excluded.unit_id, community_code = excluded.community_code, reported_at = excluded.reported_at
                WHERE (r.unit_id, r.community_code) IS DISTINCT FROM (excluded.unit_id, excluded.community_code)
            RETURNING xmax = 0
            """, new { id, body.UnitId, body.CommunityCode, now }, tx, cancellationToken: ct));
        if (outcome is not null)
            await Outbox.EnqueueAsync(tx, new PartyMemberReported(id, body.UnitId, body.CommunityCode!, now), ct);
        await tx.CommitAsync(ct);

        var dto = await conn.QuerySingleAsync<DoubleReportDto>(new CommandDefinition("""
            SELECT r.volunteer_id AS VolunteerId, r.unit_id AS UnitId, u.name AS UnitName, r.community_code AS CommunityCode, r.reported_at AS ReportedAt
            FROM party_member_reports r JOIN units u ON u.id = r.unit_id WHERE r.volunteer_id = @id
            """, new { id }, cancellationToken: ct));
        return outcome is true ? TypedResults.Created($"/api/v1/volunteers/{id}/double-report", dto) : TypedResults.Ok(dto);
    }
}
