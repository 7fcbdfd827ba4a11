using MassTransit;
using MassTransit.Configuration;

namespace GovPlatform.ServiceDefaults.Messaging;

/// <summary>
/// MassTransit's delayed redelivery (<c>UseDelayedRedelivery</c>: the retry schedule, the redelivery count,
/// the error queue once the budget is spent) with the delay done by RabbitMQ features every broker has:
/// a queue per delay step whose messages expire after that step and are dead-lettered back to the
/// endpoint. MassTransit's own delay needs the delayed-message-exchange plugin, which Debian's RabbitMQ
/// does not ship, and its scheduled redelivery needs Quartz or Hangfire, which the package mirror does not
/// serve; so only the part that puts the message into the delay queue is written here.
/// </summary>
public static class TtlRedelivery
{
    public static void UseTtlQueueRedelivery(this IConsumePipeConfigurator configurator, BrokerAdmin admin,
        Action<IRedeliveryConfigurator> configure) =>
        _ = new TtlRedeliveryConfigurationObserver(configurator, admin, configure);

    // Reuses MassTransit's observer, which adds redelivery to every consumer's message pipe; only the
    // filter that says how to delay differs from its DelayedRedeliveryConfigurationObserver.
    private sealed class TtlRedeliveryConfigurationObserver(IConsumePipeConfigurator configurator, BrokerAdmin admin,
        Action<IRedeliveryConfigurator> configure) : ScheduledRedeliveryConfigurationObserver(configurator, configure)
    {
        protected override IRedeliveryPipeSpecification AddRedeliveryPipeSpecification<TMessage>(IConsumePipeConfigurator pipe)
        {
            var specification = new Specification<TMessage>(admin);
            pipe.AddPipeSpecification(specification);
            return specification;
        }
    }

    private sealed class Specification<TMessage>(BrokerAdmin admin) : IPipeSpecification<ConsumeContext<TMessage>>, IRedeliveryPipeSpecification
        where TMessage : class
    {
        public RedeliveryOptions Options { get; set; }
        public void Apply(IPipeBuilder<ConsumeContext<TMessage>> builder) => builder.AddFilter(new Filter<TMessage>(admin));
        public IEnumerable<ValidationResult> Validate() => [];
    }

    private sealed class Filter<TMessage>(BrokerAdmin admin) : IFilter<ConsumeContext<TMessage>> where TMessage : class
    {
        public void Probe(ProbeContext context) => context.CreateFilterScope("ttlQueueRedelivery");

        public Task Send(ConsumeContext<TMessage> context, IPipe<ConsumeContext<TMessage>> next)
        {
            context.GetOrAddPayload<MessageRedeliveryContext>(() => new Context(context, admin));
            return next.Send(context);
        }
    }

    private sealed class Context(ConsumeContext context, BrokerAdmin admin) : MessageRedeliveryContext
    {
        public Task ScheduleRedelivery(TimeSpan delay, Action<ConsumeContext, SendContext>? callback = null)
        {
            if (!context.ReceiveContext.TryGetPayload<RabbitMqBasicConsumeContext>(out var rabbit))
                throw new NotSupportedException("TTL-queue redelivery works only for messages received from RabbitMQ.");
            // The message goes back byte for byte with its message id, so an inbox that applied it already skips it.
            var inputQueue = context.ReceiveContext.InputAddress.AbsolutePath.TrimEnd('/').Split('/')[^1];
            return admin.DelayAsync(inputQueue, delay, rabbit.Properties, context.ReceiveContext.Body.GetBytes(), context.CancellationToken);
        }
    }
}
