using GovPlatform.Contracts;
using GovPlatform.IntegrationTests.Infrastructure;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace GovPlatform.IntegrationTests.Reporting;

/// <summary>
/// The projections apply the events that arrive together in one transaction (Projections/ProjectionWriter.cs): the
/// inbox must still apply each event once, whether its copies land in the same group or in different ones.
/// </summary>
public sealed class ProjectionGroupTests(SharedStack shared) : IDisposable
{
    private readonly TestStack _stack = shared.Stack;
    private readonly ActivityCollector _activities = new();
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _activities.Dispose();

    [Fact]
    public async Task Events_delivered_three_times_at_once_through_the_projection_writers_count_once()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var day = new DateOnly(2022, 1, 1).AddDays(Random.Shared.Next(0, 300));
        var at = new DateTimeOffset(day.ToDateTime(new TimeOnly(9, 0)), TimeSpan.FromHours(8));
        string[] path = [county.District, $"{county.District}-01", county.Community, $"{county.Community}-C01", county.Grid, county.Building];

        // 40 submissions and 40 acceptances, every one delivered three times under its message id, all sent at once
        // so that copies of one event land in the same group as well as in different ones.
        const int requests = 40;
        var events = new List<(object Message, Guid Id, string Consumer)>();
        for (var i = 0; i < requests; i++)
        {
            var request = NewId.NextGuid();
            events.Add((new RequestSubmitted(request, $"G{i:D4}", "hotline", "drainage", "normal", county.Building, path, null, null, at.AddMinutes(i)),
                NewId.NextGuid(), "RequestSubmittedProjection"));
            events.Add((new WorkOrderAccepted(NewId.NextGuid(), request, "网格员", true, at.AddMinutes(i + 5)), NewId.NextGuid(), "WorkOrderAcceptedProjection"));
        }
        var bus = _stack.Provider("reporting").GetRequiredService<IBus>();
        var projections = await bus.GetSendEndpoint(new Uri($"queue:{GovPlatform.Reporting.Extensions.Extensions.ProjectionsQueue}"));
        var deliveries = events.SelectMany(e => Enumerable.Repeat(e, 3)).OrderBy(_ => Random.Shared.Next()).ToList();
        await Task.WhenAll(deliveries.Select(d => projections.Send(d.Message, d.Message.GetType(), ctx => ctx.MessageId = d.Id, Ct)));

        // Every delivery handled: exactly one of each event's three applied it, the others found its inbox row.
        await Eventually.True(() => Task.FromResult(events.All(e => _activities.Handled(e.Consumer, e.Id).Count == 3)),
            "all three deliveries of every event to be handled", TimeSpan.FromMinutes(2));
        foreach (var e in events)
            Assert.Single(_activities.Handled(e.Consumer, e.Id), a => a.GetTagItem("govplatform.duplicate") is null);

        var ids = events.Select(e => e.Id).ToArray();
        Assert.Equal(events.Count, await _stack.ScalarAsync<long>("reporting", "SELECT count(*) FROM inbox_messages WHERE message_id = ANY(@ids)", new { ids }));

        // The facts and every roll-up count each request and each acceptance once.
        Assert.Equal((long)requests, await _stack.ScalarAsync<long>("reporting",
            "SELECT count(*) FROM request_facts WHERE location_path @> ARRAY[@d] AND accepted_at IS NOT NULL", new { d = county.District }));
        foreach (var table in (string[])["kpi_daily", "kpi_daily_county"])
            Assert.Equal($"{requests}/{requests}", await _stack.ScalarAsync<string>("reporting",
                $"SELECT sum(requests) || '/' || sum(accepted) FROM {table} WHERE path @> ARRAY[@d]", new { d = county.District }));
        foreach (var table in (string[])["kpi_mix", "kpi_mix_county"])
            Assert.Equal((long)requests, await _stack.ScalarAsync<long>("reporting",
                $"SELECT sum(requests)::bigint FROM {table} WHERE path @> ARRAY[@d]", new { d = county.District }));
    }
}
