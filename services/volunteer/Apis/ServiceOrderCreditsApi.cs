using Dapper;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Volunteer.Apis;

/// <summary>What became of a completed service order's points: who was credited, or why nobody was.</summary>
public static class ServiceOrderCreditsApi
{
    public sealed record CreditDto(Guid OrderId, string CommunityCode, string ItemKind, string TakerKind, Guid? TakerId, Guid? UnitId, int? Points,
        Guid? CreditedVolunteerId, Guid? LedgerEntryId, string? UncreditedReason, DateTime CompletedAt);

    public static void MapServiceOrderCreditsApi(this WebApplication app)
    {
        app.MapGet("/api/v1/service-order-credits/{orderId:guid}", GetServiceOrderCredit)
            .RequireRoles(Roles.Organiser, Roles.Leader, Roles.Admin)
            .WithTags("Points")
            .WithName("GetServiceOrderCredit")
            .WithSummary("A completed service order's points: the volunteer credited once, or why nobody was (no_points, member_unit, no_taker_id, not_a_volunteer)");
    }

    private static async Task<Results<Ok<CreditDto>, NotFound>> GetServiceOrderCredit(Guid orderId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<CreditDto>(new CommandDefinition("""
            SELECT order_id AS OrderId, community_code AS CommunityCode, item_kind AS ItemKind, taker_kind AS TakerKind, taker_id AS TakerId,
                   unit_id AS UnitId, points, credited_volunteer_id AS CreditedVolunteerId, ledger_entry_id AS LedgerEntryId,
                   uncredited_reason AS UncreditedReason, completed_at AS CompletedAt
            FROM service_order_completions WHERE order_id = @orderId
            """, new { orderId }, cancellationToken: ct));
        return row is null ? TypedResults.NotFound() : TypedResults.Ok(row);
    }
}
