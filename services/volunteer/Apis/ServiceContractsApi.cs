using System.Security.Claims;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.GridCopy;
using GovPlatform.ServiceDefaults.Messaging;
using GovPlatform.Volunteer.Units;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using static GovPlatform.Volunteer.Units.ServiceContractDesk;
using static GovPlatform.Volunteer.Volunteers.VolunteerAccess;

namespace GovPlatform.Volunteer.Apis;

/// <summary>
/// Service contracts (服务合同) between member units and communities: committed projects with a target and a due date,
/// fulfilment entries against them (co-building events, service orders the unit took, anything else counted), and
/// committed vs fulfilled with what is overdue.
/// </summary>
public static class ServiceContractsApi
{
    public sealed record OverdueDto(Guid ContractId, Guid CommitmentId, Guid UnitId, string UnitName, string CommunityCode, string Title,
        int Target, string Measure, DateOnly DueOn, long Fulfilled);

    /// <summary>Those who run double reporting record contracts and their fulfilment; leaders read them.</summary>
    private static readonly string[] Writers = [Roles.Organiser, Roles.Admin];
    private static readonly string[] Readers = [Roles.Organiser, Roles.Leader, Roles.Admin];

    public static void MapServiceContractsApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/service-contracts").WithTags("Service contracts");

        api.MapPost("/", RecordContract)
            .RequireRoles(Writers)
            .WithName("RecordServiceContract")
            .WithSummary("Record a service contract (服务合同) a member unit signed with a community, with its committed projects");

        api.MapGet("/{id:guid}", GetServiceContract)
            .RequireRoles(Readers)
            .WithName("GetServiceContract")
            .WithSummary("A contract's commitments: committed vs fulfilled, each fulfilment entry, and which are overdue");

        api.MapGet("/", ListServiceContracts)
            .RequireRoles(Readers)
            .WithName("ListServiceContracts")
            .WithSummary("Contracts of a unit or a community with committed vs fulfilled and overdue commitments");

        api.MapGet("/overdue", ListOverdueCommitments)
            .RequireRoles(Readers)
            .WithName("ListOverdueCommitments")
            .WithSummary("Committed projects past their due date and short of their target, oldest first");

        api.MapPost("/{id:guid}/commitments/{commitmentId:guid}/fulfilments", RecordFulfilment)
            .RequireRoles(Writers)
            .WithName("RecordContractFulfilment")
            .WithSummary("Record fulfilment of a committed project: a co-building event (共建活动), a service order the unit completed, or other");
    }

    private static async Task<Results<Ok<ContractDto>, NotFound>> GetServiceContract(
        Guid id, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await LoadAsync(conn, id, clock, ct) is { } found ? TypedResults.Ok(found) : TypedResults.NotFound();
    }

    private static async Task<Ok<List<ContractDto>>> ListServiceContracts(
        Guid? unitId, string? community, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<ContractDto>(new CommandDefinition($"""
            {SelectContracts}
            WHERE (@unitId::uuid IS NULL OR c.unit_id = @unitId) AND (@community::text IS NULL OR c.community_code = @community)
            GROUP BY c.id, u.name ORDER BY c.starts_on DESC, c.signed_at DESC LIMIT 500
            """, new { unitId, community = string.IsNullOrWhiteSpace(community) ? null : community.Trim(), today = Today(clock) }, cancellationToken: ct));
        return TypedResults.Ok(rows.AsList());
    }

    private static async Task<Ok<List<OverdueDto>>> ListOverdueCommitments(
        string? community, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<OverdueDto>(new CommandDefinition($"""
            WITH k AS ({CommitmentFigures})
            SELECT c.id AS ContractId, k.id AS CommitmentId, c.unit_id AS UnitId, u.name AS UnitName, c.community_code AS CommunityCode,
                   k.title, k.target, k.measure, k.DueOn, k.Fulfilled
            FROM k JOIN service_contracts c ON c.id = k.ContractId JOIN units u ON u.id = c.unit_id
            WHERE k.Fulfilled < k.target AND k.DueOn < @today AND (@community::text IS NULL OR c.community_code = @community)
            ORDER BY k.DueOn, u.name LIMIT 500
            """, new { community = string.IsNullOrWhiteSpace(community) ? null : community.Trim(), today = Today(clock) }, cancellationToken: ct));
        return TypedResults.Ok(rows.AsList());
    }

    private static Task<Results<Created<ContractDto>, ValidationProblem>> RecordContract(
        ContractBody body, ClaimsPrincipal user, ServiceContractDesk desk, CancellationToken ct) =>
        desk.RecordAsync(body, user, ct);

    private static Task<Results<Created<ContractDto>, ValidationProblem, NotFound>> RecordFulfilment(
        Guid id, Guid commitmentId, FulfilmentBody body, ClaimsPrincipal user, ServiceContractDesk desk, CancellationToken ct) =>
        desk.RecordFulfilmentAsync(id, commitmentId, body, user, ct);
}
