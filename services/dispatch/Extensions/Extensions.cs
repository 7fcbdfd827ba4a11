using GovPlatform.Dispatch.Consumers;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Data;
using GovPlatform.ServiceDefaults.Messaging;

namespace GovPlatform.Dispatch.Extensions;

public static class Extensions
{
    public static void AddDispatchServices(this WebApplicationBuilder builder)
    {
        builder.AddServiceDatabase("dispatchdb");
        builder.AddRedis();
        builder.AddMessaging("dispatch", x => x.AddConsumer<RequestSubmittedConsumer>());
        builder.Services.AddScoped<GovPlatform.Dispatch.Grid.GridImporter>();
    }
}

/// <summary>Marks this assembly for test hosts, since every service has a global Program.</summary>
public sealed class DispatchApp;
