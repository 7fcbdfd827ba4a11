using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Data;
using GovPlatform.ServiceDefaults.GridCopy;
using GovPlatform.ServiceDefaults.Messaging;
using GovPlatform.Volunteer.Activities;
using GovPlatform.Volunteer.Consumers;
using GovPlatform.Volunteer.Points;
using GovPlatform.Volunteer.Recognition;
using GovPlatform.Volunteer.Teams;
using GovPlatform.Volunteer.Units;
using GovPlatform.Volunteer.Volunteers;

namespace GovPlatform.Volunteer.Extensions;

public static class Extensions
{
    public static void AddVolunteerServices(this WebApplicationBuilder builder)
    {
        builder.AddServiceDatabase("volunteerdb");
        Dapper.SqlMapper.AddTypeHandler(new DateOnlyHandler());
        builder.AddRedis();
        builder.Services.AddGridCopy();
        builder.AddMessaging("volunteer", x =>
        {
            x.AddGridCopyConsumer();
            x.AddConsumer<MediationCaseClosedConsumer>();
            x.AddConsumer<ServiceOrderCompletedConsumer>();
        });
        builder.Services.AddHostedService<PointsExpiryService>();
        builder.Services.AddSingleton<Leaderboards>();
        builder.Services.AddHostedService<LeaderboardProjector>();
        // The features' transactions, which the route tables in Apis/ call.
        builder.Services.AddSingleton<ActivityDesk>();
        builder.Services.AddSingleton<CheckInDesk>();
        builder.Services.AddSingleton<PointsDesk>();
        builder.Services.AddSingleton<PointsRuleDesk>();
        builder.Services.AddSingleton<SupermarketDesk>();
        builder.Services.AddSingleton<TeamDesk>();
        builder.Services.AddSingleton<ServiceContractDesk>();
        builder.Services.AddSingleton<DoubleReportDesk>();

        var options = builder.Configuration.GetSection("Volunteer").Get<VolunteerOptions>() ?? new VolunteerOptions();
        builder.Services.AddSingleton(options);
        // Built now so a malformed key stops the service at start, not at the first scan.
        builder.Services.AddSingleton(sp => new QrTokens(options, sp.GetRequiredService<TimeProvider>()));
        _ = new QrTokens(options, TimeProvider.System);
    }
}

/// <summary>Marks this assembly for test hosts, since every service has a global Program.</summary>
public sealed class VolunteerApp;
