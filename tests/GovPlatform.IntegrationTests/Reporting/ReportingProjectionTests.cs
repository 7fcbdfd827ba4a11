using System.Diagnostics.Metrics;
using GovPlatform.Contracts;
using GovPlatform.IntegrationTests.Infrastructure;
using GovPlatform.Reporting.Extensions;
using GovPlatform.Reporting.Projections;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace GovPlatform.IntegrationTests.Reporting;

/// <summary>Reporting's read models are built from events that arrive late, twice, or out of order.</summary>
public sealed class ReportingProjectionTests(SharedStack shared)
{
    private readonly TestStack _stack = shared.Stack;
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task PublishAsync(object message, Guid? messageId = null) =>
        _stack.Provider("reporting").GetRequiredService<IBus>()
            .Publish(message, message.GetType(), ctx => ctx.MessageId = messageId ?? NewId.NextGuid(), Ct);

    public sealed record FactRow
    {
        public required string Status { get; init; }
        public string? Channel { get; init; }
        public string? Category { get; init; }
        public string? GridCode { get; init; }
        public DateTime? AcceptedAt { get; init; }
        public bool? AcceptOnTime { get; init; }
        public DateTime? ResolvedAt { get; init; }
        public bool? ResolveOnTime { get; init; }
        public int ReopenCount { get; init; }
        public string? Satisfaction { get; init; }
    }

    private Task<FactRow?> FactAsync(Guid requestId) =>
        _stack.QueryAsync<FactRow>("reporting", """
            SELECT status, channel, category, grid_code AS GridCode, accepted_at AS AcceptedAt, accept_on_time AS AcceptOnTime,
                   resolved_at AS ResolvedAt, resolve_on_time AS ResolveOnTime, reopen_count AS ReopenCount, satisfaction
            FROM request_facts WHERE request_id = @requestId
            """, new { requestId }).ContinueWith(t => t.Result.SingleOrDefault());

    [Fact]
    public void Every_event_in_the_contracts_has_a_projection_in_reporting()
    {
        var events = typeof(RequestSubmitted).Assembly.GetTypes()
            .Where(t => t.IsClass && !t.IsAbstract && t.GetMethod("<Clone>$") is not null) // records
            .Where(t => t != typeof(GridNode) && t != typeof(GridNodesChanged) && t != typeof(GeoPoint)) // the grid copy consumes these; a point is no event
            .Where(t => t != typeof(RequestCase) && t != typeof(CaseAttachment)) // parts of RequestSubmitted, not events
            .Where(t => t != typeof(CatalogueRequested)) // one service asking intake to announce its catalogue again: nothing happened to count
            .Select(t => t.Name).Order().ToList();

        Assert.Equal(events, Extensions.ProjectedEvents().Select(t => t.Name).Order().ToList());
    }

    [Fact]
    public async Task Late_and_repeated_events_never_move_a_request_backwards()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var (requestId, orderId) = (NewId.NextGuid(), NewId.NextGuid());
        // Dispatch runs in the shared stack and assigns the submission at the real time; the scripted steps lie after
        // it, so its (real, earlier) assignment is never the newer status whenever it lands.
        var now = DateTimeOffset.UtcNow;
        var t0 = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddDays(1);
        var resolved = new WorkOrderResolved(orderId, requestId, "网格员1", "疏通完毕", true, t0.AddMinutes(50));
        var resolvedId = NewId.NextGuid();

        // The resolution first, then the acceptance, then (last of all) the submission.
        await PublishAsync(resolved, resolvedId);
        await Eventually.Get(() => FactAsync(requestId), "the resolution");
        await PublishAsync(new WorkOrderAccepted(orderId, requestId, "网格员1", false, t0.AddMinutes(2)));
        await Eventually.True(async () => (await FactAsync(requestId))?.AcceptedAt is not null, "the acceptance");
        await PublishAsync(new RequestSubmitted(requestId, "20260302-000001", "hotline", "drainage", "normal", county.Building,
            [county.District, $"{county.District}-01", county.Community, $"{county.Community}-C01", county.Grid, county.Building],
            null, null, t0.ToOffset(TimeSpan.FromHours(8)))); // China time: stored as the same instant
        // The same resolution again, once redelivered and once replayed under a new message id.
        await PublishAsync(resolved, resolvedId);
        await PublishAsync(resolved with { At = t0.AddMinutes(55), OnTime = false });

