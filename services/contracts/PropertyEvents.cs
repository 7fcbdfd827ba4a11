namespace GovPlatform.Contracts;

// Red property management (红色物业) and the compound's bodies (docs/dispatch.md, Red property management).
// Every event names the compound and its tree path, so reporting can count by any branch of the tree.

/// <summary>A compound's property company or owners' committee was registered or re-imported (三覆盖).</summary>
/// <param name="Kind"><c>property_company</c> or <c>owners_committee</c>.</param>
public record CompoundBodyRegistered(string CompoundCode, IReadOnlyList<string> CompoundPath, string Kind, string Name, DateTimeOffset At);

/// <summary>A county replaced its property-service evaluation standard (systems, items, weights) with a new version.</summary>
public record PropertyStandardChanged(string County, int Version, int Systems, int Items, string By, DateTimeOffset At);

/// <summary>
/// A periodic inspection scored the compound's property company against the county's standard (0-100) and graded it:
/// <paramref name="Grade"/> <c>good</c>, <c>fair</c> or <c>poor</c> from the inspection, the latest resident survey and
/// the company's own work orders on the compound (null parts had no data and carried no weight).
/// </summary>
public record PropertyCompanyGraded(Guid InspectionId, string CompoundCode, IReadOnlyList<string> CompoundPath, string Company,
    decimal InspectionScore, decimal? SurveySatisfaction, decimal? OrdersOnTimeRate, decimal? OrdersSatisfactionRate, int Orders,
    decimal Score, string Grade, string County, int StandardVersion, DateTimeOffset InspectedAt);

/// <summary>Residents' satisfaction survey of the compound's property service (counts only, no respondents).</summary>
public record PropertySurveyRecorded(Guid SurveyId, string CompoundCode, IReadOnlyList<string> CompoundPath, string Company,
    int Respondents, int Satisfied, int BasicallySatisfied, int Dissatisfied, DateTimeOffset SurveyedAt);

/// <summary>A poor grade opened a rectification notice (整改通知) the company must answer by <paramref name="DueAt"/>.</summary>
/// <param name="Items">The standard's item codes the inspection scored lowest, to rectify.</param>
public record RectificationNoticeOpened(Guid NoticeId, Guid InspectionId, string CompoundCode, IReadOnlyList<string> CompoundPath,
    string Company, IReadOnlyList<string> Items, DateTimeOffset DueAt, DateTimeOffset At);

/// <summary>A re-inspection before the deadline graded the company fair or good: the notice is closed as rectified.</summary>
public record RectificationNoticeRectified(Guid NoticeId, Guid InspectionId, string CompoundCode, IReadOnlyList<string> CompoundPath,
    string Company, DateTimeOffset At);

/// <summary>
/// The deadline passed without rectification: the company is flagged for replacement, for the compound's owners'
/// committee (<paramref name="OwnersCommittee"/>, null when the compound has none) to put to the owners.
/// </summary>
public record PropertyCompanyFlaggedForReplacement(Guid NoticeId, string CompoundCode, IReadOnlyList<string> CompoundPath,
    string Company, string? OwnersCommittee, DateTimeOffset DueAt, DateTimeOffset At);

/// <summary>A good grade: the company is recommended for more compounds.</summary>
public record PropertyCompanyRecommended(Guid InspectionId, string CompoundCode, IReadOnlyList<string> CompoundPath, string Company,
    decimal Score, DateTimeOffset At);

/// <summary>A major matter of the compound (fees, projects, the maintenance fund, changing the company) was proposed.</summary>
public record MajorMatterProposed(Guid MatterId, string CompoundCode, IReadOnlyList<string> CompoundPath, string Kind, string Title,
    DateTimeOffset At);

/// <summary>The party organisation over the compound consented to (or refused) the matter; only a consented one goes to a vote.</summary>
public record MajorMatterConsentDecided(Guid MatterId, string CompoundCode, IReadOnlyList<string> CompoundPath, Guid PartyOrgId,
    bool Consented, string By, DateTimeOffset At);

/// <summary>
/// The owners' vote on a consented matter, as the owners' committee counted it (headcount and floor area), and whether it
/// passed by the Civil Code's art. 278 thresholds.
/// </summary>
public record OwnersVoteRecorded(Guid MatterId, string CompoundCode, IReadOnlyList<string> CompoundPath, string Kind,
    int EligibleOwners, decimal EligibleArea, int VotedOwners, decimal VotedArea, int ForOwners, decimal ForArea, bool Passed,
    DateTimeOffset HeldAt);

/// <summary>
/// A work order on a building reached its party-member households (党员中心户) and household-group heads (联户长): they
/// are the people to inform of the work on their building and to help the handler reach the neighbours.
/// </summary>
public record HouseholdHeadsInformed(Guid WorkOrderId, Guid RequestId, string BuildingCode, IReadOnlyList<string> BuildingPath,
    IReadOnlyList<Guid> HouseholdIds, int PartyHouseholds, int LinkHeads, DateTimeOffset At);
