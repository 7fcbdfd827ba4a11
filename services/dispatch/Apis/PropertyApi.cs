using System.Security.Claims;
using Dapper;
using GovPlatform.Dispatch.Community;
using GovPlatform.Dispatch.Property;
using GovPlatform.Dispatch.WorkOrders;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Dispatch.Apis;

/// <summary>Red property management (红色物业): the standard, inspections and grades, surveys, rectification notices, major matters.</summary>
public static class PropertyApi
{
    public sealed record ItemBody(string Code, string Name, decimal Weight);
    public sealed record SystemBody(string Code, string Name, IReadOnlyList<ItemBody>? Items);
    public sealed record StandardBody(string? Name, IReadOnlyList<SystemBody>? Systems);
    public sealed record ScoreBody(string Item, decimal Points, string? Note = null);
    public sealed record InspectionBody(string CompoundCode, DateTimeOffset? InspectedAt, IReadOnlyList<ScoreBody>? Scores, string? Notes = null,
        DateTimeOffset? RectifyBy = null);
    public sealed record SurveyBody(string CompoundCode, DateTimeOffset? SurveyedAt, int Satisfied, int BasicallySatisfied, int Dissatisfied);
    public sealed record MatterBody(string CompoundCode, string Kind, string Title, string Description, decimal? AmountYuan = null);
    public sealed record ConsentBody(bool? Consented, string Note);
    public sealed record VoteBody(int EligibleOwners, decimal EligibleArea, int VotedOwners, decimal VotedArea, int ForOwners, decimal ForArea,
        int AgainstOwners, decimal AgainstArea, DateTimeOffset? HeldAt);

    public sealed record StandardItemDto(string Code, string Name, decimal Weight);
    public sealed record StandardSystemDto(string Code, string Name, decimal Weight, IReadOnlyList<StandardItemDto> Items);
    /// <param name="IsDefault">True while the county has not saved a standard of its own and uses the default.</param>
    public sealed record StandardDto(string County, int Version, string Name, bool IsDefault, int Items, IReadOnlyList<StandardSystemDto> Systems);
    public sealed record ScoreDto(string Item, decimal Points, decimal Weight, string? Note);
    public sealed record InspectionDto(Guid Id, string CompoundCode, string Company, int StandardVersion, decimal InspectionScore,
        decimal? SurveySatisfaction, decimal? OrdersOnTimeRate, decimal? OrdersSatisfactionRate, int Orders, decimal Score, string Grade,
        DateTime InspectedAt, string InspectorName, Guid? NoticeId, string? NoticeState)
    {
        public IReadOnlyList<ScoreDto> Scores { get; init; } = [];
    }
    // Settable properties: Dapper binds text[] to those, not to a positional record's string[] parameter.
    public sealed record NoticeDto
    {
        public Guid Id { get; init; }
        public Guid InspectionId { get; init; }
        public required string CompoundCode { get; init; }
        public required string Company { get; init; }
        public required string[] Items { get; init; }
        public required string State { get; init; }
        public DateTime DueAt { get; init; }
        public DateTime OpenedAt { get; init; }
        public Guid? RectifiedBy { get; init; }
        public DateTime? ClosedAt { get; init; }
        public string? OwnersCommittee { get; init; }
    }
    public sealed record MatterDto(Guid Id, string CompoundCode, string Kind, string Title, string Description, decimal? AmountYuan, string State,
        DateTime ProposedAt, Guid? PartyOrgId, string? PartyOrgName, string? ConsentNote, DateTime? ConsentAt, int? EligibleOwners, decimal? EligibleArea,
        int? VotedOwners, decimal? VotedArea, int? ForOwners, decimal? ForArea, int? AgainstOwners, decimal? AgainstArea, DateTime? VoteHeldAt);
    public sealed record SurveyDto(Guid Id, string CompoundCode, int Respondents, decimal SatisfactionRate);
    public sealed record HouseholdHeadDto(Guid Id, string Role, string HeadName, string Address, string? Phone, int LinkedHouseholds);
    public sealed record HouseholdReachDto(string? BuildingCode, DateTime? InformedAt, IReadOnlyList<HouseholdHeadDto> Heads);

