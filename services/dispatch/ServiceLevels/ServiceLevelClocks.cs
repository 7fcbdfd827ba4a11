using Dapper;
using GovPlatform.Contracts;
using Npgsql;

namespace GovPlatform.Dispatch.ServiceLevels;

/// <summary>
/// One category's service-level promise for an urgency ('*' for any), in seconds from the moment a tier takes the
/// order: wall-clock seconds, or working seconds (only working days count) when <paramref name="WorkingTime"/>.
/// </summary>
/// <param name="WarnPercent">How far into a clock's time the handler and their leader are warned.</param>
public sealed record SlaPolicy(string Category, string Urgency, int AcceptSeconds, int ArriveSeconds, int ResolveSeconds, int PlanSeconds,
    bool WorkingTime, int WarnPercent)
{
    public const string Columns = """
        category, urgency, accept_seconds AS AcceptSeconds, arrive_seconds AS ArriveSeconds,
        resolve_seconds AS ResolveSeconds, plan_seconds AS PlanSeconds, working_time AS WorkingTime, warn_percent AS WarnPercent
        """;

    public TimeSpan For(string clock) => TimeSpan.FromSeconds(clock switch
    {
        Clocks.Accept => AcceptSeconds,
        Clocks.Arrive => ArriveSeconds,
        Clocks.Resolve => ResolveSeconds,
        Clocks.Plan => PlanSeconds,
        _ => throw new ArgumentOutOfRangeException(nameof(clock), clock, null),
    });
}

/// <summary>
/// The service-level clocks of work orders, as rows of <c>work_order_deadlines</c>. Every method
/// runs inside the caller's transaction, so a transition and its clocks change together.
/// </summary>
/// <remarks>
/// All clocks of a tier start when the tier takes the order (the resident's wait counts from then,
/// not from the previous step). A clock is met by the step it times, missed once by
/// <see cref="DeadlineScheduler"/>, paused while the order is suspended, cancelled when the order
/// leaves the tier or the round.
/// </remarks>
public static class ServiceLevelClocks
{
    public const string Suspension = "suspension";
    /// <summary>The policy critical requests (one-key alarms) run against whatever their category, and the urgency that selects it.</summary>
    public const string CriticalPolicy = "critical";
    public static readonly string[] Running = [Clocks.Accept, Clocks.Arrive, Clocks.Resolve, Clocks.Plan];

    /// <summary>
    /// The level for a category and urgency, most specific first: the category at this urgency, the category at any
    /// urgency, the default at this urgency, the default. Critical requests name the 'critical' policy as their category.
    /// </summary>
    public static async Task<SlaPolicy> PolicyAsync(NpgsqlTransaction tx, string category, string urgency, CancellationToken ct) =>
        await tx.Connection!.QuerySingleAsync<SlaPolicy>(new CommandDefinition(PolicySql, new { policyCategory = category, urgency }, tx, cancellationToken: ct));

    /// <summary>The level's query (parameters <c>@policyCategory</c>, <c>@urgency</c>), for a caller that sends it with others in one round trip.</summary>
    public const string PolicySql = $"""
        SELECT {SlaPolicy.Columns}
        FROM sla_policies WHERE category IN (@policyCategory, '*') AND urgency IN (@urgency, '*')
        ORDER BY category = '*', urgency = '*'
        LIMIT 1
        """;

    /// <summary>Due and warning times of a tier's clocks started at <paramref name="from"/> under a level (<paramref name="calendar"/> for working time).</summary>
    public sealed record Plan(string[] Names, DateTime[] Dues, DateTime[] Warns, bool WorkingTime);

    public static Plan PlanFor(SlaPolicy policy, WorkingCalendar? calendar, DateTimeOffset from, IEnumerable<string> clocks)
    {
        DateTimeOffset After(TimeSpan span) => calendar?.Add(from, span) ?? from + span;
        var names = clocks.ToArray();
        return new Plan(names,
            names.Select(n => After(policy.For(n)).UtcDateTime).ToArray(),
            names.Select(n => After(policy.For(n) * policy.WarnPercent / 100).UtcDateTime).ToArray(),
            policy.WorkingTime);
    }

