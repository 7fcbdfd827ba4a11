using System.Security.Claims;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Dispatch.Community;
using GovPlatform.Dispatch.Mediation;
using GovPlatform.Dispatch.WorkOrders;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Dispatch.Apis;

public static class MediationApi
{
    public sealed record MediatorBody(string? Kind = null, string? Name = null, IReadOnlyList<Guid>? VolunteerIds = null);
    /// <param name="Mediator">May be left out when <paramref name="PlaceId"/> names the registered place the case is held at.</param>
    public sealed record OpenBody(string Kind, string CommunityCode, string Summary, IReadOnlyList<Party> Parties, MediatorBody? Mediator = null,
        Guid? RequestId = null, Guid? WorkOrderId = null, Guid? PlaceId = null);
    public sealed record SessionBody(DateTimeOffset HeldAt, string Place, IReadOnlyList<string> Attendees, string Notes);
    public sealed record CloseBody(string Outcome, DateTimeOffset? AgreementSignedAt = null, string? ReferredTo = null, string? Note = null);

    public sealed record SessionDto
    {
        public Guid Id { get; init; }
        public DateTime HeldAt { get; init; }
        public required string Place { get; init; }
        public required string[] Attendees { get; init; }
        public required string Notes { get; init; }
        public required string RecordedBy { get; init; }
    }

    public sealed record CaseDto
    {
        public Guid Id { get; init; }
        public required string CommunityCode { get; init; }
        public required string Kind { get; init; }
        public required string Summary { get; init; }
        public Guid? RequestId { get; init; }
        public Guid? WorkOrderId { get; init; }
        public required string MediatorKind { get; init; }
        public required string MediatorName { get; init; }
        public required Guid[] MediatorVolunteerIds { get; init; }
        public Guid? PlaceId { get; init; }
        public required string State { get; init; }
        public DateTime OpenedAt { get; init; }
        public required string OpenedBy { get; init; }
        public DateTime? ClosedAt { get; init; }
        public string? Outcome { get; init; }
        public DateTime? AgreementSignedAt { get; init; }
        public string? ReferredTo { get; init; }
        public string? ClosingNote { get; init; }
        public int SessionCount { get; init; }
        public IReadOnlyList<Party> Parties { get; init; } = [];
        public IReadOnlyList<SessionDto> Sessions { get; init; } = [];
    }

    private const string SelectCase = """
        SELECT c.id, c.community_code AS CommunityCode, c.kind, c.summary, c.request_id AS RequestId, c.work_order_id AS WorkOrderId,
               c.mediator_kind AS MediatorKind, c.mediator_name AS MediatorName, c.mediator_volunteer_ids AS MediatorVolunteerIds,
               c.place_id AS PlaceId, c.state, c.opened_at AS OpenedAt, c.opened_by AS OpenedBy, c.closed_at AS ClosedAt, c.outcome,
               c.agreement_signed_at AS AgreementSignedAt, c.referred_to AS ReferredTo, c.closing_note AS ClosingNote,
               (SELECT count(*)::int FROM mediation_sessions s WHERE s.case_id = c.id) AS SessionCount
        FROM mediation_cases c
        """;

    private static readonly string[] Outcomes = [MediationOutcomes.Agreement, MediationOutcomes.Failed, MediationOutcomes.Referred];

    /// <summary>What opening a case and each step on it need besides the caller: the desk that keeps cases and the database they are read back from.</summary>
    public readonly record struct Services(MediationDesk Desk, NpgsqlDataSource Db);

    public static void MapMediationApi(this WebApplication app)
    {
        // Any staff token: who may see a case is decided per case, and everyone else gets 404, not 403.
        var api = app.MapGroup("/api/v1/mediation-cases").WithTags("Mediation").RequireAuthorization();

        api.MapPost("/", OpenAsync)
            .WithName("OpenMediationCase")
            .WithSummary("Open a dispute case (矛盾纠纷) with a mediation studio or talk-it-over point (说事点)");

        api.MapGet("/{id:guid}", GetCaseAsync)
            .WithName("GetMediationCase")
            .WithSummary("A case with its parties (names masked except for the county), sessions and outcome");

        api.MapGet("/", ListCasesAsync)
            .WithName("ListMediationCases")
            .WithSummary("A community's cases, newest first, optionally only open or closed ones (parties not listed)");

        api.MapPost("/{id:guid}/sessions", RecordSessionAsync)
            .WithName("RecordMediationSession")
            .WithSummary("Record a mediation session: when, where, who attended, notes");

        api.MapPost("/{id:guid}/close", CloseAsync)
            .WithName("CloseMediationCase")
            .WithSummary("Close with an outcome: a signed agreement, a failure, or a referral naming where to");
    }

