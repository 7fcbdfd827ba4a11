using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using GovPlatform.Contracts;
using GovPlatform.IntegrationTests.Infrastructure;
using GovPlatform.Reporting.Projections;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace GovPlatform.IntegrationTests.Reporting;

/// <summary>The read models are disposable: replaying the events rebuilds every figure, and what is applied is counted.</summary>
public sealed class ReplayTests(SharedStack shared)
{
    private readonly TestStack _stack = shared.Stack;
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<string> GetAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        var response = await _stack.Client("reporting").SendAsync(request.WithBearer(Tokens.For("leader")), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync(Ct);
    }

    private async Task<Dictionary<string, string>> FiguresAsync(TestCounty county)
    {
        var q = $"from={KpiScenario.Day}&to={KpiScenario.Day}&under={county.District}";
        var figures = new Dictionary<string, string>();
        foreach (var path in new[]
                 {
                     $"/api/v1/kpis?{q}", $"/api/v1/kpis?from=2026-03-01&to=2026-03-02&under={county.District}",
                     $"/api/v1/kpis/trend?{q}&bucket=day", $"/api/v1/kpis/tree?{q}",
                     $"/api/v1/rankings?{q}&level=grid&minCount=1", $"/api/v1/rankings?{q}&level=department&minCount=1",
                     $"/api/v1/rankings?{q}&level=unit&minCount=1",
                 })
            figures[path] = await GetAsync(path);
        return figures;
    }

    [Fact]
    public async Task Emptying_a_countys_read_models_and_replaying_its_events_under_the_same_ids_reproduces_every_figure()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var deliveries = await KpiScenario.PublishScenarioAsync(_stack, county);
        var before = await FiguresAsync(county);

        // Other tests share this reporting database and run in parallel, so only this county's rows are emptied,
        // table by table as docs/reporting.md's rebuild empties all of them; then its inbox rows go, as there.
        var requests = (await _stack.QueryAsync<Guid>("reporting",
            "SELECT request_id FROM request_facts WHERE location_path[1] = @District", new { county.District })).ToArray();
        Assert.Equal(7, requests.Length);
        var volunteers = deliveries.Select(d => d.Event.GetType().GetProperty("VolunteerId")?.GetValue(d.Event)).OfType<Guid>().Distinct().ToArray();
        var like = county.District + "%";
        await _stack.ScalarAsync<long>("reporting", """
            DELETE FROM whistle_departments WHERE whistle_id IN (SELECT whistle_id FROM whistles WHERE request_id = ANY(@requests));
            DELETE FROM whistles WHERE request_id = ANY(@requests);
            DELETE FROM councils WHERE request_id = ANY(@requests);
            DELETE FROM escalations WHERE request_id = ANY(@requests);
            DELETE FROM deadline_misses WHERE request_id = ANY(@requests);
            DELETE FROM work_order_events WHERE request_id = ANY(@requests);
            DELETE FROM community_notifications WHERE community_code LIKE @like;
            DELETE FROM request_facts WHERE request_id = ANY(@requests);
            DELETE FROM company_compounds WHERE compound LIKE @like;
            DELETE FROM mediation_cases WHERE community_code LIKE @like;
            DELETE FROM service_orders WHERE community_code LIKE @like;
            DELETE FROM volunteer_services WHERE volunteer_id = ANY(@volunteers);
            DELETE FROM points_movements WHERE volunteer_id = ANY(@volunteers);
            DELETE FROM party_member_reports WHERE volunteer_id = ANY(@volunteers);
            DELETE FROM worker_duty_changes WHERE node_code LIKE @like;
            DELETE FROM inbox_messages WHERE message_id = ANY(@ids);
            SELECT 0;
            """, new { requests, volunteers, like, ids = deliveries.Select(d => d.MessageId).ToArray() });
        var emptied = JsonDocument.Parse(await GetAsync($"/api/v1/kpis?from={KpiScenario.Day}&to={KpiScenario.Day}&under={county.District}")).RootElement;
        Assert.Equal(0, emptied.GetProperty("totals").GetProperty("requests").GetInt64());
        Assert.Equal(0, emptied.GetProperty("serviceOrders").GetProperty("placed").GetInt64());

        // The publishers' relays would send the same events again with the same message ids.
        await KpiScenario.PublishAsync(_stack, deliveries);

        var after = await FiguresAsync(county);
        foreach (var (path, figures) in before)
            Assert.True(figures == after[path], $"{path} changed after the replay:\nbefore {figures}\nafter  {after[path]}");
    }

    [Fact]
    public async Task The_applied_counter_counts_each_event_once_however_often_it_is_delivered()
    {
        var applied = new ConcurrentBag<long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ReportingMetrics.MeterName && instrument.Name == ReportingMetrics.AppliedInstrument)
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag is { Key: "event", Value: nameof(PointsCorrected) }) applied.Add(value);
        });
        listener.Start();

        // 60 corrections, each delivered twice under the same message id: the inbox applies each once.
        const int count = 60;
        var bus = _stack.Provider("reporting").GetRequiredService<IBus>();
        var deliveries = Enumerable.Range(0, count)
            .Select(_ => (Event: new PointsCorrected(NewId.NextGuid(), NewId.NextGuid(), 1, "测试", "系统", DateTimeOffset.UtcNow), Id: NewId.NextGuid()))
            .ToList();
        for (var round = 0; round < 2; round++)
            await Task.WhenAll(deliveries.Select(d => bus.Publish(d.Event, ctx => ctx.MessageId = d.Id, Ct)));
        var ids = deliveries.Select(d => d.Id).ToArray();
        await Eventually.True(async () => await _stack.ScalarAsync<long>("reporting",
            "SELECT count(*) FROM inbox_messages WHERE message_id = ANY(@ids)", new { ids }) == count, "reporting to apply the corrections");
        // The queue is first in, first out: once events published after both rounds are applied, the second
        // deliveries have been consumed (and skipped) too.
        var after = Enumerable.Range(0, 20).Select(_ => (Event: new PointsExpired(NewId.NextGuid(), NewId.NextGuid(), 1, DateTimeOffset.UtcNow), Id: NewId.NextGuid())).ToList();
        await Task.WhenAll(after.Select(d => bus.Publish(d.Event, ctx => ctx.MessageId = d.Id, Ct)));
        var afterIds = after.Select(d => d.Id).ToArray();
        await Eventually.True(async () => await _stack.ScalarAsync<long>("reporting",
            "SELECT count(*) FROM inbox_messages WHERE message_id = ANY(@afterIds)", new { afterIds }) == after.Count, "the events published after");

        // Other tests running at the same time apply one correction per scripted scenario at most, far below
        // the 60 the redeliveries would add if they were counted.
        var total = applied.Sum();
        Assert.InRange(total, count, count + 20);
    }
}