    /// <summary>Starts a tier's clocks; a clock that already exists for this tier and round is left alone.</summary>
    public static async Task StartAsync(NpgsqlTransaction tx, Guid workOrderId, string category, string tier, int round,
        DateTimeOffset from, IEnumerable<string> clocks, CancellationToken ct, string? urgency = null)
    {
        // A caller that has just written the order passes its urgency and spares the round trip.
        urgency ??= await tx.Connection!.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT urgency FROM work_orders WHERE id = @workOrderId", new { workOrderId }, tx, cancellationToken: ct)) ?? "normal";
        var policy = await PolicyAsync(tx, category, urgency, ct);
        // Working-time levels skip weekends and the county's holidays; the others run on the wall clock.
        var calendar = policy.WorkingTime ? await WorkingCalendar.ForOrderAsync(tx, workOrderId, ct) : null;
        var plan = PlanFor(policy, calendar, from, clocks);
        await tx.Connection!.ExecuteAsync(new CommandDefinition($"INSERT INTO work_order_deadlines {InsertPlanSql}", new
        {
            workOrderId, tier, round, plan.Names, plan.Dues, plan.Warns, plan.WorkingTime,
        }, tx, cancellationToken: ct));
    }

    /// <summary>
    /// The rows of a <see cref="Plan"/> for <c>INSERT INTO work_order_deadlines</c> (parameters <c>@workOrderId</c>,
    /// <c>@tier</c>, <c>@round</c> and the plan's); a clock that already exists for the tier and round is left alone.
    /// </summary>
    public const string InsertPlanSql = """
        (work_order_id, clock, tier, round, due_at, warn_at, working_time)
        SELECT @workOrderId, c.clock, @tier, @round, c.due_at, c.warn_at, @WorkingTime
        FROM unnest(@Names::text[], @Dues::timestamptz[], @Warns::timestamptz[]) AS c(clock, due_at, warn_at)
        ON CONFLICT (work_order_id, clock, tier, round) DO NOTHING
        """;

    /// <summary>The share of a plan's own time after which its handler is warned (the default level's).</summary>
    private const int PlanWarnPercent = 80;

