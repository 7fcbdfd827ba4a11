using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Dispatch.Community;
using GovPlatform.Dispatch.WorkOrders;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Npgsql;

namespace GovPlatform.Dispatch.Mediation;

public static class MediationKinds
{
    public const string Neighbour = "neighbour";
    /// <summary>Owners against the property company (业主与物业).</summary>
    public const string Property = "property";
    public const string Family = "family";
    public const string Other = "other";
    public static readonly string[] All = [Neighbour, Property, Family, Other];
}

public static class MediatorKinds
{
    /// <summary>A named mediator's studio (调解工作室).</summary>
    public const string Studio = "studio";
    /// <summary>A talk-it-over point (说事点).</summary>
    public const string TalkPoint = "talk_point";
    public static readonly string[] All = [Studio, TalkPoint];
}

public static class MediationStates
{
    public const string Open = "open";
    public const string Closed = "closed";
}

public sealed record Party(string Name, string Role);

/// <param name="MediatorKind">Null with a <paramref name="PlaceId"/>: the place's kind.</param>
/// <param name="MediatorName">Null with a <paramref name="PlaceId"/>: the place's name.</param>
public sealed record OpenCase(string Kind, string CommunityCode, string Summary, IReadOnlyList<Party> Parties,
    string? MediatorKind, string? MediatorName, IReadOnlyList<Guid> VolunteerIds, Guid? RequestId, Guid? WorkOrderId, Guid? PlaceId = null);

public sealed record Session(DateTimeOffset HeldAt, string Place, IReadOnlyList<string> Attendees, string Notes);

public sealed record Closing(string Outcome, DateTimeOffset? AgreementSignedAt, string? ReferredTo, string? Note);

/// <summary>
/// Opens, records and closes mediation cases. Each step locks the case row, so a session and a
/// closing racing each other take turns and the loser sees the closed state; the events leave
/// through the outbox in the same transaction.
/// </summary>
public sealed class MediationDesk(NpgsqlDataSource db, TimeProvider clock)
{
    /// <summary>Sessions and signatures are recorded after the fact; a little clock skew between devices is tolerated.</summary>
    private static readonly TimeSpan Skew = TimeSpan.FromMinutes(5);

    public async Task<StepResult> OpenAsync(Actor actor, OpenCase c, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var path = await CommunityAccess.PathAsync(conn, tx, c.CommunityCode, ct);
        if (path is null) return StepResult.Field("communityCode", $"'{c.CommunityCode}' is not a community of the grid tree.");
        if (!CommunityAccess.Answers(actor, path)) return new StepResult.Forbidden($"You do not answer for community {c.CommunityCode}.");

        var (mediatorKind, mediatorName) = (c.MediatorKind, c.MediatorName);
        if (c.PlaceId is { } placeId)
        {
            // A case held at a registered place is the place's: same community, same kind, the place's name as mediator.
            var place = await conn.QuerySingleOrDefaultAsync<(string CommunityCode, string Kind, string Name)>(new CommandDefinition(
                "SELECT community_code, kind, name FROM mediation_places WHERE id = @placeId", new { placeId }, tx, cancellationToken: ct));
            if (place.Name is null) return StepResult.Field("placeId", "No such mediation place.");
            if (place.CommunityCode != c.CommunityCode) return StepResult.Field("placeId", $"The place is not in community {c.CommunityCode}.");
            if (mediatorKind is not null && mediatorKind != place.Kind)
                return StepResult.Field("mediator.kind", $"The place is a '{place.Kind}'; leave the mediator's kind out or give that.");
            (mediatorKind, mediatorName) = (place.Kind, mediatorName ?? place.Name);
        }
        if (mediatorKind is null || mediatorName is null)
            return StepResult.Field("mediator", "Name the mediator (kind and name), or the registered place the case is held at.");

        var requestId = c.RequestId;
        if (c.WorkOrderId is { } workOrderId)
        {
            var order = await conn.QuerySingleOrDefaultAsync<LinkedOrder>(new CommandDefinition(
                "SELECT request_id AS RequestId, community_code AS CommunityCode FROM work_orders WHERE id = @workOrderId",
                new { workOrderId }, tx, cancellationToken: ct));
            if (order is null) return StepResult.Field("workOrderId", "No such work order.");
            if (order.CommunityCode != c.CommunityCode) return StepResult.Field("workOrderId", $"The work order is not in community {c.CommunityCode}.");
            if (requestId is not null && requestId != order.RequestId) return StepResult.Field("requestId", "The work order belongs to another request.");
            requestId = order.RequestId;
        }

        var now = clock.GetUtcNow();
        var caseId = NewId.NextGuid();
        await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO mediation_cases (id, community_code, scope_path, kind, summary, request_id, work_order_id,
                                         mediator_kind, mediator_name, mediator_volunteer_ids, state, opened_at, opened_by, place_id)
            VALUES (@caseId, @CommunityCode, @path, @Kind, @Summary, @requestId, @WorkOrderId,
                    @mediatorKind, @mediatorName, @volunteerIds, 'open', @now, @by, @PlaceId)
            """, new
        {
            caseId, c.CommunityCode, path, c.Kind, c.Summary, requestId, c.WorkOrderId, mediatorKind, mediatorName, c.PlaceId,
            volunteerIds = c.VolunteerIds.Distinct().ToArray(), now, by = actor.Subject,
        }, tx, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition(
            "INSERT INTO mediation_parties (case_id, position, name, role) VALUES (@caseId, @position, @Name, @Role)",
            c.Parties.Select((p, i) => new { caseId, position = i, p.Name, p.Role }), tx, cancellationToken: ct));
        await Outbox.EnqueueAsync(tx, new MediationCaseOpened(caseId, requestId, c.CommunityCode, c.Kind, mediatorName, now, c.PlaceId), ct);
        await tx.CommitAsync(ct);
        return new StepResult.Done(caseId);
    }

    public async Task<StepResult> RecordSessionAsync(Guid caseId, Actor actor, Session s, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var row = await LockAsync(tx, caseId, actor, ct);
        if (row is null) return new StepResult.NotFound();
        if (row.State != MediationStates.Open)
            return new StepResult.Conflict(row.State, $"The case was closed with outcome '{row.Outcome}'; a new dispute needs a new case.");
        var now = clock.GetUtcNow();
        if (s.HeldAt > now + Skew) return StepResult.Field("heldAt", "A session is recorded once it has been held; this time is in the future.");

        await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO mediation_sessions (id, case_id, held_at, place, attendees, notes, recorded_by, recorded_at)
            VALUES (@id, @caseId, @HeldAt, @Place, @attendees, @Notes, @by, @now)
            """, new { id = NewId.NextGuid(), caseId, s.HeldAt, s.Place, attendees = s.Attendees.ToArray(), s.Notes, by = actor.Subject, now },
            tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return new StepResult.Done(caseId);
    }

