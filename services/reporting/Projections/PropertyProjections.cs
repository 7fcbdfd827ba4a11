using GovPlatform.Contracts;
using Npgsql;

namespace GovPlatform.Reporting.Projections;

// Red property management and the compound bodies (三覆盖). Each write is a no-op on replay: natural keys, and the
// notice and matter rows fill in columns from whichever of their events arrives, in any order.

public sealed class CompoundBodyRegisteredProjection(Projector p) : Projection<CompoundBodyRegistered>(p)
{
    protected override DateTimeOffset OccurredAt(CompoundBodyRegistered m) => m.At;

    // The first registration counts: a re-import renames, it does not newly cover the compound.
    private const string Sql = """
        INSERT INTO compound_bodies AS b (compound_code, kind, scope_path, registered_at) VALUES (@CompoundCode, @Kind, @path, @at)
        ON CONFLICT (compound_code, kind) DO UPDATE SET registered_at = least(b.registered_at, excluded.registered_at)
        """;

    protected override Task ApplyAsync(CompoundBodyRegistered m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.CompoundCode, m.Kind, path = m.CompoundPath.ToArray(), at = Utc(m.At) }, ct);
}

public sealed class PropertyStandardChangedProjection(Projector p) : Projection<PropertyStandardChanged>(p)
{
    protected override DateTimeOffset OccurredAt(PropertyStandardChanged m) => m.At;

    protected override Task ApplyAsync(PropertyStandardChanged m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, "INSERT INTO property_standard_changes (county, version, changed_at) VALUES (@County, @Version, @at) ON CONFLICT DO NOTHING",
            new { m.County, m.Version, at = Utc(m.At) }, ct);
}

public sealed class PropertyCompanyGradedProjection(Projector p) : Projection<PropertyCompanyGraded>(p)
{
    protected override DateTimeOffset OccurredAt(PropertyCompanyGraded m) => m.InspectedAt;

    private const string Sql = """
        INSERT INTO property_grades (inspection_id, compound_code, scope_path, company, score, grade, inspected_at)
        VALUES (@InspectionId, @CompoundCode, @path, @Company, @Score, @Grade, @at) ON CONFLICT DO NOTHING
        """;

    protected override Task ApplyAsync(PropertyCompanyGraded m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.InspectionId, m.CompoundCode, path = m.CompoundPath.ToArray(), m.Company, m.Score, m.Grade, at = Utc(m.InspectedAt) }, ct);
}

public sealed class PropertySurveyRecordedProjection(Projector p) : Projection<PropertySurveyRecorded>(p)
{
    protected override DateTimeOffset OccurredAt(PropertySurveyRecorded m) => m.SurveyedAt;

    protected override Task ApplyAsync(PropertySurveyRecorded m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, """
            INSERT INTO property_survey_facts (survey_id, scope_path, respondents, satisfied, surveyed_at)
            VALUES (@SurveyId, @path, @Respondents, @satisfied, @at) ON CONFLICT DO NOTHING
            """, new { m.SurveyId, path = m.CompoundPath.ToArray(), m.Respondents, satisfied = m.Satisfied + m.BasicallySatisfied, at = Utc(m.SurveyedAt) }, ct);
}

public sealed class RectificationNoticeOpenedProjection(Projector p) : Projection<RectificationNoticeOpened>(p)
{
    protected override DateTimeOffset OccurredAt(RectificationNoticeOpened m) => m.At;

    protected override Task ApplyAsync(RectificationNoticeOpened m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, """
            INSERT INTO property_notices (notice_id, scope_path, opened_at, due_at) VALUES (@NoticeId, @path, @at, @due)
            ON CONFLICT (notice_id) DO UPDATE SET opened_at = excluded.opened_at, due_at = excluded.due_at
            """, new { m.NoticeId, path = m.CompoundPath.ToArray(), at = Utc(m.At), due = Utc(m.DueAt) }, ct);
}

public sealed class RectificationNoticeRectifiedProjection(Projector p) : Projection<RectificationNoticeRectified>(p)
{
    protected override DateTimeOffset OccurredAt(RectificationNoticeRectified m) => m.At;

    protected override Task ApplyAsync(RectificationNoticeRectified m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, """
            INSERT INTO property_notices (notice_id, scope_path, rectified_at) VALUES (@NoticeId, @path, @at)
            ON CONFLICT (notice_id) DO UPDATE SET rectified_at = excluded.rectified_at
            """, new { m.NoticeId, path = m.CompoundPath.ToArray(), at = Utc(m.At) }, ct);
}

