using Dapper;
using GovPlatform.IntegrationTests.Infrastructure;
using GovPlatform.ServiceDefaults.Data;
using GovPlatform.ServiceDefaults.Messaging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GovPlatform.IntegrationTests;

public sealed class RetentionTests : IAsyncLifetime
{
    private readonly string _database = $"retention_{Guid.NewGuid():N}"[..24];
    private readonly FakeClock _clock = new(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));
    private NpgsqlDataSource _db = null!;
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var cs = TestServers.PostgresDatabase(_database);
        _db = NpgsqlDataSource.Create(cs);
        await new Migrator(_db, new DatabaseSettings("test", cs), [], NullLogger<Migrator>.Instance).MigrateAsync([Migrator.Platform], Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _db.DisposeAsync();
        await using var conn = new NpgsqlConnection(TestServers.PostgresDatabase("postgres"));
        await conn.ExecuteAsync($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)");
    }

    private MessageRetention Retention(int batchSize = 1000) => new(
        _db, Options.Create(new RetentionOptions { BatchSize = batchSize }), _clock, NullLogger<MessageRetention>.Instance);

    private async Task<long> OutboxAsync(string type, TimeSpan? publishedAgo, TimeSpan createdAgo)
    {
        await using var conn = await _db.OpenConnectionAsync(Ct);
        var now = _clock.GetUtcNow();
        return await conn.ExecuteScalarAsync<long>("""
            INSERT INTO outbox_messages (message_id, message_type, body, created_at, published_at, attempts)
            VALUES (gen_random_uuid(), @type, '{}', @created, @published, 1) RETURNING id
            """, new { type, created = now - createdAgo, published = now - publishedAgo });
    }

    private async Task InboxAsync(string consumer, TimeSpan receivedAgo)
    {
        await using var conn = await _db.OpenConnectionAsync(Ct);
        await conn.ExecuteAsync("INSERT INTO inbox_messages (message_id, consumer, received_at) VALUES (gen_random_uuid(), @consumer, @at)",
            new { consumer, at = _clock.GetUtcNow() - receivedAgo });
    }

    private async Task<List<string>> LeftAsync(string sql)
    {
        await using var conn = await _db.OpenConnectionAsync(Ct);
        return [.. await conn.QueryAsync<string>(sql)];
    }

    [Fact]
    public async Task Published_outbox_rows_older_than_a_day_and_inbox_rows_older_than_a_week_are_deleted_in_batches()
    {
        for (var i = 0; i < 7; i++) await OutboxAsync("old-published", TimeSpan.FromDays(2), TimeSpan.FromDays(2));
        await OutboxAsync("recent-published", TimeSpan.FromHours(23), TimeSpan.FromHours(23));
        await OutboxAsync("old-unpublished", publishedAgo: null, TimeSpan.FromDays(30));
        for (var i = 0; i < 5; i++) await InboxAsync("old", TimeSpan.FromDays(8));
        await InboxAsync("recent", TimeSpan.FromDays(6));

        var swept = await Retention(batchSize: 3).SweepAsync(Ct);

        Assert.Equal(new MessageRetention.Swept(7, 5, Skipped: false), swept);
        Assert.Equal(["old-unpublished", "recent-published"], await LeftAsync("SELECT message_type FROM outbox_messages ORDER BY message_type"));
        Assert.Equal(["recent"], await LeftAsync("SELECT consumer FROM inbox_messages"));
    }

    [Fact]
    public async Task The_service_clock_decides_what_is_old()
    {
        await OutboxAsync("published", TimeSpan.FromHours(12), TimeSpan.FromHours(12));
        await InboxAsync("handled", TimeSpan.FromDays(3));
        var retention = Retention();
        Assert.Equal(new MessageRetention.Swept(0, 0, false), await retention.SweepAsync(Ct));

        _clock.Advance(TimeSpan.FromDays(4.5));

        Assert.Equal(new MessageRetention.Swept(1, 1, false), await retention.SweepAsync(Ct));
        Assert.Empty(await LeftAsync("SELECT message_type FROM outbox_messages"));
    }

    [Fact]
    public async Task While_one_instance_sweeps_another_skips_its_round()
    {
        await OutboxAsync("old", TimeSpan.FromDays(2), TimeSpan.FromDays(2));
        await using var other = await _db.OpenConnectionAsync(Ct);
        await other.ExecuteAsync("SELECT pg_advisory_lock(@SweepLockKey)", new { MessageRetention.SweepLockKey });

        var swept = await Retention().SweepAsync(Ct);

        Assert.True(swept.Skipped);
        Assert.Equal(["old"], await LeftAsync("SELECT message_type FROM outbox_messages"));
        await other.ExecuteAsync("SELECT pg_advisory_unlock(@SweepLockKey)", new { MessageRetention.SweepLockKey });
        Assert.Equal(1, (await Retention().SweepAsync(Ct)).Outbox);
    }

    [Fact]
    public async Task The_sweeps_find_old_rows_through_an_index()
    {
        await using var conn = await _db.OpenConnectionAsync(Ct);
        await conn.ExecuteAsync("SET enable_seqscan = off");
        var outboxPlan = string.Join('\n', await conn.QueryAsync<string>(
            "EXPLAIN SELECT id FROM outbox_messages WHERE published_at < now() ORDER BY published_at LIMIT 1000 FOR UPDATE SKIP LOCKED"));
        var inboxPlan = string.Join('\n', await conn.QueryAsync<string>(
            "EXPLAIN SELECT message_id FROM inbox_messages WHERE received_at < now() ORDER BY received_at LIMIT 1000 FOR UPDATE SKIP LOCKED"));

        Assert.Contains("outbox_messages_published", outboxPlan);
        Assert.Contains("inbox_messages_received", inboxPlan);
    }

    [Fact]
    public void An_inbox_kept_no_longer_than_the_outbox_is_refused()
    {
        Assert.Null(new RetentionOptions().Problem());
        Assert.Contains("InboxAge must be longer", new RetentionOptions { OutboxPublishedAge = TimeSpan.FromDays(7) }.Problem());
        Assert.NotNull(new RetentionOptions { BatchSize = 0 }.Problem());
    }
}
