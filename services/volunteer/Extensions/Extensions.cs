using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Data;
using GovPlatform.ServiceDefaults.GridCopy;
using GovPlatform.ServiceDefaults.Messaging;

namespace GovPlatform.Volunteer.Extensions;

public static class Extensions
{
    public static void AddVolunteerServices(this WebApplicationBuilder builder)
    {
        builder.AddServiceDatabase("volunteerdb");
        builder.AddRedis();
        builder.Services.AddGridCopy();
        builder.AddMessaging("volunteer", x => x.AddGridCopyConsumer());
    }
}

/// <summary>Marks this assembly for test hosts, since every service has a global Program.</summary>
public sealed class VolunteerApp;