    public async Task<StepResult> CloseAsync(Guid caseId, Actor actor, Closing c, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var row = await LockAsync(tx, caseId, actor, ct);
        if (row is null) return new StepResult.NotFound();
        if (row.State != MediationStates.Open)
            return new StepResult.Conflict(row.State, $"The case was closed already with outcome '{row.Outcome}'.");
        var now = clock.GetUtcNow();
        if (c.AgreementSignedAt > now + Skew) return StepResult.Field("agreementSignedAt", "The agreement's signing date is in the future.");
        if (c.AgreementSignedAt < new DateTimeOffset(DateTime.SpecifyKind(row.OpenedAt, DateTimeKind.Utc)) - TimeSpan.FromDays(1))
            return StepResult.Field("agreementSignedAt", "The agreement's signing date is before the case was opened.");
        if (c.Outcome != MediationOutcomes.Referred && row.Sessions == 0)
            return new StepResult.Conflict(row.State, $"No session has been recorded; an outcome of '{c.Outcome}' comes out of mediation. Record the session first.");

        await conn.ExecuteAsync(new CommandDefinition("""
            UPDATE mediation_cases
            SET state = 'closed', closed_at = @now, closed_by = @by, outcome = @Outcome,
                agreement_signed_at = @AgreementSignedAt, referred_to = @ReferredTo, closing_note = @Note
            WHERE id = @caseId
            """, new { now, by = actor.Subject, c.Outcome, c.AgreementSignedAt, c.ReferredTo, c.Note, caseId }, tx, cancellationToken: ct));
        await Outbox.EnqueueAsync(tx, new MediationCaseClosed(caseId, row.RequestId, row.CommunityCode, c.Outcome,
            row.MediatorVolunteerIds, row.Sessions, now), ct);
        await tx.CommitAsync(ct);
        return new StepResult.Done(caseId);
    }

    private sealed record LinkedOrder
    {
        public Guid RequestId { get; init; }
        public string? CommunityCode { get; init; }
    }

    private sealed record CaseRow
    {
        public required string State { get; init; }
        public string? Outcome { get; init; }
        public Guid? RequestId { get; init; }
        public required string CommunityCode { get; init; }
        public required Guid[] MediatorVolunteerIds { get; init; }
        public DateTime OpenedAt { get; init; }
        public int Sessions { get; init; }
    }

    private static Task<CaseRow?> LockAsync(NpgsqlTransaction tx, Guid caseId, Actor actor, CancellationToken ct) =>
        tx.Connection!.QuerySingleOrDefaultAsync<CaseRow>(new CommandDefinition($"""
            SELECT c.state, c.outcome, c.request_id AS RequestId, c.community_code AS CommunityCode,
                   c.mediator_volunteer_ids AS MediatorVolunteerIds, c.opened_at AS OpenedAt,
                   (SELECT count(*)::int FROM mediation_sessions s WHERE s.case_id = c.id) AS Sessions
            FROM mediation_cases c
            WHERE c.id = @caseId AND {CommunityAccess.VisibleSql}
            FOR UPDATE OF c
            """, CommunityAccess.Parameters(actor, new { caseId }), tx, cancellationToken: ct));
}