    public readonly record struct Services(PropertyDesk Desk, NpgsqlDataSource Db, TimeProvider Clock);

    public static void MapPropertyApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/property").WithTags("Red property management").RequireRoles(CommunityAccess.Roles);
        api.MapGet("/standards/{county}", GetStandard).WithName("GetPropertyStandard")
            .WithSummary("The county's property-service evaluation standard in force: systems, items, weights (the default until it saves its own)");
        api.MapPut("/standards/{county}", SaveStandard).RequireRoles(Roles.Admin).WithName("SavePropertyStandard")
            .WithSummary("Replace the county's standard whole, as a new version; past inspections keep the version they were scored by");
        api.MapPost("/inspections", Inspect).WithName("RecordPropertyInspection")
            .WithSummary("Score the compound's property company on every item of the standard; answers the grade and any notice it opened");
        api.MapGet("/inspections/{id:guid}", GetInspection).WithName("GetPropertyInspection");
        api.MapPost("/surveys", Survey).WithName("RecordPropertySurvey").WithSummary("Residents' satisfaction survey of the compound's property service");
        api.MapGet("/notices", ListNotices).WithName("ListRectificationNotices")
            .WithSummary("Rectification notices under a node: open, rectified, or flagged for replacement by the owners' committee");
        api.MapPost("/matters", Propose).WithName("ProposeMajorMatter")
            .WithSummary("A major matter of the compound (fee, project, maintenance fund, changing the company) for the party organisation and the owners");
        api.MapGet("/matters/{id:guid}", GetMatter).WithName("GetMajorMatter");
        api.MapGet("/matters", ListMatters).WithName("ListMajorMatters")
            .WithSummary("Major matters under a node, newest first: what waits for the party organisation's consent, the owners' vote, or is decided");
        api.MapPost("/matters/{id:guid}/consent", Consent).WithName("DecideMajorMatterConsent")
            .WithSummary("The party organisation consents to the matter (or refuses it) before any vote");
        api.MapPost("/matters/{id:guid}/vote", Vote).WithName("RecordOwnersVote")
            .WithSummary("The owners' vote as the owners' committee counted it; passes by the Civil Code's art. 278 thresholds");

