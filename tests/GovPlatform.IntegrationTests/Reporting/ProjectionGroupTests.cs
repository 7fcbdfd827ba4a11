using System.Collections.Concurrent;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.IntegrationTests.Infrastructure;
using GovPlatform.Reporting.Projections;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

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

        // Every delivery handled. A submission goes through the inbox: exactly one of its three deliveries applied it, the
        // others found its row. An acceptance is idempotent by its own keys and writes no inbox row: each delivery
        // applies it, and the figures below show that the repeats changed nothing.
        await Eventually.True(() => Task.FromResult(events.All(e => _activities.Handled(e.Consumer, e.Id).Count == 3)),
            "all three deliveries of every event to be handled", TimeSpan.FromMinutes(2));
        foreach (var e in events.Where(e => e.Consumer == "RequestSubmittedProjection"))
            Assert.Single(_activities.Handled(e.Consumer, e.Id), a => a.GetTagItem("govplatform.duplicate") is null);

        var ids = events.Select(e => e.Id).ToArray();
        Assert.Equal((long)requests, await _stack.ScalarAsync<long>("reporting", "SELECT count(*) FROM inbox_messages WHERE message_id = ANY(@ids)", new { ids }));

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

    [Fact]
    public async Task Projections_without_an_inbox_row_change_nothing_when_delivered_again_after_newer_events()
    {
        // Every projection that writes no inbox row (IdempotentByItself), delivered, then overtaken by a newer event of
        // the same request where there is one, then delivered again under the same message ids (twice, at once, as a
        // relay that lost its marks would): the facts, the tables keyed by the events and every roll-up must read as if
        // each event had been applied once, in its own order. A projection that added on a repeat, or let an old event
        // overwrite a newer one, fails here.
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var day = new DateOnly(2021, 1, 1).AddDays(Random.Shared.Next(0, 300));
        var t = new DateTimeOffset(day.ToDateTime(new TimeOnly(9, 0)), TimeSpan.FromHours(8));
        string[] path = [county.District, $"{county.District}-01", county.Community, $"{county.Community}-C01", county.Grid, county.Building];
        var (request, order, hotSpot) = (NewId.NextGuid(), NewId.NextGuid(), NewId.NextGuid());
        var (neighbour, joiner) = (NewId.NextGuid(), NewId.NextGuid());
        var deadline = Random.Shared.NextInt64(1L << 40, 1L << 50);

        // First: the submission (through the inbox), an assignment to the other grid and a property company, the
        // steps, a missed clock, an escalation, a warning, a notified community, and a hot spot of two requests.
        var first = new List<(object Message, Guid Id)>
        {
            (new RequestSubmitted(request, $"IB{Random.Shared.Next(100000):D5}", "hotline", "drainage", "normal", county.Building, path, null, null, t), NewId.NextGuid()),
            (new WorkOrderAssigned(order, request, county.EmptyGrid, county.Community, AssigneeKinds.PropertyCompany, null, "甲物业", "rule", t.AddMinutes(1)), NewId.NextGuid()),
            (new WorkOrderAccepted(order, request, "网格员", true, t.AddMinutes(3), Tiers.Compound, t.AddMinutes(5)), NewId.NextGuid()),
            (new DeadlineMissed(order, request, Clocks.Arrive, Tiers.Compound, t.AddMinutes(30), t.AddMinutes(30)), NewId.NextGuid()),
            (new WorkOrderEscalated(order, request, Tiers.Compound, Tiers.Community, "到场超时", "锦园社区", t.AddMinutes(31)), NewId.NextGuid()),
            (new DeadlineWarned(order, request, deadline, Clocks.Resolve, Tiers.Community, t.AddHours(2), null, "网格员", [], t.AddMinutes(32)), NewId.NextGuid()),
            (new CommunityNotified(order, request, county.Community, "drainage", "隐患", t.AddMinutes(33)), NewId.NextGuid()),
            (new WorkOrderArrived(order, request, "网格员", false, t.AddMinutes(40), Tiers.Community, t.AddMinutes(35), Complex: false), NewId.NextGuid()),
            (new HotSpotDetected(hotSpot, "drainage", county.Grid, "grid", path[..5], county.Community, ["积水"], [request, neighbour], t, t, t.AddMinutes(41)), NewId.NextGuid()),
        };
        // Then newer ones: a reassignment to a worker of the request's own grid, a transfer to another company (through
        // the inbox), the resolution, the hot spot growing to three.
        var newer = new List<(object Message, Guid Id)>
        {
            (new WorkOrderAssigned(order, request, county.Grid, county.Community, AssigneeKinds.GridWorker, null, "网格员", "rule", t.AddMinutes(50)), NewId.NextGuid()),
            (new WorkOrderTransferred(order, request, "社区书记", AssigneeKinds.PropertyCompany, null, "乙物业", "物业负责", t.AddMinutes(55)), NewId.NextGuid()),
            (new WorkOrderResolved(order, request, "网格员", "已疏通", true, t.AddMinutes(70), Tiers.Community, t.AddMinutes(90)), NewId.NextGuid()),
            (new HotSpotGrew(hotSpot, joiner, 3, t.AddMinutes(60)), NewId.NextGuid()),
        };
        var bus = _stack.Provider("reporting").GetRequiredService<IBus>();
        var projections = await bus.GetSendEndpoint(new Uri($"queue:{GovPlatform.Reporting.Extensions.Extensions.ProjectionsQueue}"));
        using var applied = new ProjectionsApplied();
        async Task SendAsync(IEnumerable<(object Message, Guid Id)> deliveries, int expectedHandled, string what)
        {
            var list = deliveries.ToList();
            await Task.WhenAll(list.Select(d => projections.Send(d.Message, d.Message.GetType(), ctx => ctx.MessageId = d.Id, Ct)));
            await Eventually.True(() => Task.FromResult(list.All(d => applied.Handled(d.Id) >= expectedHandled)), what, TimeSpan.FromMinutes(2));
        }
        foreach (var d in first) await SendAsync([d], 1, $"{d.Message.GetType().Name} to be applied");
        await SendAsync(newer, 1, "the newer events to be applied");
        await SendAsync(first.Concat(first), 3, "every first event to be handled twice more");
        await SendAsync(newer, 2, "the newer events to be handled again");

        // None of them but the submission and the transfer wrote an inbox row: each repeat above was applied again.
        var ids = first.Concat(newer).Select(d => d.Id).ToArray();
        Assert.Equal(2L, await _stack.ScalarAsync<long>("reporting", "SELECT count(*) FROM inbox_messages WHERE message_id = ANY(@ids)", new { ids }));

        // The fact: the newer assignment's grid and kind, the transfer's company, the first assignment's time, the first
        // acceptance and arrival with their judgements, one missed clock, resolved as the newest status.
        Assert.Equal(string.Join('|', county.Grid, "乙物业", AssigneeKinds.GridWorker, t.AddMinutes(1).ToUnixTimeSeconds(), t.AddMinutes(3).ToUnixTimeSeconds(),
                "t", t.AddMinutes(40).ToUnixTimeSeconds(), "f", "{arrive}", "resolved"),
            await _stack.ScalarAsync<string>("reporting", """
                SELECT concat_ws('|', grid_code, property_company, assignee_kind, extract(epoch FROM assigned_at)::bigint,
                                 extract(epoch FROM accepted_at)::bigint, accept_on_time, extract(epoch FROM arrived_at)::bigint,
                                 arrive_on_time, missed_clocks::text, status)
                FROM request_facts WHERE request_id = @request
                """, new { request }));
        // One row each in the tables keyed by the events.
        Assert.Equal("1/1/1/1/1/1", await _stack.ScalarAsync<string>("reporting", """
            SELECT concat_ws('/', (SELECT count(*) FROM deadline_misses WHERE request_id = @request),
                                  (SELECT count(*) FROM escalations WHERE request_id = @request),
                                  (SELECT count(*) FROM deadline_warnings WHERE deadline_id = @deadline),
                                  (SELECT count(*) FROM community_notifications WHERE work_order_id = @order),
                                  (SELECT count(*) FROM clock_steps WHERE request_id = @request AND clock = 'accept'),
                                  (SELECT count(*) FROM clock_steps WHERE request_id = @request AND clock = 'resolve'))
            """, new { request, deadline, order }));
        // The hot spot keeps the growth's count and its three requests.
        Assert.Equal("3/3", await _stack.ScalarAsync<string>("reporting",
            "SELECT (SELECT request_count FROM hot_spots WHERE id = @hotSpot) || '/' || (SELECT count(*) FROM hot_spot_requests WHERE hot_spot_id = @hotSpot)",
            new { hotSpot }));
        // The roll-ups count the request once, under the grid the newer assignment named (the first assignment's grid is
        // not on its path, so it counted under the building until then), accepted, resolved, the arrive clock missed.
        Assert.Equal([$"{county.Grid}|1|1|1|0|1"], (await _stack.QueryAsync<string>("reporting", """
            SELECT concat_ws('|', node, requests, accepted, resolved, arrive_on_time, arrive_ended)
            FROM kpi_daily WHERE path @> ARRAY[@d] AND (requests, accepted, resolved, arrive_ended) <> (0, 0, 0, 0)
            """, new { d = county.District })).ToList());
        Assert.Equal("1|1|1|0|1", await _stack.ScalarAsync<string>("reporting", """
            SELECT concat_ws('|', sum(requests), sum(accepted), sum(resolved), sum(arrive_on_time), sum(arrive_ended))
            FROM kpi_daily_county WHERE path @> ARRAY[@d]
            """, new { d = county.District }));
        Assert.Equal(1L, await _stack.ScalarAsync<long>("reporting",
            "SELECT sum(resolved)::bigint FROM kpi_mix_county WHERE path @> ARRAY[@d]", new { d = county.District }));
    }

    [Fact]
    public async Task A_writer_applies_a_lone_event_at_once_and_takes_what_queued_meanwhile_as_one_group()
    {
        // One writer of up to 16, as the default groups are: an event alone in the queue must not wait for company (low
        // latency at low load), and the events that queued while the writer was busy go in its next transaction together.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Reporting:ProjectionWriters"] = "1",
            ["Reporting:ProjectionGroup"] = "16",
        }).Build();
        var db = _stack.Provider("reporting").GetRequiredService<NpgsqlDataSource>();
        using var writer = new ProjectionWriter(db, configuration, NullLogger<ProjectionWriter>.Instance);
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var lone = writer.ApplyAsync(new ProjectionWriter.Pending(NewId.NextGuid(), "GroupSizeTest",
            async (_, _) => { open.SetResult(); await release.Task; }, () => { }), Ct);
        await open.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        var transactions = new ConcurrentBag<long>();
        var queued = Enumerable.Range(0, 10).Select(_ => writer.ApplyAsync(new ProjectionWriter.Pending(NewId.NextGuid(), "GroupSizeTest",
            async (tx, _) => transactions.Add(await tx.Connection!.ExecuteScalarAsync<long>("SELECT txid_current()", transaction: tx)), () => { }), Ct)).ToList();
        release.SetResult();

        Assert.True(await lone.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        Assert.All(await Task.WhenAll(queued).WaitAsync(TimeSpan.FromSeconds(30), Ct), Assert.True);
        Assert.Equal(10, transactions.Count);
        Assert.Single(transactions.Distinct());
    }

    [Fact]
    public async Task A_requests_second_event_waits_for_the_first_ones_commit_even_on_another_writer()
    {
        // Two writers of one event each, as the stack runs them. The first event of a request holds its transaction
        // open; the second, on the other writer, must not start applying until that commit, or it would judge its
        // step by values read before the first committed (a resolution marked late although its plan had arrived).
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Reporting:ProjectionWriters"] = "2",
            ["Reporting:ProjectionGroup"] = "1",
        }).Build();
        var db = _stack.Provider("reporting").GetRequiredService<NpgsqlDataSource>();
        using var writer = new ProjectionWriter(db, configuration, NullLogger<ProjectionWriter>.Instance);
        var request = NewId.NextGuid();
        var firstOpen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondRanBeforeTheCommit = false;

        var first = writer.ApplyAsync(new ProjectionWriter.Pending(NewId.NextGuid(), "OrderingTest",
            async (_, _) => { firstOpen.SetResult(); await release.Task; }, () => { }, request), Ct);
        await firstOpen.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var second = writer.ApplyAsync(new ProjectionWriter.Pending(NewId.NextGuid(), "OrderingTest",
            (_, _) => { secondRanBeforeTheCommit = !release.Task.IsCompleted; return Task.CompletedTask; }, () => { }, request), Ct);

        // The second's transaction is seen waiting in PostgreSQL on the request's lock, then the first commits.
        await Eventually.True(async () => await _stack.ScalarAsync<long>("reporting", """
            SELECT count(*) FROM pg_locks
            WHERE locktype = 'advisory' AND NOT granted AND ((classid::bigint << 32) | objid::bigint) = hashtextextended(@r::text, 0)
            """, new { r = request }) == 1, "the second event to wait for the request's lock", TimeSpan.FromSeconds(30));
        release.SetResult();
        var applied = await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(2, applied.Count(a => a));
        Assert.False(secondRanBeforeTheCommit);
    }

    [Fact]
    public async Task Four_writers_of_sixteen_events_each_never_deadlock_on_the_roll_ups_and_count_every_change_once()
    {
        // A writer of its own with groups, as a deployment would configure it; the shared stack's applies one event
        // per transaction. Its events are the fact changes the projections make, straight in SQL, so the groups'
        // contents are known: many requests over three days in two subdistricts, so every group touches the same
        // few roll-up rows in its own order (before the commit-time apply, such groups deadlocked).
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Reporting:ProjectionWriters"] = "4",
            ["Reporting:ProjectionGroup"] = "16",
        }).Build();
        var db = _stack.Provider("reporting").GetRequiredService<NpgsqlDataSource>();
        using var writer = new ProjectionWriter(db, configuration, NullLogger<ProjectionWriter>.Instance);

        var district = $"PG{Guid.NewGuid():N}"[..12];
        var day = new DateOnly(2020, 1, 1).AddDays(Random.Shared.Next(0, 300));
        string[] Path(int i)
        {
            var sub = $"{district}-0{1 + i % 2}";
            var grid = $"{sub}-01-C1-G{1 + i % 3}";
            return [district, sub, $"{sub}-01", $"{sub}-01-C1", grid, $"{grid}-B1"];
        }
        const int requests = 96;
        var ids = Enumerable.Range(0, requests).Select(_ => NewId.NextGuid()).ToArray();
        var random = new Random();

        ProjectionWriter.Pending Event(string consumer, Func<NpgsqlTransaction, Task> apply, Guid messageId) =>
            new(messageId, consumer, (tx, _) => apply(tx), () => { });

        // Every event delivered twice under its message id, all at once: each must count once.
        async Task<int> DeliverAsync(IReadOnlyList<(Guid Id, string Consumer, Func<NpgsqlTransaction, Task> Apply)> events)
        {
            var deliveries = events.SelectMany(e => new[] { Event(e.Consumer, e.Apply, e.Id), Event(e.Consumer, e.Apply, e.Id) })
                .OrderBy(_ => random.Next()).ToList();
            var results = await Task.WhenAll(deliveries.Select(d => writer.ApplyAsync(d, Ct)));
            return results.Count(applied => applied);
        }

        var submissions = ids.Select((id, i) => (NewId.NextGuid(), "RequestSubmittedProjection", (Func<NpgsqlTransaction, Task>)(tx =>
        {
            var at = new DateTimeOffset(day.AddDays(i % 3).ToDateTime(new TimeOnly(9, 0)), TimeSpan.FromHours(8)).AddMinutes(i).ToUniversalTime();
            return tx.Connection!.ExecuteAsync("""
                INSERT INTO request_facts (request_id, channel, category, location_path, grid_code, status, status_rank, status_at, submitted_at)
                VALUES (@id, @channel, @category, @path, @grid, 'submitted', 1, @at, @at)
                ON CONFLICT (request_id) DO NOTHING
                """, new { id, channel = i % 2 == 0 ? "hotline" : "walk_in", category = i % 3 == 0 ? "drainage" : "noise", path = Path(i), grid = Path(i)[4], at }, tx);
        }))).ToList();
        Assert.Equal(requests, await DeliverAsync(submissions));

        // One change per request: accepted, resolved (so the handling histogram moves), some reclassified (so the
        // breakdowns move) and some marked duplicates (so a request leaves "own").
        var changes = ids.Select((id, i) => (NewId.NextGuid(), "WorkOrderResolvedProjection", (Func<NpgsqlTransaction, Task>)(tx =>
            tx.Connection!.ExecuteAsync("""
                UPDATE request_facts SET accepted_at = submitted_at + interval '1 minute', accept_on_time = true,
                       resolved_at = submitted_at + make_interval(mins => @minutes), resolve_on_time = @onTime,
                       category = CASE WHEN @reclassify THEN 'parking' ELSE category END,
                       duplicate_of = CASE WHEN @duplicate THEN @other ELSE duplicate_of END,
                       status = 'resolved', status_rank = 6, updated_at = now()
                WHERE request_id = @id
                """, new { id, minutes = 1 + i * 37, onTime = i % 4 != 0, reclassify = i % 5 == 0, duplicate = i % 7 == 3, other = ids[0] }, tx)))).ToList();
        Assert.Equal(requests, await DeliverAsync(changes));

        Assert.Equal(0L, writer.GroupsSplit);
        Assert.Equal(0L, await _stack.ScalarAsync<long>("reporting", "SELECT count(*) FROM kpi_daily_pending") +
                         await _stack.ScalarAsync<long>("reporting", "SELECT count(*) FROM kpi_mix_pending"));

        // Every roll-up row equals the sum of the contributions of the facts under it (as a rebuild computes them),
        // histogram slot by slot.
        const string daily = """
            WITH c AS (SELECT k.*, {0} AS grp FROM request_facts f CROSS JOIN LATERAL kpi_contribution(f) k WHERE f.location_path @> ARRAY[@district])
            SELECT concat_ws('|', s.day, s.grp, s.requests, s.duplicates, s.own, s.accepted, s.resolved, s.accept_on_time, s.accept_ended,
                             s.resolve_on_time, s.resolve_ended, round(s.handling_seconds, 3),
                             (SELECT array_agg((SELECT count(*) FROM c b WHERE b.day = s.day AND b.grp = s.grp AND b.bucket = i) ORDER BY i)
                              FROM generate_series(1, 50) i))
            FROM (SELECT day, grp, sum(requests) AS requests, sum(duplicates) AS duplicates, sum(own) AS own, sum(accepted) AS accepted,
                         sum(resolved) AS resolved, sum(accept_on_time) AS accept_on_time, sum(accept_ended) AS accept_ended,
                         sum(resolve_on_time) AS resolve_on_time, sum(resolve_ended) AS resolve_ended, sum(handling_seconds) AS handling_seconds
                  FROM c GROUP BY day, grp) s
            ORDER BY 1
            """;
        const string dailyKept = """
            SELECT concat_ws('|', day, node, requests, duplicates, own, accepted, resolved, accept_on_time, accept_ended,
                             resolve_on_time, resolve_ended, round(handling_seconds, 3), handling_buckets)
            FROM {0} WHERE path @> ARRAY[@district] AND requests <> 0 ORDER BY 1
            """;
        const string mix = """
            SELECT concat_ws('|', k.day, {0}, k.category, k.channel, sum(k.requests), sum(k.resolved))
            FROM request_facts f CROSS JOIN LATERAL kpi_mix_contribution(f) k WHERE f.location_path @> ARRAY[@district]
            GROUP BY k.day, {0}, k.category, k.channel ORDER BY 1
            """;
        const string mixKept = """
            SELECT concat_ws('|', day, place, category, channel, requests, resolved)
            FROM {0} WHERE path @> ARRAY[@district] AND requests <> 0 ORDER BY 1
            """;
        async Task<List<string>> Rows(string sql) => (await _stack.QueryAsync<string>("reporting", sql, new { district })).ToList();
        const string subdistrict = "coalesce(k.path[least(2, cardinality(k.path))], '')";

        var expectedDaily = await Rows(string.Format(daily, "k.node"));
        Assert.Equal(requests, expectedDaily.Sum(r => int.Parse(r.Split('|')[2])));
        Assert.Equal(expectedDaily, await Rows(string.Format(dailyKept, "kpi_daily")));
        Assert.Equal(await Rows(string.Format(daily, subdistrict)), await Rows(string.Format(dailyKept, "kpi_daily_county")));
        Assert.Equal(await Rows(string.Format(mix, "k.place")), await Rows(string.Format(mixKept, "kpi_mix")));
        Assert.Equal(await Rows(string.Format(mix, subdistrict)), await Rows(string.Format(mixKept, "kpi_mix_county")));
        Assert.Contains(await Rows(string.Format(mixKept, "kpi_mix_county")), r => r.Contains("|parking|", StringComparison.Ordinal));
    }
}
