using GovPlatform.Contracts;
using GovPlatform.Intake.Notifications;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Npgsql;

namespace GovPlatform.Intake.Timeline;

/// <summary>
/// Turns one of dispatch's events into a timeline entry. Through the inbox a redelivered message
/// adds nothing; through the dedupe key, neither does the same fact under another message id.
/// </summary>
public abstract class TimelineConsumer<T>(NpgsqlDataSource db, ILogger logger) : InboxConsumer<T>(db) where T : class
{
    private NpgsqlDataSource Db { get; } = db;

    protected abstract TimelineEntry Entry(T message);

    /// <summary>
    /// An entry is unique per request and dedupe key, and the status moves only when this delivery added it, so a
    /// key fixed by the message alone needs no inbox row; one that depends on the ledger (<c>{round}</c>) keeps it.
    /// </summary>
    protected override bool IdempotentByItself => !RoundDependent;

    /// <summary>True when the entry's key has <c>{round}</c>, which counts the reopenings recorded when it is applied.</summary>
    protected virtual bool RoundDependent => false;

    private bool _wakeAfterCommit;

    protected override async Task HandleAsync(ConsumeContext<T> context, NpgsqlTransaction tx)
    {
        var entry = Entry(context.Message);
        // The texts the entry owes: this process's sender is woken after the commit instead of by the trigger's NOTIFY.
        _wakeAfterCommit = ProgressWake.Serves(tx.Connection!);
        if (!await RequestTimeline.AppendAsync(tx, entry, context.CancellationToken, _wakeAfterCommit))
            logger.LogWarning("{Event} for request {RequestId}, which is not in the ledger: ignored", typeof(T).Name, entry.RequestId);
    }

    protected override void Committed()
    {
        if (_wakeAfterCommit) ProgressWake.Wake(Db);
    }
}

public sealed class WorkOrderAssignedTimeline(NpgsqlDataSource db, ILogger<WorkOrderAssignedTimeline> logger) : TimelineConsumer<WorkOrderAssigned>(db, logger)
{
    protected override TimelineEntry Entry(WorkOrderAssigned m) => new(m.RequestId, TimelineEvents.Assigned, m.AssignedAt, "dispatch",
        new { m.WorkOrderId, m.AssigneeKind, m.AssigneeName, m.GridCode, m.CommunityCode }, $"assigned:{m.WorkOrderId}:{m.AssignedAt.UtcTicks}");
}

public sealed class WorkOrderAcceptedTimeline(NpgsqlDataSource db, ILogger<WorkOrderAcceptedTimeline> logger) : TimelineConsumer<WorkOrderAccepted>(db, logger)
{
    protected override TimelineEntry Entry(WorkOrderAccepted m) => new(m.RequestId, TimelineEvents.Accepted, m.At, m.By,
        new { m.WorkOrderId, m.OnTime }, $"accepted:{m.WorkOrderId}:{m.At.UtcTicks}");
}

public sealed class WorkOrderArrivedTimeline(NpgsqlDataSource db, ILogger<WorkOrderArrivedTimeline> logger) : TimelineConsumer<WorkOrderArrived>(db, logger)
{
    protected override TimelineEntry Entry(WorkOrderArrived m) => new(m.RequestId, TimelineEvents.OnSite, m.At, m.By,
        new { m.WorkOrderId, m.OnTime }, $"on_site:{m.WorkOrderId}:{m.At.UtcTicks}");
}

public sealed class WorkOrderEscalatedTimeline(NpgsqlDataSource db, ILogger<WorkOrderEscalatedTimeline> logger) : TimelineConsumer<WorkOrderEscalated>(db, logger)
{
    protected override TimelineEntry Entry(WorkOrderEscalated m) => new(m.RequestId, TimelineEvents.Escalated, m.At, "dispatch",
        new { m.WorkOrderId, m.FromTier, m.ToTier, m.ToName, m.Reason }, $"escalated:{m.WorkOrderId}:{m.ToTier}:{m.At.UtcTicks}");
}

public sealed class WhistleBlownTimeline(NpgsqlDataSource db, ILogger<WhistleBlownTimeline> logger) : TimelineConsumer<WhistleBlown>(db, logger)
{
    protected override TimelineEntry Entry(WhistleBlown m) => new(m.RequestId, TimelineEvents.Whistled, m.At, m.BlownBy,
        new { m.WorkOrderId, m.WhistleId, m.Tier, m.Departments, m.ReportDueAt }, $"whistled:{m.WhistleId}");
}

