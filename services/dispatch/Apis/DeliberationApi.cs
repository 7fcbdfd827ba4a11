using System.Security.Claims;
using System.Text.RegularExpressions;
using Dapper;
using GovPlatform.Dispatch.Community;
using GovPlatform.Dispatch.Deliberation;
using GovPlatform.Dispatch.WorkOrders;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Dispatch.Apis;

/// <summary>Deliberation (居民议事会, 岭上夜话, 议事亭): meetings, proposals, votes, decisions and their follow-up work.</summary>
public static partial class DeliberationApi
{
    public sealed record AttendeeBody(string Party, string Name);
    public sealed record NeedBody(string Description, string LocationCode, string? Category = null, string? Urgency = null, string? RaisedBy = null);
    public sealed record SuggestionBody(string Text, string? RaisedBy = null);
    public sealed record DisputeBody(string Summary, bool Resolved);
    public sealed record MeetingBody(string CommunityCode, string Kind, string Title, string Place, DateTimeOffset HeldAt, string? Summary = null,
        IReadOnlyList<AttendeeBody>? Attendees = null, IReadOnlyList<NeedBody>? Needs = null,
        IReadOnlyList<SuggestionBody>? Suggestions = null, IReadOnlyList<DisputeBody>? Disputes = null);
    public sealed record ProposalBody(string CommunityCode, string Title, string Description, string ProposedBy);
    public sealed record DiscussBody(Guid MeetingId, string Discussion);
    public sealed record VoteBody(Guid HouseholdId, string Choice);
    public sealed record TaskBody(string Title, string TakenBy);
    public sealed record DecideBody(string Decision, IReadOnlyList<TaskBody>? FollowUp = null);
    public sealed record ProgressBody(int Progress, string? Note = null);

    public sealed record ItemDto
    {
        public Guid Id { get; init; }
        public required string Kind { get; init; }
        public required string Text { get; init; }
        public string? RaisedBy { get; init; }
        public string? LocationCode { get; init; }
        public string? Category { get; init; }
        public string? Urgency { get; init; }
        public bool? Resolved { get; init; }
        public Guid? RequestId { get; init; }
        public string? TicketNo { get; init; }
        public string? FiledStatus { get; init; }
    }

    public sealed record MeetingDto
    {
        public Guid Id { get; init; }
        public required string CommunityCode { get; init; }
        public required string Kind { get; init; }
        public required string Title { get; init; }
        public required string Place { get; init; }
        public DateTime HeldAt { get; init; }
        public string? Summary { get; init; }
        public required string RecordedByName { get; init; }
        public IReadOnlyList<AttendeeBody> Attendees { get; init; } = [];
        /// <summary>Problems to fix, each filed in intake's ledger as a request of channel <c>meeting</c>.</summary>
        public IReadOnlyList<ItemDto> Needs { get; init; } = [];
        /// <summary>Ideas for the community, kept apart: a suggestion is not a request.</summary>
        public IReadOnlyList<ItemDto> Suggestions { get; init; } = [];
        public IReadOnlyList<ItemDto> Disputes { get; init; } = [];
    }

    public sealed record TaskDto
    {
        public Guid Id { get; init; }
        public required string Title { get; init; }
        public required string TakenBy { get; init; }
        public int Progress { get; init; }
        public string? Note { get; init; }
        public DateTime? DoneAt { get; init; }
    }

    public sealed record ProposalDto
    {
        public Guid Id { get; init; }
        public required string CommunityCode { get; init; }
        public required string Title { get; init; }
        public required string Description { get; init; }
        public required string ProposedBy { get; init; }
        public required string State { get; init; }
        public DateTime ProposedAt { get; init; }
        public Guid? MeetingId { get; init; }
        public string? Discussion { get; init; }
        public DateTime? DiscussedAt { get; init; }
        public int VotesFor { get; init; }
        public int VotesAgainst { get; init; }
        public int VotesAbstain { get; init; }
        public string? Decision { get; init; }
        public DateTime? DecidedAt { get; init; }
        public DateTime? CarriedOutAt { get; init; }
        public IReadOnlyList<TaskDto> Tasks { get; init; } = [];
    }

    public sealed record VoteDto(bool Counted, string Choice, ProposalDto Proposal);

