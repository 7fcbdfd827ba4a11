using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Dispatch.Community;
using GovPlatform.Dispatch.WorkOrders;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Npgsql;

namespace GovPlatform.Dispatch.Property;

public sealed record ItemScore(string Item, decimal Points, string? Note);
public sealed record NewInspection(string CompoundCode, DateTimeOffset InspectedAt, IReadOnlyList<ItemScore> Scores, string? Notes, DateTimeOffset? RectifyBy);
public sealed record NewSurvey(string CompoundCode, DateTimeOffset SurveyedAt, int Satisfied, int BasicallySatisfied, int Dissatisfied);
public sealed record NewMatter(string CompoundCode, string Kind, string Title, string Description, decimal? AmountYuan);
public sealed record VoteTally(int EligibleOwners, decimal EligibleArea, int VotedOwners, decimal VotedArea, int ForOwners, decimal ForArea,
    int AgainstOwners, decimal AgainstArea, DateTimeOffset HeldAt);

/// <summary>The parts of a grade and the grade itself; a null part had no data and carried no weight.</summary>
public sealed record GradeParts(decimal InspectionScore, decimal? SurveySatisfaction, decimal? OrdersOnTimeRate, decimal? OrdersSatisfactionRate,
    int Orders, decimal Score, string Grade);

/// <summary>
/// Red property management (红色物业): inspections against the county's standard, surveys, the grade and what follows
/// it (a rectification notice, a recommendation; the flag for replacement when a notice runs out), and major matters
/// that go through the party organisation's consent before the owners vote. Each step is one transaction with its event.
/// </summary>
/// <remarks>
/// <para>The grade is computed here, in dispatch, not in reporting. A grade is a decision with consequences in the same
/// transaction (a notice with a deadline the scheduler enforces), and reporting only projects events: it owns no
/// decisions and publishes nothing. Dispatch may not read reporting's database, and asking reporting over HTTP would make
/// the inspector's step fail whenever reporting lags or is down. The order figures the grade needs (timeliness and
/// satisfaction of the orders routed to the company) are dispatch's own facts: its work orders, their clocks and the
/// satisfaction they closed with are the very source of the events reporting counts.</para>
/// <para>Access follows community business: the cadres of the compound's community, the subdistrict officers above
/// and the county; everyone else gets 404.</para>
/// </remarks>
public sealed class PropertyDesk(NpgsqlDataSource db, TimeProvider clock, PropertyOptions options)
{
    public static readonly string[] MatterKinds = ["fee", "project", "maintenance_fund", "company_change"];

    /// <summary>Weights of the grade's parts (out of 100); a missing part's weight goes to the parts present.</summary>
    public const decimal InspectionWeight = 60m, SurveyWeight = 20m, OrdersOnTimeWeight = 10m, OrdersSatisfactionWeight = 10m;

    private sealed class Compound
    {
        public required string Code { get; init; }
        public required string Level { get; init; }
        public required string[] Path { get; init; }
        public string? Company { get; init; }
        public string? OwnersCommittee { get; init; }
    }

    private static Task<Compound?> CompoundAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string code, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<Compound>(new CommandDefinition("""
            SELECT g.code, g.level, g.path, pc.name AS Company, oc.name AS OwnersCommittee
            FROM grid_nodes g
            LEFT JOIN property_companies pc ON pc.compound_code = g.code
            LEFT JOIN owners_committees oc ON oc.compound_code = g.code
            WHERE g.code = @code
            """, new { code }, tx, cancellationToken: ct));

