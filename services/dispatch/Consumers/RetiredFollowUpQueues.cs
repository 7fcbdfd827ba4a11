using System.Text.Json;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Dispatch.WorkOrders;
using GovPlatform.ServiceDefaults.Messaging;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace GovPlatform.Dispatch.Consumers;

/// <summary>
/// Takes down the two queues on which dispatch used to hear its own <see cref="WorkOrderAssigned"/> (parked outcomes,
/// household heads), now that the order's transaction does both (<see cref="AssignmentFollowUps"/>). A broker set up
/// by an earlier release still has them, bound to the event's exchange: left alone they would fill with a copy of every
/// assignment forever, and the copies already in them are orders whose follow-ups have not run.
/// </summary>
/// <remarks>
/// Each round (at start, then every <c>Dispatch:RetiredQueuesInterval</c>, one minute by default), for each queue that
/// exists: while a consumer is attached, an instance of the earlier release still serves it (a rolling update), and its
/// orders' follow-ups arrive there, so it is left alone. Once none is, the queue is unbound from the event (nothing new
/// arrives), what waits in it is applied through <see cref="AssignmentFollowUps"/> (idempotent, so an order this release
/// created, whose copy arrived before the unbinding, changes nothing) and acknowledged, and the queue is deleted when it
/// is empty, unused and none of its redelivery delay queues still holds a message that would come back to it. An earlier
/// release started again (a rollback) declares the queue again; the next round finds it. A failure ends the round and
/// the next one retries; nothing is acknowledged before its transaction commits.
/// </remarks>
public sealed class RetiredFollowUpQueues(MessagingSettings settings, NpgsqlDataSource db, WorkOrderLifecycle lifecycle, TimeProvider clock,
    IConfiguration configuration, ILogger<RetiredFollowUpQueues> logger) : BackgroundService
{
    /// <summary>The endpoints <c>PendingOutcomesConsumer</c> and <c>HouseholdReachConsumer</c> had (MassTransit names queue and exchange alike).</summary>
    public static readonly string[] Queues = ["dispatch-pending-outcomes", "dispatch-household-reach"];

    /// <summary>The exchange MassTransit publishes <see cref="WorkOrderAssigned"/> to and bound the endpoints' exchanges to.</summary>
    public const string EventExchange = "GovPlatform.Contracts:WorkOrderAssigned";

    private sealed class OrderRow
    {
        public Guid Id { get; init; }
        public Guid RequestId { get; init; }
        public string? BuildingCode { get; init; }
        public string[]? BuildingPath { get; init; }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = configuration.GetValue("Dispatch:RetiredQueuesInterval", TimeSpan.FromMinutes(1));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RetireAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // One line without the stack: while the broker is down this repeats every round.
                logger.LogWarning("Retiring the old WorkOrderAssigned queues failed ({Error}: {Message}); the next round retries",
                    e.GetType().Name, e.Message);
            }
            try { await Task.Delay(interval, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>One round over every retired queue; returns how many messages it applied.</summary>
    public async Task<int> RetireAsync(CancellationToken ct)
    {
        var factory = new ConnectionFactory
        {
            Uri = settings.Uri,
            ClientProvidedName = $"{settings.ServiceName}-retired-queues",
            AutomaticRecoveryEnabled = false,
            RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
        };
        await using var connection = await factory.CreateConnectionAsync(ct);
        var applied = 0;
        foreach (var queue in Queues) applied += await RetireAsync(connection, queue, ct);
        return applied;
    }

    private async Task<int> RetireAsync(IConnection connection, string queue, CancellationToken ct)
    {
        var (exists, _, consumers) = await InspectAsync(connection, queue, ct);
        if (!exists) return 0;
        if (consumers > 0)
        {
            logger.LogInformation("Retired queue {Queue} still has {Consumers} consumer(s) of an earlier release; left for now", queue, consumers);
            return 0;
        }

        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        // Unbinding a binding that is gone already is no error; an exchange that is gone is (404), and then nothing is bound.
        try { await channel.ExchangeUnbindAsync(queue, EventExchange, "", cancellationToken: ct); }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404) { }

        await using var work = await connection.CreateChannelAsync(cancellationToken: ct);
        var applied = 0;
        while (await work.BasicGetAsync(queue, autoAck: false, ct) is { } delivery)
        {
            try
            {
                await ApplyAsync(delivery.Body, ct);
            }
            catch
            {
                await work.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true, ct);
                throw;
            }
            await work.BasicAckAsync(delivery.DeliveryTag, multiple: false, ct);
            applied++;
        }
        if (applied > 0) logger.LogInformation("Applied the follow-ups of {Count} assignment(s) left in retired queue {Queue}", applied, queue);

        // A message waiting in a delay queue comes back to the queue's exchange: the queue stays until none does.
        foreach (var delay in settings.RedeliveryIntervals)
            if ((await InspectAsync(connection, BrokerAdmin.DelayQueue(queue, delay), ct)).Messages > 0) return applied;
        try
        {
            await using var delete = await connection.CreateChannelAsync(cancellationToken: ct);
            await delete.QueueDeleteAsync(queue, ifUnused: true, ifEmpty: true, cancellationToken: ct);
            foreach (var delay in settings.RedeliveryIntervals)
                await delete.QueueDeleteAsync(BrokerAdmin.DelayQueue(queue, delay), ifUnused: true, ifEmpty: true, cancellationToken: ct);
            await delete.ExchangeDeleteAsync(queue, ifUnused: false, cancellationToken: ct);
            logger.LogInformation("Retired queue {Queue} deleted", queue);
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 406)
        {
            // Not empty or not unused after all (a message or an earlier release's consumer came meanwhile): next round.
        }
        var errors = (await InspectAsync(connection, BrokerAdmin.ErrorQueue(queue), ct)).Messages;
        if (errors > 0)
            logger.LogWarning("{Queue} holds {Count} message(s) that failed under an earlier release; nothing reads it any more", BrokerAdmin.ErrorQueue(queue), errors);
        return applied;
    }

    /// <summary>Whether a queue exists, and its ready messages and consumers (a passive declare; a missing queue closes only its own channel).</summary>
    private static async Task<(bool Exists, uint Messages, uint Consumers)> InspectAsync(IConnection connection, string queue, CancellationToken ct)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        try
        {
            var ok = await channel.QueueDeclarePassiveAsync(queue, ct);
            return (true, ok.MessageCount, ok.ConsumerCount);
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            return (false, 0, 0);
        }
    }

    /// <summary>Runs the follow-ups of the order a MassTransit envelope's <see cref="WorkOrderAssigned"/> names, in one transaction.</summary>
    private async Task ApplyAsync(ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        using var envelope = JsonDocument.Parse(body);
        var m = envelope.RootElement.GetProperty("message").Deserialize<WorkOrderAssigned>(Outbox.Json)
            ?? throw new JsonException("A retired queue's message carries no WorkOrderAssigned.");
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var order = await conn.QuerySingleOrDefaultAsync<OrderRow>(new CommandDefinition("""
            SELECT o.id, o.request_id AS RequestId, b.code AS BuildingCode, b.path AS BuildingPath
            FROM work_orders o
            LEFT JOIN grid_nodes l ON l.code = o.location_code
            LEFT JOIN grid_nodes b ON b.code = ANY(l.path) AND b.level = 'building'
            WHERE o.id = @WorkOrderId
            """, new { m.WorkOrderId }, tx, cancellationToken: ct));
        // The event is published after its order commits; a database restored to an earlier point may lack it.
        if (order is null) return;
        var building = order.BuildingCode is null ? null : new AssignmentFollowUps.Building(order.BuildingCode, order.BuildingPath!);
        await AssignmentFollowUps.ApplyAsync(tx, lifecycle, order.Id, order.RequestId, building, clock.GetUtcNow(), ct);
        await tx.CommitAsync(ct);
    }
}
