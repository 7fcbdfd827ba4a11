using Dapper;
using GovPlatform.ServiceDefaults;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using static GovPlatform.Volunteer.Volunteers.VolunteerAccess;

namespace GovPlatform.Volunteer.Apis;

/// <summary>The registry of employer units party members report to (双报到).</summary>
public static class UnitsApi
{
    public static readonly string[] Kinds = ["government", "enterprise", "institution", "other"];

    public sealed record NewUnit(string Name, string Kind);
    public sealed record UnitDto(Guid Id, string Name, string Kind, int MembersReported);
    /// <param name="HardshipsSolved">Wishes and hardships (微心愿/困难) on a community's menu the unit or its reported party members completed.</param>
    /// <param name="CoBuildingEvents">Co-building events (共建活动) recorded against the unit's service contracts.</param>
    public sealed record UnitFigures(Guid UnitId, string Name, string Kind, int MembersReported, int Activities, decimal Hours, long PointsEarned,
        int HardshipsSolved, int CoBuildingEvents, int Contracts);

    /// <summary>Double reporting per community: who reported there and what units did there.</summary>
    public sealed record CommunityFigures(string CommunityCode, int Units, int MembersReported, int HardshipsSolved, int CoBuildingEvents, int Contracts);

    public static void MapUnitsApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/units").WithTags("Units");

        api.MapPost("/", RegisterUnit)
            .RequireRoles(Roles.Admin)
            .WithName("RegisterUnit")
            .WithSummary("Register an employer unit (government body, enterprise, institution)");

        api.MapGet("/", ListUnits)
            // Party members pick their unit when they double-report; no reason to publish the registry to the world.
            .RequireRoles(Roles.Volunteer, Roles.Organiser, Roles.Leader, Roles.Admin)
            .WithName("ListUnits")
            .WithSummary("Registered units with how many party members reported through each");

        api.MapGet("/figures", GetDoubleReportingFigures)
            // Per-unit figures are the evaluation of units (考核): for leaders and the staff who run double reporting.
            .RequireRoles(Roles.Organiser, Roles.Leader, Roles.Admin)
            .WithName("GetDoubleReportingFigures")
            .WithSummary("Double-reporting figures per unit: members reported, activities served, verified hours, points earned, hardships solved, co-building events");