    private static async Task<Results<Created<CaseDto>, ValidationProblem, NotFound, ProblemHttpResult>> OpenAsync(
        OpenBody body, ClaimsPrincipal user, [AsParameters] Services s, CancellationToken ct)
    {
        var errors = Validate(body);
        if (errors.Count > 0) return await StepReplies.Rejected<Created<CaseDto>>(errors);
        var actor = Actor.From(user);
        var open = new OpenCase(body.Kind, body.CommunityCode.Trim(), body.Summary.Trim(),
            body.Parties.Select(p => new Party(p.Name.Trim(), p.Role.Trim())).ToList(), body.Mediator?.Kind, body.Mediator?.Name?.Trim(),
            body.Mediator?.VolunteerIds ?? [], body.RequestId, body.WorkOrderId, body.PlaceId);
        return await StepReplies.ToHttpAsync(await s.Desk.OpenAsync(actor, open, ct),
            "mediation case", async id => TypedResults.Created($"/api/v1/mediation-cases/{id}", (await LoadAsync(s.Db, id, actor, ct))!));
    }

    private static async Task<Results<Ok<CaseDto>, NotFound>> GetCaseAsync(Guid id, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct) =>
        await LoadAsync(db, id, Actor.From(user), ct) is { } found ? TypedResults.Ok(found) : TypedResults.NotFound();

