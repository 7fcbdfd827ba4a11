using System.Text.Json;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Dispatch.Duty;
using GovPlatform.Dispatch.Mediation;
using GovPlatform.Dispatch.ServiceLevels;
using GovPlatform.Dispatch.WorkOrders;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Npgsql;

namespace GovPlatform.Dispatch.Consumers;

/// <summary>
/// "Grid receives, community dispatches": turns each submitted request into a work order. The category's
/// routing rule decides where it goes first (the compound's property company, or the grid); in the grid an
/// on-duty worker with the least open work takes it, falling back to the grid leader, then to the community.
/// A category the catalogue places above the compound (its default tier, <c>category_tiers</c>) starts with that
/// tier's body instead of the grid.
/// </summary>
public sealed class RequestSubmittedConsumer(NpgsqlDataSource db, TimeProvider clock, DutyBoard board, DutyOptions duty, WorkOrderLifecycle lifecycle)
    : InboxConsumer<RequestSubmitted>(db)
{
    private sealed record RoutingRule(string Category, string Target, bool NotifyCommunity, string? DefaultTier);

    /// <summary>A class, not a positional record: Dapper offers a text[] column to constructors as System.Array.</summary>
    private sealed class PathNode
    {
        public required string Code { get; init; }
        public required string Level { get; init; }
        public required string Name { get; init; }
        public string[]? Path { get; init; }
    }

    private sealed record Body
    {
        public required string Name { get; init; }
        public required string ContactName { get; init; }
        public long OpenLoad { get; init; }
    }

    /// <summary>
    /// The body a rule names, where the location has one: the compound's property company or owners'
    /// committee, or of the grid's responsible units the one with the least open work.
    /// </summary>
    /// <remarks>Units are balanced on the load committed when the request is routed; unlike grid workers they are not locked, so two requests routed at the same instant may pick the same unit.</remarks>
    private static readonly Dictionary<string, (string Where, string Kind, string Name, string Text, string Sql)> BodyTargets = new()
    {
        [RoutingTargets.PropertyCompany] = (GridLevels.Compound, AssigneeKinds.PropertyCompany, "the property company", "the compound's property company",
            "SELECT name, contact_name AS ContactName FROM property_companies WHERE compound_code = @at"),
        [RoutingTargets.OwnersCommittee] = (GridLevels.Compound, AssigneeKinds.OwnersCommittee, "the owners' committee", "the compound's owners' committee",
            "SELECT name, contact_name AS ContactName FROM owners_committees WHERE compound_code = @at"),
        [RoutingTargets.ResponsibleUnit] = (GridLevels.Grid, AssigneeKinds.ResponsibleUnit, "a responsible unit", "the grid's responsible unit with the least open work",
            """
            SELECT u.name, u.contact_name AS ContactName,
                   (SELECT count(*) FROM work_orders o WHERE o.assignee_kind = 'responsible_unit' AND o.grid_code = u.grid_code
                      AND o.assignee_name = u.name AND o.status NOT IN ('resolved', 'closed')) AS OpenLoad
            FROM responsible_units u WHERE u.grid_code = @at
            ORDER BY OpenLoad, u.name
            LIMIT 1
            """),
    };

    /// <summary>The grid level whose node answers for a tier above the compound, its assignee kind and the name used when the location has none (as escalation names them).</summary>
    private static readonly Dictionary<string, (string Level, string Kind, string Fallback)> TierBodies = new()
    {
        [Tiers.Community] = (GridLevels.Community, AssigneeKinds.Community, "未定位社区"),
        [Tiers.Subdistrict] = (GridLevels.Subdistrict, AssigneeKinds.Subdistrict, "未定位街道"),
        [Tiers.County] = (GridLevels.District, AssigneeKinds.County, "县级"),
    };

    /// <summary>
    /// The work order is unique per request and everything else is written only when this delivery created it
    /// (<c>ON CONFLICT (request_id) DO NOTHING</c>, then nothing more), so a redelivery or a republished request changes
    /// nothing without an inbox row.
    /// </summary>
    protected override bool IdempotentByItself => true;

    protected override async Task HandleAsync(ConsumeContext<RequestSubmitted> context, NpgsqlTransaction tx)
    {
        var m = context.Message;
        var ct = context.CancellationToken;
        var conn = tx.Connection!;
        var now = clock.GetUtcNow();

        // Critical requests stay in the grid whatever their category: the nearest people are paged at once.
        var critical = m.Urgency == ServiceLevelClocks.CriticalPolicy;
        var urgency = m.Urgency ?? "normal";

        // What routing reads, in one round trip. Our own tree is authoritative; the path in the message is intake's copy
        // of it: the location's path and the nodes on it, every row carrying the path it was found on (null when the
        // tree lacks the location). The category's rule with the catalogue's default tier, as intake last announced it.
        // The service level the order's clocks will run on.
        const string reads = $"""
            WITH own AS (SELECT path FROM grid_nodes WHERE code = @LocationCode)
            SELECT n.code, n.level, n.name, (SELECT path FROM own) AS path
            FROM grid_nodes n
            WHERE n.code = ANY(coalesce((SELECT path FROM own), @messagePath));

            SELECT category, target, notify_community AS NotifyCommunity,
                   (SELECT default_tier FROM category_tiers WHERE category = @Category) AS DefaultTier
            FROM routing_rules
            WHERE category IN (@Category, '*') ORDER BY category = '*' LIMIT 1;

            {ServiceLevelClocks.PolicySql}
            """;
        List<PathNode> nodes;
        RoutingRule routing;
        SlaPolicy policy;
        await using (var results = await conn.QueryMultipleAsync(new CommandDefinition(reads, new
        {
            m.LocationCode, messagePath = m.LocationPath.ToArray(), m.Category,
            policyCategory = critical ? ServiceLevelClocks.CriticalPolicy : m.Category, urgency,
        }, tx, cancellationToken: ct)))
        {
            nodes = (await results.ReadAsync<PathNode>()).AsList();
            routing = await results.ReadSingleAsync<RoutingRule>();
            policy = await results.ReadSingleAsync<SlaPolicy>();
        }
        var path = nodes.FirstOrDefault()?.Path ?? m.LocationPath.ToArray();
        var levels = nodes.ToDictionary(n => n.Code, n => (n.Code, n.Level, n.Name));
        string? Deepest(string level) => path.LastOrDefault(c => levels.TryGetValue(c, out var n) && n.Level == level);
        var grid = Deepest(GridLevels.Grid);
        var compound = Deepest(GridLevels.Compound);
        var community = Deepest(GridLevels.Community);

        var defaultTier = critical ? null : routing.DefaultTier;
        var tierBody = defaultTier is null ? default : TierBodies.GetValueOrDefault(defaultTier);

        string kind, rule, assigneeName;
        Guid? assigneeId = null;
        string? fallback = null;
        object? propertyCompany = null;
        object? responsibleBody = null;
        IReadOnlyList<Considered> considered = [];
        string? dutySource = null;

        var target = BodyTargets.GetValueOrDefault(routing.Target);
        var at = target.Where == GridLevels.Grid ? grid : compound;
        var body = target.Sql is null || at is null ? null
            : await conn.QuerySingleOrDefaultAsync<Body>(new CommandDefinition(target.Sql, new { at }, tx, cancellationToken: ct));
        // Where the order starts: the compound tier (grid, or a body the routing rule names there), the community's
        // when nobody in the grid is on duty, or the category's default tier when the catalogue puts it higher.
        var tier = Tiers.Compound;
        if (body is null && tierBody.Kind is not null)
        {
            // Dispatch's own routing rule, naming a body that exists, is more specific than the catalogue's tier and wins above.
            tier = defaultTier!;
            kind = tierBody.Kind;
            var node = Deepest(tierBody.Level);
            assigneeName = node is null ? tierBody.Fallback : levels[node].Name;
            rule = $"category {m.Category} starts at the {tier} tier (the catalogue's default tier): {assigneeName}";
            if (target.Sql is not null)
                fallback = at is null
                    ? $"the rule asks for {target.Name}, but the location is not inside a {target.Where}: the category's default tier"
                    : $"the rule asks for {target.Name}, but {target.Where} {at} has none: the category's default tier";
            if (fallback is not null) rule = $"{rule} ({fallback})";
        }
        else if (body is not null)
        {
            (kind, assigneeName) = (target.Kind, body.Name);
            rule = $"routing rule '{routing.Category}': {target.Text}";
            propertyCompany = routing.Target == RoutingTargets.PropertyCompany ? new { compound, body.Name, body.ContactName } : null;
            responsibleBody = routing.Target == RoutingTargets.PropertyCompany ? null
                : new { kind = target.Kind, at, body.Name, body.ContactName, openLoad = target.Where == GridLevels.Grid ? body.OpenLoad : (long?)null };
        }
        else
        {
            if (target.Sql is not null)
                fallback = at is null
                    ? $"the rule asks for {target.Name}, but the location is not inside a {target.Where}: normal grid routing"
                    : $"the rule asks for {target.Name}, but {target.Where} {at} has none: normal grid routing";
            (considered, dutySource) = grid is null ? ([], null) : await GridCandidates.ConsiderAsync(conn, tx, grid, now, board, duty, ct);
            var pick = GridCandidates.Pick(considered);
            (kind, rule) = pick?.Role == AssigneeKinds.GridLeader
                ? (AssigneeKinds.GridLeader, "no grid worker on duty: the grid leader")
                : (AssigneeKinds.GridWorker, "grid worker with the least open work");
            if (pick is not null)
                (assigneeId, assigneeName) = (pick.Id, pick.Name);
            else
            {
                (kind, rule) = (AssigneeKinds.Community, grid is null
                    ? "the location is not inside a grid: the community"
                    : "nobody on duty in the grid: the community");
                assigneeName = community is null ? "未定位社区" : levels[community].Name;
            }
            if (fallback is not null) rule = $"{rule} ({fallback})";
        }

        var workOrderId = NewId.NextGuid();
        // Work handed straight to the community starts at the community's tier.
        if (kind == AssigneeKinds.Community) tier = Tiers.Community;
        var explanation = JsonSerializer.Serialize(new
        {
            rule,
            tier,
            defaultTier,
            routingRule = new { routing.Category, routing.Target, routing.NotifyCommunity },
            fallback,
            grid,
            compound,
            community,
            propertyCompany,
            body = responsibleBody,
            dutySource,
            candidates = considered,
        }, Outbox.Json);
        // All clocks of the first tier start now; working-time levels skip weekends and the county's holidays.
        var calendar = policy.WorkingTime && path.Length > 0 ? await WorkingCalendar.ForCountyAsync(tx, path[0], ct) : null;
        var plan = ServiceLevelClocks.PlanFor(policy, calendar, now, ServiceLevelClocks.Running);
        // Outcomes that overtook the request, and the building's household heads: part of the order's creation.
        var building = nodes.FirstOrDefault()?.Path is null ? null
            : AssignmentFollowUps.BuildingOn(path, c => levels.TryGetValue(c, out var n) && n.Level == GridLevels.Building);

        // The order with its 'assigned' history row and its clocks in one statement, then the follow-ups' statements,
        // in one round trip. Everything is written only when this delivery inserted the order: the history and clocks
        // select from the insert's RETURNING, the follow-ups check that the order exists.
        var write = $"""
            WITH o AS (
                INSERT INTO work_orders (id, request_id, ticket_no, category, location_code, grid_code, community_code,
                                         assignee_kind, assignee_id, assignee_name, status, tier, scope_path, created_at, updated_at, case_details, urgency)
                VALUES (@workOrderId, @requestId, @TicketNo, @Category, @LocationCode, @grid, @community,
                        @kind, @assigneeId, @assigneeName, 'assigned', @tier, @path, @now, @now, @caseDetails::jsonb, @Urgency)
                ON CONFLICT (request_id) DO NOTHING
                RETURNING id
            ), history AS (
                INSERT INTO work_order_history (work_order_id, at, action, actor, actor_name, detail)
                SELECT id, @now, 'assigned', 'dispatch', '调度系统', @explanation::jsonb FROM o
            ), clocks AS (
                INSERT INTO work_order_deadlines (work_order_id, clock, tier, round, due_at, warn_at, working_time)
                SELECT o.id, c.clock, @tier, 1, c.due_at, c.warn_at, @WorkingTime
                FROM o, unnest(@Names::text[], @Dues::timestamptz[], @Warns::timestamptz[]) AS c(clock, due_at, warn_at)
            )
            SELECT count(*)::int FROM o;
            {AssignmentFollowUps.Sql(building)}
            """;
        int created;
        AssignmentFollowUps.Taken followUps;
        await using (var results = await conn.QueryMultipleAsync(new CommandDefinition(write, new
        {
            workOrderId, requestId = m.RequestId, m.TicketNo, m.Category, m.LocationCode, grid, community,
            kind, assigneeId, assigneeName, tier, path, now, m.Urgency,
            // Null from a submission published before the case was carried: the order shows that it has none.
            caseDetails = m.Case is null ? null : JsonSerializer.Serialize(m.Case, Outbox.Json),
            explanation, plan.Names, plan.Dues, plan.Warns, plan.WorkingTime, building = building?.Code,
        }, tx, cancellationToken: ct)))
        {
            created = await results.ReadSingleAsync<int>();
            followUps = await AssignmentFollowUps.ReadAsync(results, building);
        }
        if (created == 0)
        {
            // Already has its work order: a redelivered or republished request changes nothing.
            NoteDuplicate();
            return;
        }

        // Counted while this transaction still holds the grid's worker locks, so the next assignment in
        // the grid, which waits for them, reads the new load.
        if (assigneeId is { } counted) await board.AddLoadAsync(counted, 1);
        try
        {
            if (critical) await PageAsync(conn, tx, workOrderId, assigneeId, considered, now, ct);
            await Outbox.EnqueueAsync(tx, new WorkOrderAssigned(
                workOrderId, m.RequestId, grid, community, kind, assigneeId, assigneeName, rule, now), ct);
            if (ResidentApplications.IsApplication(m)) await ResidentApplications.OpenAsync(tx, m, workOrderId, community, path, now, ct);

            if (routing.NotifyCommunity && community is not null)
            {
                var reason = $"routing rule '{routing.Category}': the community is told of every {m.Category} at once";
                var detail = JsonSerializer.Serialize(new { community, communityName = levels[community].Name, reason }, Outbox.Json);
                await conn.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO work_order_history (work_order_id, at, action, actor, actor_name, detail) VALUES (@workOrderId, @now, 'community_notified', 'dispatch', '调度系统', @detail::jsonb)",
                    new { workOrderId, now, detail }, tx, cancellationToken: ct));
                await Outbox.EnqueueAsync(tx, new CommunityNotified(workOrderId, m.RequestId, community, m.Category, reason, now), ct);
            }

            await AssignmentFollowUps.ApplyAsync(tx, lifecycle, workOrderId, m.RequestId, building, followUps, now, ct);
        }
        catch when (assigneeId is not null)
        {
            await board.AddLoadAsync(assigneeId.Value, -1);
            throw;
        }
    }

    /// <summary>
    /// A critical request pages the grid's on-duty worker and its leader at once, not one after the other: the
    /// assignee takes the order as usual, the leader is told beside them (recorded in the order's history,
    /// which both read on their work list). Off-duty leaders are paged too: an alarm outranks a roster.
    /// </summary>
    private static async Task PageAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid workOrderId, Guid? assigneeId,
        IReadOnlyList<Considered> considered, DateTimeOffset now, CancellationToken ct)
    {
        var paged = considered
            .Where(x => x.Id == assigneeId || x.Role == AssigneeKinds.GridLeader)
            .Select(x => new { x.Id, x.Name, x.Role, onDuty = x.Eligible })
            .ToList();
        var detail = JsonSerializer.Serialize(new { urgency = ServiceLevelClocks.CriticalPolicy, paged, reason = "critical request: worker and leader paged at once" }, Outbox.Json);
        await conn.ExecuteAsync(new CommandDefinition(
            "INSERT INTO work_order_history (work_order_id, at, action, actor, actor_name, detail) VALUES (@workOrderId, @now, 'paged', 'dispatch', '调度系统', @detail::jsonb)",
            new { workOrderId, now, detail }, tx, cancellationToken: ct));
    }
}