        api.MapGet("/figures/communities", GetDoubleReportingCommunityFigures)
            .RequireRoles(Roles.Organiser, Roles.Leader, Roles.Admin)
            .WithName("GetDoubleReportingCommunityFigures")
            .WithSummary("Double-reporting figures per community: units and members reported, hardships solved, co-building events, contracts");
    }

    private static async Task<Results<Created<UnitDto>, ValidationProblem, ProblemHttpResult>> RegisterUnit(
        NewUnit body, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (BadText(body.Name, 100)) errors["name"] = ["A name of 1-100 characters is required."];
        if (!Kinds.Contains(body.Kind)) errors["kind"] = [$"One of: {string.Join(", ", Kinds)}."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The unit was not registered.");

        var dto = new UnitDto(NewId.NextGuid(), body.Name.Trim(), body.Kind, 0);
        await using var conn = await db.OpenConnectionAsync(ct);
        var added = await conn.ExecuteAsync(new CommandDefinition(
            "INSERT INTO units (id, name, kind, created_at) VALUES (@Id, @Name, @Kind, @now) ON CONFLICT (name) DO NOTHING",
            new { dto.Id, dto.Name, dto.Kind, now = clock.GetUtcNow() }, cancellationToken: ct));
        if (added == 0) return TypedResults.Problem(statusCode: 409, title: "This unit is registered already.", detail: $"A unit named '{dto.Name}' exists.");
        return TypedResults.Created($"/api/v1/units/{dto.Id}", dto);
    }

    private static async Task<Ok<List<UnitDto>>> ListUnits(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var units = await conn.QueryAsync<UnitDto>(new CommandDefinition("""
            SELECT u.id, u.name, u.kind, (SELECT count(*)::int FROM party_member_reports r WHERE r.unit_id = u.id) AS MembersReported
            FROM units u ORDER BY u.name
            """, cancellationToken: ct));
        return TypedResults.Ok(units.AsList());
    }

    private static async Task<Ok<List<UnitFigures>>> GetDoubleReportingFigures(NpgsqlDataSource db, CancellationToken ct)
    {
        // Verified service only: what the organiser confirmed is what the unit is credited with.
        await using var conn = await db.OpenConnectionAsync(ct);
        var figures = await conn.QueryAsync<UnitFigures>(new CommandDefinition("""
            SELECT u.id AS UnitId, u.name, u.kind,
                   (SELECT count(*)::int FROM party_member_reports r WHERE r.unit_id = u.id) AS MembersReported,
                   (SELECT count(DISTINCT a.activity_id)::int FROM attendances a JOIN party_member_reports r ON r.volunteer_id = a.volunteer_id
                    WHERE r.unit_id = u.id AND a.status = 'verified') AS Activities,
                   (SELECT coalesce(sum(a.hours), 0) FROM attendances a JOIN party_member_reports r ON r.volunteer_id = a.volunteer_id
                    WHERE r.unit_id = u.id AND a.status = 'verified') AS Hours,
                   (SELECT coalesce(sum(p.amount), 0)::bigint FROM party_member_reports r
                    JOIN ledger_entries e ON e.volunteer_id = r.volunteer_id AND e.kind IN ('award', 'correction')
                    JOIN ledger_postings p ON p.entry_id = e.id AND p.account = 'volunteer:' || e.volunteer_id
                    WHERE r.unit_id = u.id) AS PointsEarned,
                   (SELECT count(*)::int FROM service_order_completions o
                    WHERE o.unit_id = u.id AND o.item_kind IN ('wish', 'hardship')) AS HardshipsSolved,
                   (SELECT count(*)::int FROM contract_fulfilments f JOIN service_contracts c ON c.id = f.contract_id
                    WHERE c.unit_id = u.id AND f.kind = 'co_building') AS CoBuildingEvents,
                   (SELECT count(*)::int FROM service_contracts c WHERE c.unit_id = u.id) AS Contracts
            FROM units u ORDER BY MembersReported DESC, u.name
            """, cancellationToken: ct));
        return TypedResults.Ok(figures.AsList());
    }

    private static async Task<Ok<List<CommunityFigures>>> GetDoubleReportingCommunityFigures(NpgsqlDataSource db, CancellationToken ct)
    {
        // Every community where a member reported, a unit solved a hardship, or a unit holds a contract.
        await using var conn = await db.OpenConnectionAsync(ct);
        var figures = await conn.QueryAsync<CommunityFigures>(new CommandDefinition("""
            WITH per AS (
                SELECT community_code, unit_id, volunteer_id, NULL::uuid AS hardship, NULL::uuid AS event, NULL::uuid AS contract
                FROM party_member_reports
                UNION ALL
                SELECT community_code, unit_id, NULL, order_id, NULL, NULL FROM service_order_completions
                WHERE unit_id IS NOT NULL AND item_kind IN ('wish', 'hardship')
                UNION ALL
                SELECT c.community_code, c.unit_id, NULL, NULL, f.id, NULL
                FROM contract_fulfilments f JOIN service_contracts c ON c.id = f.contract_id WHERE f.kind = 'co_building'
                UNION ALL
                SELECT community_code, unit_id, NULL, NULL, NULL, id FROM service_contracts)
            SELECT community_code AS CommunityCode, count(DISTINCT unit_id)::int AS Units, count(DISTINCT volunteer_id)::int AS MembersReported,
                   count(hardship)::int AS HardshipsSolved, count(event)::int AS CoBuildingEvents, count(contract)::int AS Contracts
            FROM per GROUP BY community_code ORDER BY community_code
            """, cancellationToken: ct));
        return TypedResults.Ok(figures.AsList());
    }
}
