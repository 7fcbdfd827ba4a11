namespace GovPlatform.Contracts;

// Deadlines and supervision as 12345 hotlines run them (docs/dispatch.md, Deadlines and supervision).

/// <summary>
/// A service-level deadline is near (by default when 80% of its time has gone): the handler and their leader are told
/// before it passes, once per deadline.
/// </summary>
/// <param name="DeadlineId">The deadline's own id: one warning per deadline, so consumers may key on it.</param>
/// <param name="HandlerId">The person holding the order; null when a body (a community, a subdistrict) holds it.</param>
/// <param name="LeaderIds">Who answers for the handler: the grid's leaders at the compound tier, the community's cadres at the community tier.</param>
public record DeadlineWarned(Guid WorkOrderId, Guid RequestId, long DeadlineId, string Clock, string Tier, DateTimeOffset DueAt,
    Guid? HandlerId, string HandlerName, IReadOnlyList<Guid> LeaderIds, DateTimeOffset At);

/// <summary>A leader put an order under supervision (督办), with a date it must be resolved by.</summary>
public record WorkOrderSupervised(Guid SupervisionId, Guid WorkOrderId, Guid RequestId, string By, string ByName, string Reason,
    DateTimeOffset DueAt, DateTimeOffset At);

/// <summary>A supervised order passed its supervision date unresolved: it goes into the overdue ledger.</summary>
public record SupervisionOverdue(Guid SupervisionId, Guid WorkOrderId, Guid RequestId, DateTimeOffset DueAt, DateTimeOffset At);

/// <summary>A supervised order was resolved (or closed); <paramref name="OnTime"/> when by the supervision date.</summary>
public record SupervisionCompleted(Guid SupervisionId, Guid WorkOrderId, Guid RequestId, bool OnTime, DateTimeOffset At);

/// <summary>A returned order's responsibility is disputed: the level above (<paramref name="ArbiterTier"/>) must decide.</summary>
public record ArbitrationRequested(Guid ArbitrationId, Guid WorkOrderId, Guid RequestId, string ArbiterTier, string By, string Claim, DateTimeOffset At);

/// <summary>The level above named who is responsible; final: that handler can no longer return the order.</summary>
public record ArbitrationDecided(Guid ArbitrationId, Guid WorkOrderId, Guid RequestId, Guid ResponsibleId, string ResponsibleName,
    string By, string Reason, DateTimeOffset At);

/// <summary>A handler appealed a dissatisfied rating, with evidence.</summary>
public record RatingAppealFiled(Guid AppealId, Guid WorkOrderId, Guid RequestId, string By, DateTimeOffset At);

/// <summary>
/// The level above decided a rating appeal. Upheld, the rating stays on record but no longer counts in the
/// satisfaction rate; rejected, it counts as before.
/// </summary>
public record RatingAppealDecided(Guid AppealId, Guid WorkOrderId, Guid RequestId, bool Upheld, string By, string Reason, DateTimeOffset At);
