using GovPlatform.Intake.Access;
using GovPlatform.Intake.Classification;
using GovPlatform.Intake.Reference;
using GovPlatform.Intake.Requests;
using GovPlatform.Intake.Timeline;
using GovPlatform.ServiceDefaults;
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
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IProblemDetailsWriter, Apis.Open311ProblemWriter>());
        builder.Services.AddGridCopy();
        builder.Services.AddSingleton(builder.Configuration.GetSection("Intake").Get<IntakeOptions>() ?? new IntakeOptions());
        // Learned from the shipped corpus on first use (about a second, the same weights every start).
        builder.Services.AddSingleton<IRequestClassifier>(_ => LearnedClassifier.FromShippedCorpus());
        builder.Services.AddHostedService<ClassifierWarmUp>();
        builder.Services.AddSingleton<ReferenceCache>();
        builder.Services.AddHostedService<ReferenceCacheListener>();
        builder.Services.AddHostedService<IdempotencyKeySweep>();
        builder.AddMessaging("intake", x =>
        {
            x.AddGridCopyConsumer();
            x.AddTimelineConsumers();
        });
    }
}

/// <summary>Marks this assembly for test hosts, since every service has a global Program.</summary>
public sealed class IntakeApp;