    /// <summary>The public view of a meeting: when, where, who came by party (no names), and what it raised, in counts.</summary>
    public sealed record PublicMeetingDto(Guid Id, string Kind, string Title, string Place, DateTime HeldAt,
        IReadOnlyDictionary<string, int> Attendance, int Needs, int Suggestions, int DisputesResolved);

    public sealed record PublicDeliberationDto(string CommunityCode, string CommunityName,
        IReadOnlyList<PublicMeetingDto> Meetings, IReadOnlyList<ProposalDto> Proposals);

    private const string SelectProposal = """
        SELECT c.id, c.community_code AS CommunityCode, c.title, c.description, c.proposed_by AS ProposedBy, c.state,
               c.proposed_at AS ProposedAt, c.meeting_id AS MeetingId, c.discussion, c.discussed_at AS DiscussedAt,
               -- While the vote is open the tally is live; once decided it is the one the decision was made on.
               coalesce(c.votes_for, (SELECT count(*)::int FROM proposal_votes v WHERE v.proposal_id = c.id AND v.choice = 'for')) AS VotesFor,
               coalesce(c.votes_against, (SELECT count(*)::int FROM proposal_votes v WHERE v.proposal_id = c.id AND v.choice = 'against')) AS VotesAgainst,
               coalesce(c.votes_abstain, (SELECT count(*)::int FROM proposal_votes v WHERE v.proposal_id = c.id AND v.choice = 'abstain')) AS VotesAbstain,
               c.decision, c.decided_at AS DecidedAt, c.carried_out_at AS CarriedOutAt
        FROM proposals c
        """;

    private const string SelectTasks = """
        SELECT id, proposal_id AS ProposalId, title, taken_by AS TakenBy, progress, note, done_at AS DoneAt
        FROM proposal_tasks WHERE proposal_id = ANY(@ids) ORDER BY position
        """;

    [GeneratedRegex("^[a-z][a-z0-9_]{1,63}$")]
    private static partial Regex CategoryCode();

    private static readonly string[] Urgencies = ["normal", "urgent", "critical"];
    private const int MaxItems = 100;

    public static void MapDeliberationApi(this WebApplication app)
    {
        var meetings = app.MapGroup("/api/v1/meetings").WithTags("Deliberation").RequireRoles(CommunityAccess.Roles);
        meetings.MapPost("/", RecordMeeting).WithName("RecordMeeting")
            .WithSummary("Record a residents' meeting (居民议事会, 岭上夜话, 议事亭): who attended, the needs raised (filed as requests), suggestions, disputes");
        meetings.MapGet("/{id:guid}", GetMeetingAsync)
            .WithName("GetMeeting").WithSummary("A meeting with its attendees, needs (and the requests they became), suggestions and disputes");
        meetings.MapGet("/", ListMeetings).WithName("ListMeetings").WithSummary("A community's meetings, newest first");

        var proposals = app.MapGroup("/api/v1/proposals").WithTags("Deliberation").RequireRoles(CommunityAccess.Roles);
        proposals.MapPost("/", Propose).WithName("MakeProposal").WithSummary("居民提: register a resident's proposal");
        proposals.MapGet("/{id:guid}", GetProposalAsync)
            .WithName("GetProposal").WithSummary("A proposal with its tally, decision and follow-up tasks");
        proposals.MapPost("/{id:guid}/discuss", Discuss).WithName("DiscussProposal").WithSummary("众人议: the proposal was discussed at a meeting; voting opens");
        proposals.MapPost("/{id:guid}/votes", Vote).WithName("VoteOnProposal").WithSummary("A household's vote (one per household; the same vote again is not counted twice)");
        proposals.MapPost("/{id:guid}/decide", Decide).WithName("DecideProposal").WithSummary("一同定: close the vote; the tally decides, an adopted proposal names its follow-up work");
        proposals.MapPost("/{id:guid}/tasks/{taskId:guid}/progress", Progress).WithName("ProgressFollowUp")
            .WithSummary("联合做: a follow-up task's progress; the last task done carries the proposal out");

        app.MapGet("/api/v1/public/communities/{code}/deliberation", PublicView)
            .AllowAnonymous()
            .WithTags("Deliberation")
            .WithName("ShowDeliberation")
            .WithSummary("Residents' view: the community's meetings (no names) and proposals with tally, decision and follow-up progress");
    }

