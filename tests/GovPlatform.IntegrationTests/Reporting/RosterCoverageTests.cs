using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests.Reporting;

/// <summary>
/// Grid coverage counts workers on duty from the start, who never change duty: dispatch publishes the roster's duty
/// at every import, and once at start-up for workers imported before it did.
/// </summary>
public sealed class RosterCoverageTests : IAsyncLifetime
{
    private TestStack _stack = null!;
    private readonly TestCounty _county = new(workersInGrid: 1);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _stack = await TestStack.CreateAsync();
        _stack.Start("reporting");
        _stack.Start("dispatch");
        await _stack.ImportAsync(_county);
    }

    public ValueTask DisposeAsync() => _stack.DisposeAsync();

    private async Task<(long Grids, long Covered)> CoverageAsync()
    {
        var today = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd");
        using var response = await _stack.Client("reporting").SendAsync(HttpMethod.Get,
            $"/api/v1/kpis?from={today}&to={today}&under={_county.District}", token: Tokens.For("leader"));
        var coverage = (await response.JsonAsync()).GetProperty("gridCoverage");
        return (coverage.GetProperty("grids").GetInt64(), coverage.GetProperty("covered").GetInt64());
    }

    private Task<IReadOnlyList<string>> RosteredAsync(Guid workerId) =>
        _stack.QueryAsync<string>("dispatch",
            "SELECT body->>'at' FROM outbox_messages WHERE message_type = 'GovPlatform.Contracts.WorkerRostered' AND body->>'workerId' = @id",
            new { id = workerId.ToString() });

    [Fact]
    public async Task A_grid_staffed_since_before_the_period_is_covered_though_nobody_changed_duty()
    {
        // The import stated the first grid's worker and leader on duty; nobody ever flips duty.
        await Eventually.True(async () => await CoverageAsync() == (2, 1), "the first grid covered from its import");

        // A worker put on the second grid two days ago, before the roster was published: dispatch publishes them at
        // its next start, on duty since they were created, and only once.
        var old = await UnpublishedWorkerAsync();
        Assert.Empty(await RosteredAsync(old));
        await _stack.StopAsync("dispatch");
        _stack.Start("dispatch");

        await Eventually.True(async () => await CoverageAsync() == (2, 2), "the second grid covered by the worker published at start-up");
        var at = Assert.Single(await RosteredAsync(old));
        Assert.True(DateTimeOffset.Parse(at) < DateTimeOffset.UtcNow.AddDays(-1.9), $"published as on duty since {at}");
        // Started again, dispatch publishes only who is still unpublished.
        var later = await UnpublishedWorkerAsync();
        await _stack.StopAsync("dispatch");
        _stack.Start("dispatch");
        await Eventually.True(async () => (await RosteredAsync(later)).Count == 1, "the later worker published at the next start");
        Assert.Single(await RosteredAsync(old));
    }

    private async Task<Guid> UnpublishedWorkerAsync()
    {
        var id = Guid.NewGuid();
        await using var conn = await _stack.OpenAsync("dispatch");
        await using var insert = new Npgsql.NpgsqlCommand("""
            INSERT INTO workers (id, name, phone, role, node_code, created_at, roster_published)
            VALUES (@id, '老网格员', @phone, 'grid_worker', @grid, now() - interval '2 days', false)
            """, conn);
        insert.Parameters.AddWithValue("id", id);
        insert.Parameters.AddWithValue("phone", $"137{Random.Shared.Next(10_000_000, 99_999_999)}");
        insert.Parameters.AddWithValue("grid", _county.EmptyGrid);
        await insert.ExecuteNonQueryAsync(Ct);
        return id;
    }
}