public sealed class PropertyCompanyFlaggedForReplacementProjection(Projector p) : Projection<PropertyCompanyFlaggedForReplacement>(p)
{
    protected override DateTimeOffset OccurredAt(PropertyCompanyFlaggedForReplacement m) => m.At;

    protected override Task ApplyAsync(PropertyCompanyFlaggedForReplacement m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, """
            INSERT INTO property_notices (notice_id, scope_path, flagged_at) VALUES (@NoticeId, @path, @at)
            ON CONFLICT (notice_id) DO UPDATE SET flagged_at = excluded.flagged_at
            """, new { m.NoticeId, path = m.CompoundPath.ToArray(), at = Utc(m.At) }, ct);
}

public sealed class PropertyCompanyRecommendedProjection(Projector p) : Projection<PropertyCompanyRecommended>(p)
{
    protected override DateTimeOffset OccurredAt(PropertyCompanyRecommended m) => m.At;

    protected override Task ApplyAsync(PropertyCompanyRecommended m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, "INSERT INTO property_recommendations (inspection_id, scope_path, recommended_at) VALUES (@InspectionId, @path, @at) ON CONFLICT DO NOTHING",
            new { m.InspectionId, path = m.CompoundPath.ToArray(), at = Utc(m.At) }, ct);
}

public sealed class MajorMatterProposedProjection(Projector p) : Projection<MajorMatterProposed>(p)
{
    protected override DateTimeOffset OccurredAt(MajorMatterProposed m) => m.At;

    protected override Task ApplyAsync(MajorMatterProposed m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, """
            INSERT INTO property_matters (matter_id, scope_path, kind, proposed_at) VALUES (@MatterId, @path, @Kind, @at)
            ON CONFLICT (matter_id) DO UPDATE SET kind = excluded.kind, proposed_at = excluded.proposed_at
            """, new { m.MatterId, path = m.CompoundPath.ToArray(), m.Kind, at = Utc(m.At) }, ct);
}

public sealed class MajorMatterConsentDecidedProjection(Projector p) : Projection<MajorMatterConsentDecided>(p)
{
    protected override DateTimeOffset OccurredAt(MajorMatterConsentDecided m) => m.At;

    protected override Task ApplyAsync(MajorMatterConsentDecided m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, """
            INSERT INTO property_matters (matter_id, scope_path, consented, consent_at) VALUES (@MatterId, @path, @Consented, @at)
            ON CONFLICT (matter_id) DO UPDATE SET consented = excluded.consented, consent_at = excluded.consent_at
            """, new { m.MatterId, path = m.CompoundPath.ToArray(), m.Consented, at = Utc(m.At) }, ct);
}

public sealed class OwnersVoteRecordedProjection(Projector p) : Projection<OwnersVoteRecorded>(p)
{
    protected override DateTimeOffset OccurredAt(OwnersVoteRecorded m) => m.HeldAt;

    protected override Task ApplyAsync(OwnersVoteRecorded m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, """
            INSERT INTO property_matters (matter_id, scope_path, kind, passed, voted_at) VALUES (@MatterId, @path, @Kind, @Passed, @at)
            ON CONFLICT (matter_id) DO UPDATE SET passed = excluded.passed, voted_at = excluded.voted_at
            """, new { m.MatterId, path = m.CompoundPath.ToArray(), m.Kind, m.Passed, at = Utc(m.HeldAt) }, ct);
}

public sealed class HouseholdHeadsInformedProjection(Projector p) : Projection<HouseholdHeadsInformed>(p)
{
    protected override DateTimeOffset OccurredAt(HouseholdHeadsInformed m) => m.At;

    protected override Task ApplyAsync(HouseholdHeadsInformed m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, """
            INSERT INTO household_reach (work_order_id, scope_path, households, party_households, link_heads, reached_at)
            VALUES (@WorkOrderId, @path, @households, @PartyHouseholds, @LinkHeads, @at) ON CONFLICT DO NOTHING
            """, new { m.WorkOrderId, path = m.BuildingPath.ToArray(), households = m.HouseholdIds.Count, m.PartyHouseholds, m.LinkHeads, at = Utc(m.At) }, ct);
}
