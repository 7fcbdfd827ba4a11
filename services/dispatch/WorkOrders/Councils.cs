using Dapper;
using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Npgsql;

namespace GovPlatform.Dispatch.WorkOrders;

public static class CouncilKinds
{
    /// <summary>三方联动议事: community party organisation, owners' committee and property company, with owners' representatives.</summary>
    public const string ThreeParty = "three_party";
    /// <summary>联席会议: what the community cannot solve, tracked to the end by a named cadre.</summary>
    public const string JointMeeting = "joint_meeting";
}

public static class CouncilParties
{
    public const string CommunityParty = "community_party";
    public const string OwnersCommittee = "owners_committee";
    public const string PropertyCompany = "property_company";
    public const string OwnersRepresentative = "owners_representative";
    public const string Department = "department";
    public const string Other = "other";

    public static readonly string[] All = [CommunityParty, OwnersCommittee, PropertyCompany, OwnersRepresentative, Department, Other];

    /// <summary>Without these three at the table it is not a three-party council.</summary>
    public static readonly string[] ThreePartyQuorum = [CommunityParty, OwnersCommittee, PropertyCompany];
}

public sealed record Attendee(string Party, string Name);

/// <summary>Councils and joint meetings on an order: scheduled by the community or above, then recorded as held.</summary>
public sealed class CouncilDesk(NpgsqlDataSource db, TimeProvider clock)
{
    private static readonly string[] Conveners = [Roles.CommunityCadre, Roles.SubdistrictOfficer, Roles.Admin];

    private sealed record Tracker
    {
        public Guid Id { get; init; }
        public required string Name { get; init; }
        public required string Role { get; init; }
        public required string[] Path { get; init; }
    }

    /// <param name="trackedBy">For a joint meeting, the worker id of the community cadre who tracks the case to the end.</param>
    public async Task<TransitionResult> ScheduleAsync(Guid orderId, Actor actor, string kind, DateTimeOffset scheduledAt, string place,
        Guid? trackedBy, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var order = await OrderRow.LockVisibleAsync(tx, orderId, actor, ct);
        if (order is null) return new TransitionResult.NotFound();
        if (!actor.Roles.Any(Conveners.Contains)) return new TransitionResult.Forbidden($"Only {string.Join(", ", Conveners)} convene councils.");
        if (order.Status == WorkOrderStatus.Closed) return new TransitionResult.Conflict(order.Status, order.Tier, "A closed work order needs no council.");

        Tracker? tracker = null;
        if (kind == CouncilKinds.JointMeeting)
        {
            // The joint meeting takes what the community could not solve: the order must have left the compound.
            if (order.Tier == Tiers.Compound)
                return new TransitionResult.Conflict(order.Status, order.Tier,
                    "A joint meeting is for what the community cannot solve; escalate the order to the community tier first.");
            tracker = await conn.QuerySingleOrDefaultAsync<Tracker>(new CommandDefinition("""
                SELECT w.id, w.name, w.role, g.path FROM workers w JOIN grid_nodes g ON g.code = w.node_code WHERE w.id = @trackedBy
                """, new { trackedBy }, tx, cancellationToken: ct));
            var error = tracker switch
            {
                null => $"No worker '{trackedBy}' in the people registry.",
                { Role: not Roles.CommunityCadre } => $"'{tracker.Name}' is a {tracker.Role}; a joint meeting is tracked by a community cadre.",
                // The subdistrict's joint meeting may name a cadre of any of its communities, none from elsewhere.
                _ when tracker.Path.Length < 2 || !order.ScopePath.Contains(tracker.Path[1]) => $"'{tracker.Name}' is a cadre outside the order's subdistrict.",
                _ => null,
            };
            if (error is not null) return new TransitionResult.Invalid(new() { ["trackedBy"] = [error] });
        }

        var now = clock.GetUtcNow();
        var councilId = NewId.NextGuid();
        var trackerId = tracker?.Id.ToString();
        await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO councils (id, work_order_id, kind, scheduled_at, place, tracked_by, convened_by, created_at)
            VALUES (@councilId, @orderId, @kind, @scheduledAt, @place, @trackerId, @by, @now)
            """, new { councilId, orderId, kind, scheduledAt, place, trackerId, by = actor.Subject, now }, tx, cancellationToken: ct));
        await WorkOrderHistory.AddAsync(tx, orderId, now, "council_scheduled", actor,
            new { councilId, kind, scheduledAt, place, trackedBy = tracker?.Id, trackerName = tracker?.Name, tier = order.Tier }, ct);
        await Outbox.EnqueueAsync(tx, new CouncilScheduled(councilId, orderId, order.RequestId, kind, order.Tier, scheduledAt, tracker?.Id, now), ct);
        await tx.CommitAsync(ct);
        return new TransitionResult.Done(councilId);
    }

    private sealed record CouncilRow(string Kind, DateTime? HeldAt);

    public async Task<TransitionResult> RecordAsync(Guid orderId, Guid councilId, Actor actor, IReadOnlyList<Attendee> attendees, string decision,
        CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var order = await OrderRow.LockVisibleAsync(tx, orderId, actor, ct);
        var council = order is null ? null : await conn.QuerySingleOrDefaultAsync<CouncilRow>(new CommandDefinition(
            "SELECT kind, held_at AS HeldAt FROM councils WHERE id = @councilId AND work_order_id = @orderId FOR UPDATE",
            new { councilId, orderId }, tx, cancellationToken: ct));
        if (order is null || council is null) return new TransitionResult.NotFound();
        if (!actor.Roles.Any(Conveners.Contains)) return new TransitionResult.Forbidden($"Only {string.Join(", ", Conveners)} record councils.");
        var (kind, heldAt) = (council.Kind, council.HeldAt);
        if (heldAt is not null) return new TransitionResult.Conflict("held", order.Tier, "This council was recorded already.");
        if (kind == CouncilKinds.ThreeParty && CouncilParties.ThreePartyQuorum.Except(attendees.Select(a => a.Party)).ToArray() is { Length: > 0 } missing)
            return new TransitionResult.Invalid(new() { ["attendees"] = [$"A three-party council needs {string.Join(", ", missing)} at the table."] });

        var now = clock.GetUtcNow();
        var names = attendees.Select(a => $"{a.Party}:{a.Name}").ToArray();
        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE councils SET held_at = @now, attendees = @names, decision = @decision, recorded_by = @by WHERE id = @councilId",
            new { now, names, decision, by = actor.Subject, councilId }, tx, cancellationToken: ct));
        await WorkOrderHistory.AddAsync(tx, orderId, now, "council_held", actor, new { councilId, kind, attendees = names, decision }, ct);
        await Outbox.EnqueueAsync(tx, new CouncilHeld(councilId, orderId, order.RequestId, kind, names, decision, now), ct);
        await tx.CommitAsync(ct);
        return new TransitionResult.Done(councilId);
    }
}
