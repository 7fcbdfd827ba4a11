using System.Text.Json;
using Dapper;
using GovPlatform.Intake.Notifications;
using GovPlatform.ServiceDefaults.Messaging;
using Npgsql;

namespace GovPlatform.Intake.Timeline;

/// <summary>The stages a request's timeline records; every one but the classification and the callback is also a status.</summary>
public static class TimelineEvents
{
    public const string Submitted = "submitted";
    public const string Classified = "classified";
    public const string Linked = "linked";
    /// <summary>An operator undid a duplicate link: as a status, the request is submitted again.</summary>
    public const string Unlinked = "unlinked";
    public const string Assigned = "assigned";
    public const string Accepted = "accepted";
    public const string OnSite = "on_site";
    public const string Escalated = "escalated";
    public const string Whistled = "whistled";
    public const string Resolved = "resolved";
    public const string PlanFormed = "plan_formed";
    public const string Callback = "callback";
    public const string Reopened = "reopened";
    public const string Closed = "closed";
    /// <summary>A mediation case about the request was opened or closed in dispatch; not a status of the request.</summary>
    public const string Mediation = "mediation";

    /// <summary>Lifecycle order: breaks ties between entries reported at the same instant.</summary>
    public static readonly string[] Ordered =
        [Submitted, Classified, Linked, Unlinked, Assigned, Accepted, OnSite, Escalated, Whistled, Mediation, Resolved, PlanFormed, Callback, Reopened, Closed];
}

/// <param name="DedupeKey">Same key, same entry: <c>{round}</c> in it becomes the number of reopenings before <paramref name="At"/>.</param>
public sealed record TimelineEntry(Guid RequestId, string Event, DateTimeOffset At, string? Actor, object? Detail, string DedupeKey);

public static class RequestTimeline
{
    /// <summary>
    /// Adds an entry (once per dedupe key) and sets the request's status to its latest entry's,
    /// by the time things happened: the outbox relay publishes concurrently, so a later event may
    /// arrive first. Returns false when the request is not in the ledger.
    /// </summary>
    /// <param name="wakeInProcess">
    /// The caller wakes this process's sender of progress texts after its commit (<see cref="ProgressWake"/>), so the
    /// timeline trigger need not NOTIFY; only when <see cref="ProgressWake.Serves"/> said a sender runs here.
    /// </param>
    public static async Task<bool> AppendAsync(NpgsqlTransaction tx, TimelineEntry entry, CancellationToken ct, bool wakeInProcess = false)
    {
        var conn = tx.Connection!;
        // The row lock makes entries for one request take turns, so each status update sees the
        // entries committed before it. The setting rides on the same round trip.
        const string lockRequest = "SELECT 1 FROM requests WHERE id = @RequestId FOR UPDATE";
        const string lockRequestWakingInProcess =
            "SELECT 1, set_config('govplatform.progress_wake', 'in_process', true) FROM requests WHERE id = @RequestId FOR UPDATE";
        // The entry and the status it moves to, in one statement: the status is updated only when the entry was added
        // (a repeated fact changes nothing), and the statement's snapshot does not hold the new entry, so the latest is
        // chosen among the committed ones and the new one. Guarded by the request's existence, which the lock just read,
        // so an unknown request adds nothing instead of failing on the foreign key.
        const string appendAndMove = """
            WITH added AS (
                INSERT INTO request_timeline (request_id, event, at, actor, detail, dedupe_key)
                SELECT @RequestId, @Event, @at, @Actor, @detail::jsonb, @key
                WHERE EXISTS (SELECT 1 FROM requests WHERE id = @RequestId)
                ON CONFLICT (request_id, dedupe_key) DO NOTHING
                RETURNING event, at),
            moved AS (
                UPDATE requests r SET status = CASE latest.event WHEN 'unlinked' THEN 'submitted' ELSE latest.event END, updated_at = now()
                FROM (SELECT event FROM (SELECT event, at FROM request_timeline WHERE request_id = @RequestId
                                         UNION ALL SELECT event, at FROM added) e
                      WHERE event NOT IN ('callback', 'classified', 'mediation')
                      ORDER BY at DESC, array_position(@ordered, event) DESC
                      LIMIT 1) latest
                WHERE r.id = @RequestId AND EXISTS (SELECT 1 FROM added)
                RETURNING 1)
            SELECT (SELECT count(*) FROM added) + (SELECT count(*) FROM moved)
            """;
        var key = entry.DedupeKey;
        var args = new
        {
            entry.RequestId, entry.Event, at = entry.At.UtcDateTime, entry.Actor,
            detail = JsonSerializer.Serialize(entry.Detail ?? new { }, Outbox.Json),
            key, ordered = TimelineEvents.Ordered,
        };
        var lockSql = wakeInProcess ? lockRequestWakingInProcess : lockRequest;
        if (!key.Contains("{round}"))
        {
            // Lock, entry and status in one round trip: statements of a batch run in order, each with its own snapshot.
            await using var results = await conn.QueryMultipleAsync(new CommandDefinition($"{lockSql};\n{appendAndMove}", args, tx, cancellationToken: ct));
            var found = (await results.ReadAsync<int>()).Any();
            await results.ReadAsync<long>();
            return found;
        }

        var locked = await conn.QuerySingleOrDefaultAsync<int?>(new CommandDefinition(lockSql, new { entry.RequestId }, tx, cancellationToken: ct));
        if (locked is null) return false;
        // The round an entry belongs to is how many reopenings happened before it, so a
        // close reported late still lands in its own round, not the current one.
        var round = await conn.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM request_timeline WHERE request_id = @RequestId AND event = 'reopened' AND at <= @at",
            new { entry.RequestId, at = entry.At.UtcDateTime }, tx, cancellationToken: ct));
        key = key.Replace("{round}", round.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await conn.ExecuteScalarAsync<long>(new CommandDefinition(appendAndMove, args with { key = key }, tx, cancellationToken: ct));
        return true;
    }

    public sealed record EntryDto
    {
        public required string Event { get; init; }
        public DateTime At { get; init; }
        public string? Actor { get; init; }
        public required JsonElement Detail { get; init; }
    }

    private sealed record Row(string Event, DateTime At, string? Actor, string Detail);

    public static async Task<IReadOnlyList<EntryDto>> ReadAsync(NpgsqlConnection conn, Guid requestId, CancellationToken ct)
    {
        const string sql = """
            SELECT event, at, actor, detail::text AS detail
            FROM request_timeline WHERE request_id = @requestId
            ORDER BY at, array_position(@ordered, event), id
            """;
        var rows = await conn.QueryAsync<Row>(new CommandDefinition(sql, new { requestId, ordered = TimelineEvents.Ordered }, cancellationToken: ct));
        return rows.Select(r => new EntryDto { Event = r.Event, At = r.At, Actor = r.Actor, Detail = JsonDocument.Parse(r.Detail).RootElement.Clone() }).ToList();
    }
}
