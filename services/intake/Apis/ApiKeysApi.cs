using System.Security.Claims;
using Dapper;
using GovPlatform.Intake.Access;
using GovPlatform.Intake.Reference;
using GovPlatform.Intake.Requests;
using GovPlatform.ServiceDefaults;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Intake.Apis;

public static class ApiKeysApi
{
    /// <param name="Name">The system the key is for (e.g. <c>12345热线</c>); requests it files carry this name.</param>
    public sealed record IssueApiKey(string Name, int RateLimitPerMinute = 60);

    /// <summary>The only response that ever contains the key itself.</summary>
    public sealed record IssuedApiKey(Guid Id, string Name, string Key, string KeyPrefix, int RateLimitPerMinute, DateTimeOffset CreatedAt);

    public sealed record ApiKeyDto(Guid Id, string Name, string KeyPrefix, int RateLimitPerMinute, string CreatedBy, DateTime CreatedAt, DateTime? RevokedAt);

    public const int MaxRateLimit = 100_000;

    public static void MapApiKeysApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/api-keys").WithTags("API keys").RequireRoles(Roles.Admin);

        api.MapPost("/", Issue)
            .WithName("IssueApiKey")
            .WithSummary("Issue an API key for another city system; the key is shown in this response only");

        api.MapGet("/", ListKeys)
            .WithName("ListApiKeys")
            .WithSummary("Issued keys with their prefixes and limits, never the keys themselves");

        api.MapDelete("/{id:guid}", Revoke)
            .WithName("RevokeApiKey")
            .WithSummary("Revoke a key: its next request is refused");
    }

    private static async Task<Results<Created<IssuedApiKey>, ValidationProblem>> Issue(
        IssueApiKey body, ClaimsPrincipal user, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(body.Name) || body.Name.Length > 100 || RequestRules.HasControlCharacters(body.Name))
            errors["name"] = ["1 to 100 characters, no control characters."];
        if (body.RateLimitPerMinute is < 1 or > MaxRateLimit)
            errors["rateLimitPerMinute"] = [$"Between 1 and {MaxRateLimit} requests a minute."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "No key was issued: fix the fields below.");

        var id = NewId.NextGuid();
        var key = ApiKeySecrets.NewKey();
        var now = clock.GetUtcNow();
        const string sql = """
            INSERT INTO api_keys (id, name, key_prefix, key_hash, rate_limit_per_minute, created_by, created_at)
            VALUES (@id, @Name, @prefix, @hash, @RateLimitPerMinute, @by, @now)
            """;
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(sql, new
        {
            id, body.Name, prefix = ApiKeySecrets.Prefix(key), hash = ApiKeySecrets.Hash(key), body.RateLimitPerMinute,
            by = user.Actor(), now,
        }, cancellationToken: ct));
        return TypedResults.Created($"/api/v1/api-keys/{id}",
            new IssuedApiKey(id, body.Name, key, ApiKeySecrets.Prefix(key), body.RateLimitPerMinute, now));
    }

    private static async Task<Ok<List<ApiKeyDto>>> ListKeys(NpgsqlDataSource db, CancellationToken ct)
    {
        const string sql = """
            SELECT id, name, key_prefix AS KeyPrefix, rate_limit_per_minute AS RateLimitPerMinute,
                   created_by AS CreatedBy, created_at AS CreatedAt, revoked_at AS RevokedAt
            FROM api_keys ORDER BY created_at DESC
            """;
        await using var conn = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok((await conn.QueryAsync<ApiKeyDto>(new CommandDefinition(sql, cancellationToken: ct))).AsList());
    }

    private static async Task<Results<NoContent, NotFound>> Revoke(Guid id, NpgsqlDataSource db, ReferenceCache reference, TimeProvider clock,
        CancellationToken ct)
    {
        // Revoking twice is harmless; the first revocation time stays.
        const string sql = "UPDATE api_keys SET revoked_at = coalesce(revoked_at, @now) WHERE id = @id";
        await using var conn = await db.OpenConnectionAsync(ct);
        var found = await conn.ExecuteAsync(new CommandDefinition(sql, new { id, now = clock.GetUtcNow() }, cancellationToken: ct));
        // Every instance forgets its cached keys when the trigger's NOTIFY reaches it; this one forgets before it
        // answers, so the admin's next request through it is refused even if that NOTIFY is still on its way.
        reference.Invalidate("api_keys");
        return found == 0 ? TypedResults.NotFound() : TypedResults.NoContent();
    }
}
