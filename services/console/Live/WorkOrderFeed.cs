using GovPlatform.Contracts;
using MassTransit;

namespace GovPlatform.Web.Live;

/// <summary>A work order changed: enough for an open page to decide whether to reload its list from the API.</summary>
/// <param name="GridCode">The grid, when the event names it (an assignment does).</param>
/// <param name="AssigneeId">The person now holding the order, when the event names one.</param>
public sealed record WorkOrderChange(Guid WorkOrderId, string Kind, string? GridCode, Guid? AssigneeId, DateTimeOffset ReceivedAt);

/// <summary>
/// Tells this instance's open pages (their circuits) that work orders changed. It carries ids only: every page reloads
/// what it shows through the API with its own user's token, so an event never shows anyone what their role may not see.
/// </summary>
public sealed class WorkOrderHub
{
    public event Func<WorkOrderChange, Task>? Changed;

    public async Task NotifyAsync(WorkOrderChange change)
    {
        if (Changed is not { } handlers) return;
        foreach (var handler in handlers.GetInvocationList().Cast<Func<WorkOrderChange, Task>>())
        {
            // One closed or broken circuit must not keep the others from hearing.
            try { await handler(change); }
            catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException or TaskCanceledException) { }
        }
    }
}

/// <summary>Dispatch's work-order events, each turned into a <see cref="WorkOrderChange"/> on the hub.</summary>
public sealed class WorkOrderFeed(WorkOrderHub hub, TimeProvider clock) :
    IConsumer<WorkOrderAssigned>, IConsumer<WorkOrderAccepted>, IConsumer<WorkOrderArrived>, IConsumer<WorkOrderPlanFormed>,
    IConsumer<WorkOrderResolved>, IConsumer<WorkOrderReturned>, IConsumer<WorkOrderTransferred>, IConsumer<WorkOrderEscalated>,
    IConsumer<WorkOrderClosed>, IConsumer<WorkOrderReopened>, IConsumer<DeadlineMissed>
{
    private Task Notify(Guid id, string kind, string? grid = null, Guid? assignee = null) =>
        hub.NotifyAsync(new WorkOrderChange(id, kind, grid, assignee, clock.GetUtcNow()));

    public Task Consume(ConsumeContext<WorkOrderAssigned> c) => Notify(c.Message.WorkOrderId, "assigned", c.Message.GridCode, c.Message.AssigneeId);
    public Task Consume(ConsumeContext<WorkOrderAccepted> c) => Notify(c.Message.WorkOrderId, "accepted");
    public Task Consume(ConsumeContext<WorkOrderArrived> c) => Notify(c.Message.WorkOrderId, "arrived");
    public Task Consume(ConsumeContext<WorkOrderPlanFormed> c) => Notify(c.Message.WorkOrderId, "planned");
    public Task Consume(ConsumeContext<WorkOrderResolved> c) => Notify(c.Message.WorkOrderId, "resolved");
    public Task Consume(ConsumeContext<WorkOrderReturned> c) => Notify(c.Message.WorkOrderId, "returned");
    public Task Consume(ConsumeContext<WorkOrderTransferred> c) => Notify(c.Message.WorkOrderId, "transferred", assignee: c.Message.ToId);
    public Task Consume(ConsumeContext<WorkOrderEscalated> c) => Notify(c.Message.WorkOrderId, "escalated");
    public Task Consume(ConsumeContext<WorkOrderClosed> c) => Notify(c.Message.WorkOrderId, "closed");
    public Task Consume(ConsumeContext<WorkOrderReopened> c) => Notify(c.Message.WorkOrderId, "reopened");
    public Task Consume(ConsumeContext<DeadlineMissed> c) => Notify(c.Message.WorkOrderId, "deadline_missed");
}

public static class WorkOrderFeedSetup
{
    /// <summary>
    /// MassTransit on a queue of this instance's own that the broker deletes when the instance goes (temporary:
    /// non-durable, auto-delete). Missing events while down costs nothing: a page reloads its list from the API
    /// when it opens. Each instance needs every event, because each has its own open pages to tell.
    /// </summary>
    public static WebApplicationBuilder AddWorkOrderFeed(this WebApplicationBuilder builder)
    {
        var uri = new Uri(builder.Configuration.GetConnectionString("messaging")
            ?? throw new InvalidOperationException("Connection string 'messaging' is missing: set ConnectionStrings__messaging to an amqp:// URI."));
        builder.Services.AddSingleton<WorkOrderHub>();
        builder.Services.AddSingleton<AlarmHub>();
        builder.Services.AddMassTransit(x =>
        {
            // The platform runs on closed government networks: MassTransit must not phone home.
            x.DisableUsageTelemetry();
            x.AddConsumer<WorkOrderFeed>();
            x.AddConsumer<AlarmFeed>();
            x.UsingRabbitMq((context, cfg) =>
            {
                var user = uri.UserInfo.Split(':', 2);
                var vhost = Uri.UnescapeDataString(uri.AbsolutePath.Trim('/'));
                cfg.Host(uri.Host, (ushort)(uri.IsDefaultPort || uri.Port < 0 ? 5672 : uri.Port), vhost.Length == 0 ? "/" : vhost, h =>
                {
                    h.Username(user.Length > 0 && user[0].Length > 0 ? Uri.UnescapeDataString(user[0]) : "guest");
                    h.Password(user.Length > 1 ? Uri.UnescapeDataString(user[1]) : "guest");
                });
                cfg.ReceiveEndpoint(new TemporaryEndpointDefinition("console"), e =>
                {
                    e.ConfigureConsumer<WorkOrderFeed>(context);
                    e.ConfigureConsumer<AlarmFeed>(context);
                });
            });
        });
        return builder;
    }
}
