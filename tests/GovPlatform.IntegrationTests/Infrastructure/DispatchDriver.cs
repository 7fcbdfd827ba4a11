using System.Net.Http.Json;
using System.Text.Json;
using GovPlatform.Contracts;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace GovPlatform.IntegrationTests.Infrastructure;

/// <summary>Drives dispatch the way intake and staff do: requests arrive as events, staff act over HTTP with their tokens.</summary>
public sealed class DispatchDriver(TestStack stack)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    public static readonly string Admin = Tokens.For("admin");

    private HttpClient Client => stack.Client("dispatch");

    /// <summary>Publishes what intake publishes for a new request (through dispatch's own bus connection).</summary>
    public async Task<Guid> SubmitAsync(TestCounty county, string category = "parking", string? location = null)
    {
        var requestId = NewId.NextGuid();
        location ??= county.Building;
        var path = location.Split('-').Select((_, i) => string.Join('-', location.Split('-').Take(i + 1))).ToList();
        await PublishAsync(new RequestSubmitted(requestId, $"20260101-{Random.Shared.Next(0, 999_999):D6}", "hotline", category, "normal",
            location, path, null, null, DateTimeOffset.UtcNow));
        return requestId;
    }

    public Task PublishAsync<T>(T message, Guid? messageId = null) where T : class =>
        stack.Provider("dispatch").GetRequiredService<IBus>().Publish(message, ctx => ctx.MessageId = messageId ?? NewId.NextGuid(), Ct);

    /// <summary>Waits for the request's work order and returns it as the admin sees it.</summary>
    public async Task<JsonElement> OrderForAsync(Guid requestId)
    {
        var found = await Eventually.Get(async () =>
        {
            using var response = await SendAsync(HttpMethod.Get, $"/api/v1/work-orders?requestId={requestId}", Admin);
            var list = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
            return list.GetArrayLength() == 1 ? new[] { list[0].Clone() } : null;
        }, $"the work order of request {requestId}");
        return found[0];
    }

    public async Task<Guid> OrderIdForAsync(Guid requestId) => (await OrderForAsync(requestId)).GetProperty("id").GetGuid();

    public async Task<JsonElement> GetAsync(Guid orderId, string? token = null)
    {
        using var response = await SendAsync(HttpMethod.Get, $"/api/v1/work-orders/{orderId}", token ?? Admin);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).Clone();
    }

    public Task<HttpResponseMessage> ActAsync(Guid orderId, string action, string token, object? body = null) =>
        SendAsync(HttpMethod.Post, $"/api/v1/work-orders/{orderId}/{action}", token, body);

    /// <summary>Acts and insists on success, returning the order afterwards.</summary>
    public async Task<JsonElement> ActOkAsync(Guid orderId, string action, string token, object? body = null)
    {
        using var response = await ActAsync(orderId, action, token, body);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"{action} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, string? token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null) request.Content = JsonContent.Create(body);
        if (token is not null) request.WithBearer(token);
        return await Client.SendAsync(request, Ct);
    }

    /// <summary>Events dispatch committed for an order, by contract name (e.g. "WorkOrderAccepted"), oldest first.</summary>
    public async Task<IReadOnlyList<JsonElement>> EventsAsync(string type, Guid workOrderId)
    {
        var bodies = await stack.QueryAsync<string>("dispatch",
            "SELECT body::text FROM outbox_messages WHERE message_type = @type AND body->>'workOrderId' = @id ORDER BY id",
            new { type = $"GovPlatform.Contracts.{type}", id = workOrderId.ToString() });
        return bodies.Select(b => JsonDocument.Parse(b).RootElement.Clone()).ToList();
    }

    public Task<Guid> WorkerIdAsync(string phone) =>
        stack.ScalarAsync<Guid>("dispatch", "SELECT id FROM workers WHERE phone = @phone", new { phone });

    public static IReadOnlyList<string> Actions(JsonElement order) =>
        order.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("action").GetString()!).ToList();
}
