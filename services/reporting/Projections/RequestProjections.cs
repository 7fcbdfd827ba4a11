using GovPlatform.Contracts;
using Npgsql;
using static GovPlatform.Reporting.Projections.Facts;

namespace GovPlatform.Reporting.Projections;

public sealed class RequestSubmittedProjection(Projector p) : Projection<RequestSubmitted>(p)
{
    protected override DateTimeOffset OccurredAt(RequestSubmitted m) => m.SubmittedAt;

    // The grid is whichever node on the location's path is a grid in our copy of the tree; if the
    // assignment arrived first it already set one, and it wins. A reclassification newer than the
    // submission keeps its category.
    private const string Sql = $"""
        INSERT INTO request_facts AS f (request_id, ticket_no, channel, category, category_at, urgency, location_code, location_path,
                                        grid_code, status, status_rank, status_at, submitted_at)
        VALUES (@RequestId, @TicketNo, @Channel, @Category, @at, @Urgency, @LocationCode, @path,
                (SELECT code FROM grid_copy WHERE code = ANY(@path) AND level = 'grid' LIMIT 1),
                'submitted', {Rank.Submitted}, @at, @at)
        ON CONFLICT (request_id) DO UPDATE
            SET ticket_no = excluded.ticket_no, channel = excluded.channel, urgency = excluded.urgency,
                category = CASE WHEN f.category_at IS NULL OR f.category_at <= excluded.category_at THEN excluded.category ELSE f.category END,
                category_at = greatest(f.category_at, excluded.category_at),
                location_code = excluded.location_code, location_path = excluded.location_path,
                grid_code = coalesce(f.grid_code, excluded.grid_code),
                submitted_at = excluded.submitted_at,
                {StatusSet}
        """;

    protected override Task ApplyAsync(RequestSubmitted m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new
        {
            m.RequestId, m.TicketNo, m.Channel, m.Category, m.Urgency, m.LocationCode, path = m.LocationPath.ToArray(), at = Utc(m.SubmittedAt),
        }, ct);
}

public sealed class RequestLinkedAsDuplicateProjection(Projector p) : Projection<RequestLinkedAsDuplicate>(p)
{
    protected override DateTimeOffset OccurredAt(RequestLinkedAsDuplicate m) => m.At;

    // A duplicate may be known only from this event, so it fills the place, channel and time it carries (intake
    // publishes no RequestSubmitted for it); a later unlink (duplicate_at) wins over an older link.
    private const string Sql = $"""
        INSERT INTO request_facts AS f (request_id, ticket_no, channel, category, category_at, location_path, location_code, grid_code,
                                        status, status_rank, status_at, submitted_at, duplicate_of, duplicate_at)
        VALUES (@RequestId, @TicketNo, @Channel, @Category, @at, @path, (@path::text[])[array_length(@path::text[], 1)],
                (SELECT code FROM grid_copy WHERE code = ANY(@path) AND level = 'grid' LIMIT 1),
                'duplicate', {Rank.Duplicate}, @at, @at, @OriginalRequestId, @at)
        ON CONFLICT (request_id) DO UPDATE
            SET ticket_no = coalesce(f.ticket_no, excluded.ticket_no),
                channel = coalesce(f.channel, excluded.channel),
                category = coalesce(f.category, excluded.category),
                category_at = coalesce(f.category_at, excluded.category_at),
                location_path = coalesce(f.location_path, excluded.location_path),
                location_code = coalesce(f.location_code, excluded.location_code),
                grid_code = coalesce(f.grid_code, excluded.grid_code),
                submitted_at = coalesce(f.submitted_at, excluded.submitted_at),
                duplicate_of = CASE WHEN f.duplicate_at IS NULL OR f.duplicate_at <= excluded.duplicate_at THEN excluded.duplicate_of ELSE f.duplicate_of END,
                duplicate_at = greatest(f.duplicate_at, excluded.duplicate_at),
                {StatusSet}
        """;

    protected override Task ApplyAsync(RequestLinkedAsDuplicate m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.RequestId, m.OriginalRequestId, m.TicketNo, m.Channel, m.Category, path = m.LocationPath.ToArray(), at = Utc(m.At) }, ct);
}

public sealed class RequestUnlinkedProjection(Projector p) : Projection<RequestUnlinked>(p)
{
    protected override DateTimeOffset OccurredAt(RequestUnlinked m) => m.At;

    private const string Sql = """
        INSERT INTO request_facts AS f (request_id, duplicate_of, duplicate_at)
        VALUES (@RequestId, NULL, @at)
        ON CONFLICT (request_id) DO UPDATE
            SET duplicate_of = CASE WHEN f.duplicate_at IS NULL OR f.duplicate_at <= excluded.duplicate_at THEN NULL ELSE f.duplicate_of END,
                duplicate_at = greatest(f.duplicate_at, excluded.duplicate_at),
                updated_at = now()
        """;

    protected override Task ApplyAsync(RequestUnlinked m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.RequestId, at = Utc(m.At) }, ct);
}