        var fact = await Eventually.Get(async () => await FactAsync(requestId) is { Channel: not null } f ? f : null, "the submission");
        Assert.Equal("resolved", fact.Status);
        Assert.Equal("hotline", fact.Channel);
        Assert.Equal("drainage", fact.Category);
        Assert.Equal(county.Grid, fact.GridCode);
        Assert.False(fact.AcceptOnTime);
        // The first resolution counts: the later replay neither moved the time nor the on-time flag.
        Assert.Equal(t0.AddMinutes(50).UtcDateTime, fact.ResolvedAt);
        Assert.True(fact.ResolveOnTime);
    }

    public sealed record CouncilRow(string Kind, string? Tier, DateTime? ScheduledAt, DateTime? HeldAt, int? AttendeeCount);

    private Task<long> ScalarAsync(string sql, object param) => _stack.ScalarAsync<long>("reporting", sql, param);

    private async Task PublishAndWaitAsync(object message)
    {
        var id = NewId.NextGuid();
        await PublishAsync(message, id);
        await Eventually.True(async () => await ScalarAsync("SELECT count(*) FROM inbox_messages WHERE message_id = @id", new { id }) == 1,
            $"reporting to apply {message.GetType().Name}");
    }

    [Fact]
    public async Task A_council_counts_once_whether_its_schedule_or_its_holding_arrives_first_and_however_often()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var (requestId, orderId) = (NewId.NextGuid(), NewId.NextGuid());
        var (heldFirst, scheduledFirst, neverHeld) = (NewId.NextGuid(), NewId.NextGuid(), NewId.NextGuid());
        var t0 = new DateTimeOffset(2026, 3, 2, 1, 0, 0, TimeSpan.Zero);
        var tracker = NewId.NextGuid();
        await PublishAndWaitAsync(new RequestSubmitted(requestId, "20260302-000002", "hotline", "noise", "normal", county.Building,
            [county.District, $"{county.District}-01", county.Community, $"{county.Community}-C01", county.Grid, county.Building], null, null, t0));

        // Sent one at a time, each applied before the next, so both orders are certain to happen.
        CouncilScheduled Schedule(Guid council, int minute) =>
            new(council, orderId, requestId, "joint_meeting", Tiers.Community, t0.AddDays(1), tracker, t0.AddMinutes(minute));
        CouncilHeld Hold(Guid council, int minute) => new(council, orderId, requestId, "joint_meeting", ["甲", "乙", "丙"], "议定", t0.AddMinutes(minute));
        await PublishAndWaitAsync(Hold(heldFirst, 3000));
        await PublishAndWaitAsync(Schedule(heldFirst, 60));
        await PublishAndWaitAsync(Schedule(heldFirst, 60));      // replayed under a new message id
        await PublishAndWaitAsync(Schedule(scheduledFirst, 120));
        await PublishAndWaitAsync(Hold(scheduledFirst, 1560));
        await PublishAndWaitAsync(Hold(scheduledFirst, 1560));               // replayed
        await PublishAndWaitAsync(Schedule(neverHeld, 180));

        var rows = (await _stack.QueryAsync<CouncilRow>("reporting", """
            SELECT kind, tier, scheduled_at AS ScheduledAt, held_at AS HeldAt, attendee_count AS AttendeeCount
            FROM councils WHERE council_id = ANY(@ids) ORDER BY scheduled_at
            """, new { ids = new[] { heldFirst, scheduledFirst, neverHeld } })).ToList();
        Assert.Equal(
            [
                new CouncilRow("joint_meeting", Tiers.Community, t0.AddMinutes(60).UtcDateTime, t0.AddMinutes(3000).UtcDateTime, 3),
                new CouncilRow("joint_meeting", Tiers.Community, t0.AddMinutes(120).UtcDateTime, t0.AddMinutes(1560).UtcDateTime, 3),
                new CouncilRow("joint_meeting", Tiers.Community, t0.AddMinutes(180).UtcDateTime, null, null),
            ], rows);
        // Two councils held, each counted once on the fact row and so in the daily roll-up; the open one not yet.
        Assert.Equal(2, await ScalarAsync("SELECT council_count FROM request_facts WHERE request_id = @requestId", new { requestId }));
        Assert.Equal(2, await ScalarAsync("SELECT coalesce(sum(councils), 0)::bigint FROM kpi_daily WHERE path @> ARRAY[@District]", new { county.District }));
        // The tracker is a staff id: it is nowhere in the councils table.
        Assert.Equal(0, await ScalarAsync("SELECT count(*) FROM councils c WHERE c::text LIKE @pattern", new { pattern = $"%{tracker}%" }));
    }

    [Fact]
    public async Task Projection_lag_from_event_time_to_applied_is_measured_on_the_reporting_meter()
    {
        var lags = new System.Collections.Concurrent.ConcurrentBag<double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ReportingMetrics.MeterName && instrument.Name == ReportingMetrics.LagInstrument)
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag is { Key: "event", Value: nameof(CouncilHeld) }) lags.Add(value);
        });
        listener.Start();

        // An event that happened 90 seconds ago takes at least 90 seconds to show in the figures.
        await PublishAsync(new CouncilHeld(NewId.NextGuid(), NewId.NextGuid(), NewId.NextGuid(), "three_party", ["甲", "乙"], "维修",
            DateTimeOffset.UtcNow.AddSeconds(-90)));

        // Other tests publish CouncilHeld events dated in March 2026 at the same time (lags of months): only a lag
        // within minutes of ours can be this event's.
        var lag = await Eventually.Get(() => Task.FromResult<double?>(lags.Where(l => l is >= 90 and < 600).Cast<double?>().FirstOrDefault()), "a lag measurement");
        Assert.InRange(lag!.Value, 90, 120);
    }
}
