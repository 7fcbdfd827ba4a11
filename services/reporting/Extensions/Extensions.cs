using GovPlatform.Reporting.Consumers;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Data;
using GovPlatform.ServiceDefaults.GridCopy;
using GovPlatform.ServiceDefaults.Messaging;

namespace GovPlatform.Reporting.Extensions;

public static class Extensions
{
    public static void AddReportingServices(this WebApplicationBuilder builder)
    {
        builder.AddServiceDatabase("reportingdb");
        builder.AddRedis();
        builder.Services.AddGridCopy();
        builder.AddMessaging("reporting", x =>
        {
            x.AddGridCopyConsumer();
            x.AddConsumer<RequestSubmittedProjection>();
            x.AddConsumer<WorkOrderAssignedProjection>();
        });
    }
}

/// <summary>Marks this assembly for test hosts, since every service has a global Program.</summary>
public sealed class ReportingApp;
