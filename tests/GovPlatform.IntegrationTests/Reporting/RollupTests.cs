using System.Net;
using System.Text.Json;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.IntegrationTests.Infrastructure;
using GovPlatform.Reporting.Kpis;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace GovPlatform.IntegrationTests.Reporting;

/// <summary>
/// The daily roll-up (kpi_daily) against the facts it is kept from: random histories delivered in any
/// order, twice, or replayed under new ids must leave the roll-up's figures equal to a scan of the facts,
/// and a rebuild, even while events flow, must leave it equal to what the projections kept.
/// </summary>
public sealed class RollupTests(SharedStack shared)
{
    private readonly TestStack _stack = shared.Stack;
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly TimeSpan China = TimeSpan.FromHours(8);

    /// <summary>Three consecutive days far from other tests' days, different for every test.</summary>
    private static DateOnly FirstDay() => new DateOnly(2023, 1, 1).AddDays(Random.Shared.Next(0, 700));

    /// <summary>Random lifecycles for <paramref name="count"/> requests submitted over three days in the county.</summary>
    private static List<object> History(TestCounty c, DateOnly firstDay, int count, Random random)
    {
        string[] buildings = [c.Building, $"{c.Grid}-B02", $"{c.EmptyGrid}-B03"];
        string[] PathTo(string building) =>
        [
            c.District, $"{c.District}-01", c.Community, $"{c.Community}-C01",
            building.StartsWith(c.EmptyGrid, StringComparison.Ordinal) ? c.EmptyGrid : c.Grid, building,
        ];
        string[] categories = ["drainage", "parking", "noise"];
        string[] channels = ["hotline", "wechat_group", "walk_in"];
        string[] clocks = ["accept", "arrive", "plan", "resolve", "plan_due"];
        string?[] answers = ["satisfied", "basically_satisfied", "dissatisfied"];
        bool Chance(double p) => random.NextDouble() < p;

        var events = new List<object>();
        var originals = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            var (request, order) = (NewId.NextGuid(), NewId.NextGuid());
            var building = buildings[random.Next(buildings.Length)];
            // Any minute of the three days in China time, so days split at 16:00 UTC.
            var submitted = new DateTimeOffset(firstDay.ToDateTime(TimeOnly.MinValue), China).AddMinutes(random.Next(0, 3 * 1440));
            DateTimeOffset After(int maxMinutes) => submitted.AddMinutes(random.Next(1, maxMinutes));
            var category = categories[random.Next(categories.Length)];

            if (originals.Count > 0 && Chance(0.15))
            {
                events.Add(new RequestLinkedAsDuplicate(request, originals[random.Next(originals.Count)], category, PathTo(building), submitted));
                if (Chance(0.4)) events.Add(new RequestUnlinked(request, originals[0], "坐席", submitted.AddMinutes(30)));
                if (Chance(0.5)) continue;
            }
            events.Add(new RequestSubmitted(request, $"R{i:D6}", channels[random.Next(channels.Length)], category, "normal",
                building, PathTo(building), null, null, submitted));
            originals.Add(request);
            if (Chance(0.1)) events.Add(new RequestReclassified(request, category, categories[random.Next(categories.Length)], "坐席", After(60)));
            if (Chance(0.85)) events.Add(new WorkOrderAccepted(order, request, "网格员", Chance(0.7), After(30)));
            if (Chance(0.6)) events.Add(new WorkOrderArrived(order, request, "网格员", Chance(0.7), After(90)));
            if (Chance(0.2)) events.Add(new WorkOrderPlanFormed(order, request, "网格员", "方案", Chance(0.7), After(400)));
            if (Chance(0.25)) events.Add(new DeadlineMissed(order, request, clocks[random.Next(clocks.Length)], Tiers.Compound, After(60), After(120)));
            if (Chance(0.65))
            {
                // Handling from under a minute to about three weeks, so the percentile crosses many buckets.
                var resolved = submitted.AddSeconds(Math.Exp(random.NextDouble() * Math.Log(30 * 86400.0)));
                events.Add(new WorkOrderResolved(order, request, "网格员", "已处理", Chance(0.6), resolved));
                if (Chance(0.2)) events.Add(new WorkOrderResolved(order, request, "网格员", "再次处理", false, resolved.AddHours(5)));
                if (Chance(0.5)) events.Add(new CallbackRecorded(request, Chance(0.85), answers[random.Next(answers.Length)], "回访员", resolved.AddHours(2)));
                if (Chance(0.3)) events.Add(new CallbackRecorded(request, true, answers[random.Next(answers.Length)], "回访员", resolved.AddHours(3)));
                if (Chance(0.15)) events.Add(new RequestReopened(request, 1, "不满意", resolved.AddHours(4)));
                if (Chance(0.35)) events.Add(new RequestClosed(request, Chance(0.5) ? answers[random.Next(answers.Length)] : null, resolved.AddHours(6)));
            }
            if (Chance(0.1))
                events.Add(new WhistleBlown(NewId.NextGuid(), order, request, "网格长", Tiers.Community, ["城管"], After(600), After(300)));
            if (Chance(0.1))
                events.Add(new CouncilHeld(NewId.NextGuid(), order, request, "council", ["居民代表"], "决议", After(600)));
            if (Chance(0.1))
            {
                // Scheduled, and held or not yet: a council counts in the roll-up once, when held.
                var council = NewId.NextGuid();
                events.Add(new CouncilScheduled(council, order, request, "joint_meeting", Tiers.Community, After(900), NewId.NextGuid(), After(300)));
                if (Chance(0.6)) events.Add(new CouncilHeld(council, order, request, "joint_meeting", ["居民代表"], "决议", After(900)));
            }
        }
        return events;
    }

    /// <summary>Publishes in random order; some redelivered under the same message id, some replayed under a new one.</summary>
    private async Task PublishAsync(IReadOnlyList<object> events, Random random)
    {
        var deliveries = new List<(object Message, Guid Id)>();
        foreach (var e in events)
        {
            var id = NewId.NextGuid();
            deliveries.Add((e, id));
            if (random.NextDouble() < 0.15) deliveries.Add((e, id));
            if (random.NextDouble() < 0.1) deliveries.Add((e, NewId.NextGuid()));
        }
        var shuffled = deliveries.OrderBy(_ => random.Next()).ToList();
        // Sent straight to reporting's projections, not published: dispatch runs in the shared stack too and would route
        // each scripted submission for real; on a slow machine its accept clock then escalates them, and those real
        // escalations land in the facts and the roll-up between the two reads the test compares.
        var bus = _stack.Provider("reporting").GetRequiredService<IBus>();
        var projections = await bus.GetSendEndpoint(new Uri($"queue:{GovPlatform.Reporting.Extensions.Extensions.ProjectionsQueue}"));
        using var applied = new ProjectionsApplied();
        foreach (var chunk in shuffled.Chunk(50))
            await Task.WhenAll(chunk.Select(d => projections.Send(d.Message, d.Message.GetType(), ctx => ctx.MessageId = d.Id, Ct)));
        // Every delivery handled (a repeat of a projection without an inbox row is applied again), so nothing is still
        // in flight when the test compares.
        var expected = shuffled.GroupBy(d => d.Id).ToDictionary(g => g.Key, g => g.Count());
        await Eventually.True(() => Task.FromResult(expected.All(e => applied.Handled(e.Key) >= e.Value)),
            "reporting to handle every delivery", TimeSpan.FromMinutes(3));
    }

    private static string Describe(KpiQueries.Totals t) =>
        $"requests {t.Requests} dup {t.Duplicates} own {t.Own} acc {t.Accepted} res {t.Resolved} closed {t.Closed} rated {t.Rated} " +
        $"sat {t.Satisfied} reopened {t.Reopened} clocks {t.AcceptOnTime}/{t.AcceptEnded} {t.ArriveOnTime}/{t.ArriveEnded} " +
        $"{t.PlanOnTime}/{t.PlanEnded} {t.ResolveOnTime}/{t.ResolveEnded} plan kept {t.PlanKept}/{t.PlanDueEnded} whistles {t.Whistles} councils {t.Councils}";

    private static IEnumerable<ReportFilter> Filters(TestCounty c, DateOnly first)
    {
        // The district and its subdistrict are answered by the subdistricts' roll-ups (kpi_daily_county, kpi_mix_county).
        string[] nodes = [c.District, $"{c.District}-01", c.Community, $"{c.Community}-C01", c.Grid, c.EmptyGrid];
        (DateOnly, DateOnly)[] periods = [(first, first), (first.AddDays(1), first.AddDays(1)), (first.AddDays(2), first.AddDays(2)), (first, first.AddDays(2))];
        return nodes.SelectMany(n => periods.Select(p => new ReportFilter(p.Item1, p.Item2, n, null, null)));
    }

    /// <summary>Every filter's totals from the roll-up equal the same totals scanned from the facts.</summary>
    private async Task AssertRollupEqualsFactsAsync(TestCounty county, DateOnly first, int seed)
    {
        await using var conn = await _stack.OpenAsync("reporting");
        foreach (var filter in Filters(county, first))
        {
            Assert.True(await KpiRollup.AnswersAsync(conn, filter, Ct), $"the roll-up should answer {filter}");
            var facts = await KpiQueries.FactTotalsAsync(conn, filter, Ct);
            var rollup = await KpiRollup.TotalsAsync(conn, filter, Ct);
            var where = $"seed {seed}, {filter.Under} {filter.From}..{filter.To}";
            Assert.True(Describe(facts) == Describe(rollup), $"{where}: facts {Describe(facts)} vs roll-up {Describe(rollup)}");
            Assert.Equal(facts.AverageHandlingMinutes is null, rollup.AverageHandlingMinutes is null);
            // Sums of minutes added in another order differ in the last bits of a double; rounding both to a fixed number of
            // places can still split them at a boundary (…1645 against …16450000009), so compare within a tolerance.
            if (facts.AverageHandlingMinutes is { } average) Assert.Equal(average, rollup.AverageHandlingMinutes!.Value, 1e-6);
            Assert.Equal(facts.P90HandlingMinutes, rollup.P90HandlingMinutes);
            Assert.Equal("exact", rollup.P90HandlingMethod);
            await DashboardQueries.AssertMatchFactsAsync(conn, filter, facts, where, Ct);

            // The histogram's estimate lies in the bucket of the request at rank floor(0.9·(n−1)), the exact value
            // between that request and the next: the bound docs/metrics.md states.
            var estimated = await KpiRollup.TotalsAsync(conn, filter, Ct, exactPercentileLimit: 0);
            if (facts.P90HandlingMinutes is { } exact)
            {
                Assert.Equal("histogram", estimated.P90HandlingMethod);
                var minutes = (await conn.QueryAsync<double>(new CommandDefinition("""
                    SELECT extract(epoch FROM resolved_at - submitted_at)::float8 / 60 FROM request_facts
                    WHERE submitted_at >= @FromUtc AND submitted_at < @ToUtc AND duplicate_of IS NULL AND resolved_at IS NOT NULL
                      AND location_path @> ARRAY[@Under::text] ORDER BY 1
                    """, filter.Parameters(), cancellationToken: Ct))).ToList();
                var rank = 0.9 * (minutes.Count - 1);
                var (below, above) = (minutes[(int)Math.Floor(rank)], minutes[(int)Math.Ceiling(rank)]);
                Assert.InRange(exact, below - 1e-9, above + 1e-9);
                var bucket = below < 1 ? 1 : Math.Min(KpiRollup.BucketCount, 2 + (int)Math.Floor(3 * Math.Log(below) / Math.Log(2)));
                var (lower, upper) = KpiRollup.Edges(bucket);
                Assert.True(estimated.P90HandlingMinutes >= lower - 1e-6 && estimated.P90HandlingMinutes <= upper + 1e-6,
                    $"{where}: p90 {exact:F3} (rank {rank} between {below:F3} and {above:F3}) estimated {estimated.P90HandlingMinutes:F3}, bucket [{lower:F3}, {upper:F3})");
            }
        }
    }

    [Fact]
    public async Task Roll_up_totals_equal_totals_from_the_facts_after_random_late_and_repeated_events()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var seed = Random.Shared.Next();
        var random = new Random(seed);
        var first = FirstDay();
        await PublishAsync(History(county, first, 80, random), random);

        await AssertRollupEqualsFactsAsync(county, first, seed);

        // A building is finer than the roll-up: the facts answer it, and so do they for a category.
        await using var conn = await _stack.OpenAsync("reporting");
        Assert.False(await KpiRollup.AnswersAsync(conn, new ReportFilter(first, first, county.Building, null, null), Ct));
        Assert.False(await KpiRollup.AnswersAsync(conn, new ReportFilter(first, first, county.District, "drainage", null), Ct));
        // The breakdowns' roll-up stops at the community; below it the facts answer.
        Assert.True(await KpiQueries.MixAnswersAsync(conn, new ReportFilter(first, first, county.Community, "drainage", null), Ct));
        Assert.False(await KpiQueries.MixAnswersAsync(conn, new ReportFilter(first, first, county.Grid, null, null), Ct));
        // The subdistricts' roll-ups answer the district and a subdistrict, the finer ones a community.
        Assert.Equal("kpi_mix_county", await KpiQueries.MixTableAsync(conn, new ReportFilter(first, first, $"{county.District}-01", null, null), Ct));
        Assert.Equal("kpi_mix", await KpiQueries.MixTableAsync(conn, new ReportFilter(first, first, county.Community, null, null), Ct));
        Assert.True(await KpiRollup.CountyAnswersAsync(conn, county.District, Ct));
        Assert.False(await KpiRollup.CountyAnswersAsync(conn, county.Community, Ct));
        Assert.True(await _stack.ScalarAsync<long>("reporting",
            "SELECT coalesce(sum(requests), 0) FROM kpi_daily WHERE path @> ARRAY[@d]", new { d = county.District }) > 0);
    }

    private Task<List<string>> RollupRowsAsync(TestCounty county) =>
        _stack.QueryAsync<string>("reporting", """
            SELECT concat_ws('|', day, node, path, requests, duplicates, own, accepted, resolved, closed, rated, satisfied, reopened,
                             accept_on_time, accept_ended, arrive_on_time, arrive_ended, plan_on_time, plan_ended,
                             resolve_on_time, resolve_ended, handling_seconds, handling_buckets, whistles, councils,
                             plan_kept, plan_due_ended)
            FROM kpi_daily WHERE path @> ARRAY[@district] AND requests <> 0 ORDER BY day, node
            """, new { district = county.District }).ContinueWith(t => t.Result.ToList());

    private Task<List<string>> CountyRowsAsync(TestCounty county) =>
        _stack.QueryAsync<string>("reporting", """
            SELECT concat_ws('|', day, node, path, requests, duplicates, own, accepted, resolved, closed, rated, satisfied, reopened,
                             accept_on_time, accept_ended, arrive_on_time, arrive_ended, plan_on_time, plan_ended,
                             resolve_on_time, resolve_ended, handling_seconds, handling_buckets, whistles, councils,
                             plan_kept, plan_due_ended)
            FROM kpi_daily_county WHERE path @> ARRAY[@district] AND requests <> 0 ORDER BY day, node
            """, new { district = county.District }).ContinueWith(t => t.Result.ToList());

    private Task<List<string>> CountyMixRowsAsync(TestCounty county) =>
        _stack.QueryAsync<string>("reporting", """
            SELECT concat_ws('|', day, place, path, category, channel, requests, resolved)
            FROM kpi_mix_county WHERE path @> ARRAY[@district] AND requests <> 0 ORDER BY day, place, category, channel
            """, new { district = county.District }).ContinueWith(t => t.Result.ToList());

    private Task<List<string>> MixRowsAsync(TestCounty county) =>
        _stack.QueryAsync<string>("reporting", """
            SELECT concat_ws('|', day, place, path, category, channel, requests, resolved)
            FROM kpi_mix WHERE path @> ARRAY[@district] AND requests <> 0 ORDER BY day, place, category, channel
            """, new { district = county.District }).ContinueWith(t => t.Result.ToList());

    private async Task<HttpResponseMessage> RebuildAsync(string query, string role = "admin")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/reporting/rollup/rebuild?{query}");
        return await _stack.Client("reporting").SendAsync(request.WithBearer(Tokens.For(role)), Ct);
    }

    [Fact]
    public async Task A_rebuild_while_events_flow_leaves_the_roll_up_equal_to_the_one_the_projections_keep()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var seed = Random.Shared.Next();
        var random = new Random(seed);
        var first = FirstDay();
        var span = $"from={first:yyyy-MM-dd}&to={first.AddDays(2):yyyy-MM-dd}";

        // Rebuilds run again and again while the projections apply the history.
        var publishing = PublishAsync(History(county, first, 80, random), random);
        var rebuilds = 0;
        while (!publishing.IsCompleted)
        {
            var during = await RebuildAsync(span);
            Assert.Equal(HttpStatusCode.OK, during.StatusCode);
            rebuilds++;
        }
        await publishing;
        Assert.True(rebuilds > 0);
        await AssertRollupEqualsFactsAsync(county, first, seed);
        var kept = await RollupRowsAsync(county);
        var keptMix = await MixRowsAsync(county);
        var keptCounty = await CountyRowsAsync(county);
        var keptCountyMix = await CountyMixRowsAsync(county);
        Assert.NotEmpty(kept);
        Assert.NotEmpty(keptMix);
        Assert.NotEmpty(keptCounty);
        Assert.NotEmpty(keptCountyMix);

        // Spoil the roll-up, then rebuild it from the facts: it comes back row for row.
        await _stack.ScalarAsync<long>("reporting",
            "WITH u AS (UPDATE kpi_daily SET requests = requests + 7, handling_buckets[3] = handling_buckets[3] + 1 WHERE path @> ARRAY[@d] RETURNING 1) SELECT count(*) FROM u",
            new { d = county.District });
        await _stack.ScalarAsync<long>("reporting",
            "WITH u AS (UPDATE kpi_mix SET resolved = resolved + 3 WHERE path @> ARRAY[@d] RETURNING 1) SELECT count(*) FROM u", new { d = county.District });
        await _stack.ScalarAsync<long>("reporting",
            "WITH u AS (UPDATE kpi_daily_county SET own = own + 2, handling_buckets[7] = handling_buckets[7] + 1 WHERE path @> ARRAY[@d] RETURNING 1) SELECT count(*) FROM u",
            new { d = county.District });
        await _stack.ScalarAsync<long>("reporting",
            "WITH u AS (UPDATE kpi_mix_county SET requests = requests + 5 WHERE path @> ARRAY[@d] RETURNING 1) SELECT count(*) FROM u", new { d = county.District });
        Assert.NotEqual(kept, await RollupRowsAsync(county));
        Assert.NotEqual(keptMix, await MixRowsAsync(county));
        Assert.NotEqual(keptCounty, await CountyRowsAsync(county));
        Assert.NotEqual(keptCountyMix, await CountyMixRowsAsync(county));
        var response = await RebuildAsync(span);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(3, body.GetProperty("days").GetInt32());
        Assert.True(body.GetProperty("rows").GetInt64() >= kept.Select(r => r.Split('|')[0]).Distinct().Count());
        Assert.Equal(kept, await RollupRowsAsync(county));
        Assert.Equal(keptMix, await MixRowsAsync(county));
        Assert.Equal(keptCounty, await CountyRowsAsync(county));
        Assert.Equal(keptCountyMix, await CountyMixRowsAsync(county));
    }

    [Fact]
    public async Task Only_an_admin_rebuilds_the_roll_up_and_bad_days_are_refused()
    {
        var leader = await RebuildAsync("from=2026-03-01&to=2026-03-01", "leader");
        Assert.Equal(HttpStatusCode.Forbidden, leader.StatusCode);

        var bad = await RebuildAsync("from=2026-3-1&to=2026-03-01");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = JsonDocument.Parse(await bad.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.True(problem.GetProperty("errors").TryGetProperty("from", out _));
    }

    [Fact]
    public async Task Grid_coverage_counts_grids_with_a_grid_worker_or_leader_on_duty_whatever_order_duty_changes_arrive_in()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var day = FirstDay();
        DateTimeOffset At(int dayOffset, int hour) => new DateTimeOffset(day.AddDays(dayOffset).ToDateTime(TimeOnly.MinValue), China).AddHours(hour);
        var (worker, leader, cadre) = (NewId.NextGuid(), NewId.NextGuid(), NewId.NextGuid());
        var on = new WorkerDutyChanged(worker, county.Grid, "grid_worker", true, At(0, 10));
        object[] changes =
        [
            // The end of the worker's duty arrives before its start, and the start comes twice.
            new WorkerDutyChanged(worker, county.Grid, "grid_worker", false, At(1, 12)),
            on, on,
            new WorkerDutyChanged(leader, county.EmptyGrid, "grid_leader", true, At(1, 8)),
            // A cadre on duty in a grid does not make it a covered grid.
            new WorkerDutyChanged(cadre, county.EmptyGrid, "community_cadre", true, At(-1, 8)),
        ];
        var bus = _stack.Provider("reporting").GetRequiredService<IBus>();
        var onId = NewId.NextGuid();
        foreach (var change in changes)
            await bus.Publish(change, change.GetType(), ctx => ctx.MessageId = ReferenceEquals(change, on) ? onId : NewId.NextGuid(), Ct);
        await Eventually.True(async () => await _stack.ScalarAsync<long>("reporting",
            "SELECT count(*) FROM worker_duty_changes WHERE worker_id = ANY(@w)", new { w = new[] { worker, leader, cadre } }) == 4,
            "the duty changes");

        async Task<(long Covered, long Grids)> CoverageAsync(int dayOffset)
        {
            var d = day.AddDays(dayOffset).ToString("yyyy-MM-dd");
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/kpis?from={d}&to={d}&under={county.District}");
            var response = await _stack.Client("reporting").SendAsync(request.WithBearer(Tokens.For("leader")), Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var rate = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("gridCoverage").GetProperty("rate");
            return (rate.GetProperty("numerator").GetInt64(), rate.GetProperty("denominator").GetInt64());
        }

        Assert.Equal((0, 2), await CoverageAsync(-1)); // nobody of a grid role yet
        Assert.Equal((1, 2), await CoverageAsync(0));  // the worker from 10:00
        Assert.Equal((2, 2), await CoverageAsync(1));  // the worker until noon, the leader from 08:00
        Assert.Equal((1, 2), await CoverageAsync(2));  // the leader only
    }
}

