using Dapper;
using Npgsql;

namespace GovPlatform.ServiceDefaults.Attachments;

/// <summary>One stored object: its bytes and the media type they are served as.</summary>
public sealed record StoredObject(string ContentType, byte[] Content);

/// <summary>
/// Where the bytes of photos and files live, addressed by key. This is the seam to an object store: here the
/// objects sit in the service's own PostgreSQL database (<see cref="PostgresAttachmentStore"/>, since no object
/// store server runs on the platform's machines); in production an S3-compatible store (MinIO, OSS, COS, S3) can
/// implement the same three calls and be registered instead, while the <c>attachments</c> rows (who sent a file,
/// whose case it belongs to, who may read it) stay in PostgreSQL.
/// </summary>
public interface IAttachmentStore
{
    /// <summary>Stores (or replaces) the object under <paramref name="key"/>.</summary>
    Task PutAsync(string key, string contentType, ReadOnlyMemory<byte> content, CancellationToken ct);

    /// <summary>The object, or null when no object has the key.</summary>
    Task<StoredObject?> GetAsync(string key, CancellationToken ct);

    Task DeleteAsync(string key, CancellationToken ct);
}

/// <summary>Objects as rows of <c>attachment_blobs</c> in the service's database; see <see cref="IAttachmentStore"/>.</summary>
public sealed class PostgresAttachmentStore(NpgsqlDataSource db) : IAttachmentStore
{
    private const string Put = """
        INSERT INTO attachment_blobs (key, content_type, content) VALUES (@key, @contentType, @content)
        ON CONFLICT (key) DO UPDATE SET content_type = excluded.content_type, content = excluded.content, stored_at = now()
        """;

    private const string Get = "SELECT content_type AS ContentType, content FROM attachment_blobs WHERE key = @key";

    public async Task PutAsync(string key, string contentType, ReadOnlyMemory<byte> content, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(Put, new { key, contentType, content = content.ToArray() }, cancellationToken: ct));
    }

    public async Task<StoredObject?> GetAsync(string key, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<StoredObject>(new CommandDefinition(Get, new { key }, cancellationToken: ct));
    }

    public async Task DeleteAsync(string key, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition("DELETE FROM attachment_blobs WHERE key = @key", new { key }, cancellationToken: ct));
    }
}