    /// <summary>The compound if the actor answers for it; otherwise what to answer.</summary>
    private static async Task<(Compound? Compound, StepResult? Refusal)> CompoundFor(NpgsqlConnection conn, NpgsqlTransaction tx, Actor actor, string code,
        bool needsCompany, CancellationToken ct)
    {
        var compound = await CompoundAsync(conn, tx, code, ct);
        if (compound is null || compound.Level != GridLevels.Compound) return (null, StepResult.Field("compoundCode", "No such compound in the grid tree."));
        if (!CommunityAccess.Answers(actor, compound.Path)) return (null, new StepResult.NotFound());
        if (needsCompany && compound.Company is null)
            return (null, StepResult.Field("compoundCode", "The compound has no property company registered (POST /api/v1/bodies/import)."));
        return (compound, null);
    }

    /// <summary>A county's property-service standard, saved as a new version with its event in the outbox; returns the version.</summary>
    public async Task<int> SaveStandardAsync(Actor actor, string county, string name, IReadOnlyList<StandardSystem> systems, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var now = clock.GetUtcNow();
        var version = await PropertyStandards.SaveAsync(tx, county, name, systems, actor.Subject, now, ct);
        await Outbox.EnqueueAsync(tx, new PropertyStandardChanged(county, version, systems.Count, systems.Sum(x => x.Items.Count), actor.Subject, now), ct);
        await tx.CommitAsync(ct);
        return version;
    }

    public async Task<StepResult> InspectAsync(Actor actor, NewInspection input, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var (compound, refusal) = await CompoundFor(conn, tx, actor, input.CompoundCode, needsCompany: true, ct);
        if (refusal is not null) return refusal;
        var county = compound!.Path[0];
        var standard = await PropertyStandards.CurrentAsync(conn, tx, county, ct);

        // Every item of the standard in force is scored, once, within its weight: a partial sheet is no inspection.
        var items = standard.Systems.SelectMany(s => s.Items).ToDictionary(i => i.Code);
        var errors = new Dictionary<string, string[]>();
        for (var i = 0; i < input.Scores.Count; i++)
        {
            var s = input.Scores[i];
            if (!items.TryGetValue(s.Item ?? "", out var item)) errors[$"scores[{i}].item"] = [$"'{s.Item}' is not an item of the standard in force ({standard.Name}, version {standard.Version})."];
            else if (s.Points < 0 || s.Points > item.Weight) errors[$"scores[{i}].points"] = [$"0-{item.Weight} for {item.Code}."];
        }
        var duplicates = input.Scores.GroupBy(s => s.Item).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0) errors["scores"] = [$"Scored twice: {string.Join(", ", duplicates)}."];
        var missing = items.Keys.Except(input.Scores.Select(s => s.Item)).ToList();
        if (missing.Count > 0 && !errors.ContainsKey("scores")) errors["scores"] = [$"Every item of the standard is scored; missing: {string.Join(", ", missing)}."];
        if (errors.Count > 0) return new StepResult.Invalid(errors);

