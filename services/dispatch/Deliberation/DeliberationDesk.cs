using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Dispatch.Community;
using GovPlatform.Dispatch.WorkOrders;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Npgsql;

namespace GovPlatform.Dispatch.Deliberation;

public static class MeetingKinds
{
    /// <summary>居民议事会: the community's standing residents' council.</summary>
    public const string ResidentsCouncil = "residents_council";
    /// <summary>岭上夜话 / 居民夜话: an evening talk in the neighbourhood.</summary>
    public const string NightTalk = "night_talk";
    /// <summary>议事亭: a talk at the compound's deliberation pavilion.</summary>
    public const string Pavilion = "pavilion";
    public const string Other = "other";
    public static readonly string[] All = [ResidentsCouncil, NightTalk, Pavilion, Other];
}

public static class AttendeeParties
{
    public static readonly string[] All = ["cadre", "police", "mediator", "resident", "party_member", "other"];
}

public static class ProposalStates
{
    public const string Proposed = "proposed";
    /// <summary>Discussed at a meeting; households vote from here until the decision.</summary>
    public const string Discussed = "discussed";
    public const string Adopted = "adopted";
    public const string Rejected = "rejected";
    public const string CarriedOut = "carried_out";
}

public static class VoteChoices
{
    public static readonly string[] All = ["for", "against", "abstain"];
}

public sealed record MeetingAttendee(string Party, string Name);
public sealed record Need(string Description, string LocationCode, string? Category, string Urgency, string? RaisedBy);
public sealed record Suggestion(string Text, string? RaisedBy);
public sealed record Dispute(string Summary, bool Resolved);

public sealed record RecordMeeting(string CommunityCode, string Kind, string Title, string Place, DateTimeOffset HeldAt, string? Summary,
    IReadOnlyList<MeetingAttendee> Attendees, IReadOnlyList<Need> Needs, IReadOnlyList<Suggestion> Suggestions, IReadOnlyList<Dispute> Disputes);

public sealed record MakeProposal(string CommunityCode, string Title, string Description, string ProposedBy);

public sealed record FollowUpTask(string Title, string TakenBy);

/// <summary>What recording a vote came to: counted now, or the same household's vote was already counted.</summary>
public sealed record VoteOutcome(bool Counted, string Choice);

/// <summary>
/// Meetings and proposals of a community. Each step is one transaction with its events in the outbox; a proposal's
/// steps lock its row, and a vote takes the row in share mode, so a decision waits for votes in flight and no vote
/// lands after the tally.
/// </summary>
public sealed class DeliberationDesk(NpgsqlDataSource db, TimeProvider clock)
{
    /// <summary>Meetings are recorded after they are held; a little clock skew between devices is tolerated.</summary>
    private static readonly TimeSpan Skew = TimeSpan.FromMinutes(5);

