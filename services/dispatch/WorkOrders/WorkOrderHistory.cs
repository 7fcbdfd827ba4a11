using System.Text.Json;
using Dapper;
using GovPlatform.ServiceDefaults.Messaging;
using Npgsql;

namespace GovPlatform.Dispatch.WorkOrders;

/// <summary>The order's timeline: every transition, clock and escalation, with who and when.</summary>
public static class WorkOrderHistory
{
    public static Task AddAsync(NpgsqlTransaction tx, Guid workOrderId, DateTimeOffset at, string action, Actor actor, object detail, CancellationToken ct) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition("""
            INSERT INTO work_order_history (work_order_id, at, action, actor, actor_name, detail)
            VALUES (@workOrderId, @at, @action, @subject, @name, @detail::jsonb)
            """, new
        {
            workOrderId, at, action, subject = actor.Subject, name = actor.Name,
            detail = JsonSerializer.Serialize(detail, Outbox.Json),
        }, tx, cancellationToken: ct));
}

/// <summary>The columns of an order that the rules need, read under a row lock.</summary>
/// <remarks>Property-style because Dapper matches constructors by exact column type and text[] arrives as System.Array.</remarks>
public sealed record OrderRow
{
    public Guid Id { get; init; }
    public Guid RequestId { get; init; }
    public required string Category { get; init; }
    public required string Status { get; init; }
    public required string Tier { get; init; }
    public int Round { get; init; }
    public int ReopenCount { get; init; }
    public string? GridCode { get; init; }
    public string? CommunityCode { get; init; }
    public required string AssigneeKind { get; init; }
    public Guid? AssigneeId { get; init; }
    public required string AssigneeName { get; init; }
    public string? SuspendedFrom { get; init; }
    public bool Complex { get; init; }
    public required string[] ScopePath { get; init; }

    public const string Columns = """
        o.id, o.request_id AS RequestId, o.category, o.status, o.tier, o.round, o.reopen_count AS ReopenCount,
        o.grid_code AS GridCode, o.community_code AS CommunityCode, o.assignee_kind AS AssigneeKind,
        o.assignee_id AS AssigneeId, o.assignee_name AS AssigneeName, o.suspended_from AS SuspendedFrom,
        o.complex, o.scope_path AS ScopePath
        """;

    /// <summary>Locks an order the actor may see, or returns null (not there and not visible look the same).</summary>
    public static Task<OrderRow?> LockVisibleAsync(NpgsqlTransaction tx, Guid id, Actor actor, CancellationToken ct)
    {
        var param = new DynamicParameters(actor.Parameters);
        param.Add("id", id);
        return tx.Connection!.QuerySingleOrDefaultAsync<OrderRow>(new CommandDefinition(
            $"SELECT {Columns} FROM work_orders o WHERE o.id = @id AND {Actor.VisibleSql} FOR UPDATE OF o", param, tx, cancellationToken: ct));
    }

    /// <summary>Locks an order for a change made by the service itself (consumers, scheduler).</summary>
    public static Task<OrderRow?> LockAsync(NpgsqlTransaction tx, string where, object param, CancellationToken ct) =>
        tx.Connection!.QuerySingleOrDefaultAsync<OrderRow>(new CommandDefinition(
            $"SELECT {Columns} FROM work_orders o WHERE {where} FOR UPDATE OF o", param, tx, cancellationToken: ct));
}