    private static async Task<Results<Ok<MeetingDto>, NotFound>> GetMeetingAsync(Guid id, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct) =>
        await LoadMeetingAsync(db, id, Actor.From(user), ct) is { } found ? TypedResults.Ok(found) : TypedResults.NotFound();

    private static async Task<Results<Ok<ProposalDto>, NotFound>> GetProposalAsync(Guid id, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct) =>
        await LoadProposalAsync(db, id, Actor.From(user), ct) is { } found ? TypedResults.Ok(found) : TypedResults.NotFound();

    private static async Task<Results<Created<MeetingDto>, ValidationProblem, NotFound, ProblemHttpResult>> RecordMeeting(
        MeetingBody body, ClaimsPrincipal user, DeliberationDesk desk, NpgsqlDataSource db, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        StepReplies.Text(errors, body.CommunityCode, "communityCode", 64);
        if (!MeetingKinds.All.Contains(body.Kind)) errors["kind"] = [$"Unknown kind '{body.Kind}'; expected one of {string.Join(", ", MeetingKinds.All)}."];
        StepReplies.Text(errors, body.Title, "title", 200);
        StepReplies.Text(errors, body.Place, "place", 200);
        if (body.Summary is not null) StepReplies.Text(errors, body.Summary, "summary", 4000);
        if (body.HeldAt.Year < 2000) errors["heldAt"] = ["When the meeting was held (an ISO 8601 time)."];
        var attendees = body.Attendees ?? [];
        var needs = body.Needs ?? [];
        var suggestions = body.Suggestions ?? [];
        var disputes = body.Disputes ?? [];
        if (attendees.Count == 0) errors["attendees"] = ["Record who attended: cadres, police, mediators, residents."];
        else if (attendees.Count > 500) errors["attendees"] = ["At most 500 attendees."];
        for (var i = 0; i < Math.Min(attendees.Count, 500); i++)
        {
            if (!AttendeeParties.All.Contains(attendees[i].Party))
                errors[$"attendees[{i}].party"] = [$"Unknown party '{attendees[i].Party}'; expected one of {string.Join(", ", AttendeeParties.All)}."];
            StepReplies.Text(errors, attendees[i].Name, $"attendees[{i}].name", 50);
        }
        if (needs.Count + suggestions.Count + disputes.Count > MaxItems) errors["needs"] = [$"At most {MaxItems} needs, suggestions and disputes in all."];
        else
        {
            for (var i = 0; i < needs.Count; i++)
            {
                StepReplies.Text(errors, needs[i].Description, $"needs[{i}].description", 4000);
                StepReplies.Text(errors, needs[i].LocationCode, $"needs[{i}].locationCode", 64);
                if (needs[i].Category is { } category && !CategoryCode().IsMatch(category))
                    errors[$"needs[{i}].category"] = ["A category code of the catalogue (lower-case letters, digits and _), or leave it out for intake to classify."];
                if (needs[i].Urgency is { } urgency && !Urgencies.Contains(urgency))
                    errors[$"needs[{i}].urgency"] = [$"Unknown urgency '{urgency}'; expected one of {string.Join(", ", Urgencies)}."];
                if (needs[i].RaisedBy is not null) StepReplies.Text(errors, needs[i].RaisedBy, $"needs[{i}].raisedBy", 50);
            }
            for (var i = 0; i < suggestions.Count; i++)
            {
                StepReplies.Text(errors, suggestions[i].Text, $"suggestions[{i}].text", 4000);
                if (suggestions[i].RaisedBy is not null) StepReplies.Text(errors, suggestions[i].RaisedBy, $"suggestions[{i}].raisedBy", 50);
            }
            for (var i = 0; i < disputes.Count; i++) StepReplies.Text(errors, disputes[i].Summary, $"disputes[{i}].summary", 4000);
        }
        if (errors.Count > 0) return await StepReplies.Rejected<Created<MeetingDto>>(errors);

        var actor = Actor.From(user);
        var meeting = new RecordMeeting(body.CommunityCode.Trim(), body.Kind, body.Title.Trim(), body.Place.Trim(), body.HeldAt, body.Summary?.Trim(),
            attendees.Select(a => new MeetingAttendee(a.Party, a.Name.Trim())).ToList(),
            needs.Select(n => new Need(n.Description.Trim(), n.LocationCode.Trim(), n.Category, n.Urgency ?? "normal", n.RaisedBy?.Trim())).ToList(),
            suggestions.Select(s => new Suggestion(s.Text.Trim(), s.RaisedBy?.Trim())).ToList(),
            disputes.Select(d => new Dispute(d.Summary.Trim(), d.Resolved)).ToList());
        return await StepReplies.ToHttpAsync(await desk.RecordMeetingAsync(actor, meeting, ct), "meeting",
            async id => TypedResults.Created($"/api/v1/meetings/{id}", (await LoadMeetingAsync(db, id, actor, ct))!));
    }

