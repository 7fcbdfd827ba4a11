using System.Text.Json;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Dispatch.Duty;
using GovPlatform.Dispatch.ServiceLevels;
using GovPlatform.Dispatch.WorkOrders;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Npgsql;

namespace GovPlatform.Dispatch.Proactive;

/// <summary>
/// 未诉先办: a hot spot the community accepted becomes a proactive work order at its place, routed into the grid as a
/// resident's request is (the grid's on-duty worker with the least open work, else the grid leader, else the
/// community) and run against the proactive level (urgency <see cref="Urgency"/>). A dismissed hot spot opens nothing.
/// The order's request id is the hot spot's id: work orders are unique per request id, so however often the decision
/// is delivered, under whatever message id, there is one order.
/// </summary>
public sealed class ProactiveOrderConsumer(NpgsqlDataSource db, TimeProvider clock, DutyBoard board, DutyOptions duty, WorkOrderLifecycle lifecycle,
    ILogger<ProactiveOrderConsumer> logger)
    : InboxConsumer<HotSpotDecided>(db)
{
    public const string Urgency = "proactive";

    protected override async Task HandleAsync(ConsumeContext<HotSpotDecided> context, NpgsqlTransaction tx)
    {
        var m = context.Message;
        var ct = context.CancellationToken;
        if (m.Decision != "accepted") return;
        if (m.Category is null || m.PlaceCode is null || m.PlaceLevel is null || m.RequestIds is null)
        {
            // Published before decisions restated the hot spot: there is no place to send the work to.
            logger.LogWarning("HotSpotDecided for {HotSpotId} carries no place: no proactive order opened", m.HotSpotId);
            return;
        }
        var conn = tx.Connection!;
        var now = clock.GetUtcNow();

        // Our own tree is authoritative; the path in the message is intake's copy of it.
        var path = await conn.QuerySingleOrDefaultAsync<string[]>(new CommandDefinition(
            "SELECT path FROM grid_nodes WHERE code = @PlaceCode", new { m.PlaceCode }, tx, cancellationToken: ct))
            ?? (m.PlacePath ?? [m.PlaceCode]).ToArray();
        var levels = (await conn.QueryAsync<(string Code, string Level, string Name)>(new CommandDefinition(
                "SELECT code, level, name FROM grid_nodes WHERE code = ANY(@path)", new { path }, tx, cancellationToken: ct)))
            .ToDictionary(n => n.Code);
        string? Deepest(string level) => path.LastOrDefault(c => levels.TryGetValue(c, out var n) && n.Level == level);
        var grid = Deepest(GridLevels.Grid);
        var community = Deepest(GridLevels.Community) ?? m.CommunityCode;
        var placeName = levels.TryGetValue(m.PlaceCode, out var place) ? place.Name : m.PlaceCode;

        var pick = grid is null ? null : GridCandidates.Pick((await GridCandidates.ConsiderAsync(conn, tx, grid, now, board, duty, ct)).People);
        var (kind, rule) = pick?.Role switch
        {
            AssigneeKinds.GridWorker => (AssigneeKinds.GridWorker, "proactive order: the grid worker with the least open work"),
            AssigneeKinds.GridLeader => (AssigneeKinds.GridLeader, "proactive order: no grid worker on duty, the grid leader"),
            _ => (AssigneeKinds.Community, grid is null
                ? "proactive order: the hot spot is a whole community's, the community organises it"
                : "proactive order: nobody on duty in the grid, the community"),
        };
        var assigneeName = pick?.Name ?? (community is not null && levels.TryGetValue(community, out var c) ? c.Name : "未定位社区");
        var tier = kind == AssigneeKinds.Community ? Tiers.Community : Tiers.Compound;

        var workOrderId = NewId.NextGuid();
        var ticketNo = $"WS-{now.ToOffset(TimeSpan.FromHours(8)):yyyyMMdd}-{m.HotSpotId.ToString("N")[..6].ToUpperInvariant()}";
        var topic = m.Topic ?? [];
        var description = $"未诉先办：{placeName}近{m.RequestIds.Count}次居民来电反映同类问题（{string.Join("、", topic.Take(4))}），社区已决定主动处置，请排查根源、一次解决。"
            + (string.IsNullOrWhiteSpace(m.Note) ? "" : $"社区意见：{m.Note}");
        var caseDetails = new RequestCase(description, null, new Dictionary<string, JsonElement>(), [], [], null, null);
        const string insert = """
            INSERT INTO work_orders (id, request_id, ticket_no, category, location_code, grid_code, community_code,
                                     assignee_kind, assignee_id, assignee_name, status, tier, scope_path, created_at, updated_at, case_details, urgency)
            VALUES (@workOrderId, @HotSpotId, @ticketNo, @Category, @PlaceCode, @grid, @community,
                    @kind, @assigneeId, @assigneeName, 'assigned', @tier, @path, @now, @now, @caseDetails::jsonb, @urgency)
            ON CONFLICT (request_id) DO NOTHING
            """;
        var created = await conn.ExecuteAsync(new CommandDefinition(insert, new
        {
            workOrderId, m.HotSpotId, ticketNo, m.Category, m.PlaceCode, grid, community, kind, assigneeId = pick?.Id, assigneeName,
            tier, path, now, caseDetails = JsonSerializer.Serialize(caseDetails, Outbox.Json), urgency = Urgency,
        }, tx, cancellationToken: ct));
        if (created == 0) return; // the decision came again: its order exists already

        if (pick is not null) await board.AddLoadAsync(pick.Id, 1);
        try
        {
            await conn.ExecuteAsync(new CommandDefinition("""
                INSERT INTO proactive_orders (hot_spot_id, work_order_id, category, place_code, place_level, topic, request_ids,
                                              decided_by, decision_note, decided_at, created_at)
                VALUES (@HotSpotId, @workOrderId, @Category, @PlaceCode, @PlaceLevel, @topic, @requestIds, @By, @Note, @At, @now)
                """, new
            {
                m.HotSpotId, workOrderId, m.Category, m.PlaceCode, m.PlaceLevel, topic = topic.ToArray(), requestIds = m.RequestIds.ToArray(),
                m.By, m.Note, m.At, now,
            }, tx, cancellationToken: ct));
            var explanation = JsonSerializer.Serialize(new
            {
                rule, proactive = true, hotSpotId = m.HotSpotId, place = m.PlaceCode, placeLevel = m.PlaceLevel, topic,
                requestIds = m.RequestIds, decidedBy = m.By, note = m.Note, grid, community,
            }, Outbox.Json);
            await conn.ExecuteAsync(new CommandDefinition(
                "INSERT INTO work_order_history (work_order_id, at, action, actor, actor_name, detail) VALUES (@workOrderId, @now, 'assigned', 'dispatch', '调度系统', @explanation::jsonb)",
                new { workOrderId, now, explanation }, tx, cancellationToken: ct));
            await ServiceLevelClocks.StartAsync(tx, workOrderId, m.Category, tier, round: 1, now, ServiceLevelClocks.Running, ct);
            await Outbox.EnqueueAsync(tx, new WorkOrderAssigned(workOrderId, m.HotSpotId, grid, community, kind, pick?.Id, assigneeName, rule, now), ct);
            // A building's hot spot reaches its household heads as a resident's request there does (no outcomes are
            // parked under a hot spot's id, so that part finds nothing).
            var building = !levels.ContainsKey(m.PlaceCode) ? null
                : AssignmentFollowUps.BuildingOn(path, c => levels.TryGetValue(c, out var n) && n.Level == GridLevels.Building);
            await AssignmentFollowUps.ApplyAsync(tx, lifecycle, workOrderId, m.HotSpotId, building, now, ct);
        }
        catch when (pick is not null)
        {
            await board.AddLoadAsync(pick.Id, -1);
            throw;
        }
    }
}
