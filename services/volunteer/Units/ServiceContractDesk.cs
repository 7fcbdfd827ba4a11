using System.Security.Claims;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.GridCopy;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using static GovPlatform.Volunteer.Volunteers.VolunteerAccess;

namespace GovPlatform.Volunteer.Units;

public sealed record CommitmentBody(string Title, int Target, string Measure, DateOnly DueOn);
public sealed record ContractBody(Guid UnitId, string CommunityCode, string Title, DateOnly StartsOn, DateOnly EndsOn, IReadOnlyList<CommitmentBody>? Commitments);
public sealed record FulfilmentBody(string Kind, int Quantity, DateOnly HeldOn, string Note, Guid? ActivityId = null, Guid? ServiceOrderId = null);

public sealed record FulfilmentDto(Guid Id, string Kind, int Quantity, DateOnly HeldOn, string Note, Guid? ActivityId, Guid? ServiceOrderId, DateTime RecordedAt);

public sealed record CommitmentDto
{
    public Guid Id { get; init; }
    public required string Title { get; init; }
    public int Target { get; init; }
    public required string Measure { get; init; }
    public DateOnly DueOn { get; init; }
    public long Fulfilled { get; init; }
    /// <summary>Past its due date (China Standard Time) and short of its target.</summary>
    public bool Overdue { get; init; }
    public IReadOnlyList<FulfilmentDto> Entries { get; init; } = [];
}

public sealed record ContractDto
{
    public Guid Id { get; init; }
    public Guid UnitId { get; init; }
    public required string UnitName { get; init; }
    public required string CommunityCode { get; init; }
    public required string Title { get; init; }
    public DateOnly StartsOn { get; init; }
    public DateOnly EndsOn { get; init; }
    public DateTime SignedAt { get; init; }
    /// <summary>Commitments, those met (fulfilled ≥ target), and those overdue.</summary>
    public long Commitments { get; init; }
    public long CommitmentsMet { get; init; }
    public long CommitmentsOverdue { get; init; }
    /// <summary>Sum of targets, and of fulfilment counted up to each target (overshooting one does not make up for another).</summary>
    public long Committed { get; init; }
    public long Fulfilled { get; init; }
    public IReadOnlyList<CommitmentDto> Items { get; init; } = [];
}

/// <summary>
/// Service contracts (服务合同) a member unit signs with a community: recording one with its committed projects, and
/// a fulfilment entry against a commitment, each in one transaction with its event in the outbox.
/// </summary>
public sealed class ServiceContractDesk(NpgsqlDataSource db, TimeProvider clock)
{
    /// <summary>China Standard Time has had no daylight saving since 1991: a fixed offset is exact.</summary>
    public static DateOnly Today(TimeProvider clock) => DateOnly.FromDateTime(clock.GetUtcNow().ToOffset(TimeSpan.FromHours(8)).DateTime);

    public const string CommitmentFigures = """
        SELECT k.id, k.contract_id AS ContractId, k.title, k.target, k.measure, k.due_on AS DueOn,
               coalesce((SELECT sum(f.quantity) FROM contract_fulfilments f WHERE f.commitment_id = k.id), 0)::bigint AS Fulfilled
        FROM contract_commitments k
        """;

    public const string SelectContracts = $"""
        WITH k AS ({CommitmentFigures})
        SELECT c.id, c.unit_id AS UnitId, u.name AS UnitName, c.community_code AS CommunityCode, c.title, c.starts_on AS StartsOn,
               c.ends_on AS EndsOn, c.signed_at AS SignedAt,
               count(k.id) AS Commitments,
               count(k.id) FILTER (WHERE k.Fulfilled >= k.target) AS CommitmentsMet,
               count(k.id) FILTER (WHERE k.Fulfilled < k.target AND k.DueOn < @today) AS CommitmentsOverdue,
               coalesce(sum(k.target), 0)::bigint AS Committed,
               coalesce(sum(least(k.Fulfilled, k.target)), 0)::bigint AS Fulfilled
        FROM service_contracts c JOIN units u ON u.id = c.unit_id LEFT JOIN k ON k.ContractId = c.id
        """;