    public async Task<StepResult> RecordMeetingAsync(Actor actor, RecordMeeting m, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (m.HeldAt > now + Skew) return StepResult.Field("heldAt", "A meeting is recorded once it has been held; this time is in the future.");
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var path = await CommunityAccess.PathAsync(conn, tx, m.CommunityCode, ct);
        if (path is null) return StepResult.Field("communityCode", $"'{m.CommunityCode}' is not a community of the grid tree.");
        if (!CommunityAccess.Answers(actor, path)) return new StepResult.Forbidden($"You do not answer for community {m.CommunityCode}.");

        // A need is filed where it is: a node inside the meeting's community.
        var places = m.Needs.Select(n => n.LocationCode).Distinct().ToArray();
        var inside = (await conn.QueryAsync<string>(new CommandDefinition(
            "SELECT code FROM grid_nodes WHERE code = ANY(@places) AND @community = ANY(path)",
            new { places, community = m.CommunityCode }, tx, cancellationToken: ct))).ToHashSet();
        for (var i = 0; i < m.Needs.Count; i++)
            if (!inside.Contains(m.Needs[i].LocationCode))
                return StepResult.Field($"needs[{i}].locationCode", $"'{m.Needs[i].LocationCode}' is not a place in community {m.CommunityCode}.");

        var id = NewId.NextGuid();
        await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO meetings (id, community_code, scope_path, kind, title, place, held_at, summary, recorded_by, recorded_by_name, recorded_at)
            VALUES (@id, @CommunityCode, @path, @Kind, @Title, @Place, @HeldAt, @Summary, @by, @byName, @now)
            """, new { id, m.CommunityCode, path, m.Kind, m.Title, m.Place, m.HeldAt, m.Summary, by = actor.Subject, byName = actor.Name, now },
            tx, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition(
            "INSERT INTO meeting_attendees (meeting_id, position, party, name) VALUES (@id, @position, @Party, @Name)",
            m.Attendees.Select((a, i) => new { id, position = i, a.Party, a.Name }), tx, cancellationToken: ct));

        const string insertItem = """
            INSERT INTO meeting_items (id, meeting_id, position, kind, text, raised_by, location_code, category, urgency, resolved)
            VALUES (@itemId, @id, @position, @kind, @text, @raisedBy, @locationCode, @category, @urgency, @resolved)
            """;
        var position = 0;
        var needs = m.Needs.Select(n => (Id: NewId.NextGuid(), Need: n)).ToList();
        var items = needs.Select(n => new
            {
                itemId = n.Id, id, position = position++, kind = "need", text = n.Need.Description, raisedBy = n.Need.RaisedBy,
                locationCode = (string?)n.Need.LocationCode, category = n.Need.Category, urgency = (string?)n.Need.Urgency, resolved = (bool?)null,
            })
            .Concat(m.Suggestions.Select(s => new
            {
                itemId = NewId.NextGuid(), id, position = position++, kind = "suggestion", text = s.Text, raisedBy = s.RaisedBy,
                locationCode = (string?)null, category = (string?)null, urgency = (string?)null, resolved = (bool?)null,
            }))
            .Concat(m.Disputes.Select(d => new
            {
                itemId = NewId.NextGuid(), id, position = position++, kind = "dispute", text = d.Summary, raisedBy = (string?)null,
                locationCode = (string?)null, category = (string?)null, urgency = (string?)null, resolved = (bool?)d.Resolved,
            }))
            .ToList();
        await conn.ExecuteAsync(new CommandDefinition(insertItem, items, tx, cancellationToken: ct));

        await Outbox.EnqueueAsync(tx, new MeetingHeld(id, m.CommunityCode, path, m.Kind, m.HeldAt, m.Attendees.Select(a => a.Party).ToList(),
            m.Needs.Count, m.Suggestions.Count, m.Disputes.Count, m.Disputes.Count(d => d.Resolved), now), ct);
        foreach (var (needId, n) in needs)
            await Outbox.EnqueueAsync(tx, new MeetingNeedRaised(needId, id, m.CommunityCode, n.LocationCode, n.Description, n.Category,
                n.Urgency, n.RaisedBy, now), ct);
        await tx.CommitAsync(ct);
        return new StepResult.Done(id);
    }

    public async Task<StepResult> ProposeAsync(Actor actor, MakeProposal p, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var path = await CommunityAccess.PathAsync(conn, tx, p.CommunityCode, ct);
        if (path is null) return StepResult.Field("communityCode", $"'{p.CommunityCode}' is not a community of the grid tree.");
        if (!CommunityAccess.Answers(actor, path)) return new StepResult.Forbidden($"You do not answer for community {p.CommunityCode}.");
        var id = NewId.NextGuid();
        var now = clock.GetUtcNow();
        await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO proposals (id, community_code, scope_path, title, description, proposed_by, state, proposed_at, created_by)
            VALUES (@id, @CommunityCode, @path, @Title, @Description, @ProposedBy, 'proposed', @now, @by)
            """, new { id, p.CommunityCode, path, p.Title, p.Description, p.ProposedBy, now, by = actor.Subject }, tx, cancellationToken: ct));
        await Outbox.EnqueueAsync(tx, new ProposalMade(id, p.CommunityCode, path, p.Title, now), ct);
        await tx.CommitAsync(ct);
        return new StepResult.Done(id);
    }

    public async Task<StepResult> DiscussAsync(Guid proposalId, Actor actor, Guid meetingId, string discussion, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var row = await LockAsync(tx, proposalId, actor, exclusive: true, ct);
        if (row is null) return new StepResult.NotFound();
        if (row.State != ProposalStates.Proposed)
            return new StepResult.Conflict(row.State, "The proposal was discussed already; votes are recorded until it is decided.");
        var meetingCommunity = await conn.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT community_code FROM meetings WHERE id = @meetingId", new { meetingId }, tx, cancellationToken: ct));
        if (meetingCommunity != row.CommunityCode)
            return StepResult.Field("meetingId", $"No meeting of community {row.CommunityCode} has this id; record the meeting first.");
        var now = clock.GetUtcNow();
        await conn.ExecuteAsync(new CommandDefinition("""
            UPDATE proposals SET state = 'discussed', meeting_id = @meetingId, discussion = @discussion, discussed_at = @now WHERE id = @proposalId
            """, new { meetingId, discussion, now, proposalId }, tx, cancellationToken: ct));
        await Outbox.EnqueueAsync(tx, new ProposalDiscussed(proposalId, meetingId, row.CommunityCode, now), ct);
        await tx.CommitAsync(ct);
        return new StepResult.Done(proposalId);
    }

    /// <summary>
    /// One vote per household of the community. The primary key (proposal, household) decides a race: of two
    /// identical votes sent at once one inserts, the other waits for it and inserts nothing, so the vote counts once.
    /// </summary>
    public async Task<(StepResult Result, VoteOutcome? Outcome)> VoteAsync(Guid proposalId, Actor actor, Guid householdId, string choice, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var row = await LockAsync(tx, proposalId, actor, exclusive: false, ct);
        if (row is null) return (new StepResult.NotFound(), null);
        if (row.State != ProposalStates.Discussed)
            return (new StepResult.Conflict(row.State, row.State == ProposalStates.Proposed
                ? "Votes are taken once the proposal has been discussed at a meeting (众人议)."
                : "Voting is closed: the proposal was decided."), null);
        var inCommunity = await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM households WHERE id = @householdId AND @community = ANY(scope_path))",
            new { householdId, community = row.CommunityCode }, tx, cancellationToken: ct));
        if (!inCommunity) return (StepResult.Field("householdId", $"No household of community {row.CommunityCode} in the register has this id."), null);

        var now = clock.GetUtcNow();
        var inserted = await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO proposal_votes (proposal_id, household_id, choice, cast_at, recorded_by)
            VALUES (@proposalId, @householdId, @choice, @now, @by)
            ON CONFLICT (proposal_id, household_id) DO NOTHING
            """, new { proposalId, householdId, choice, now, by = actor.Subject }, tx, cancellationToken: ct)) == 1;
        if (!inserted)
        {
            var counted = await conn.QuerySingleAsync<string>(new CommandDefinition(
                "SELECT choice FROM proposal_votes WHERE proposal_id = @proposalId AND household_id = @householdId",
                new { proposalId, householdId }, tx, cancellationToken: ct));
            await tx.RollbackAsync(ct);
            return counted == choice
                ? (new StepResult.Done(proposalId), new VoteOutcome(false, counted))
                : (new StepResult.Conflict("voted", $"This household has voted '{counted}' already; a household votes once."), null);
        }
        await Outbox.EnqueueAsync(tx, new ProposalVoteCast(proposalId, householdId, choice, now), ct);
        await tx.CommitAsync(ct);
        return (new StepResult.Done(proposalId), new VoteOutcome(true, choice));
    }

    /// <summary>
    /// Closes the vote and decides by the households' tally: adopted when more households voted for than against
    /// (abstentions are counted and shown, not weighed). An adopted proposal names its follow-up work.
    /// </summary>
    public async Task<StepResult> DecideAsync(Guid proposalId, Actor actor, string decision, IReadOnlyList<FollowUpTask> tasks, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var row = await LockAsync(tx, proposalId, actor, exclusive: true, ct);
        if (row is null) return new StepResult.NotFound();
        if (row.State != ProposalStates.Discussed)
            return new StepResult.Conflict(row.State, row.State == ProposalStates.Proposed
                ? "A proposal is decided after it has been discussed and voted on."
                : "The proposal was decided already.");
        var tally = await conn.QuerySingleAsync<Tally>(new CommandDefinition("""
            SELECT count(*) FILTER (WHERE choice = 'for')::int AS "For",
                   count(*) FILTER (WHERE choice = 'against')::int AS Against,
                   count(*) FILTER (WHERE choice = 'abstain')::int AS Abstain
            FROM proposal_votes WHERE proposal_id = @proposalId
            """, new { proposalId }, tx, cancellationToken: ct));
        if (tally.For + tally.Against + tally.Abstain == 0)
            return new StepResult.Conflict(row.State, "No household has voted yet; record the votes first (一同定).");
        var adopted = tally.For > tally.Against;
        if (adopted && tasks.Count == 0)
            return StepResult.Field("followUp", "The households adopted the proposal: name the follow-up work and who takes it (联合做).");
        if (!adopted && tasks.Count > 0)
            return StepResult.Field("followUp", "The households rejected the proposal: there is no follow-up work.");

        var now = clock.GetUtcNow();
        var outcome = adopted ? ProposalStates.Adopted : ProposalStates.Rejected;
        await conn.ExecuteAsync(new CommandDefinition("""
            UPDATE proposals
            SET state = @outcome, decision = @decision, votes_for = @For, votes_against = @Against, votes_abstain = @Abstain,
                decided_at = @now, decided_by = @by
            WHERE id = @proposalId
            """, new { outcome, decision, tally.For, tally.Against, tally.Abstain, now, by = actor.Subject, proposalId }, tx, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO proposal_tasks (id, proposal_id, position, title, taken_by, updated_at)
            VALUES (@id, @proposalId, @position, @Title, @TakenBy, @now)
            """, tasks.Select((t, i) => new { id = NewId.NextGuid(), proposalId, position = i, t.Title, t.TakenBy, now }), tx, cancellationToken: ct));
        await Outbox.EnqueueAsync(tx, new ProposalDecided(proposalId, row.CommunityCode, row.ScopePath, outcome,
            tally.For, tally.Against, tally.Abstain, tasks.Count, now), ct);
        await tx.CommitAsync(ct);
        return new StepResult.Done(proposalId);
    }

    /// <summary>Moves a follow-up task on; when the last task reaches 100 % the proposal is carried out.</summary>
    public async Task<StepResult> ProgressAsync(Guid proposalId, Guid taskId, Actor actor, int progress, string? note, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var row = await LockAsync(tx, proposalId, actor, exclusive: true, ct);
        if (row is null) return new StepResult.NotFound();
        if (row.State != ProposalStates.Adopted)
            return new StepResult.Conflict(row.State, row.State == ProposalStates.CarriedOut
                ? "Every task is done: the proposal was carried out."
                : "Only an adopted proposal has follow-up work.");
        var now = clock.GetUtcNow();
        var updated = await conn.ExecuteAsync(new CommandDefinition("""
            UPDATE proposal_tasks SET progress = @progress, note = coalesce(@note, note), updated_at = @now,
                   done_at = CASE WHEN @progress = 100 THEN @now END
            WHERE id = @taskId AND proposal_id = @proposalId
            """, new { progress, note, now, taskId, proposalId }, tx, cancellationToken: ct));
        if (updated == 0) return new StepResult.NotFound();
        await Outbox.EnqueueAsync(tx, new FollowUpProgressed(proposalId, taskId, progress, now), ct);
        var allDone = await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT bool_and(progress = 100) FROM proposal_tasks WHERE proposal_id = @proposalId", new { proposalId }, tx, cancellationToken: ct));
        if (allDone)
        {
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE proposals SET state = 'carried_out', carried_out_at = @now WHERE id = @proposalId", new { now, proposalId }, tx, cancellationToken: ct));
            await Outbox.EnqueueAsync(tx, new ProposalCarriedOut(proposalId, row.CommunityCode, row.ScopePath, now), ct);
        }
        await tx.CommitAsync(ct);
        return new StepResult.Done(proposalId);
    }

    private sealed record Tally
    {
        public int For { get; init; }
        public int Against { get; init; }
        public int Abstain { get; init; }
    }

    private sealed record ProposalRow
    {
        public required string State { get; init; }
        public required string CommunityCode { get; init; }
        public required string[] ScopePath { get; init; }
    }

    private static Task<ProposalRow?> LockAsync(NpgsqlTransaction tx, Guid proposalId, Actor actor, bool exclusive, CancellationToken ct) =>
        tx.Connection!.QuerySingleOrDefaultAsync<ProposalRow>(new CommandDefinition($"""
            SELECT c.state, c.community_code AS CommunityCode, c.scope_path AS ScopePath
            FROM proposals c
            WHERE c.id = @proposalId AND {CommunityAccess.VisibleSql}
            FOR {(exclusive ? "UPDATE" : "SHARE")}
            """, CommunityAccess.Parameters(actor, new { proposalId }), tx, cancellationToken: ct));
}