    /// <summary>Starts one clock with a due date of its own (a plan's promised date), not the policy's; warned at 80% of the time from <paramref name="from"/>.</summary>
    public static Task StartAtAsync(NpgsqlTransaction tx, Guid workOrderId, string clock, string tier, int round, DateTimeOffset dueAt,
        CancellationToken ct, DateTimeOffset? from = null) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition("""
            INSERT INTO work_order_deadlines (work_order_id, clock, tier, round, due_at, warn_at)
            VALUES (@workOrderId, @clock, @tier, @round, @dueAt, @warnAt)
            ON CONFLICT (work_order_id, clock, tier, round) DO NOTHING
            """, new
            {
                workOrderId, clock, tier, round, dueAt = dueAt.UtcDateTime,
                warnAt = from is { } f && dueAt > f ? (f + (dueAt - f) * PlanWarnPercent / 100).UtcDateTime : (DateTime?)null,
            }, tx, cancellationToken: ct));

    /// <summary>Marks a clock met by the step it times; on time unless it was already missed or is past due.</summary>
    public static async Task<bool> MeetAsync(NpgsqlTransaction tx, Guid workOrderId, string clock, DateTimeOffset now, CancellationToken ct)
    {
        const string sql = """
            WITH met AS (
                UPDATE work_order_deadlines SET state = 'met', settled_at = @now
                WHERE work_order_id = @workOrderId AND clock = @clock AND state IN ('pending', 'paused')
                RETURNING due_at, paused_at
            )
            SELECT
                NOT EXISTS (SELECT 1 FROM met WHERE coalesce(paused_at, @now) > due_at)
                AND NOT EXISTS (SELECT 1 FROM work_order_deadlines d JOIN work_orders o ON o.id = d.work_order_id
                                WHERE d.work_order_id = @workOrderId AND d.clock = @clock
                                  AND d.state = 'missed' AND d.round = o.round AND d.tier = o.tier)
            """;
        return await tx.Connection!.ExecuteScalarAsync<bool>(new CommandDefinition(sql, new { workOrderId, clock, now }, tx, cancellationToken: ct));
    }

    /// <summary>
    /// The first promise made to the resident for a clock: its deadline at the tier that first had the order, in the
    /// order's first round (a suspension while that tier held it moved it on; nothing later does). Escalation and
    /// transfer start fresh clocks; this is what reporting judges steps on, so they never make a late step on time.
    /// Null when the clock never ran.
    /// </summary>
    public static async Task<DateTimeOffset?> FirstDueAsync(NpgsqlTransaction tx, Guid workOrderId, string clock, CancellationToken ct) =>
        await tx.Connection!.ExecuteScalarAsync<DateTime?>(new CommandDefinition("""
            SELECT due_at FROM work_order_deadlines
            WHERE work_order_id = @workOrderId AND clock = @clock
            ORDER BY round, array_position(ARRAY['compound', 'community', 'subdistrict', 'county'], tier)
            LIMIT 1
            """, new { workOrderId, clock }, tx, cancellationToken: ct)) is { } due
            ? new DateTimeOffset(DateTime.SpecifyKind(due, DateTimeKind.Utc))
            : null;

    /// <summary>Stops clocks that no longer apply (all of them when <paramref name="clocks"/> is null).</summary>
    public static Task CancelAsync(NpgsqlTransaction tx, Guid workOrderId, DateTimeOffset now, CancellationToken ct, params string[]? clocks) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition("""
            UPDATE work_order_deadlines SET state = 'cancelled', settled_at = @now
            WHERE work_order_id = @workOrderId AND state IN ('pending', 'paused')
              AND (@clocks::text[] IS NULL OR clock = ANY(@clocks))
            """, new { workOrderId, now, clocks = clocks is { Length: > 0 } ? clocks : null }, tx, cancellationToken: ct));

    /// <summary>A suspended order's clocks stand still; the suspension's own limit runs.</summary>
    public static async Task PauseAsync(NpgsqlTransaction tx, Guid workOrderId, string tier, int round, DateTimeOffset now,
        DateTimeOffset until, CancellationToken ct)
    {
        var conn = tx.Connection!;
        await conn.ExecuteAsync(new CommandDefinition("""
            UPDATE work_order_deadlines SET state = 'paused', paused_at = @now
            WHERE work_order_id = @workOrderId AND state = 'pending' AND clock <> 'suspension'
            """, new { workOrderId, now }, tx, cancellationToken: ct));
        // A second suspension in the same tier and round reuses the row: the earlier one is settled.
        await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO work_order_deadlines (work_order_id, clock, tier, round, due_at)
            VALUES (@workOrderId, 'suspension', @tier, @round, @until)
            ON CONFLICT (work_order_id, clock, tier, round)
            DO UPDATE SET due_at = excluded.due_at, state = 'pending', settled_at = NULL
            """, new { workOrderId, tier, round, until = until.UtcDateTime }, tx, cancellationToken: ct));
    }

    /// <summary>Restarts paused clocks with the time they had left when the order was suspended.</summary>
    public static async Task ResumeAsync(NpgsqlTransaction tx, Guid workOrderId, DateTimeOffset now, CancellationToken ct)
    {
        var conn = tx.Connection!;
        // Working-time clocks keep the working time they had left, which the calendar turns into a new date.
        var working = (await conn.QueryAsync<(long Id, DateTime DueAt, DateTime PausedAt, DateTime? WarnAt)>(new CommandDefinition("""
            SELECT id, due_at, paused_at, warn_at FROM work_order_deadlines
            WHERE work_order_id = @workOrderId AND state = 'paused' AND working_time
            """, new { workOrderId }, tx, cancellationToken: ct))).AsList();
        if (working.Count > 0)
        {
            var calendar = await WorkingCalendar.ForOrderAsync(tx, workOrderId, ct);
            static DateTimeOffset Utc(DateTime t) => new(DateTime.SpecifyKind(t, DateTimeKind.Utc));
            foreach (var d in working)
            {
                DateTimeOffset Moved(DateTime t) => calendar.Add(now, calendar.Between(Utc(d.PausedAt), Utc(t)));
                await conn.ExecuteAsync(new CommandDefinition("""
                    UPDATE work_order_deadlines SET state = 'pending', due_at = @due, warn_at = @warn, paused_at = NULL WHERE id = @Id
                    """, new
                    {
                        d.Id, due = Moved(d.DueAt).UtcDateTime,
                        warn = d.WarnAt is { } w && w > d.PausedAt ? Moved(w).UtcDateTime : d.WarnAt,
                    }, tx, cancellationToken: ct));
            }
        }
        await conn.ExecuteAsync(new CommandDefinition("""
            UPDATE work_order_deadlines SET state = 'pending', due_at = due_at + (@now - paused_at),
                                            warn_at = warn_at + (@now - paused_at), paused_at = NULL
            WHERE work_order_id = @workOrderId AND state = 'paused'
            """, new { workOrderId, now }, tx, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition("""
            UPDATE work_order_deadlines SET state = 'met', settled_at = @now
            WHERE work_order_id = @workOrderId AND clock = 'suspension' AND state = 'pending'
            """, new { workOrderId, now }, tx, cancellationToken: ct));
    }
}