    private static async Task<Results<Ok<List<MeetingDto>>, ValidationProblem>> ListMeetings(
        string? community, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(community))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["community"] = ["Name the community."] });
        var actor = Actor.From(user);
        await using var conn = await db.OpenConnectionAsync(ct);
        var ids = await conn.QueryAsync<Guid>(new CommandDefinition($"""
            SELECT c.id FROM meetings c WHERE c.community_code = @community AND {CommunityAccess.VisibleSql}
            ORDER BY c.held_at DESC LIMIT 100
            """, CommunityAccess.Parameters(actor, new { community = community.Trim() }), cancellationToken: ct));
        var list = new List<MeetingDto>();
        foreach (var id in ids) list.Add((await LoadMeetingAsync(db, id, actor, ct))!);
        return TypedResults.Ok(list);
    }

    private static async Task<Results<Created<ProposalDto>, ValidationProblem, NotFound, ProblemHttpResult>> Propose(
        ProposalBody body, ClaimsPrincipal user, DeliberationDesk desk, NpgsqlDataSource db, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        StepReplies.Text(errors, body.CommunityCode, "communityCode", 64);
        StepReplies.Text(errors, body.Title, "title", 200);
        StepReplies.Text(errors, body.Description, "description", 4000);
        StepReplies.Text(errors, body.ProposedBy, "proposedBy", 50);
        if (errors.Count > 0) return await StepReplies.Rejected<Created<ProposalDto>>(errors);
        var actor = Actor.From(user);
        return await StepReplies.ToHttpAsync(await desk.ProposeAsync(actor,
                new MakeProposal(body.CommunityCode.Trim(), body.Title.Trim(), body.Description.Trim(), body.ProposedBy.Trim()), ct), "proposal",
            async id => TypedResults.Created($"/api/v1/proposals/{id}", (await LoadProposalAsync(db, id, actor, ct))!));
    }

    private static async Task<Results<Ok<ProposalDto>, ValidationProblem, NotFound, ProblemHttpResult>> Discuss(
        Guid id, DiscussBody body, ClaimsPrincipal user, DeliberationDesk desk, NpgsqlDataSource db, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.MeetingId == Guid.Empty) errors["meetingId"] = ["Name the meeting the proposal was discussed at."];
        StepReplies.Text(errors, body.Discussion, "discussion", 4000);
        if (errors.Count > 0) return await StepReplies.Rejected<Ok<ProposalDto>>(errors);
        var actor = Actor.From(user);
        return await StepReplies.ToHttpAsync(await desk.DiscussAsync(id, actor, body.MeetingId, body.Discussion.Trim(), ct), "proposal",
            async found => TypedResults.Ok((await LoadProposalAsync(db, found, actor, ct))!));
    }

    private static async Task<Results<Created<VoteDto>, Ok<VoteDto>, ValidationProblem, NotFound, ProblemHttpResult>> Vote(
        Guid id, VoteBody body, ClaimsPrincipal user, DeliberationDesk desk, NpgsqlDataSource db, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.HouseholdId == Guid.Empty) errors["householdId"] = ["The voting household's id in the register."];
        if (!VoteChoices.All.Contains(body.Choice)) errors["choice"] = [$"Unknown choice '{body.Choice}'; expected one of {string.Join(", ", VoteChoices.All)}."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The step was rejected; nothing changed.");
        var actor = Actor.From(user);
        var (result, outcome) = await desk.VoteAsync(id, actor, body.HouseholdId, body.Choice, ct);
        if (result is StepResult.Done && outcome is not null)
        {
            var dto = new VoteDto(outcome.Counted, outcome.Choice, (await LoadProposalAsync(db, id, actor, ct))!);
            return outcome.Counted ? TypedResults.Created($"/api/v1/proposals/{id}", dto) : TypedResults.Ok(dto);
        }
        return result switch
        {
            StepResult.NotFound => TypedResults.NotFound(),
            StepResult.Conflict c => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: $"The proposal is '{c.CurrentState}'.",
                detail: c.Detail, extensions: new Dictionary<string, object?> { ["currentState"] = c.CurrentState }),
            StepResult.Invalid i => TypedResults.ValidationProblem(i.Errors, title: "The step was rejected; nothing changed."),
            StepResult.Forbidden f => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "You may not do this to this proposal.", detail: f.Detail),
            _ => throw new InvalidOperationException($"Unhandled step result {result}."),
        };
    }

    private static async Task<Results<Ok<ProposalDto>, ValidationProblem, NotFound, ProblemHttpResult>> Decide(
        Guid id, DecideBody body, ClaimsPrincipal user, DeliberationDesk desk, NpgsqlDataSource db, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        StepReplies.Text(errors, body.Decision, "decision", 4000);
        var tasks = body.FollowUp ?? [];
        if (tasks.Count > 50) errors["followUp"] = ["At most 50 follow-up tasks."];
        else
            for (var i = 0; i < tasks.Count; i++)
            {
                StepReplies.Text(errors, tasks[i].Title, $"followUp[{i}].title", 200);
                StepReplies.Text(errors, tasks[i].TakenBy, $"followUp[{i}].takenBy", 200);
            }
        if (errors.Count > 0) return await StepReplies.Rejected<Ok<ProposalDto>>(errors);
        var actor = Actor.From(user);
        return await StepReplies.ToHttpAsync(await desk.DecideAsync(id, actor, body.Decision.Trim(),
                tasks.Select(t => new FollowUpTask(t.Title.Trim(), t.TakenBy.Trim())).ToList(), ct), "proposal",
            async found => TypedResults.Ok((await LoadProposalAsync(db, found, actor, ct))!));
    }

    private static async Task<Results<Ok<ProposalDto>, ValidationProblem, NotFound, ProblemHttpResult>> Progress(
        Guid id, Guid taskId, ProgressBody body, ClaimsPrincipal user, DeliberationDesk desk, NpgsqlDataSource db, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.Progress is < 0 or > 100) errors["progress"] = ["A percentage from 0 to 100."];
        if (body.Note is not null) StepReplies.Text(errors, body.Note, "note");
        if (errors.Count > 0) return await StepReplies.Rejected<Ok<ProposalDto>>(errors);
        var actor = Actor.From(user);
        return await StepReplies.ToHttpAsync(await desk.ProgressAsync(id, taskId, actor, body.Progress, body.Note?.Trim(), ct), "proposal",
            async found => TypedResults.Ok((await LoadProposalAsync(db, found, actor, ct))!));
    }

    private static async Task<Results<Ok<PublicDeliberationDto>, NotFound>> PublicView(string code, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var name = await conn.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT name FROM grid_nodes WHERE code = @code AND level = 'community'", new { code }, cancellationToken: ct));
        if (name is null) return TypedResults.NotFound();
        var meetingRows = await conn.QueryAsync<PublicMeetingRow>(new CommandDefinition("""
            SELECT m.id, m.kind, m.title, m.place, m.held_at AS HeldAt,
                   (SELECT array_agg(a.party ORDER BY a.position) FROM meeting_attendees a WHERE a.meeting_id = m.id) AS Parties,
                   (SELECT count(*)::int FROM meeting_items i WHERE i.meeting_id = m.id AND i.kind = 'need') AS Needs,
                   (SELECT count(*)::int FROM meeting_items i WHERE i.meeting_id = m.id AND i.kind = 'suggestion') AS Suggestions,
                   (SELECT count(*)::int FROM meeting_items i WHERE i.meeting_id = m.id AND i.kind = 'dispute' AND i.resolved) AS DisputesResolved
            FROM meetings m WHERE m.community_code = @code
            ORDER BY m.held_at DESC LIMIT 50
            """, new { code }, cancellationToken: ct));
        var proposals = (await conn.QueryAsync<ProposalDto>(new CommandDefinition(
            $"{SelectProposal} WHERE c.community_code = @code ORDER BY c.proposed_at DESC LIMIT 50", new { code }, cancellationToken: ct))).ToList();
        var shown = await WithTasksAsync(conn, proposals, mask: true, ct);
        return TypedResults.Ok(new PublicDeliberationDto(code, name,
            meetingRows.Select(m => new PublicMeetingDto(m.Id, m.Kind, m.Title, m.Place, m.HeldAt,
                (m.Parties ?? []).GroupBy(p => p).ToDictionary(g => g.Key, g => g.Count()), m.Needs, m.Suggestions, m.DisputesResolved)).ToList(),
            shown));
    }

    private sealed record PublicMeetingRow
    {
        public Guid Id { get; init; }
        public required string Kind { get; init; }
        public required string Title { get; init; }
        public required string Place { get; init; }
        public DateTime HeldAt { get; init; }
        public string[]? Parties { get; init; }
        public int Needs { get; init; }
        public int Suggestions { get; init; }
        public int DisputesResolved { get; init; }
    }

    private sealed record TaskRow
    {
        public Guid Id { get; init; }
        public Guid ProposalId { get; init; }
        public required string Title { get; init; }
        public required string TakenBy { get; init; }
        public int Progress { get; init; }
        public string? Note { get; init; }
        public DateTime? DoneAt { get; init; }
    }

    private static async Task<List<ProposalDto>> WithTasksAsync(NpgsqlConnection conn, List<ProposalDto> proposals, bool mask, CancellationToken ct)
    {
        var tasks = (await conn.QueryAsync<TaskRow>(new CommandDefinition(SelectTasks, new { ids = proposals.Select(p => p.Id).ToArray() }, cancellationToken: ct)))
            .ToLookup(t => t.ProposalId);
        return proposals.Select(p => p with
        {
            ProposedBy = mask ? PersonalData.MaskName(p.ProposedBy)! : p.ProposedBy,
            Tasks = tasks[p.Id].Select(t => new TaskDto { Id = t.Id, Title = t.Title, TakenBy = t.TakenBy, Progress = t.Progress, Note = t.Note, DoneAt = t.DoneAt }).ToList(),
        }).ToList();
    }

    public static async Task<ProposalDto?> LoadProposalAsync(NpgsqlDataSource db, Guid id, Actor actor, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var found = await conn.QuerySingleOrDefaultAsync<ProposalDto>(new CommandDefinition(
            $"{SelectProposal} WHERE c.id = @id AND {CommunityAccess.VisibleSql}", CommunityAccess.Parameters(actor, new { id }), cancellationToken: ct));
        if (found is null) return null;
        return (await WithTasksAsync(conn, [found], mask: !actor.IsAdmin, ct))[0];
    }

    /// <summary>The meeting as staff see it: residents' names masked unless the actor is the county; cadres, police and mediators serve in the open.</summary>
    public static async Task<MeetingDto?> LoadMeetingAsync(NpgsqlDataSource db, Guid id, Actor actor, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var found = await conn.QuerySingleOrDefaultAsync<MeetingDto>(new CommandDefinition($"""
            SELECT c.id, c.community_code AS CommunityCode, c.kind, c.title, c.place, c.held_at AS HeldAt, c.summary,
                   c.recorded_by_name AS RecordedByName
            FROM meetings c WHERE c.id = @id AND {CommunityAccess.VisibleSql}
            """, CommunityAccess.Parameters(actor, new { id }), cancellationToken: ct));
        if (found is null) return null;
        string? Show(string? name) => actor.IsAdmin || name is null ? name : PersonalData.MaskName(name);
        var attendees = await conn.QueryAsync<AttendeeBody>(new CommandDefinition(
            "SELECT party, name FROM meeting_attendees WHERE meeting_id = @id ORDER BY position", new { id }, cancellationToken: ct));
        var items = (await conn.QueryAsync<ItemDto>(new CommandDefinition("""
            SELECT id, kind, text, raised_by AS RaisedBy, location_code AS LocationCode, category, urgency, resolved,
                   request_id AS RequestId, ticket_no AS TicketNo, filed_status AS FiledStatus
            FROM meeting_items WHERE meeting_id = @id ORDER BY position
            """, new { id }, cancellationToken: ct))).Select(i => i with { RaisedBy = Show(i.RaisedBy) }).ToList();
        return found with
        {
            Attendees = attendees.Select(a => a.Party is "resident" or "party_member" ? a with { Name = Show(a.Name)! } : a).ToList(),
            Needs = items.Where(i => i.Kind == "need").ToList(),
            Suggestions = items.Where(i => i.Kind == "suggestion").ToList(),
            Disputes = items.Where(i => i.Kind == "dispute").ToList(),
        };
    }
}