    public async Task<Results<Created<ContractDto>, ValidationProblem>> RecordAsync(ContractBody body, ClaimsPrincipal user, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (BadText(body.Title, 200)) errors["title"] = ["A title of 1-200 characters is required."];
        if (body.EndsOn < body.StartsOn) errors["endsOn"] = ["Must not be before startsOn."];
        else if (body.EndsOn.DayNumber - body.StartsOn.DayNumber > 5 * 366) errors["endsOn"] = ["A contract runs at most five years."];
        var commitments = body.Commitments ?? [];
        if (commitments.Count is 0 or > 50) errors["commitments"] = ["Between 1 and 50 committed projects."];
        for (var i = 0; i < commitments.Count; i++)
        {
            var c = commitments[i];
            if (c is null) { errors[$"commitments[{i}]"] = ["Missing."]; continue; }
            if (BadText(c.Title, 200)) errors[$"commitments[{i}].title"] = ["A title of 1-200 characters is required."];
            if (c.Target is < 1 or > 1_000_000) errors[$"commitments[{i}].target"] = ["Between 1 and 1000000."];
            if (BadText(c.Measure, 20)) errors[$"commitments[{i}].measure"] = ["What the target counts (次, 户, 小时), 1-20 characters."];
            if (c.DueOn < body.StartsOn || c.DueOn > body.EndsOn) errors[$"commitments[{i}].dueOn"] = ["Within the contract's period."];
        }
        await using var conn = await db.OpenConnectionAsync(ct);
        var community = await conn.FindGridNodeAsync(body.CommunityCode ?? "", ct);
        if (community?.Level != GridLevels.Community) errors["communityCode"] = [$"'{body.CommunityCode}' is not a community of the grid tree."];
        if (!await conn.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT EXISTS (SELECT 1 FROM units WHERE id = @UnitId)", body, cancellationToken: ct)))
            errors["unitId"] = ["No such registered unit."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The contract was not recorded.");

        var id = NewId.NextGuid();
        var now = clock.GetUtcNow();
        await using var tx = await conn.BeginTransactionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO service_contracts (id, unit_id, community_code, title, starts_on, ends_on, signed_by, signed_at)
            VALUES (@id, @UnitId, @CommunityCode, @title, @StartsOn, @EndsOn, @by, @now)
            """, new { id, body.UnitId, body.CommunityCode, title = body.Title.Trim(), body.StartsOn, body.EndsOn, by = user.SubjectOf() ?? "unknown", now },
            tx, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO contract_commitments (id, contract_id, position, title, target, measure, due_on)
            VALUES (@Id, @contractId, @Position, @Title, @Target, @Measure, @DueOn)
            """, commitments.Select((c, i) => new { Id = NewId.NextGuid(), contractId = id, Position = i, Title = c.Title.Trim(), c.Target, Measure = c.Measure.Trim(), c.DueOn }),
            tx, cancellationToken: ct));
        await Outbox.EnqueueAsync(tx, new ServiceContractSigned(id, body.UnitId, body.CommunityCode!, body.StartsOn, body.EndsOn,
            commitments.Count, commitments.Sum(c => (long)c.Target), now), ct);
        await tx.CommitAsync(ct);
        return TypedResults.Created($"/api/v1/service-contracts/{id}", (await LoadAsync(conn, id, clock, ct))!);
    }

