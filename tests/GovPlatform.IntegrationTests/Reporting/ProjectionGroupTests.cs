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
