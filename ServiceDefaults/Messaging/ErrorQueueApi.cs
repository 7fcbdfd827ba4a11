using GovPlatform.ServiceDefaults.Health;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace GovPlatform.ServiceDefaults.Messaging;

/// <summary>
/// What an operator needs once a message has spent its redelivery budget: how many wait in each error
/// queue, which ones (identifiers and failure type only: bodies hold residents' personal data), and a
/// replay that sends them back to their queue. A replayed message keeps its id, so if it had been applied
/// after all (by an earlier replay, say) the consumer's inbox skips it.
/// </summary>
public static class ErrorQueueApi
{
    public sealed record ErrorQueue(string Queue, long Messages);
    public sealed record ErrorQueuedMessages(string Queue, IReadOnlyList<BrokerAdmin.ErrorQueuedMessage> Messages);
    public sealed record ReplayRequest(string? MessageId = null);
    public sealed record Replayed(string Queue, int Messages);

    private const int MaxListed = 100;
    private const int MaxReplayed = 10_000;

    public static IEndpointRouteBuilder MapErrorQueueApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/admin/error-queues").WithTags("Error queues").RequireRoles(Roles.Admin);
        api.MapGet("/", ListQueuesAsync).WithName("ListErrorQueues").WithSummary("Messages waiting in each of this service's error queues");
        api.MapGet("/{queue}", ListMessagesAsync).WithName("ListErrorQueuedMessages")
            .WithSummary("Up to 100 messages of an error queue: ids, type, failure type and time; never the body");
        api.MapPost("/{queue}/replay", ReplayAsync).WithName("ReplayErrorQueue")
            .WithSummary("Sends one message (by messageId) or all of an error queue back to its queue");
        return app;
    }

    private static async Task<Results<Ok<IReadOnlyList<ErrorQueue>>, ProblemHttpResult>> ListQueuesAsync(BrokerAdmin admin, CancellationToken ct)
    {
        try
        {
            var counts = await admin.ErrorCountsAsync(ct);
            return TypedResults.Ok<IReadOnlyList<ErrorQueue>>(counts.Select(c => new ErrorQueue(c.Key, c.Value)).ToList());
        }
        catch (Exception e) when (IsBrokerDown(e))
        {
            return BrokerDown();
        }
    }

    private static async Task<Results<Ok<ErrorQueuedMessages>, NotFound<ProblemDetails>, ProblemHttpResult>> ListMessagesAsync(
        string queue, int? limit, BrokerAdmin admin, CancellationToken ct)
    {
        if (!IsOurs(admin, queue)) return NotOurs();
        try
        {
            var messages = await admin.PeekAsync(queue, Math.Clamp(limit ?? MaxListed, 1, MaxListed), ct);
            return TypedResults.Ok(new ErrorQueuedMessages(queue, messages));
        }
        catch (Exception e) when (IsBrokerDown(e))
        {
            return BrokerDown();
        }
    }

    private static async Task<Results<Ok<Replayed>, NotFound<ProblemDetails>, ProblemHttpResult>> ReplayAsync(
        string queue, ReplayRequest? request, BrokerAdmin admin, ErrorQueueMonitor monitor, CancellationToken ct)
    {
        if (!IsOurs(admin, queue)) return NotOurs();
        try
        {
            var replayed = await admin.ReplayAsync(queue, request?.MessageId, MaxReplayed, ct);
            await monitor.RefreshAsync(ct);
            return TypedResults.Ok(new Replayed(queue, replayed));
        }
        catch (Exception e) when (IsBrokerDown(e))
        {
            return BrokerDown();
        }
    }

    private static bool IsBrokerDown(Exception e) =>
        e is RabbitMQ.Client.Exceptions.BrokerUnreachableException or RabbitMQ.Client.Exceptions.AlreadyClosedException
            or RabbitMQ.Client.Exceptions.OperationInterruptedException or IOException or TimeoutException;

    private static ProblemHttpResult BrokerDown() => TypedResults.Problem(
        title: "RabbitMQ is unreachable", detail: "Try again when /health reports rabbitmq healthy.",
        statusCode: StatusCodes.Status503ServiceUnavailable);

    private static bool IsOurs(BrokerAdmin admin, string queue) =>
        queue.EndsWith("_error", StringComparison.Ordinal) && admin.InputQueues.ContainsKey(queue[..^"_error".Length]);

    private static NotFound<ProblemDetails> NotOurs() => TypedResults.NotFound(new ProblemDetails
    {
        Title = "Unknown error queue",
        Detail = "This service has no error queue of that name; GET /api/v1/admin/error-queues lists them.",
        Status = StatusCodes.Status404NotFound,
    });
}