/// <summary>Shared by the roll-up tests and the scripted scenario.</summary>
public static class DashboardQueries
{
    /// <summary>
    /// The trend, the heat table and the rankings of places read the roll-up; each must equal its scan of the
    /// facts, and a place's ranking counts must equal the totals of that place (they share denominators).
    /// </summary>
    public static async Task AssertMatchFactsAsync(Npgsql.NpgsqlConnection conn, ReportFilter filter, KpiQueries.Totals totals,
        string where, CancellationToken ct)
    {
        static string Json(object o) => JsonSerializer.Serialize(o);
        // The channel and category breakdowns read kpi_mix, which can take a category or channel filter too.
        foreach (var f in new[] { filter, filter with { Category = "drainage" }, filter with { Channel = "hotline" } })
            Assert.True(Json(await KpiQueries.BreakdownsAsync(conn, f, ct, fromFacts: true)) == Json(await KpiQueries.BreakdownsAsync(conn, f, ct)),
                $"{where}: breakdowns for {f.Category ?? f.Channel ?? "all"} differ between facts and kpi_mix: " +
                $"{Json(await KpiQueries.BreakdownsAsync(conn, f, ct, fromFacts: true))} vs {Json(await KpiQueries.BreakdownsAsync(conn, f, ct))}");
        // The compounds each property company serves, kept by a trigger, equal a scan of every fact with a company.
        const string kept = """
            SELECT s.company || '/' || s.compound || '/' || s.first_assigned_at FROM company_compounds s JOIN grid_copy g ON g.code = s.compound
            WHERE @Under::text IS NULL OR g.path @> ARRAY[@Under::text] ORDER BY 1
            """;
        const string scanned = """
            SELECT f.property_company || '/' || g.code || '/' || min(f.assigned_at)
            FROM request_facts f CROSS JOIN LATERAL unnest(f.location_path) AS p(code) JOIN grid_copy g ON g.code = p.code AND g.level = 'compound'
            WHERE f.property_company IS NOT NULL AND f.assigned_at IS NOT NULL AND (@Under::text IS NULL OR g.path @> ARRAY[@Under::text])
            GROUP BY f.property_company, g.code ORDER BY 1
            """;
        // Only under a county of the test's own: other tests write facts elsewhere in this database meanwhile.
        if (filter.Under is not null)
            Assert.Equal(await conn.QueryAsync<string>(new CommandDefinition(scanned, new { filter.Under }, cancellationToken: ct)),
                await conn.QueryAsync<string>(new CommandDefinition(kept, new { filter.Under }, cancellationToken: ct)));
        // The rest of the report: what the roll-ups answer equals the all-facts report.
        var (factReport, report) = (await KpiQueries.RunAsync(conn, filter, ct, fromFacts: true), await KpiQueries.RunAsync(conn, filter, ct));
        foreach (var (name, a, b) in new (string, object, object)[]
                 {
                     ("property companies", factReport.PropertyCompanies, report.PropertyCompanies),
                     ("departments", factReport.Departments, report.Departments),
                     ("escalations", factReport.EscalationsByTier, report.EscalationsByTier),
                     ("channels", factReport.ByChannel, report.ByChannel), ("categories", factReport.ByCategory, report.ByCategory),
                 })
            Assert.True(Json(a) == Json(b), $"{where}: {name} differ between facts and roll-ups: {Json(a)} vs {Json(b)}");
        foreach (var bucket in Trend.Buckets)
            Assert.True(Json(await Trend.RunAsync(conn, filter, bucket, ct, fromFacts: true)) == Json(await Trend.RunAsync(conn, filter, bucket, ct)),
                $"{where}: trend by {bucket} differs between facts and roll-up");
        Assert.True(Json(await TreeFigures.RunAsync(conn, filter, ct, fromFacts: true)) == Json(await TreeFigures.RunAsync(conn, filter, ct)),
            $"{where}: tree differs between facts and roll-up");
        foreach (var level in new[] { GridLevels.Subdistrict, GridLevels.Community, GridLevels.Grid })
        foreach (var metric in Rankings.Metrics)
        {
            var fromFacts = await Rankings.RunAsync(conn, filter, level, metric, 1, ct, fromFacts: true);
            var fromRollup = await Rankings.RunAsync(conn, filter, level, metric, 1, ct);
            Assert.True(Json(fromFacts) == Json(fromRollup), $"{where}: {level} ranking by {metric} differs between facts and roll-up");
            // The filter's own node, ranked, has exactly the totals' numerator and denominator.
            if (fromRollup.Entries.SingleOrDefault(e => e.Code == filter.Under) is { } self)
            {
                var expected = metric switch
                {
                    "response" => totals.ResponseRate, "satisfaction" => totals.SatisfactionRate,
                    "resolve_on_time" => totals.ResolveOnTimeRate, _ => totals.ResolutionRate,
                };
                Assert.True((expected.Numerator, expected.Denominator) == (self.Numerator, self.Denominator),
                    $"{where}: {level} {self.Code} ranked on {metric} {self.Numerator}/{self.Denominator}, totals {expected.Numerator}/{expected.Denominator}");
            }
        }
    }
}