public sealed class WorkOrderResolvedTimeline(NpgsqlDataSource db, ILogger<WorkOrderResolvedTimeline> logger) : TimelineConsumer<WorkOrderResolved>(db, logger)
{
    protected override TimelineEntry Entry(WorkOrderResolved m) => new(m.RequestId, TimelineEvents.Resolved, m.At, m.By,
        new { m.WorkOrderId, m.Resolution, m.OnTime, AttachmentIds = m.AttachmentIds ?? Array.Empty<Guid>() }, $"resolved:{m.WorkOrderId}:{m.At.UtcTicks}");
}

public sealed class WorkOrderPlanFormedTimeline(NpgsqlDataSource db, ILogger<WorkOrderPlanFormedTimeline> logger) : TimelineConsumer<WorkOrderPlanFormed>(db, logger)
{
    protected override TimelineEntry Entry(WorkOrderPlanFormed m) => new(m.RequestId, TimelineEvents.PlanFormed, m.At, m.By,
        new { m.WorkOrderId, m.Plan, m.OnTime }, $"plan_formed:{m.WorkOrderId}:{m.At.UtcTicks}");
}

/// <summary>Dispatch closes its order after intake's <see cref="RequestClosed"/>: one "closed" per round, whoever reports it.</summary>
public sealed class WorkOrderClosedTimeline(NpgsqlDataSource db, ILogger<WorkOrderClosedTimeline> logger) : TimelineConsumer<WorkOrderClosed>(db, logger)
{
    protected override bool RoundDependent => true;

    protected override TimelineEntry Entry(WorkOrderClosed m) => new(m.RequestId, TimelineEvents.Closed, m.At, "dispatch",
        new { m.WorkOrderId }, "closed:{round}");
}

/// <summary>Dispatch's echo of intake's own reopening carries the same count, so it adds no second entry.</summary>
public sealed class WorkOrderReopenedTimeline(NpgsqlDataSource db, ILogger<WorkOrderReopenedTimeline> logger) : TimelineConsumer<WorkOrderReopened>(db, logger)
{
    protected override TimelineEntry Entry(WorkOrderReopened m) => new(m.RequestId, TimelineEvents.Reopened, m.At, "dispatch",
        new { m.WorkOrderId, m.ReopenCount }, $"reopened:{m.ReopenCount}");
}

/// <summary>A resident's mediation application opened a case in dispatch: the status page says who mediates.</summary>
public sealed class MediationCaseOpenedTimeline(NpgsqlDataSource db, ILogger<MediationCaseOpenedTimeline> logger) : TimelineConsumer<MediationCaseOpened>(db, logger)
{
    // A case opened by hand without a request has nothing to add to a timeline (AppendAsync ignores an unknown request).
    protected override TimelineEntry Entry(MediationCaseOpened m) => new(m.RequestId ?? Guid.Empty, TimelineEvents.Mediation, m.At, "dispatch",
        new { m.CaseId, state = "opened", m.Kind, m.MediatorName }, $"mediation:{m.CaseId}:opened");
}

/// <summary>The mediation's outcome (agreement, failed, referred) on the request's timeline, which the resident's status page shows.</summary>
public sealed class MediationCaseClosedTimeline(NpgsqlDataSource db, ILogger<MediationCaseClosedTimeline> logger) : TimelineConsumer<MediationCaseClosed>(db, logger)
{
    protected override TimelineEntry Entry(MediationCaseClosed m) => new(m.RequestId ?? Guid.Empty, TimelineEvents.Mediation, m.At, "dispatch",
        new { m.CaseId, state = "closed", m.Outcome, m.Sessions }, $"mediation:{m.CaseId}:closed");
}

public static class TimelineRegistration
{
    /// <param name="concurrency">Deliveries applied at once per event's queue (<see cref="IntakeOptions.TimelineConcurrency"/>).</param>
    public static void AddTimelineConsumers(this IBusRegistrationConfigurator x, int concurrency)
    {
        void Add<T>() where T : class, IConsumer => x.AddConsumer<T>().Endpoint(e => e.ConcurrentMessageLimit = concurrency);
        Add<WorkOrderAssignedTimeline>();
        Add<WorkOrderAcceptedTimeline>();
        Add<WorkOrderArrivedTimeline>();
        Add<WorkOrderEscalatedTimeline>();
        Add<WhistleBlownTimeline>();
        Add<WorkOrderResolvedTimeline>();
        Add<WorkOrderPlanFormedTimeline>();
        Add<WorkOrderClosedTimeline>();
        Add<WorkOrderReopenedTimeline>();
        Add<MediationCaseOpenedTimeline>();
        Add<MediationCaseClosedTimeline>();
    }
}
