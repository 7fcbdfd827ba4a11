using System.Text.Json;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Dispatch.ServiceLevels;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Npgsql;

namespace GovPlatform.Dispatch.Consumers;

/// <summary>
/// "Grid receives, community dispatches": turns each submitted request into a work order for an
/// on-duty worker of the grid covering its location, the least loaded first, falling back to the
/// grid leader, then to the community.
/// </summary>
public sealed class RequestSubmittedConsumer(NpgsqlDataSource db, TimeProvider clock) : InboxConsumer<RequestSubmitted>(db)
{
    private sealed record Candidate(Guid Id, string Name, string Role, int OpenLoad);

    protected override async Task HandleAsync(ConsumeContext<RequestSubmitted> context, NpgsqlTransaction tx)
    {
        var m = context.Message;
        var ct = context.CancellationToken;
        var conn = tx.Connection!;

        // Our own tree is authoritative; the path in the message is intake's copy of it.
        var path = await conn.QuerySingleOrDefaultAsync<string[]>(new CommandDefinition(
            "SELECT path FROM grid_nodes WHERE code = @LocationCode", new { m.LocationCode }, tx, cancellationToken: ct))
            ?? m.LocationPath.ToArray();
        var levels = (await conn.QueryAsync<(string Code, string Level, string Name)>(new CommandDefinition(
                "SELECT code, level, name FROM grid_nodes WHERE code = ANY(@path)", new { path }, tx, cancellationToken: ct)))
            .ToDictionary(n => n.Code);
        string? Deepest(string level) => path.LastOrDefault(c => levels.TryGetValue(c, out var n) && n.Level == level);
        var grid = Deepest(GridLevels.Grid);
        var community = Deepest(GridLevels.Community);

        // Locking the grid's workers makes concurrent assignments in one grid take turns, so the
        // load each one sees is current (ordered by id so lockers never deadlock).
        const string candidatesSql = """
            SELECT w.id, w.name, w.role,
                   (SELECT count(*)::int FROM work_orders o
                    WHERE o.assignee_id = w.id AND o.status NOT IN ('resolved', 'closed')) AS OpenLoad
            FROM workers w
            WHERE w.node_code = @grid AND w.role IN ('grid_worker', 'grid_leader') AND w.on_duty
            ORDER BY w.id
            FOR UPDATE OF w
            """;
        var candidates = grid is null ? [] : (await conn.QueryAsync<Candidate>(new CommandDefinition(
            candidatesSql, new { grid }, tx, cancellationToken: ct))).AsList();

        var pick = candidates.Where(c => c.Role == AssigneeKinds.GridWorker).OrderBy(c => c.OpenLoad).ThenBy(c => c.Id).FirstOrDefault();
        var (kind, rule) = (AssigneeKinds.GridWorker, "grid worker with the least open work");
        if (pick is null)
        {
            pick = candidates.FirstOrDefault(c => c.Role == AssigneeKinds.GridLeader);
            (kind, rule) = (AssigneeKinds.GridLeader, "no grid worker on duty: the grid leader");
        }
        var assigneeName = pick?.Name;
        if (pick is null)
        {
            (kind, rule) = (AssigneeKinds.Community, grid is null
                ? "the location is not inside a grid: the community"
                : "nobody on duty in the grid: the community");
            assigneeName = community is null ? "未定位社区" : levels[community].Name;
        }

        var now = clock.GetUtcNow();
        var workOrderId = NewId.NextGuid();
        // Work handed straight to the community starts at the community's tier.
        var tier = kind == AssigneeKinds.Community ? Tiers.Community : Tiers.Compound;
        const string insert = """
            INSERT INTO work_orders (id, request_id, ticket_no, category, location_code, grid_code, community_code,
                                     assignee_kind, assignee_id, assignee_name, status, tier, scope_path, created_at, updated_at)
            VALUES (@workOrderId, @RequestId, @TicketNo, @Category, @LocationCode, @grid, @community,
                    @kind, @assigneeId, @assigneeName, 'assigned', @tier, @path, @now, @now)
            ON CONFLICT (request_id) DO NOTHING
            """;
        var created = await conn.ExecuteAsync(new CommandDefinition(insert, new
        {
            workOrderId, m.RequestId, m.TicketNo, m.Category, m.LocationCode, grid, community,
            kind, assigneeId = pick?.Id, assigneeName, tier, path, now,
        }, tx, cancellationToken: ct));
        if (created == 0) return; // already has its work order: a republished request changes nothing

        var explanation = JsonSerializer.Serialize(new
        {
            rule,
            grid,
            community,
            candidates = candidates.Select(c => new { c.Id, c.Name, c.Role, c.OpenLoad }),
        }, Outbox.Json);
        await conn.ExecuteAsync(new CommandDefinition(
            "INSERT INTO work_order_history (work_order_id, at, action, actor, actor_name, detail) VALUES (@workOrderId, @now, 'assigned', 'dispatch', '调度系统', @explanation::jsonb)",
            new { workOrderId, now, explanation }, tx, cancellationToken: ct));

        await ServiceLevelClocks.StartAsync(tx, workOrderId, m.Category, tier, round: 1, now, ServiceLevelClocks.Running, ct);
        await Outbox.EnqueueAsync(tx, new WorkOrderAssigned(
            workOrderId, m.RequestId, grid, community, kind, pick?.Id, assigneeName!, rule, now), ct);
    }
}
