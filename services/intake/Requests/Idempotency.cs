using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Messaging;
using Npgsql;

namespace GovPlatform.Intake.Requests;

/// <summary>
/// The <c>Idempotency-Key</c> header: a retried POST gets the first one's response, the same key
/// with a different body gets 422. The key is claimed by inserting its row inside the request's
/// transaction, so a concurrent retry waits on that row until the first commits, then replays it.
/// Filing inserts the row with its answer in the same statement as the request (<see cref="RequestFiling"/>);
/// <see cref="ClaimAsync"/> and <see cref="SaveResponseAsync"/> serve the path that must claim before it knows the answer.
/// </summary>
public static class Idempotency
{
    public const string Header = "Idempotency-Key";
    public const int MaxKeyLength = 200;

    /// <summary>A key a filing claims, the hash a retry must match, and how long the key replays.</summary>
    public sealed record Claim(string Key, byte[] RequestHash, TimeSpan Lifetime);

    public sealed record Stored(byte[] RequestHash, int? StatusCode, string? ResponseBody, string? Location);

    /// <summary>Keys are visible ASCII (as the IETF draft's examples and common clients use), at most 200 characters.</summary>
    public static bool IsValidKey(string key) => key.Length is > 0 and <= MaxKeyLength && key.All(c => c is >= '!' and <= '~');

    /// <summary>Bodies that bind to the same request are the same request, whatever their spacing or key order.</summary>
    public static byte[] Hash<T>(T body) => SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(body, Outbox.Json));

    /// <summary>
    /// True when this call owns the key; false when an earlier call does (read it with <see cref="ReadAsync"/>).
    /// A key older than <paramref name="lifetime"/> has expired: this call takes it over as if it were new,
    /// whether or not the sweep has deleted it yet.
    /// </summary>
    public static async Task<bool> ClaimAsync(NpgsqlTransaction tx, string principal, string key, byte[] hash, DateTimeOffset now,
        TimeSpan lifetime, CancellationToken ct)
    {
        const string sql = """
            INSERT INTO idempotency_keys AS k (principal, key, request_hash, created_at)
            VALUES (@principal, @key, @hash, @now)
            ON CONFLICT (principal, key) DO UPDATE
                SET request_hash = excluded.request_hash, created_at = excluded.created_at,
                    status_code = NULL, response_body = NULL, location = NULL
                WHERE k.created_at < @expiredBefore
            """;
        return await tx.Connection!.ExecuteAsync(new CommandDefinition(sql, new
        {
            principal, key, hash, now = now.UtcDateTime, expiredBefore = (now - lifetime).UtcDateTime,
        }, tx, cancellationToken: ct)) == 1;
    }

    /// <summary>Deletes expired keys in batches (so a long backlog never holds one big lock); returns how many went.</summary>
    public static async Task<int> SweepAsync(NpgsqlDataSource db, DateTimeOffset now, TimeSpan lifetime, CancellationToken ct)
    {
        const string sql = """
            DELETE FROM idempotency_keys
            WHERE ctid = ANY (ARRAY(SELECT ctid FROM idempotency_keys WHERE created_at < @expiredBefore LIMIT 5000))
            """;
        var total = 0;
        await using var conn = await db.OpenConnectionAsync(ct);
        while (true)
        {
            var deleted = await conn.ExecuteAsync(new CommandDefinition(sql, new { expiredBefore = (now - lifetime).UtcDateTime }, cancellationToken: ct));
            total += deleted;
            if (deleted < 5000) return total;
        }
    }

    public static Task<Stored?> ReadAsync(NpgsqlConnection conn, string principal, string key, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<Stored>(new CommandDefinition("""
            SELECT request_hash AS RequestHash, status_code AS StatusCode, response_body AS ResponseBody, location
            FROM idempotency_keys WHERE principal = @principal AND key = @key
            """, new { principal, key }, cancellationToken: ct));

    public static Task SaveResponseAsync<T>(NpgsqlTransaction tx, string principal, string key, int statusCode, T response, string? location, CancellationToken ct) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition("""
            UPDATE idempotency_keys SET status_code = @statusCode, response_body = @body, location = @location
            WHERE principal = @principal AND key = @key
            """, new { principal, key, statusCode, body = JsonSerializer.Serialize(response, Outbox.Json), location }, tx, cancellationToken: ct));
}

/// <summary>Deletes expired idempotency keys now and then; expiry itself does not wait for it (see <see cref="Idempotency.ClaimAsync"/>).</summary>
public sealed class IdempotencyKeySweep(NpgsqlDataSource db, IntakeOptions options, TimeProvider clock, ILogger<IdempotencyKeySweep> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.IdempotencySweepInterval);
        do
        {
            try
            {
                var deleted = await Idempotency.SweepAsync(db, clock.GetUtcNow(), options.IdempotencyRetention, stoppingToken);
                if (deleted > 0) logger.LogInformation("Deleted {Count} expired idempotency keys", deleted);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                logger.LogWarning(e, "The idempotency key sweep failed; it runs again at the next interval");
            }
        } while (await timer.NextTickAsync(stoppingToken));
    }
}
