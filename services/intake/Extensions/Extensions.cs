using GovPlatform.Intake.Access;
using GovPlatform.Intake.Cases;
using GovPlatform.Intake.Classification;
using GovPlatform.Intake.Duplicates;
using GovPlatform.Intake.HotSpots;
using GovPlatform.Intake.Reference;
using GovPlatform.Intake.Requests;
using GovPlatform.Intake.Residents;
using GovPlatform.Intake.Timeline;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Attachments;
using GovPlatform.ServiceDefaults.Data;
using GovPlatform.ServiceDefaults.GridCopy;
using GovPlatform.ServiceDefaults.Messaging;

namespace GovPlatform.Intake.Extensions;

public static class Extensions
{
    public static void AddIntakeServices(this WebApplicationBuilder builder)
    {
        builder.AddServiceDatabase("intakedb");
        builder.AddRedis();
        builder.AddIntakeAccess();
        // First, so it answers for /open311 before the default ProblemDetails writer does.
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IProblemDetailsWriter, Open311.Open311ProblemWriter>());
        builder.Services.AddGridCopy();
        // Residents' photos and files, filed with a request (docs/intake.md, Attachments).
        builder.AddAttachments("intake");
        builder.Services.AddSingleton<IAttachmentAccess, RequestAttachmentAccess>();
        var intakeOptions = builder.Configuration.GetSection("Intake").Get<IntakeOptions>() ?? new IntakeOptions();
        builder.Services.AddSingleton(intakeOptions);
        // Learned from the shipped corpus on first use (about a second, the same weights every start).
        builder.Services.AddSingleton<IRequestClassifier>(_ => LearnedClassifier.FromShippedCorpus());
        builder.Services.AddHostedService<ClassifierWarmUp>();
        builder.Services.AddHostedService<CorpusWeightsWarmUp>();
        builder.Services.AddSingleton<ReferenceCache>();
        // The two transactions every way in shares: filing a request, and the callback after resolution.
        builder.Services.AddSingleton<RequestFiling>();
        builder.Services.AddSingleton<CallbackDesk>();
        builder.Services.AddSingleton<CatalogueDesk>();
        builder.Services.AddSingleton<TriageDesk>();
        builder.Services.AddSingleton<UnlinkDesk>();
        builder.Services.AddSingleton<HotSpotDecisions>();
        builder.Services.AddSingleton<HotSpots.HotSpotGroups>();
        builder.Services.AddHostedService<ReferenceCacheListener>();
        builder.Services.AddHostedService<IdempotencyKeySweep>();
        builder.Services.AddHostedService<HotSpotCheckRetention>();
        builder.Services.AddHostedService<Search.SearchWordsBackfill>();
        builder.AddResidents();
        builder.AddMessaging("intake", x =>
        {
            x.AddGridCopyConsumer();
            x.AddTimelineConsumers(intakeOptions.TimelineConcurrency);
            x.AddConsumer<HotSpots.HotSpotOrderAssignedConsumer>(); x.AddConsumer<HotSpots.HotSpotOrderResolvedConsumer>();
            // Its deliveries wait for their group without a connection (HotSpotGroups' writers hold their own): ungated,
            // and as many in flight as make a full group for each writer while another group commits.
            x.AddConsumer<HotSpots.HotSpotDetectionConsumer>().Endpoint(e =>
            {
                e.ConcurrentMessageLimit = intakeOptions.HotSpots.DetectionPrefetch;
                e.PrefetchCount = intakeOptions.HotSpots.DetectionPrefetch;
            });
            x.AddConsumer<Meetings.MeetingNeedRaisedConsumer>();
            x.AddConsumer<Reference.CatalogueRequestedConsumer>();
        }, ungatedQueues: new MassTransit.KebabCaseEndpointNameFormatter("intake", includeNamespace: false).Consumer<HotSpots.HotSpotDetectionConsumer>());
    }
}

/// <summary>Marks this assembly for test hosts, since every service has a global Program.</summary>
public sealed class IntakeApp;
