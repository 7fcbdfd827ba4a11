using System.Globalization;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests.Residents;

/// <summary>
/// Texts per request and the time from a step to its text, over requests taken from a resident's report to
/// the rating. The figures go to the test output (docs/residents.md quotes a run).
/// </summary>
public sealed class NotificationFiguresTests(SharedStack shared)
{
    private readonly ResidentKit _kit = new(shared.Stack);
    private readonly DispatchDriver _dispatch = new(shared.Stack);

    // The compound-tier topics, whose orders start in the grid, where the grid worker below takes them.
    private static readonly string[] Topics = ["noise", "parking", "greening", "roof_leak", "stairwell_clutter", "property_service"];

    private sealed record Sent(Guid RequestId, string Step, double StepToText, double StepToOwed);

    private sealed record Owed(Guid RequestId, string Step, string State, string? LastError);

    [Fact]
    public async Task Every_step_is_texted_once_or_superseded_and_texts_leave_within_seconds_of_their_step()
    {
        var county = new TestCounty();
        await shared.Stack.ImportAsync(county);
        var doorplate = await _kit.IssueDoorplateAsync(county.Building);
        var sessions = new[] { await _kit.VerifyAsync(ResidentKit.NewPhone()), await _kit.VerifyAsync(ResidentKit.NewPhone()) };
        var worker = Tokens.For("grid_worker", county.Grid, subject: "worker-" + Guid.NewGuid().ToString("N")[..8]);

        var ids = await Task.WhenAll(Topics.Select(async (topic, i) =>
        {
            var session = sessions[i % 2];
            var ticket = (await _kit.ReportOkAsync(session, new { topic, description = $"测试第{i}类问题：{topic}", doorplate })).GetProperty("ticketNo").GetString()!;
            var id = await _kit.RequestIdAsync(ticket);
            var orderId = await _dispatch.OrderIdForAsync(id);
            await _dispatch.ActOkAsync(orderId, "accept", worker);
            await _dispatch.ActOkAsync(orderId, "arrive", worker);
            await _dispatch.ActOkAsync(orderId, "resolve", worker, new { resolution = "已处理" });
            await Eventually.True(async () => await shared.Stack.ScalarAsync<string>("intake", "SELECT status FROM requests WHERE id = @id", new { id }) == "resolved", "resolved");
            using var rating = await _kit.AsResidentAsync(HttpMethod.Post, $"/api/v1/residents/requests/{ticket}/rating", session, new { satisfaction = "satisfied" });
            rating.EnsureSuccessStatusCode();
            return id;
        }));

        // Arrived and resolved in the same instant, a request's "on site" may reach intake after its "resolved" was
        // texted: it is then not texted (superseded), so a request gets four or five texts.
        await Eventually.True(async () => await shared.Stack.ScalarAsync<long>("intake",
            "SELECT count(*) FROM resident_notifications WHERE recipient_request_id = ANY(@ids) AND state <> 'pending'", new { ids }) == ids.Length * 5L,
            "five steps per request, each texted or superseded");
        var owedSteps = await shared.Stack.QueryAsync<Owed>("intake",
            "SELECT recipient_request_id AS RequestId, step, state, last_error AS LastError FROM resident_notifications WHERE recipient_request_id = ANY(@ids)", new { ids });
        Assert.All(owedSteps.GroupBy(s => s.RequestId), g => Assert.Equal(["assigned", "closed", "on_site", "resolved", "submitted"], g.Select(s => s.Step).Order()));
        Assert.All(owedSteps.Where(s => s.State != "sent"), s => Assert.Equal(("on_site", "skipped", "superseded: 'resolved', a later step, was texted first"), (s.Step, s.State, s.LastError)));
        var sent = await shared.Stack.QueryAsync<Sent>("intake", """
            SELECT recipient_request_id AS RequestId, step,
                   (extract(epoch FROM sent_at - step_at) * 1000)::float8 AS StepToText, (extract(epoch FROM created_at - step_at) * 1000)::float8 AS StepToOwed
            FROM resident_notifications WHERE recipient_request_id = ANY(@ids) AND state = 'sent'
            """, new { ids });

        var latencies = sent.Select(s => s.StepToText).Order().ToList();
        double P(double q) => latencies[(int)Math.Min(latencies.Count - 1, Math.Ceiling(q * latencies.Count) - 1)];
        var owed = sent.Select(s => s.StepToOwed).Order().ToList();
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"texts per request: {sent.Count / (double)ids.Length:F1} over {ids.Length} requests ({owedSteps.Count - sent.Count} 'on site' superseded by its 'resolved'); step → text p50 {P(0.5):F0} ms, p99 {P(0.99):F0} ms, max {latencies[^1]:F0} ms; step → owed (event reached intake) p50 {owed[owed.Count / 2]:F0} ms"));
        Assert.True(P(0.99) < 30_000, $"p99 from step to text was {P(0.99):F0} ms");
    }
}
