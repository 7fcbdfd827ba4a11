using GovPlatform.Dispatch.ServiceLevels;
using GovPlatform.Dispatch.Consumers;
using GovPlatform.Dispatch.Duty;
using GovPlatform.Dispatch.Mediation;
using GovPlatform.Dispatch.Organisation;
using GovPlatform.Dispatch.ServiceOrders;
using GovPlatform.Dispatch.Supervision;
using GovPlatform.Dispatch.WorkOrders;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Attachments;
using GovPlatform.ServiceDefaults.Data;
using GovPlatform.ServiceDefaults.Messaging;

namespace GovPlatform.Dispatch.Extensions;

public static class Extensions
{
    public static void AddDispatchServices(this WebApplicationBuilder builder)
    {
        builder.AddServiceDatabase("dispatchdb");
        builder.AddRedis();
        // Photos of the fixed problem, attached when resolving (docs/dispatch.md, Attachments).
        builder.AddAttachments("dispatch");
        builder.Services.AddSingleton<IAttachmentAccess, WorkOrderAttachmentAccess>();
        builder.AddMessaging("dispatch", x =>
        {
            x.AddConsumer<RequestSubmittedConsumer>();
            x.AddConsumer<CategoryTierConsumer>();
            x.AddConsumer<RequestClosedConsumer>();
            x.AddConsumer<RequestReopenedConsumer>();
            x.AddConsumer<LoadRecountConsumer>();
            x.AddConsumer<GovPlatform.Dispatch.Proactive.ProactiveOrderConsumer>();
            x.AddConsumer<GovPlatform.Dispatch.Deliberation.MeetingNeedFiledConsumer>();
        });
        // After the messaging: the bus's queues exist before intake can answer (Consumers/CatalogueRequest.cs).
        builder.Services.AddHostedService<CatalogueRequest>();
        // Queues of an earlier release that heard the service's own WorkOrderAssigned: drained, then deleted.
        builder.Services.AddSingleton<RetiredFollowUpQueues>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RetiredFollowUpQueues>());
        builder.Services.AddScoped<GovPlatform.Dispatch.Grid.GridImporter>();
        builder.Services.AddSingleton<WorkOrderLifecycle>();
        builder.Services.AddSingleton<WhistleDesk>();
        builder.Services.AddSingleton<CouncilDesk>();
        builder.Services.AddSingleton<MediationDesk>();
        builder.Services.AddSingleton<MediationPlaces>();
        builder.Services.AddSingleton<WorkingCalendars>();
        builder.Services.AddSingleton<OrganisationRegister>();
        builder.Services.AddSingleton<ServiceOrderDesk>();
        builder.Services.AddSingleton<SupervisionDesk>();
        builder.Services.AddSingleton<ArbitrationDesk>();
        builder.Services.AddSingleton<RatingAppealDesk>();
        GovPlatform.Dispatch.Property.PropertyRegistration.AddRedProperty(builder);
        builder.Services.AddSingleton<GovPlatform.Dispatch.Deliberation.DeliberationDesk>();

        builder.Services.AddSingleton(builder.Configuration.GetSection("Clocks").Get<ClockOptions>() ?? new ClockOptions());
        builder.Services.AddSingleton<DeadlineScheduler>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DeadlineScheduler>());

        builder.Services.AddSingleton(builder.Configuration.GetSection("Duty").Get<DutyOptions>() ?? new DutyOptions());
        builder.Services.AddSingleton<DutyBoard>();
        builder.Services.AddSingleton<DutyDesk>();
        builder.Services.AddHostedService<DutySweeper>();
    }
}

/// <summary>Marks this assembly for test hosts, since every service has a global Program.</summary>
public sealed class DispatchApp;
