using Dapper;
using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Npgsql;

namespace GovPlatform.Reporting.Consumers;

public sealed class RequestSubmittedProjection(NpgsqlDataSource db) : InboxConsumer<RequestSubmitted>(db)
{
    protected override Task HandleAsync(ConsumeContext<RequestSubmitted> context, NpgsqlTransaction tx)
    {
        var m = context.Message;
        // The grid is whichever node on the location's path is a grid in our copy of the tree;
        // if the assignment arrived first it already set one, and it wins.
        const string sql = """
            INSERT INTO request_facts AS f (request_id, ticket_no, channel, category, location_code, location_path, grid_code, status, submitted_at)
            VALUES (@RequestId, @TicketNo, @Channel, @Category, @LocationCode, @path,
                    (SELECT code FROM grid_copy WHERE code = ANY(@path) AND level = 'grid' LIMIT 1),
                    'submitted', @SubmittedAt)
            ON CONFLICT (request_id) DO UPDATE
                SET ticket_no = excluded.ticket_no, channel = excluded.channel, category = excluded.category,
                    location_code = excluded.location_code, location_path = excluded.location_path,
                    grid_code = coalesce(f.grid_code, excluded.grid_code),
                    submitted_at = excluded.submitted_at, updated_at = now()
            """;
        return tx.Connection!.ExecuteAsync(new CommandDefinition(sql, new
        {
            m.RequestId, m.TicketNo, m.Channel, m.Category, m.LocationCode, path = m.LocationPath.ToArray(), m.SubmittedAt,
        }, tx, cancellationToken: context.CancellationToken));
    }
}

public sealed class WorkOrderAssignedProjection(NpgsqlDataSource db) : InboxConsumer<WorkOrderAssigned>(db)
{
    protected override Task HandleAsync(ConsumeContext<WorkOrderAssigned> context, NpgsqlTransaction tx)
    {
        var m = context.Message;
        const string sql = """
            INSERT INTO request_facts AS f (request_id, grid_code, status, assigned_at)
            VALUES (@RequestId, @GridCode, 'assigned', @AssignedAt)
            ON CONFLICT (request_id) DO UPDATE
                SET grid_code = coalesce(excluded.grid_code, f.grid_code), status = 'assigned',
                    assigned_at = excluded.assigned_at, updated_at = now()
            """;
        return tx.Connection!.ExecuteAsync(new CommandDefinition(sql, new { m.RequestId, m.GridCode, m.AssignedAt }, tx, cancellationToken: context.CancellationToken));
    }
}
