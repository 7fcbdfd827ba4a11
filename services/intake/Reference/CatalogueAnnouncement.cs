using Dapper;
using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults.Messaging;
using Npgsql;

namespace GovPlatform.Intake.Reference;

/// <summary>
/// Announces the catalogue's categories that intake has not announced in their current version: the ones its
/// migrations ship (or change), which no desk edit ever put in the outbox. Dispatch keeps each category's default
/// tier from these (where its work orders start) and reporting its names; without them a fresh stack would start
/// every order in the grid whatever the catalogue says.
/// </summary>
/// <remarks>
/// Runs at start, after the migrations and before the service takes traffic. Each announcement carries the
/// category's <c>updated_at</c> as its time, never "now", so one that arrives after a newer desk edit is older than
/// the edit and the consumers' <c>changed_at</c> guard keeps the edit. The outbox rows and <c>announced_at</c> commit
/// together: a crash before the commit announces again at the next start, after it never again. Instances starting
/// together each take the rows the other has not locked (<c>SKIP LOCKED</c>), and a desk edit in flight holds its
/// row and announces that version itself, so each version is announced once. An event reaches only the queues that
/// exist when it is published, so a consumer that starts for the first time after this announcement asks for the whole
/// catalogue (<see cref="CatalogueRequested"/>, answered by <see cref="CatalogueRequestedConsumer"/>).
/// </remarks>
public static class CatalogueAnnouncement
{
    private sealed record Due
    {
        public required string Code { get; init; }
        public string? ParentCode { get; init; }
        public required string NameZh { get; init; }
        public required string NameEn { get; init; }
        public required string DefaultTier { get; init; }
        public bool Active { get; init; }
        public DateTime UpdatedAt { get; init; }
    }

    // Rows are locked in code order, so instances starting together meet no deadlock and skip what the other holds.
    private const string Claim = """
        WITH due AS (
            SELECT code FROM categories
            WHERE announced_at IS DISTINCT FROM updated_at
            ORDER BY code
            FOR UPDATE SKIP LOCKED
        )
        UPDATE categories c SET announced_at = c.updated_at
        FROM due WHERE c.code = due.code
        RETURNING c.code, c.parent_code AS ParentCode, c.name_zh AS NameZh, c.name_en AS NameEn,
                  c.default_tier AS DefaultTier, c.active, c.updated_at AS UpdatedAt
        """;

    /// <summary>Puts a <see cref="CategoryChanged"/> in the outbox for every category not yet announced in its current version; returns how many.</summary>
    public static async Task<int> AnnounceAsync(NpgsqlDataSource db, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var due = (await conn.QueryAsync<Due>(new CommandDefinition(Claim, transaction: tx, cancellationToken: ct))).AsList();
        await EnqueueAsync(tx, due, ct);
        await tx.CommitAsync(ct);
        return due.Count;
    }

    private const string Everything = """
        SELECT code, parent_code AS ParentCode, name_zh AS NameZh, name_en AS NameEn, default_tier AS DefaultTier, active,
               updated_at AS UpdatedAt
        FROM categories
        """;

    /// <summary>
    /// Puts a <see cref="CategoryChanged"/> for every category, announced or not, in the outbox within the caller's
    /// transaction: the answer to a <see cref="CatalogueRequested"/>. Each is dated by the category's <c>updated_at</c>,
    /// so it never overrides a newer edit a consumer already holds; <c>announced_at</c> stays as it is (the version is
    /// the same). Returns how many.
    /// </summary>
    public static async Task<int> AnnounceAllAsync(NpgsqlTransaction tx, CancellationToken ct = default)
    {
        var all = (await tx.Connection!.QueryAsync<Due>(new CommandDefinition(Everything, transaction: tx, cancellationToken: ct))).AsList();
        await EnqueueAsync(tx, all, ct);
        return all.Count;
    }

    private static async Task EnqueueAsync(NpgsqlTransaction tx, List<Due> categories, CancellationToken ct)
    {
        // Majors first, so a consumer meets a minor's major before the minor (none relies on it).
        foreach (var c in categories.OrderBy(c => c.ParentCode is not null).ThenBy(c => c.Code, StringComparer.Ordinal))
            await Outbox.EnqueueAsync(tx, new CategoryChanged(c.Code, c.ParentCode, c.NameZh, c.NameEn, c.DefaultTier, c.Active,
                new DateTimeOffset(DateTime.SpecifyKind(c.UpdatedAt, DateTimeKind.Utc))), ct);
    }

    /// <summary>Announces at start what the migrations shipped or changed; call after <c>MigrateDatabaseAsync</c>.</summary>
    public static async Task AnnounceCatalogueAsync(this WebApplication app)
    {
        var announced = await AnnounceAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), app.Lifetime.ApplicationStopping);
        if (announced > 0)
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(CatalogueAnnouncement)).LogInformation(
                "Announced {Count} catalogue categories to the other services (CategoryChanged)", announced);
    }
}
