using System.Security.Claims;
using GovPlatform.Dispatch.WorkOrders;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Dispatch.Apis;

/// <summary>
/// How the things hung on an order (whistles, councils) answer: after an action, and on a read, the
/// caller gets the order's whole list as it now stands, so a client never has to read back.
/// </summary>
public static class OrderReplies
{
    public static async Task<Results<Ok<List<T>>, ValidationProblem, NotFound, ProblemHttpResult>> AfterAsync<T>(
        Task<TransitionResult> outcome, Func<Task<List<T>>> list) =>
        await WorkOrdersApi.ToHttpAsync(await outcome, async _ => TypedResults.Ok(await list()));

    /// <summary>The list, or 404 when the caller may not see the order (the same as when it does not exist).</summary>
    public static async Task<Results<Ok<List<T>>, NotFound>> ListAsync<T>(
        NpgsqlDataSource db, Guid orderId, ClaimsPrincipal user, Func<Task<List<T>>> list, CancellationToken ct) =>
        await WorkOrdersApi.LoadAsync(db, orderId, Actor.From(user), ct) is null ? TypedResults.NotFound() : TypedResults.Ok(await list());
}
