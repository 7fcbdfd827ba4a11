using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Dispatch.Apis;

public static class WorkOrdersApi
{
    public sealed record HistoryDto(DateTime At, string Action, string Actor, string Detail);

    public sealed record WorkOrderDto(
        Guid Id, Guid RequestId, string TicketNo, string Category, string LocationCode, string? GridCode,
        string? CommunityCode, string AssigneeKind, Guid? AssigneeId, string AssigneeName, string Status,
        DateTime CreatedAt, DateTime UpdatedAt)
    {
        public IReadOnlyList<HistoryDto> History { get; init; } = [];
    }

    private const string SelectOrder = """
        SELECT id, request_id AS RequestId, ticket_no AS TicketNo, category, location_code AS LocationCode,
               grid_code AS GridCode, community_code AS CommunityCode, assignee_kind AS AssigneeKind,
               assignee_id AS AssigneeId, assignee_name AS AssigneeName, status,
               created_at AS CreatedAt, updated_at AS UpdatedAt
        FROM work_orders
        """;

    public static void MapWorkOrdersApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/work-orders").WithTags("Work orders");

        api.MapGet("/{id:guid}", async Task<Results<Ok<WorkOrderDto>, NotFound>> (Guid id, NpgsqlDataSource db, CancellationToken ct) =>
            {
                await using var conn = await db.OpenConnectionAsync(ct);
                var order = await conn.QuerySingleOrDefaultAsync<WorkOrderDto>(new CommandDefinition($"{SelectOrder} WHERE id = @id", new { id }, cancellationToken: ct));
                if (order is null) return TypedResults.NotFound();
                var history = await conn.QueryAsync<HistoryDto>(new CommandDefinition(
                    "SELECT at, action, actor, detail::text AS Detail FROM work_order_history WHERE work_order_id = @id ORDER BY id",
                    new { id }, cancellationToken: ct));
                return TypedResults.Ok(order with { History = history.AsList() });
            })
            .WithName("GetWorkOrder")
            .WithSummary("A work order with its history, including why it was assigned as it was");

        api.MapGet("/", async (Guid? requestId, string? gridCode, NpgsqlDataSource db, CancellationToken ct) =>
            {
                await using var conn = await db.OpenConnectionAsync(ct);
                var orders = await conn.QueryAsync<WorkOrderDto>(new CommandDefinition($"""
                    {SelectOrder}
                    WHERE (@requestId::uuid IS NULL OR request_id = @requestId)
                      AND (@gridCode::text IS NULL OR grid_code = @gridCode)
                    ORDER BY created_at DESC
                    LIMIT 200
                    """, new { requestId, gridCode }, cancellationToken: ct));
                return TypedResults.Ok(orders.AsList());
            })
            .WithName("ListWorkOrders")
            .WithSummary("Work orders, newest first, filtered by request or grid");
    }
}