        app.MapGet("/api/v1/work-orders/{id:guid}/household-heads", HouseholdHeads).RequireRoles(WorkOrdersApi.StaffRoles)
            .WithTags("Households").WithName("ListWorkOrderHouseholdHeads")
            .WithSummary("The party-member households and household-group heads of the order's building, and when the order informed them");
    }

    private static async Task<Results<Ok<StandardDto>, NotFound>> GetStandard(string county, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (!await IsCountyAsync(conn, county, ct)) return TypedResults.NotFound();
        return TypedResults.Ok(ToDto(county, await PropertyStandards.CurrentAsync(conn, null, county, ct)));
    }

    private static Task<bool> IsCountyAsync(NpgsqlConnection conn, string county, CancellationToken ct) =>
        conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM grid_nodes WHERE code = @county AND level = 'district')", new { county }, cancellationToken: ct));

    private static StandardDto ToDto(string county, Standard s) => new(county, s.Version, s.Name, s.County == PropertyStandards.Default, s.ItemCount,
        s.Systems.Select(x => new StandardSystemDto(x.Code, x.Name, x.Weight, x.Items.Select(i => new StandardItemDto(i.Code, i.Name, i.Weight)).ToList())).ToList());

    private static async Task<Results<Ok<StandardDto>, ValidationProblem, NotFound>> SaveStandard(
        string county, StandardBody body, ClaimsPrincipal user, [AsParameters] Services s, CancellationToken ct)
    {
        var systems = body.Systems?.Select(x => new StandardSystem(x.Code, x.Name, x.Items?.Select(i => new StandardItem(i.Code, i.Name, i.Weight)).ToList()!)).ToList();
        var errors = PropertyStandards.Validate(body.Name, systems);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The standard was rejected; nothing changed.");
        await using var conn = await s.Db.OpenConnectionAsync(ct);
        if (!await IsCountyAsync(conn, county, ct)) return TypedResults.NotFound();
        await s.Desk.SaveStandardAsync(Actor.From(user), county, body.Name!.Trim(), systems!, ct);
        return TypedResults.Ok(ToDto(county, await PropertyStandards.CurrentAsync(conn, null, county, ct)));
    }

    private static async Task<Results<Created<InspectionDto>, ValidationProblem, NotFound, ProblemHttpResult>> Inspect(
        InspectionBody body, ClaimsPrincipal user, [AsParameters] Services s, CancellationToken ct)
    {
        var now = s.Clock.GetUtcNow();
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(body.CompoundCode)) errors["compoundCode"] = ["The compound inspected is required."];
        if (body.InspectedAt is not { } at) errors["inspectedAt"] = ["When the inspection was made is required."];
        else if (at > now.AddMinutes(5)) errors["inspectedAt"] = ["An inspection is recorded after it was made, not in the future."];
        if (body.Scores is null || body.Scores.Count == 0) errors["scores"] = ["Every item of the standard is scored."];
        for (var i = 0; i < (body.Scores?.Count ?? 0); i++)
            if (body.Scores![i].Note is { Length: > 500 }) errors[$"scores[{i}].note"] = ["At most 500 characters."];
        if (body.Notes is { Length: > 2000 }) errors["notes"] = ["At most 2000 characters."];
        if (body.RectifyBy is { } by && (by < now.AddDays(1) || by > now.AddDays(180))) errors["rectifyBy"] = ["Between one day and 180 days from now."];
        if (errors.Count > 0) return await StepReplies.Rejected<Created<InspectionDto>>(errors);

        var result = await s.Desk.InspectAsync(Actor.From(user), new NewInspection(body.CompoundCode.Trim(), body.InspectedAt!.Value,
            body.Scores!.Select(x => new ItemScore(x.Item, x.Points, x.Note)).ToList(), body.Notes, body.RectifyBy), ct);
        return await StepReplies.ToHttpAsync(result, "compound", async id =>
            TypedResults.Created($"/api/v1/property/inspections/{id}", (await InspectionAsync(s.Db, id, ct))!));
    }

    private static async Task<InspectionDto?> InspectionAsync(NpgsqlDataSource db, Guid id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var inspection = await conn.QuerySingleOrDefaultAsync<InspectionDto>(new CommandDefinition("""
            SELECT i.id, i.compound_code AS CompoundCode, i.company, i.standard_version AS StandardVersion, i.inspection_score AS InspectionScore,
                   i.survey_satisfaction AS SurveySatisfaction, i.orders_on_time_rate AS OrdersOnTimeRate, i.orders_satisfaction_rate AS OrdersSatisfactionRate,
                   i.orders, i.score, i.grade, i.inspected_at AS InspectedAt, i.inspector_name AS InspectorName,
                   n.id AS NoticeId, n.state AS NoticeState
            FROM property_inspections i
            LEFT JOIN LATERAL (SELECT id, state FROM rectification_notices n WHERE n.inspection_id = i.id OR n.rectified_by = i.id LIMIT 1) n ON true
            WHERE i.id = @id
            """, new { id }, cancellationToken: ct));
        if (inspection is null) return null;
        var scores = await conn.QueryAsync<ScoreDto>(new CommandDefinition(
            "SELECT item_code AS Item, points, weight, note FROM property_inspection_scores WHERE inspection_id = @id ORDER BY item_code", new { id }, cancellationToken: ct));
        return inspection with { Scores = scores.AsList() };
    }

    private static async Task<Results<Ok<InspectionDto>, NotFound>> GetInspection(Guid id, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var path = await conn.QuerySingleOrDefaultAsync<string[]?>(new CommandDefinition(
            "SELECT scope_path FROM property_inspections WHERE id = @id", new { id }, cancellationToken: ct));
        if (path is null || !CommunityAccess.Answers(Actor.From(user), path)) return TypedResults.NotFound();
        return TypedResults.Ok((await InspectionAsync(db, id, ct))!);
    }

    private static async Task<Results<Created<SurveyDto>, ValidationProblem, NotFound, ProblemHttpResult>> Survey(
        SurveyBody body, ClaimsPrincipal user, [AsParameters] Services s, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(body.CompoundCode)) errors["compoundCode"] = ["The compound surveyed is required."];
        if (body.SurveyedAt is not { } at) errors["surveyedAt"] = ["When the survey closed is required."];
        else if (at > s.Clock.GetUtcNow().AddMinutes(5)) errors["surveyedAt"] = ["A survey is recorded after it closed, not in the future."];
        foreach (var (field, value) in new[] { ("satisfied", body.Satisfied), ("basicallySatisfied", body.BasicallySatisfied), ("dissatisfied", body.Dissatisfied) })
            if (value is < 0 or > 100_000) errors[field] = ["0-100000 answers."];
        if (errors.Count == 0 && body.Satisfied + body.BasicallySatisfied + body.Dissatisfied == 0) errors["satisfied"] = ["A survey with no answers says nothing."];
        if (errors.Count > 0) return await StepReplies.Rejected<Created<SurveyDto>>(errors);
        var result = await s.Desk.SurveyAsync(Actor.From(user), new NewSurvey(body.CompoundCode.Trim(), body.SurveyedAt!.Value, body.Satisfied,
            body.BasicallySatisfied, body.Dissatisfied), ct);
        var respondents = body.Satisfied + body.BasicallySatisfied + body.Dissatisfied;
        return await StepReplies.ToHttpAsync(result, "compound", id => Task.FromResult(TypedResults.Created($"/api/v1/property/surveys/{id}",
            new SurveyDto(id, body.CompoundCode.Trim(), respondents, respondents == 0 ? 0 : decimal.Round(100m * (body.Satisfied + body.BasicallySatisfied) / respondents, 2)))));
    }

    private static readonly string[] NoticeStates = ["open", "rectified", "flagged"];

    private static async Task<Results<Ok<List<NoticeDto>>, ValidationProblem>> ListNotices(string? under, string? state, ClaimsPrincipal user,
        NpgsqlDataSource db, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrEmpty(under)) errors["under"] = ["The grid-tree node to list under is required."];
        if (state is not null && !NoticeStates.Contains(state)) errors["state"] = [$"One of {string.Join(", ", NoticeStates)}."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<NoticeDto>(new CommandDefinition($"""
            SELECT c.id, c.inspection_id AS InspectionId, c.compound_code AS CompoundCode, c.company, c.items, c.state, c.due_at AS DueAt,
                   c.opened_at AS OpenedAt, c.rectified_by AS RectifiedBy, c.closed_at AS ClosedAt,
                   (SELECT oc.name FROM owners_committees oc WHERE oc.compound_code = c.compound_code) AS OwnersCommittee
            FROM rectification_notices c
            WHERE @under = ANY(c.scope_path) AND (@state::text IS NULL OR c.state = @state) AND {CommunityAccess.VisibleSql}
            ORDER BY c.opened_at DESC LIMIT 500
            """, CommunityAccess.Parameters(Actor.From(user), new { under, state }), cancellationToken: ct));
        return TypedResults.Ok(rows.AsList());
    }

    private static async Task<Results<Created<MatterDto>, ValidationProblem, NotFound, ProblemHttpResult>> Propose(
        MatterBody body, ClaimsPrincipal user, [AsParameters] Services s, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(body.CompoundCode)) errors["compoundCode"] = ["The compound the matter concerns is required."];
        if (!PropertyDesk.MatterKinds.Contains(body.Kind)) errors["kind"] = [$"One of {string.Join(", ", PropertyDesk.MatterKinds)}."];
        StepReplies.Text(errors, body.Title, "title", 200);
        StepReplies.Text(errors, body.Description, "description", 4000);
        if (body.AmountYuan is < 0 or > 1_000_000_000) errors["amountYuan"] = ["0-1000000000 yuan."];
        if (errors.Count > 0) return await StepReplies.Rejected<Created<MatterDto>>(errors);
        var result = await s.Desk.ProposeAsync(Actor.From(user), new NewMatter(body.CompoundCode.Trim(), body.Kind, body.Title.Trim(), body.Description.Trim(), body.AmountYuan), ct);
        return await StepReplies.ToHttpAsync(result, "compound", async id => TypedResults.Created($"/api/v1/property/matters/{id}", (await MatterAsync(s.Db, id, ct))!));
    }

    private const string MatterColumns = """
        m.id, m.compound_code AS CompoundCode, m.kind, m.title, m.description, m.amount_yuan AS AmountYuan, m.state, m.proposed_at AS ProposedAt,
        m.party_org_id AS PartyOrgId, o.name AS PartyOrgName, m.consent_note AS ConsentNote, m.consent_at AS ConsentAt,
        m.eligible_owners AS EligibleOwners, m.eligible_area AS EligibleArea, m.voted_owners AS VotedOwners, m.voted_area AS VotedArea,
        m.for_owners AS ForOwners, m.for_area AS ForArea, m.against_owners AS AgainstOwners, m.against_area AS AgainstArea,
        m.vote_held_at AS VoteHeldAt
        """;

    private static async Task<Results<Ok<List<MatterDto>>, ValidationProblem>> ListMatters(string? under, ClaimsPrincipal user,
        NpgsqlDataSource db, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(under))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["under"] = ["The grid-tree node to list under is required."] });
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<MatterDto>(new CommandDefinition($"""
            SELECT {MatterColumns}
            FROM major_matters m LEFT JOIN party_orgs o ON o.id = m.party_org_id
            WHERE @under = ANY(m.scope_path) AND {CommunityAccess.VisibleSql.Replace("c.scope_path", "m.scope_path")}
            ORDER BY m.proposed_at DESC LIMIT 500
            """, CommunityAccess.Parameters(Actor.From(user), new { under }), cancellationToken: ct));
        return TypedResults.Ok(rows.AsList());
    }

    private static async Task<MatterDto?> MatterAsync(NpgsqlDataSource db, Guid id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<MatterDto>(new CommandDefinition("""
            SELECT m.id, m.compound_code AS CompoundCode, m.kind, m.title, m.description, m.amount_yuan AS AmountYuan, m.state, m.proposed_at AS ProposedAt,
                   m.party_org_id AS PartyOrgId, o.name AS PartyOrgName, m.consent_note AS ConsentNote, m.consent_at AS ConsentAt,
                   m.eligible_owners AS EligibleOwners, m.eligible_area AS EligibleArea, m.voted_owners AS VotedOwners, m.voted_area AS VotedArea,
                   m.for_owners AS ForOwners, m.for_area AS ForArea, m.against_owners AS AgainstOwners, m.against_area AS AgainstArea,
                   m.vote_held_at AS VoteHeldAt
            FROM major_matters m LEFT JOIN party_orgs o ON o.id = m.party_org_id
            WHERE m.id = @id
            """, new { id }, cancellationToken: ct));
    }

    private static async Task<Results<Ok<MatterDto>, NotFound>> GetMatter(Guid id, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var path = await conn.QuerySingleOrDefaultAsync<string[]?>(new CommandDefinition(
            "SELECT scope_path FROM major_matters WHERE id = @id", new { id }, cancellationToken: ct));
        if (path is null || !CommunityAccess.Answers(Actor.From(user), path)) return TypedResults.NotFound();
        return TypedResults.Ok((await MatterAsync(db, id, ct))!);
    }

    private static async Task<Results<Ok<MatterDto>, ValidationProblem, NotFound, ProblemHttpResult>> Consent(
        Guid id, ConsentBody body, ClaimsPrincipal user, [AsParameters] Services s, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.Consented is null) errors["consented"] = ["true to consent, false to refuse."];
        StepReplies.Text(errors, body.Note, "note", 2000);
        if (errors.Count > 0) return await StepReplies.Rejected<Ok<MatterDto>>(errors);
        var result = await s.Desk.DecideConsentAsync(Actor.From(user), id, body.Consented!.Value, body.Note.Trim(), ct);
        return await StepReplies.ToHttpAsync(result, "matter", async done => TypedResults.Ok((await MatterAsync(s.Db, done, ct))!));
    }

    private static async Task<Results<Ok<MatterDto>, ValidationProblem, NotFound, ProblemHttpResult>> Vote(
        Guid id, VoteBody body, ClaimsPrincipal user, [AsParameters] Services s, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.EligibleOwners is < 1 or > 100_000) errors["eligibleOwners"] = ["1-100000 owners."];
        if (body.EligibleArea is <= 0 or > 10_000_000) errors["eligibleArea"] = ["The compound's private floor area in m², above 0."];
        if (body.VotedOwners < 0 || body.VotedOwners > body.EligibleOwners) errors["votedOwners"] = ["0 to the eligible owners."];
        if (body.VotedArea < 0 || body.VotedArea > body.EligibleArea) errors["votedArea"] = ["0 to the eligible area."];
        if (body.ForOwners < 0 || body.AgainstOwners < 0 || body.ForOwners + body.AgainstOwners > body.VotedOwners)
            errors["forOwners"] = ["For and against owners, each at least 0, add up to at most the owners who voted."];
        if (body.ForArea < 0 || body.AgainstArea < 0 || body.ForArea + body.AgainstArea > body.VotedArea)
            errors["forArea"] = ["For and against area, each at least 0, add up to at most the area that voted."];
        if (body.HeldAt is not { } held) errors["heldAt"] = ["When the vote closed is required."];
        else if (held > s.Clock.GetUtcNow().AddMinutes(5)) errors["heldAt"] = ["A vote is recorded after it closed, not in the future."];
        if (errors.Count > 0) return await StepReplies.Rejected<Ok<MatterDto>>(errors);
        var result = await s.Desk.RecordVoteAsync(Actor.From(user), id, new VoteTally(body.EligibleOwners, body.EligibleArea, body.VotedOwners, body.VotedArea,
            body.ForOwners, body.ForArea, body.AgainstOwners, body.AgainstArea, body.HeldAt!.Value), ct);
        return await StepReplies.ToHttpAsync(result, "matter", async done => TypedResults.Ok((await MatterAsync(s.Db, done, ct))!));
    }

    private sealed class ReachRow
    {
        public string? BuildingCode { get; init; }
        public string[]? Path { get; init; }
        public DateTime? InformedAt { get; init; }
    }

    private static async Task<Results<Ok<HouseholdReachDto>, NotFound>> HouseholdHeads(Guid id, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        var actor = Actor.From(user);
        await using var conn = await db.OpenConnectionAsync(ct);
        var order = await conn.QuerySingleOrDefaultAsync<ReachRow>(new CommandDefinition($"""
            SELECT b.code AS BuildingCode, b.path, r.reached_at AS InformedAt
            FROM work_orders o
            JOIN grid_nodes l ON l.code = o.location_code
            LEFT JOIN grid_nodes b ON b.code = ANY(l.path) AND b.level = 'building'
            LEFT JOIN work_order_household_reach r ON r.work_order_id = o.id
            WHERE o.id = @id AND {Actor.VisibleSql}
            """, new DynamicParameters(actor.Parameters).Also(new { id }), cancellationToken: ct));
        if (order is null) return TypedResults.NotFound();
        if (order.BuildingCode is null) return TypedResults.Ok(new HouseholdReachDto(null, null, []));
        // The heads' own phones are for the staff who answer for the building (as in the register); a department called in gets none.
        var phones = OrganisationRegisterAccess(actor, order.Path!);
        var heads = await conn.QueryAsync<HouseholdHeadDto>(new CommandDefinition("""
            SELECT h.id, CASE WHEN h.party_household THEN 'party_household' ELSE 'link_head' END AS Role, h.head_name AS HeadName, h.address,
                   CASE WHEN @phones THEN h.head_phone END AS Phone,
                   (SELECT count(*)::int FROM households l WHERE l.linked_to = h.id) AS LinkedHouseholds
            FROM households h
            WHERE (h.party_household OR h.link_head) AND @building = ANY(h.scope_path)
            ORDER BY h.address
            """, new { building = order.BuildingCode, phones }, cancellationToken: ct));
        return TypedResults.Ok(new HouseholdReachDto(order.BuildingCode, order.InformedAt, heads.AsList()));
    }

    private static bool OrganisationRegisterAccess(Actor actor, string[] path) => Organisation.OrganisationRegister.Answers(actor, path);

    private static DynamicParameters Also(this DynamicParameters p, object more)
    {
        p.AddDynamicParams(more);
        return p;
    }
}