    public async Task<Results<Created<ContractDto>, ValidationProblem, NotFound>> RecordFulfilmentAsync(
        Guid id, Guid commitmentId, FulfilmentBody body, ClaimsPrincipal user, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (!FulfilmentKinds.All.Contains(body.Kind)) errors["kind"] = [$"Unknown kind '{body.Kind}'; expected one of {string.Join(", ", FulfilmentKinds.All)}."];
        if (body.Quantity is < 1 or > 1_000_000) errors["quantity"] = ["Between 1 and 1000000."];
        if (BadText(body.Note, 500)) errors["note"] = ["What was done, 1-500 characters."];
        if (body.Kind == FulfilmentKinds.ServiceOrder && body.ServiceOrderId is null) errors["serviceOrderId"] = ["Name the service order the unit completed."];
        if (body.Kind != FulfilmentKinds.ServiceOrder && body.ServiceOrderId is not null) errors["serviceOrderId"] = ["Only a service_order entry names a service order."];
        if (body.Kind != FulfilmentKinds.CoBuilding && body.ActivityId is not null) errors["activityId"] = ["Only a co_building entry names an activity."];
        if (body.HeldOn > Today(clock)) errors["heldOn"] = ["Fulfilment is recorded once it happened; this date is in the future."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The fulfilment was not recorded.");

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var contract = await conn.QuerySingleOrDefaultAsync<(Guid UnitId, string CommunityCode, DateOnly StartsOn, DateOnly EndsOn)>(new CommandDefinition("""
            SELECT c.unit_id, c.community_code, c.starts_on, c.ends_on
            FROM service_contracts c JOIN contract_commitments k ON k.contract_id = c.id
            WHERE c.id = @id AND k.id = @commitmentId
            FOR SHARE OF c
            """, new { id, commitmentId }, tx, cancellationToken: ct));
        if (contract.CommunityCode is null) return TypedResults.NotFound();
        if (body.HeldOn < contract.StartsOn || body.HeldOn > contract.EndsOn) errors["heldOn"] = ["Within the contract's period."];
        if (body.ServiceOrderId is { } orderId)
        {
            // The order must be one the unit answers for: taken by the unit, or by a party member reported through it.
            var order = await conn.QuerySingleOrDefaultAsync<(Guid? UnitId, string CommunityCode)>(new CommandDefinition(
                "SELECT unit_id, community_code FROM service_order_completions WHERE order_id = @orderId", new { orderId }, tx, cancellationToken: ct));
            if (order.CommunityCode is null) errors["serviceOrderId"] = ["No completed service order with this id has reached the volunteer service."];
            else if (order.UnitId != contract.UnitId || order.CommunityCode != contract.CommunityCode)
                errors["serviceOrderId"] = ["The order was not completed in this community by this unit or one of its reported party members."];
        }
        if (body.ActivityId is { } activityId)
        {
            var activity = await conn.QuerySingleOrDefaultAsync<(string Status, string GridCode)>(new CommandDefinition(
                "SELECT status, grid_code FROM activities WHERE id = @activityId", new { activityId }, tx, cancellationToken: ct));
            var grid = activity.GridCode is null ? null : await conn.FindGridNodeAsync(activity.GridCode, ct);
            if (activity.Status is null) errors["activityId"] = ["No such activity."];
            else if (activity.Status != "published") errors["activityId"] = ["The activity was cancelled."];
            else if (grid is null || !grid.Path.Contains(contract.CommunityCode)) errors["activityId"] = ["The activity is not in the contract's community."];
        }
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The fulfilment was not recorded.");

        var entryId = NewId.NextGuid();
        var now = clock.GetUtcNow();
        var added = await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO contract_fulfilments (id, commitment_id, contract_id, kind, quantity, held_on, note, activity_id, service_order_id, recorded_by, recorded_at)
            VALUES (@entryId, @commitmentId, @id, @Kind, @Quantity, @HeldOn, @note, @ActivityId, @ServiceOrderId, @by, @now)
            ON CONFLICT DO NOTHING
            """, new { entryId, commitmentId, id, body.Kind, body.Quantity, body.HeldOn, note = body.Note.Trim(), body.ActivityId, body.ServiceOrderId,
            by = user.SubjectOf() ?? "unknown", now }, tx, cancellationToken: ct));
        if (added == 0)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                [body.ServiceOrderId is not null ? "serviceOrderId" : "activityId"] = ["Already counted towards this contract."],
            }, title: "The fulfilment was not recorded.");
        await Outbox.EnqueueAsync(tx, new ServiceCommitmentFulfilled(entryId, id, commitmentId, contract.UnitId, contract.CommunityCode,
            body.Kind, body.Quantity, body.HeldOn, now), ct);
        await tx.CommitAsync(ct);
        return TypedResults.Created($"/api/v1/service-contracts/{id}", (await LoadAsync(conn, id, clock, ct))!);
    }

    private sealed record CommitmentRow(Guid Id, Guid ContractId, string Title, int Target, string Measure, DateOnly DueOn, long Fulfilled);

    public static async Task<ContractDto?> LoadAsync(NpgsqlConnection conn, Guid id, TimeProvider clock, CancellationToken ct)
    {
        var today = Today(clock);
        var contract = await conn.QuerySingleOrDefaultAsync<ContractDto>(new CommandDefinition(
            $"{SelectContracts} WHERE c.id = @id GROUP BY c.id, u.name", new { id, today }, cancellationToken: ct));
        if (contract is null) return null;
        var items = await conn.QueryAsync<CommitmentRow>(new CommandDefinition(
            $"{CommitmentFigures} WHERE k.contract_id = @id ORDER BY k.position", new { id }, cancellationToken: ct));
        var entries = (await conn.QueryAsync<(Guid CommitmentId, Guid Id, string Kind, int Quantity, DateOnly HeldOn, string Note, Guid? ActivityId, Guid? ServiceOrderId, DateTime RecordedAt)>(
            new CommandDefinition("""
                SELECT commitment_id, id, kind, quantity, held_on, note, activity_id, service_order_id, recorded_at
                FROM contract_fulfilments WHERE contract_id = @id ORDER BY held_on, recorded_at
                """, new { id }, cancellationToken: ct))).ToLookup(e => e.CommitmentId);
        return contract with
        {
            Items = items.Select(k => new CommitmentDto
            {
                Id = k.Id, Title = k.Title, Target = k.Target, Measure = k.Measure, DueOn = k.DueOn, Fulfilled = k.Fulfilled,
                Overdue = k.Fulfilled < k.Target && k.DueOn < today,
                Entries = entries[k.Id].Select(e => new FulfilmentDto(e.Id, e.Kind, e.Quantity, e.HeldOn, e.Note, e.ActivityId, e.ServiceOrderId, e.RecordedAt)).ToList(),
            }).ToList(),
        };
    }
}
