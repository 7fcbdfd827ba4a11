using Dapper;
using GovPlatform.Contracts;
using Npgsql;

namespace GovPlatform.Dispatch.Duty;

/// <summary>One of a grid's people as an assignment weighed them (kept in the order's history as its candidates).</summary>
public sealed record Considered(Guid Id, string Name, string Role, long OpenLoad, string LoadFrom, bool Eligible, string? ExcludedBecause);

/// <summary>
/// Who in a grid takes new work: residents' requests (<c>RequestSubmittedConsumer</c>) and proactive orders
/// (<c>ProactiveOrderConsumer</c>) weigh the same people by the same duty, heartbeat and load rules.
/// </summary>
public static class GridCandidates
{
    private sealed record Candidate
    {
        public Guid Id { get; init; }
        public required string Name { get; init; }
        public required string Role { get; init; }
        public bool OnDuty { get; init; }
        public DateTime? LastHeartbeatAt { get; init; }
    }

    /// <summary>The eligible grid worker with the least open work, else the eligible grid leader, else nobody.</summary>
    public static Considered? Pick(IReadOnlyList<Considered> considered) =>
        considered.Where(x => x.Eligible && x.Role == AssigneeKinds.GridWorker).OrderBy(x => x.OpenLoad).ThenBy(x => x.Id).FirstOrDefault()
        ?? considered.FirstOrDefault(x => x.Eligible && x.Role == AssigneeKinds.GridLeader);

    /// <summary>
    /// The grid's workers and leader, locked (in id order, so lockers never deadlock) so concurrent
    /// assignments in one grid take turns; duty and load come from Redis when it answers. Someone is
    /// eligible only when Postgres and Redis both say on duty and neither has seen their heartbeat lapse.
    /// </summary>
    public static async Task<(IReadOnlyList<Considered> People, string Source)> ConsiderAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string grid,
        DateTimeOffset now, DutyBoard board, DutyOptions duty, CancellationToken ct)
    {
        const string candidatesSql = """
            SELECT w.id, w.name, w.role, w.on_duty AS OnDuty, w.last_heartbeat_at AS LastHeartbeatAt
            FROM workers w
            WHERE w.node_code = @grid AND w.role IN ('grid_worker', 'grid_leader')
            ORDER BY w.id
            FOR UPDATE OF w
            """;
        var candidates = (await conn.QueryAsync<Candidate>(new CommandDefinition(candidatesSql, new { grid }, tx, cancellationToken: ct))).AsList();
        var ids = candidates.Select(x => x.Id).ToArray();
        var cached = await board.ReadAsync(ids, ct);

        var missing = ids.Where(id => cached?.GetValueOrDefault(id)?.OpenLoad is null).ToArray();
        var counted = missing.Length == 0 ? new Dictionary<Guid, long>() : (await conn.QueryAsync<(Guid Id, long Load)>(new CommandDefinition("""
                SELECT assignee_id, count(*) FROM work_orders
                WHERE assignee_id = ANY(@missing) AND status NOT IN ('resolved', 'closed') GROUP BY assignee_id
                """, new { missing }, tx, cancellationToken: ct))).ToDictionary(x => x.Id, x => x.Load);
        if (cached is not null && missing.Length > 0)
            await board.SetLoadsAsync(missing.Select(id => (id, counted.GetValueOrDefault(id))));

        var cutoff = now - duty.HeartbeatExpiry;
        var result = candidates.Select(x =>
        {
            var r = cached?.GetValueOrDefault(x.Id);
            string? excluded =
                !x.OnDuty ? "off duty"
                : x.LastHeartbeatAt is { } hb && new DateTimeOffset(hb, TimeSpan.Zero) < cutoff ? $"heartbeat lapsed (last {hb:O})"
                : r?.OnDuty == false ? "off duty in the duty copy (Redis)"
                : r?.LastHeartbeat is { } rhb && rhb < cutoff ? $"heartbeat lapsed in the duty copy (last {rhb:O})"
                : null;
            var fromRedis = r?.OpenLoad is not null;
            return new Considered(x.Id, x.Name, x.Role, fromRedis ? r!.OpenLoad!.Value : counted.GetValueOrDefault(x.Id),
                fromRedis ? "redis" : "postgres", excluded is null, excluded);
        }).ToList();
        return (result, cached is null ? "postgres" : "redis");
    }
}
