using GovPlatform.Contracts;
using GovPlatform.Reporting.Projections;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Data;
using GovPlatform.ServiceDefaults.GridCopy;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;

namespace GovPlatform.Reporting.Extensions;

public static class Extensions
{
    /// <summary>All projections share one queue: one endpoint to start instead of thirty, and none relies on order.</summary>
    public const string ProjectionsQueue = "reporting-projections";

    public static void AddReportingServices(this WebApplicationBuilder builder)
    {
        builder.AddServiceDatabase("reportingdb");
        builder.AddRedis();
        builder.Services.AddGridCopy();
        builder.Services.AddSingleton<ReportingMetrics>();
        builder.Services.AddSingleton<ProjectionWriter>();
        builder.Services.AddSingleton<Projector>();
        builder.AddMessaging("reporting", x =>
        {
            x.AddGridCopyConsumer();
            // More in flight than other endpoints: a projection waits for its group's commit without holding a
            // connection, and the more events wait, the larger (and cheaper per event) the next group.
            var prefetch = builder.Configuration.GetValue("Reporting:ProjectionPrefetch", 64);
            void Project<T>() where T : class, IConsumer => x.AddConsumer<T>().Endpoint(e =>
            {
                e.Name = ProjectionsQueue;
                e.PrefetchCount = prefetch;
            });

            Project<RequestSubmittedProjection>();
            Project<RequestLinkedAsDuplicateProjection>();
            Project<RequestUnlinkedProjection>();
            Project<RequestReclassifiedProjection>();
            Project<CallbackRecordedProjection>();
            Project<RequestReopenedProjection>();
            Project<RequestClosedProjection>();
            Project<CategoryChangedProjection>();

            Project<WorkOrderAssignedProjection>();
            Project<WorkOrderAcceptedProjection>();
            Project<WorkOrderArrivedProjection>();
            Project<WorkOrderPlanFormedProjection>();
            Project<WorkOrderResolvedProjection>();
            Project<WorkOrderReturnedProjection>();
            Project<WorkOrderTransferredProjection>();
            Project<WorkOrderSuspendedProjection>();
            Project<WorkOrderResumedProjection>();
            Project<DeadlineMissedProjection>();
            Project<WorkOrderEscalatedProjection>();
            Project<WorkOrderClosedProjection>();
            Project<WorkOrderReopenedProjection>();
            Project<CouncilScheduledProjection>();
            Project<CouncilHeldProjection>();

            Project<WhistleBlownProjection>();
            Project<DepartmentReportedProjection>();
            Project<DepartmentActedProjection>();
            Project<DepartmentReportMissedProjection>();

            Project<MediationCaseOpenedProjection>();
            Project<MediationCaseClosedProjection>();
            Project<MediationPlaceRegisteredProjection>();
            Project<HardshipSolvedProjection>();
            Project<ServiceContractSignedProjection>();
            Project<ServiceCommitmentFulfilledProjection>();

            Project<ServiceRecordedProjection>();
            Project<PointsAwardedProjection>();
            Project<PointsRedeemedProjection>();
            Project<PointsRefundedProjection>();
            Project<RedemptionPickedUpProjection>();
            Project<PointsExpiredProjection>();
            Project<PointsCorrectedProjection>();
            Project<PartyMemberReportedProjection>();

            Project<WorkerDutyChangedProjection>();
            Project<WorkerRosteredProjection>();
            Project<CommunityNotifiedProjection>();

            Project<ServiceOrderPlacedProjection>();
            Project<ServiceOrderDispatchedProjection>();
            Project<ServiceOrderTakenProjection>();
            Project<ServiceOrderCompletedProjection>();

            Project<PartyOrganisationRegisteredProjection>();
            Project<HouseholdVisitedProjection>();

            Project<DeadlineWarnedProjection>();
            Project<WorkOrderSupervisedProjection>();
            Project<SupervisionOverdueProjection>();
            Project<SupervisionCompletedProjection>();
            Project<ArbitrationRequestedProjection>();
            Project<ArbitrationDecidedProjection>();
            Project<RatingAppealFiledProjection>();
            Project<RatingAppealDecidedProjection>();

            Project<HotSpotDetectedProjection>();
            Project<HotSpotGrewProjection>();
            Project<HotSpotDecidedProjection>();

            Project<CompoundBodyRegisteredProjection>();
            Project<PropertyStandardChangedProjection>();
            Project<PropertyCompanyGradedProjection>();
            Project<PropertySurveyRecordedProjection>();
            Project<RectificationNoticeOpenedProjection>();
            Project<RectificationNoticeRectifiedProjection>();
            Project<PropertyCompanyFlaggedForReplacementProjection>();
            Project<PropertyCompanyRecommendedProjection>();
            Project<MajorMatterProposedProjection>();
            Project<MajorMatterConsentDecidedProjection>();
            Project<OwnersVoteRecordedProjection>();
            Project<HouseholdHeadsInformedProjection>();
            Project<MeetingHeldProjection>();
            Project<MeetingNeedRaisedProjection>();
            Project<MeetingNeedFiledProjection>();
            Project<ProposalMadeProjection>();
            Project<ProposalDiscussedProjection>();
            Project<ProposalVoteCastProjection>();
            Project<ProposalDecidedProjection>();
            Project<FollowUpProgressedProjection>();
            Project<ProposalCarriedOutProjection>();
        },
        // A projection hands its event to the writers (connections of their own) and waits for its group's commit:
        // gating it would cap a group at the gate's share instead of what is queued.
        ungatedQueues: ProjectionsQueue);
    }

    /// <summary>
    /// The dashboard and the bulletin are static pages under /dashboard; they hold no figures themselves and
    /// fetch them with the viewer's staff token, so serving the files needs no role.
    /// </summary>
    public static void UseDashboard(this WebApplication app)
    {
        app.UseDefaultFiles();
        app.UseStaticFiles();
    }

    /// <summary>Every event type in the contracts that reporting projects; a test keeps this list complete.</summary>
    public static IEnumerable<Type> ProjectedEvents() =>
        typeof(Extensions).Assembly.GetTypes()
            .Where(t => !t.IsAbstract)
            .SelectMany(t => t.GetInterfaces())
            .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IConsumer<>))
            .Select(i => i.GetGenericArguments()[0])
            .Where(t => t.Assembly == typeof(RequestSubmitted).Assembly)
            .Distinct();
}

/// <summary>Marks this assembly for test hosts, since every service has a global Program.</summary>
public sealed class ReportingApp;
