using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using GovPlatform.ServiceDefaults.Messaging;
using Npgsql;

namespace GovPlatform.Intake.Requests;

/// <summary>
/// The <c>Idempotency-Key</c> header: a retried POST gets the first one's response, the same key
/// with a different body gets 422. The key is claimed by inserting its row inside the request's
/// transaction, so a concurrent retry waits on that row until the first commits, then replays it.
/// </summary>
public static class Idempotency
{
    public const string Header = "Idempotency-Key";
    public const int MaxKeyLength = 200;

    public sealed record Stored(byte[] RequestHash, int? StatusCode, string? ResponseBody, string? Location);

    /// <summary>Keys are visible ASCII (as the IETF draft's examples and common clients use), at most 200 characters.</summary>
    public static bool IsValidKey(string key) => key.Length is > 0 and <= MaxKeyLength && key.All(c => c is >= '!' and <= '~');

    /// <summary>Bodies that bind to the same request are the same request, whatever their spacing or key order.</summary>
    public static byte[] Hash<T>(T body) => SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(body, Outbox.Json));

    /// <summary>True when this call owns the key; false when an earlier call does (read it with <see cref="ReadAsync"/>).</summary>
    public static async Task<bool> ClaimAsync(NpgsqlTransaction tx, string principal, string key, byte[] hash, DateTimeOffset now, CancellationToken ct)
    {
        const string sql = """
            INSERT INTO idempotency_keys (principal, key, request_hash, created_at)
            VALUES (@principal, @key, @hash, @now)
            ON CONFLICT (principal, key) DO NOTHING
            """;
        return await tx.Connection!.ExecuteAsync(new CommandDefinition(sql, new { principal, key, hash, now = now.UtcDateTime }, tx, cancellationToken: ct)) == 1;
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
