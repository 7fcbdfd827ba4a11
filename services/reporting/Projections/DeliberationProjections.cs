using GovPlatform.Contracts;
using Npgsql;

namespace GovPlatform.Reporting.Projections;

public sealed class MeetingHeldProjection(Projector p) : Projection<MeetingHeld>(p)
{
    protected override DateTimeOffset OccurredAt(MeetingHeld m) => m.At;

    private const string Sql = """
        INSERT INTO deliberation_meetings (meeting_id, community_code, scope_path, kind, held_at, attendees, needs, suggestions, disputes, disputes_resolved)
        VALUES (@MeetingId, @CommunityCode, @path, @Kind, @heldAt, @attendees, @Needs, @Suggestions, @Disputes, @DisputesResolved)
        ON CONFLICT (meeting_id) DO NOTHING
        """;

    protected override Task ApplyAsync(MeetingHeld m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new
        {
            m.MeetingId, m.CommunityCode, path = m.CommunityPath.ToArray(), m.Kind, heldAt = Utc(m.HeldAt), attendees = m.AttendeeParties.Count,
            m.Needs, m.Suggestions, m.Disputes, m.DisputesResolved,
        }, ct);
}

public sealed class MeetingNeedRaisedProjection(Projector p) : Projection<MeetingNeedRaised>(p)
{
    protected override DateTimeOffset OccurredAt(MeetingNeedRaised m) => m.At;

    private const string Sql = """
        INSERT INTO deliberation_needs AS n (need_id, meeting_id, community_code, raised_at)
        VALUES (@NeedId, @MeetingId, @CommunityCode, @at)
        ON CONFLICT (need_id) DO UPDATE SET community_code = excluded.community_code, raised_at = excluded.raised_at
        """;

    protected override Task ApplyAsync(MeetingNeedRaised m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.NeedId, m.MeetingId, m.CommunityCode, at = Utc(m.At) }, ct);
}

public sealed class MeetingNeedFiledProjection(Projector p) : Projection<MeetingNeedFiled>(p)
{
    protected override DateTimeOffset OccurredAt(MeetingNeedFiled m) => m.At;

    private const string Sql = """
        INSERT INTO deliberation_needs AS n (need_id, meeting_id, request_id, filed_at)
        VALUES (@NeedId, @MeetingId, @RequestId, @at)
        ON CONFLICT (need_id) DO UPDATE SET request_id = excluded.request_id, filed_at = excluded.filed_at
        """;

    protected override Task ApplyAsync(MeetingNeedFiled m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.NeedId, m.MeetingId, m.RequestId, at = Utc(m.At) }, ct);
}

public sealed class ProposalMadeProjection(Projector p) : Projection<ProposalMade>(p)
{
    protected override DateTimeOffset OccurredAt(ProposalMade m) => m.At;

    private const string Sql = """
        INSERT INTO deliberation_proposals AS d (proposal_id, community_code, scope_path, proposed_at)
        VALUES (@ProposalId, @CommunityCode, @path, @at)
        ON CONFLICT (proposal_id) DO UPDATE SET scope_path = excluded.scope_path, proposed_at = excluded.proposed_at
        """;

    protected override Task ApplyAsync(ProposalMade m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.ProposalId, m.CommunityCode, path = m.CommunityPath.ToArray(), at = Utc(m.At) }, ct);
}

public sealed class ProposalDiscussedProjection(Projector p) : Projection<ProposalDiscussed>(p)
{
    protected override DateTimeOffset OccurredAt(ProposalDiscussed m) => m.At;

    private const string Sql = """
        INSERT INTO deliberation_proposals AS d (proposal_id, community_code, discussed_at)
        VALUES (@ProposalId, @CommunityCode, @at)
        ON CONFLICT (proposal_id) DO UPDATE SET discussed_at = excluded.discussed_at
        """;

    protected override Task ApplyAsync(ProposalDiscussed m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.ProposalId, m.CommunityCode, at = Utc(m.At) }, ct);
}

public sealed class ProposalVoteCastProjection(Projector p) : Projection<ProposalVoteCast>(p)
{
    protected override DateTimeOffset OccurredAt(ProposalVoteCast m) => m.At;

    private const string Sql = """
        INSERT INTO deliberation_votes (proposal_id, household_id, choice, cast_at)
        VALUES (@ProposalId, @HouseholdId, @Choice, @at)
        ON CONFLICT (proposal_id, household_id) DO NOTHING
        """;

    protected override Task ApplyAsync(ProposalVoteCast m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.ProposalId, m.HouseholdId, m.Choice, at = Utc(m.At) }, ct);
}

public sealed class ProposalDecidedProjection(Projector p) : Projection<ProposalDecided>(p)
{
    protected override DateTimeOffset OccurredAt(ProposalDecided m) => m.At;

    private const string Sql = """
        INSERT INTO deliberation_proposals AS d (proposal_id, community_code, scope_path, decided_at, outcome, votes_for, votes_against, votes_abstain)
        VALUES (@ProposalId, @CommunityCode, @path, @at, @Outcome, @For, @Against, @Abstain)
        ON CONFLICT (proposal_id) DO UPDATE SET scope_path = excluded.scope_path, decided_at = excluded.decided_at, outcome = excluded.outcome,
            votes_for = excluded.votes_for, votes_against = excluded.votes_against, votes_abstain = excluded.votes_abstain
        """;

    protected override Task ApplyAsync(ProposalDecided m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.ProposalId, m.CommunityCode, path = m.CommunityPath.ToArray(), at = Utc(m.At), m.Outcome, m.For, m.Against, m.Abstain }, ct);
}

public sealed class FollowUpProgressedProjection(Projector p) : Projection<FollowUpProgressed>(p)
{
    protected override DateTimeOffset OccurredAt(FollowUpProgressed m) => m.At;

    // Newest wins, so a late older progress never moves a task backwards.
    private const string Sql = """
        INSERT INTO deliberation_tasks AS t (task_id, proposal_id, progress, at)
        VALUES (@TaskId, @ProposalId, @Progress, @at)
        ON CONFLICT (task_id) DO UPDATE SET progress = excluded.progress, at = excluded.at WHERE excluded.at >= t.at
        """;

    protected override Task ApplyAsync(FollowUpProgressed m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.TaskId, m.ProposalId, m.Progress, at = Utc(m.At) }, ct);
}

public sealed class ProposalCarriedOutProjection(Projector p) : Projection<ProposalCarriedOut>(p)
{
    protected override DateTimeOffset OccurredAt(ProposalCarriedOut m) => m.At;

    private const string Sql = """
        INSERT INTO deliberation_proposals AS d (proposal_id, community_code, scope_path, carried_out_at)
        VALUES (@ProposalId, @CommunityCode, @path, @at)
        ON CONFLICT (proposal_id) DO UPDATE SET scope_path = excluded.scope_path, carried_out_at = excluded.carried_out_at
        """;

    protected override Task ApplyAsync(ProposalCarriedOut m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.ProposalId, m.CommunityCode, path = m.CommunityPath.ToArray(), at = Utc(m.At) }, ct);
}