        var now = clock.GetUtcNow();
        var inspectionScore = decimal.Round(input.Scores.Sum(s => s.Points), 2);
        var parts = await GradeAsync(conn, tx, compound, inspectionScore, input.InspectedAt, ct);
        var id = NewId.NextGuid();
        await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO property_inspections (id, compound_code, scope_path, company, county, standard_version, inspection_score, survey_satisfaction,
                orders_on_time_rate, orders_satisfaction_rate, orders, score, grade, notes, inspected_at, inspector, inspector_name, recorded_at)
            VALUES (@id, @Code, @Path, @Company, @County, @Version, @InspectionScore, @SurveySatisfaction,
                @OrdersOnTimeRate, @OrdersSatisfactionRate, @Orders, @Score, @Grade, @notes, @inspectedAt, @Subject, @Name, @now)
            """, new
        {
            id, compound.Code, compound.Path, compound.Company, County = standard.County, standard.Version,
            parts.InspectionScore, parts.SurveySatisfaction, parts.OrdersOnTimeRate, parts.OrdersSatisfactionRate, parts.Orders, parts.Score, parts.Grade,
            notes = input.Notes, inspectedAt = input.InspectedAt, actor.Subject, actor.Name, now,
        }, tx, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO property_inspection_scores (inspection_id, item_code, points, weight, note)
            SELECT @id, * FROM unnest(@codes::text[], @points::numeric[], @weights::numeric[], @notes::text[])
            """, new
        {
            id,
            codes = input.Scores.Select(s => s.Item).ToArray(),
            points = input.Scores.Select(s => s.Points).ToArray(),
            weights = input.Scores.Select(s => items[s.Item].Weight).ToArray(),
            notes = input.Scores.Select(s => s.Note).ToArray(),
        }, tx, cancellationToken: ct));
        await Outbox.EnqueueAsync(tx, new PropertyCompanyGraded(id, compound.Code, compound.Path, compound.Company!, parts.InspectionScore,
            parts.SurveySatisfaction, parts.OrdersOnTimeRate, parts.OrdersSatisfactionRate, parts.Orders, parts.Score, parts.Grade,
            standard.County, standard.Version, input.InspectedAt), ct);

        // The running notice of this company on this compound, locked so the deadline scheduler cannot flag it meanwhile.
        var open = await conn.QuerySingleOrDefaultAsync<(Guid Id, DateTime DueAt)?>(new CommandDefinition("""
            SELECT id, due_at FROM rectification_notices WHERE compound_code = @Code AND company = @Company AND state = 'open' FOR UPDATE
            """, new { compound.Code, compound.Company }, tx, cancellationToken: ct));
        if (parts.Grade == PropertyGrades.Poor && open is null)
        {
            // The items that lost the most, as a share of their weight: what the company must put right.
            var weak = input.Scores.Where(s => s.Points < items[s.Item].Weight * 0.6m)
                .OrderByDescending(s => items[s.Item].Weight - s.Points).ThenBy(s => s.Item).Take(10).Select(s => s.Item).ToArray();
            var dueAt = input.RectifyBy ?? now + options.RectifyWithin;
            var noticeId = NewId.NextGuid();
            await conn.ExecuteAsync(new CommandDefinition("""
                INSERT INTO rectification_notices (id, inspection_id, compound_code, scope_path, company, items, state, due_at, opened_at)
                VALUES (@noticeId, @id, @Code, @Path, @Company, @weak, 'open', @dueAt, @now)
                ON CONFLICT (compound_code, company) WHERE state = 'open' DO NOTHING
                """, new { noticeId, id, compound.Code, compound.Path, compound.Company, weak, dueAt, now }, tx, cancellationToken: ct));
            await Outbox.EnqueueAsync(tx, new RectificationNoticeOpened(noticeId, id, compound.Code, compound.Path, compound.Company!, weak, dueAt, now), ct);
        }
        else if (parts.Grade != PropertyGrades.Poor && open is { } running && new DateTimeOffset(running.DueAt, TimeSpan.Zero) > now)
        {
            // A re-inspection (复查) before the deadline that no longer grades poor closes the notice.
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE rectification_notices SET state = 'rectified', rectified_by = @id, closed_at = @now WHERE id = @noticeId",
                new { id, now, noticeId = running.Id }, tx, cancellationToken: ct));
            await Outbox.EnqueueAsync(tx, new RectificationNoticeRectified(running.Id, id, compound.Code, compound.Path, compound.Company!, now), ct);
        }
        if (parts.Grade == PropertyGrades.Good)
            await Outbox.EnqueueAsync(tx, new PropertyCompanyRecommended(id, compound.Code, compound.Path, compound.Company!, parts.Score, now), ct);
        await tx.CommitAsync(ct);
        return new StepResult.Done(id);
    }

    private sealed record OrderFigures(int Orders, int Ended, int OnTime, int Rated, int Satisfied);

    /// <summary>
    /// The grade from the inspection, the newest survey of the company on the compound and the company's own work orders
    /// there (routed to it in the window before the inspection): on time when none of its clocks was missed, satisfied
    /// when the resident's callback said satisfied or basically satisfied.
    /// </summary>
    private async Task<GradeParts> GradeAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Compound compound, decimal inspectionScore,
        DateTimeOffset inspectedAt, CancellationToken ct)
    {
        var survey = await conn.QuerySingleOrDefaultAsync<decimal?>(new CommandDefinition("""
            SELECT round(100.0 * (satisfied + basically_satisfied) / respondents, 2) FROM property_surveys
            WHERE compound_code = @Code AND company = @Company AND surveyed_at <= @inspectedAt AND surveyed_at > @since
            ORDER BY surveyed_at DESC LIMIT 1
            """, new { compound.Code, compound.Company, inspectedAt, since = inspectedAt - options.SurveyWindow }, tx, cancellationToken: ct));
        var orders = await conn.QuerySingleAsync<OrderFigures>(new CommandDefinition("""
            WITH mine AS (
                SELECT o.id, o.status, o.satisfaction,
                       EXISTS (SELECT 1 FROM work_order_deadlines d WHERE d.work_order_id = o.id AND d.state = 'missed') AS missed
                FROM work_orders o
                WHERE o.created_at > @since AND o.created_at <= @inspectedAt AND @Code = ANY(o.scope_path)
                  AND EXISTS (SELECT 1 FROM work_order_history h WHERE h.work_order_id = o.id AND h.action = 'assigned'
                              AND h.detail->'propertyCompany'->>'compound' = @Code AND h.detail->'propertyCompany'->>'name' = @Company))
            SELECT count(*)::int AS Orders,
                   count(*) FILTER (WHERE missed OR status IN ('resolved', 'closed'))::int AS Ended,
                   count(*) FILTER (WHERE NOT missed AND status IN ('resolved', 'closed'))::int AS OnTime,
                   count(*) FILTER (WHERE satisfaction IS NOT NULL)::int AS Rated,
                   count(*) FILTER (WHERE satisfaction IN ('satisfied', 'basically_satisfied'))::int AS Satisfied
            FROM mine
            """, new { compound.Code, compound.Company, inspectedAt, since = inspectedAt - options.OrdersWindow }, tx, cancellationToken: ct));
        decimal? onTime = orders.Ended >= options.MinOrders ? decimal.Round(100m * orders.OnTime / orders.Ended, 2) : null;
        decimal? satisfied = orders.Rated >= options.MinOrders ? decimal.Round(100m * orders.Satisfied / orders.Rated, 2) : null;
        return Grade(inspectionScore, survey, onTime, satisfied, orders.Orders);
    }

    public GradeParts Grade(decimal inspection, decimal? survey, decimal? onTime, decimal? satisfied, int orders)
    {
        var parts = new (decimal Weight, decimal? Value)[]
        {
            (InspectionWeight, inspection), (SurveyWeight, survey), (OrdersOnTimeWeight, onTime), (OrdersSatisfactionWeight, satisfied),
        }.Where(p => p.Value is not null).ToList();
        var score = decimal.Round(parts.Sum(p => p.Weight * p.Value!.Value) / parts.Sum(p => p.Weight), 2);
        var grade = score >= options.GoodFrom ? PropertyGrades.Good : score < options.PoorBelow ? PropertyGrades.Poor : PropertyGrades.Fair;
        return new GradeParts(inspection, survey, onTime, satisfied, orders, score, grade);
    }

    public async Task<StepResult> SurveyAsync(Actor actor, NewSurvey input, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var (compound, refusal) = await CompoundFor(conn, tx, actor, input.CompoundCode, needsCompany: true, ct);
        if (refusal is not null) return refusal;
        var id = NewId.NextGuid();
        var respondents = input.Satisfied + input.BasicallySatisfied + input.Dissatisfied;
        await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO property_surveys (id, compound_code, scope_path, company, respondents, satisfied, basically_satisfied, dissatisfied, surveyed_at, recorded_by, recorded_at)
            VALUES (@id, @Code, @Path, @Company, @respondents, @Satisfied, @BasicallySatisfied, @Dissatisfied, @SurveyedAt, @Subject, @now)
            """, new
        {
            id, compound!.Code, compound.Path, compound.Company, respondents, input.Satisfied, input.BasicallySatisfied, input.Dissatisfied,
            input.SurveyedAt, actor.Subject, now = clock.GetUtcNow(),
        }, tx, cancellationToken: ct));
        await Outbox.EnqueueAsync(tx, new PropertySurveyRecorded(id, compound.Code, compound.Path, compound.Company!, respondents,
            input.Satisfied, input.BasicallySatisfied, input.Dissatisfied, input.SurveyedAt), ct);
        await tx.CommitAsync(ct);
        return new StepResult.Done(id);
    }

    private sealed class DueNotice
    {
        public Guid Id { get; init; }
        public required string CompoundCode { get; init; }
        public required string[] ScopePath { get; init; }
        public required string Company { get; init; }
        public DateTime DueAt { get; init; }
        public string? OwnersCommittee { get; init; }
    }

    /// <summary>
    /// Flags the companies whose notices ran out unrectified, each once: rows claimed with SKIP LOCKED and settled in the
    /// transaction that publishes the flag, so any number of dispatch instances may run this. Returns how many.
    /// </summary>
    public async Task<int> FlagOverdueAsync(int batchSize, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var due = (await conn.QueryAsync<DueNotice>(new CommandDefinition("""
            SELECT n.id, n.compound_code AS CompoundCode, n.scope_path AS ScopePath, n.company, n.due_at AS DueAt,
                   (SELECT oc.name FROM owners_committees oc WHERE oc.compound_code = n.compound_code) AS OwnersCommittee
            FROM rectification_notices n
            WHERE n.state = 'open' AND n.due_at <= @now
            ORDER BY n.due_at LIMIT @batchSize
            FOR UPDATE OF n SKIP LOCKED
            """, new { now, batchSize }, tx, cancellationToken: ct))).AsList();
        foreach (var n in due)
        {
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE rectification_notices SET state = 'flagged', closed_at = @now WHERE id = @Id", new { now, n.Id }, tx, cancellationToken: ct));
            await Outbox.EnqueueAsync(tx, new PropertyCompanyFlaggedForReplacement(n.Id, n.CompoundCode, n.ScopePath, n.Company, n.OwnersCommittee,
                new DateTimeOffset(n.DueAt, TimeSpan.Zero), now), ct);
        }
        await tx.CommitAsync(ct);
        return due.Count;
    }

    public async Task<StepResult> ProposeAsync(Actor actor, NewMatter input, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var (compound, refusal) = await CompoundFor(conn, tx, actor, input.CompoundCode, needsCompany: false, ct);
        if (refusal is not null) return refusal;
        var id = NewId.NextGuid();
        var now = clock.GetUtcNow();
        await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO major_matters (id, compound_code, scope_path, kind, title, description, amount_yuan, state, proposed_by, proposed_at)
            VALUES (@id, @Code, @Path, @Kind, @Title, @Description, @AmountYuan, 'proposed', @Subject, @now)
            """, new { id, compound!.Code, compound.Path, input.Kind, input.Title, input.Description, input.AmountYuan, actor.Subject, now }, tx, cancellationToken: ct));
        await Outbox.EnqueueAsync(tx, new MajorMatterProposed(id, compound.Code, compound.Path, input.Kind, input.Title, now), ct);
        await tx.CommitAsync(ct);
        return new StepResult.Done(id);
    }

    private sealed class MatterRow
    {
        public Guid Id { get; init; }
        public required string CompoundCode { get; init; }
        public required string[] ScopePath { get; init; }
        public required string Kind { get; init; }
        public required string State { get; init; }
    }

    private static async Task<MatterRow?> LockMatterAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Actor actor, Guid id, CancellationToken ct)
    {
        var matter = await conn.QuerySingleOrDefaultAsync<MatterRow>(new CommandDefinition("""
            SELECT id, compound_code AS CompoundCode, scope_path AS ScopePath, kind, state FROM major_matters WHERE id = @id FOR UPDATE
            """, new { id }, tx, cancellationToken: ct));
        return matter is not null && CommunityAccess.Answers(actor, matter.ScopePath) ? matter : null;
    }

    /// <summary>
    /// The party organisation's consent (前置审议): the compound's branch (beside the compound or one of its grids), else the
    /// community's party committee, decides before anything goes to the owners.
    /// </summary>
    public async Task<StepResult> DecideConsentAsync(Actor actor, Guid id, bool consented, string note, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var matter = await LockMatterAsync(conn, tx, actor, id, ct);
        if (matter is null) return new StepResult.NotFound();
        if (matter.State != MatterStates.Proposed) return new StepResult.Conflict(matter.State, "The party organisation has already decided on this matter.");
        var org = await conn.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition("""
            SELECT id FROM party_orgs
            WHERE (kind = 'branch' AND @compound = ANY(scope_path)) OR (kind = 'committee' AND node_code = ANY(@path))
            ORDER BY (kind = 'committee'), node_code LIMIT 1
            """, new { compound = matter.CompoundCode, path = matter.ScopePath }, tx, cancellationToken: ct));
        if (org is null)
            return new StepResult.Conflict(matter.State, "No party organisation answers for this compound: register its branch or the community's party committee first.");
        var now = clock.GetUtcNow();
        var state = consented ? MatterStates.Consented : MatterStates.Refused;
        await conn.ExecuteAsync(new CommandDefinition("""
            UPDATE major_matters SET state = @state, party_org_id = @org, consent_by = @Subject, consent_note = @note, consent_at = @now WHERE id = @id
            """, new { state, org, actor.Subject, note, now, id }, tx, cancellationToken: ct));
        await Outbox.EnqueueAsync(tx, new MajorMatterConsentDecided(id, matter.CompoundCode, matter.ScopePath, org.Value, consented, actor.Subject, now), ct);
        await tx.CommitAsync(ct);
        return new StepResult.Done(id);
    }

    /// <summary>
    /// Whether a tally passes by the Civil Code's art. 278: owners holding two thirds of the floor area and two thirds of
    /// the headcount take part; a project (rebuilding, changing common parts) needs three quarters of the participating
    /// area and headcount, every other major matter more than half of both.
    /// </summary>
    public static bool Passes(string kind, VoteTally t)
    {
        var quorum = t.VotedOwners * 3 >= t.EligibleOwners * 2 && t.VotedArea * 3 >= t.EligibleArea * 2;
        var approved = kind == "project"
            ? t.ForOwners * 4 >= t.VotedOwners * 3 && t.ForArea * 4 >= t.VotedArea * 3
            : t.ForOwners * 2 > t.VotedOwners && t.ForArea * 2 > t.VotedArea;
        return quorum && approved;
    }

    public async Task<StepResult> RecordVoteAsync(Actor actor, Guid id, VoteTally tally, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var matter = await LockMatterAsync(conn, tx, actor, id, ct);
        if (matter is null) return new StepResult.NotFound();
        if (matter.State != MatterStates.Consented)
            return new StepResult.Conflict(matter.State, matter.State == MatterStates.Proposed
                ? "The party organisation must consent before the owners vote."
                : "Only a matter the party organisation consented to, and not yet voted on, goes to the owners.");
        var passed = Passes(matter.Kind, tally);
        await conn.ExecuteAsync(new CommandDefinition("""
            UPDATE major_matters SET state = @state, eligible_owners = @EligibleOwners, eligible_area = @EligibleArea, voted_owners = @VotedOwners,
                voted_area = @VotedArea, for_owners = @ForOwners, for_area = @ForArea, against_owners = @AgainstOwners, against_area = @AgainstArea,
                vote_held_at = @HeldAt, vote_recorded_by = @Subject
            WHERE id = @id
            """, new
        {
            state = passed ? MatterStates.Passed : MatterStates.Rejected, tally.EligibleOwners, tally.EligibleArea, tally.VotedOwners, tally.VotedArea,
            tally.ForOwners, tally.ForArea, tally.AgainstOwners, tally.AgainstArea, tally.HeldAt, actor.Subject, id,
        }, tx, cancellationToken: ct));
        await Outbox.EnqueueAsync(tx, new OwnersVoteRecorded(id, matter.CompoundCode, matter.ScopePath, matter.Kind, tally.EligibleOwners, tally.EligibleArea,
            tally.VotedOwners, tally.VotedArea, tally.ForOwners, tally.ForArea, passed, tally.HeldAt), ct);
        await tx.CommitAsync(ct);
        return new StepResult.Done(id);
    }

    private sealed class BodyRow
    {
        public required string CompoundCode { get; init; }
        public required string[] Path { get; init; }
        public required string Name { get; init; }
        public DateTime UpdatedAt { get; init; }
    }

    /// <summary>
    /// Publishes <see cref="CompoundBodyRegistered"/> for the compound bodies not yet published (all of them after an
    /// import, which clears the mark; those imported before the event existed, at start-up), claimed with SKIP LOCKED.
    /// </summary>
    public static async Task<int> PublishBodiesAsync(NpgsqlTransaction tx, int batchSize, CancellationToken ct)
    {
        var total = 0;
        foreach (var (table, kind) in new[] { ("property_companies", "property_company"), ("owners_committees", "owners_committee") })
        {
            var rows = (await tx.Connection!.QueryAsync<BodyRow>(new CommandDefinition($"""
                UPDATE {table} b SET coverage_published = true
                FROM (SELECT compound_code FROM {table} WHERE NOT coverage_published ORDER BY compound_code LIMIT @batchSize FOR UPDATE SKIP LOCKED) u,
                     grid_nodes g
                WHERE b.compound_code = u.compound_code AND g.code = b.compound_code
                RETURNING b.compound_code AS CompoundCode, g.path, b.name, b.updated_at AS UpdatedAt
                """, new { batchSize }, tx, cancellationToken: ct))).AsList();
            foreach (var r in rows)
                await Outbox.EnqueueAsync(tx, new CompoundBodyRegistered(r.CompoundCode, r.Path, kind, r.Name,
                    new DateTimeOffset(DateTime.SpecifyKind(r.UpdatedAt, DateTimeKind.Utc))), ct);
            total += rows.Count;
        }
        return total;
    }

    public async Task<int> PublishBodiesAsync(int batchSize, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var published = await PublishBodiesAsync(tx, batchSize, ct);
        await tx.CommitAsync(ct);
        return published;
    }
}

public static class PropertyGrades
{
    public const string Good = "good", Fair = "fair", Poor = "poor";
}

public static class MatterStates
{
    public const string Proposed = "proposed", Consented = "consented", Refused = "refused", Passed = "passed", Rejected = "rejected";
}

/// <summary>Flags the companies whose rectification ran out, and publishes compound bodies not yet published at start.</summary>
public sealed class PropertyScheduler(PropertyDesk desk, PropertyOptions options, ILogger<PropertyScheduler> logger) : BackgroundService
{
    private const int BatchSize = 100;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var bodiesPublished = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!bodiesPublished)
                {
                    while (await desk.PublishBodiesAsync(BatchSize, stoppingToken) > 0) { }
                    bodiesPublished = true;
                }
                while (await desk.FlagOverdueAsync(BatchSize, stoppingToken) == BatchSize) { }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Red property scheduling failed; retrying after {Delay}", options.PollInterval);
            }
            try { await Task.Delay(options.PollInterval, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }
}