public sealed class RequestReclassifiedProjection(Projector p) : Projection<RequestReclassified>(p)
{
    protected override DateTimeOffset OccurredAt(RequestReclassified m) => m.At;

    private const string Sql = """
        INSERT INTO request_facts AS f (request_id, category, category_at)
        VALUES (@RequestId, @ToCategory, @at)
        ON CONFLICT (request_id) DO UPDATE
            SET category = CASE WHEN f.category_at IS NULL OR f.category_at <= excluded.category_at THEN excluded.category ELSE f.category END,
                category_at = greatest(f.category_at, excluded.category_at),
                updated_at = now()
        """;

    protected override Task ApplyAsync(RequestReclassified m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.RequestId, m.ToCategory, at = Utc(m.At) }, ct);
}

public sealed class CallbackRecordedProjection(Projector p) : Projection<CallbackRecorded>(p)
{
    protected override DateTimeOffset OccurredAt(CallbackRecorded m) => m.At;

    // The newest callback speaks for the resident; an unreached callback leaves the last answer.
    private const string Sql = """
        INSERT INTO request_facts AS f (request_id, callback_at, callback_reached, satisfaction, satisfaction_at)
        VALUES (@RequestId, @at, @Reached, @Satisfaction, CASE WHEN @Satisfaction::text IS NULL THEN NULL ELSE @at END)
        ON CONFLICT (request_id) DO UPDATE
            SET callback_reached = CASE WHEN f.callback_at IS NULL OR f.callback_at <= excluded.callback_at THEN excluded.callback_reached ELSE f.callback_reached END,
                callback_at = greatest(f.callback_at, excluded.callback_at),
                satisfaction = CASE WHEN excluded.satisfaction IS NOT NULL AND (f.satisfaction_at IS NULL OR f.satisfaction_at <= excluded.satisfaction_at)
                                    THEN excluded.satisfaction ELSE f.satisfaction END,
                satisfaction_at = greatest(f.satisfaction_at, excluded.satisfaction_at),
                updated_at = now()
        """;

    protected override Task ApplyAsync(CallbackRecorded m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.RequestId, m.Reached, Satisfaction = m.Reached ? m.Satisfaction : null, at = Utc(m.At) }, ct);
}

public sealed class RequestReopenedProjection(Projector p) : Projection<RequestReopened>(p)
{
    protected override DateTimeOffset OccurredAt(RequestReopened m) => m.At;

    private const string Sql = $"""
        INSERT INTO request_facts AS f (request_id, reopen_count, status, status_rank, status_at)
        VALUES (@RequestId, @ReopenCount, 'reopened', {Rank.Reopened}, @at)
        ON CONFLICT (request_id) DO UPDATE
            SET reopen_count = greatest(f.reopen_count, excluded.reopen_count),
                {StatusSet}
        """;

    protected override Task ApplyAsync(RequestReopened m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.RequestId, m.ReopenCount, at = Utc(m.At) }, ct);
}

public sealed class RequestClosedProjection(Projector p) : Projection<RequestClosed>(p)
{
    protected override DateTimeOffset OccurredAt(RequestClosed m) => m.At;

    // A close carries the satisfaction it was closed with; a newer callback still wins.
    private const string Sql = $"""
        INSERT INTO request_facts AS f (request_id, closed_at, satisfaction, satisfaction_at, status, status_rank, status_at)
        VALUES (@RequestId, @at, @Satisfaction, CASE WHEN @Satisfaction::text IS NULL THEN NULL ELSE @at END, 'closed', {Rank.Closed}, @at)
        ON CONFLICT (request_id) DO UPDATE
            SET closed_at = greatest(f.closed_at, excluded.closed_at),
                satisfaction = CASE WHEN excluded.satisfaction IS NOT NULL AND (f.satisfaction_at IS NULL OR f.satisfaction_at < excluded.satisfaction_at)
                                    THEN excluded.satisfaction ELSE f.satisfaction END,
                satisfaction_at = greatest(f.satisfaction_at, excluded.satisfaction_at),
                {StatusSet}
        """;

    protected override Task ApplyAsync(RequestClosed m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.RequestId, m.Satisfaction, at = Utc(m.At) }, ct);
}

public sealed class CategoryChangedProjection(Projector p) : Projection<CategoryChanged>(p)
{
    protected override DateTimeOffset OccurredAt(CategoryChanged m) => m.At;

    private const string Sql = """
        INSERT INTO categories AS c (code, parent_code, name_zh, name_en, default_tier, active, changed_at)
        VALUES (@Code, @ParentCode, @NameZh, @NameEn, @DefaultTier, @Active, @at)
        ON CONFLICT (code) DO UPDATE
            SET parent_code = excluded.parent_code, name_zh = excluded.name_zh, name_en = excluded.name_en,
                default_tier = excluded.default_tier, active = excluded.active, changed_at = excluded.changed_at
            WHERE c.changed_at <= excluded.changed_at
        """;

    protected override Task ApplyAsync(CategoryChanged m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { m.Code, m.ParentCode, m.NameZh, m.NameEn, m.DefaultTier, m.Active, at = Utc(m.At) }, ct);
}