    private static async Task<Results<Ok<List<CaseDto>>, ValidationProblem>> ListCasesAsync(
        string? community, string? state, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(community))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["community"] = ["Name the community."] });
        if (state is not (null or MediationStates.Open or MediationStates.Closed))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["state"] = ["Expected open or closed."] });
        await using var conn = await db.OpenConnectionAsync(ct);
        var cases = await conn.QueryAsync<CaseDto>(new CommandDefinition($"""
            {SelectCase}
            WHERE c.community_code = @community AND {CommunityAccess.VisibleSql}
              AND (@state::text IS NULL OR c.state = @state)
            ORDER BY c.opened_at DESC
            LIMIT 500
            """, CommunityAccess.Parameters(Actor.From(user), new { community = community.Trim(), state }), cancellationToken: ct));
        return TypedResults.Ok(cases.AsList());
    }

    private static Task<Results<Ok<CaseDto>, ValidationProblem, NotFound, ProblemHttpResult>> RecordSessionAsync(
        Guid id, SessionBody body, ClaimsPrincipal user, [AsParameters] Services s, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        StepReplies.Text(errors, body.Place, "place", 200);
        StepReplies.Text(errors, body.Notes, "notes");
        if (body.Attendees.Count == 0) errors["attendees"] = ["Record who attended."];
        for (var i = 0; i < body.Attendees.Count; i++) StepReplies.Text(errors, body.Attendees[i], $"attendees[{i}]", 100);
        if (errors.Count > 0) return StepReplies.Rejected<Ok<CaseDto>>(errors);
        var actor = Actor.From(user);
        return Answer(s.Desk.RecordSessionAsync(id, actor,
            new Session(body.HeldAt, body.Place.Trim(), body.Attendees.Select(a => a.Trim()).ToList(), body.Notes.Trim()), ct), s.Db, actor, ct);
    }

    private static Task<Results<Ok<CaseDto>, ValidationProblem, NotFound, ProblemHttpResult>> CloseAsync(
        Guid id, CloseBody body, ClaimsPrincipal user, [AsParameters] Services s, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (!Outcomes.Contains(body.Outcome)) errors["outcome"] = [$"Unknown outcome '{body.Outcome}'; expected one of {string.Join(", ", Outcomes)}."];
        if (body.Outcome == MediationOutcomes.Agreement && body.AgreementSignedAt is null)
            errors["agreementSignedAt"] = ["An agreement counts once it is signed: give the date it was signed."];
        if (body.Outcome != MediationOutcomes.Agreement && body.AgreementSignedAt is not null)
            errors["agreementSignedAt"] = ["Only an agreement is signed."];
        if (body.Outcome == MediationOutcomes.Referred) StepReplies.Text(errors, body.ReferredTo, "referredTo", 200);
        else if (body.ReferredTo is not null) errors["referredTo"] = ["Only a referral names where the case went."];
        if (body.Note is not null) StepReplies.Text(errors, body.Note, "note");
        if (errors.Count > 0) return StepReplies.Rejected<Ok<CaseDto>>(errors);
        var actor = Actor.From(user);
        return Answer(s.Desk.CloseAsync(id, actor, new Closing(body.Outcome, body.AgreementSignedAt, body.ReferredTo?.Trim(), body.Note?.Trim()), ct),
            s.Db, actor, ct);
    }

    private static Dictionary<string, string[]> Validate(OpenBody body)
    {
        var errors = new Dictionary<string, string[]>();
        if (!MediationKinds.All.Contains(body.Kind)) errors["kind"] = [$"Unknown kind '{body.Kind}'; expected one of {string.Join(", ", MediationKinds.All)}."];
        StepReplies.Text(errors, body.CommunityCode, "communityCode", 64);
        StepReplies.Text(errors, body.Summary, "summary");
        if (body.Parties.Count < 2) errors["parties"] = ["A dispute has at least two parties."];
        for (var i = 0; i < body.Parties.Count; i++)
        {
            StepReplies.Text(errors, body.Parties[i].Name, $"parties[{i}].name", 100);
            StepReplies.Text(errors, body.Parties[i].Role, $"parties[{i}].role", 100);
        }
        if (body.PlaceId == Guid.Empty) errors["placeId"] = ["Empty id."];
        if (body.Mediator is null)
        {
            if (body.PlaceId is null) errors["mediator"] = ["Name the mediator (kind and name), or the registered place (placeId) the case is held at."];
            return errors;
        }
        // With a place, the mediator's kind and name may be left out (the place's are taken); given, they are checked.
        if (body.PlaceId is null || body.Mediator.Kind is not null)
            if (!MediatorKinds.All.Contains(body.Mediator.Kind ?? ""))
                errors["mediator.kind"] = [$"Unknown mediator kind '{body.Mediator.Kind}'; expected one of {string.Join(", ", MediatorKinds.All)}."];
        if (body.PlaceId is null || body.Mediator.Name is not null) StepReplies.Text(errors, body.Mediator.Name, "mediator.name", 200);
        if (body.Mediator.VolunteerIds?.Any(v => v == Guid.Empty) == true) errors["mediator.volunteerIds"] = ["Empty volunteer id."];
        return errors;
    }

    private static async Task<Results<Ok<CaseDto>, ValidationProblem, NotFound, ProblemHttpResult>> Answer(
        Task<StepResult> step, NpgsqlDataSource db, Actor actor, CancellationToken ct) =>
        await StepReplies.ToHttpAsync(await step, "mediation case", async id => TypedResults.Ok((await LoadAsync(db, id, actor, ct))!));

    /// <summary>The case as the actor may see it: parties' and attendees' names masked unless the actor is the county.</summary>
    public static async Task<CaseDto?> LoadAsync(NpgsqlDataSource db, Guid id, Actor actor, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var found = await conn.QuerySingleOrDefaultAsync<CaseDto>(new CommandDefinition(
            $"{SelectCase} WHERE c.id = @id AND {CommunityAccess.VisibleSql}", CommunityAccess.Parameters(actor, new { id }), cancellationToken: ct));
        if (found is null) return null;
        var parties = await conn.QueryAsync<Party>(new CommandDefinition(
            "SELECT name, role FROM mediation_parties WHERE case_id = @id ORDER BY position", new { id }, cancellationToken: ct));
        var sessions = await conn.QueryAsync<SessionDto>(new CommandDefinition("""
            SELECT id, held_at AS HeldAt, place, attendees, notes, recorded_by AS RecordedBy
            FROM mediation_sessions WHERE case_id = @id ORDER BY held_at, recorded_at
            """, new { id }, cancellationToken: ct));
        string Show(string name) => actor.IsAdmin ? name : PersonalData.MaskName(name)!;
        return found with
        {
            Parties = parties.Select(p => p with { Name = Show(p.Name) }).ToList(),
            Sessions = sessions.Select(s => s with { Attendees = s.Attendees.Select(Show).ToArray() }).ToList(),
        };
    }
}
