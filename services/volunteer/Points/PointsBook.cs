using Dapper;
using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Npgsql;

namespace GovPlatform.Volunteer.Points;

/// <summary>
/// The business operations on the ledger (award, correct, expire), each one balanced entry plus
/// the event that reports it, written in the caller's transaction.
/// </summary>
public static class PointsBook
{
    public sealed record Award(Guid VolunteerId, long Points, string Reason, string SourceKey, string By, DateTimeOffset At,
        DateTimeOffset? ExpiresAt = null);

    /// <summary>Credits a volunteer once per source key; null when that source was credited before.</summary>
    public static async Task<Guid?> AwardAsync(NpgsqlTransaction tx, Award a, CancellationToken ct)
    {
        var entry = new LedgerEntry(NewId.NextGuid(), EntryKinds.Award, a.SourceKey, a.VolunteerId, a.Points, a.Reason, a.By, a.At, a.ExpiresAt);
        if (!await Ledger.PostAsync(tx, entry, [new(Accounts.Of(a.VolunteerId), a.Points), new(Accounts.Issued, -a.Points)], ct))
            return null;
        var where = await WhereAsync(tx, a.VolunteerId, ct);
        await Outbox.EnqueueAsync(tx, new PointsAwarded(entry.Id, a.VolunteerId, a.Points, a.Reason, a.SourceKey, where.GridCode, where.UnitId, a.At), ct);
        return entry.Id;
    }

    /// <summary>An admin's correction, up or down, against the corrections account; it may not take a balance below zero.</summary>
    public static async Task<Guid> CorrectAsync(NpgsqlTransaction tx, Guid volunteerId, long points, string reason, string by, DateTimeOffset at, CancellationToken ct)
    {
        var entry = new LedgerEntry(NewId.NextGuid(), EntryKinds.Correction, $"correction:{NewId.NextGuid()}", volunteerId, Math.Abs(points), reason, by, at);
        await Ledger.PostAsync(tx, entry, [new(Accounts.Of(volunteerId), points), new(Accounts.Corrections, -points)], ct);
        await Outbox.EnqueueAsync(tx, new PointsCorrected(entry.Id, volunteerId, points, reason, by, at), ct);
        return entry.Id;
    }

    /// <summary>
    /// Lapses the points of awards whose time has come, oldest first: what a volunteer spent is
    /// taken to have come from their oldest points, so only the unspent part of a due award lapses.
    /// </summary>
    /// <remarks>
    /// Due = (awards expired by now) − (net spending: redemptions, refunds, corrections) − (already
    /// lapsed), never more than the balance. Computed under the account's row lock, a second run
    /// finds nothing left to lapse, so runs may overlap and repeat.
    /// </remarks>
    public static async Task<(int Entries, long Points)> ExpireDueAsync(NpgsqlDataSource db, DateTimeOffset now, CancellationToken ct)
    {
        const string candidates = """
            SELECT DISTINCT volunteer_id FROM ledger_entries WHERE kind = 'award' AND expires_at <= @now
            """;
        const string due = """
            SELECT greatest(0, least(@balance,
                   coalesce(sum(e.points) FILTER (WHERE e.kind = 'award' AND e.expires_at <= @now), 0)
                 - greatest(0, -coalesce((SELECT sum(p.amount) FROM ledger_postings p JOIN ledger_entries x ON x.id = p.entry_id
                                          WHERE p.account = @account AND x.kind NOT IN ('award', 'expiry')), 0))
                 - coalesce(sum(e.points) FILTER (WHERE e.kind = 'expiry'), 0)))::bigint
            FROM ledger_entries e WHERE e.volunteer_id = @volunteerId
            """;
        List<Guid> volunteers;
        await using (var conn = await db.OpenConnectionAsync(ct))
            volunteers = (await conn.QueryAsync<Guid>(new CommandDefinition(candidates, new { now }, cancellationToken: ct))).AsList();

        var (entries, total) = (0, 0L);
        foreach (var volunteerId in volunteers)
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            await using var tx = await conn.BeginTransactionAsync(ct);
            var balance = await Ledger.LockAccountAsync(conn, tx, volunteerId, ct);
            var points = await conn.ExecuteScalarAsync<long>(new CommandDefinition(due,
                new { balance, now, account = Accounts.Of(volunteerId), volunteerId }, tx, cancellationToken: ct));
            if (points == 0) continue;
            var id = NewId.NextGuid();
            var entry = new LedgerEntry(id, EntryKinds.Expiry, $"expiry:{id}", volunteerId, points, "积分过期 points expired", "system", now);
            await Ledger.PostAsync(tx, entry, [new(Accounts.Of(volunteerId), -points), new(Accounts.Expired, points)], ct);
            await Outbox.EnqueueAsync(tx, new PointsExpired(id, volunteerId, points, now), ct);
            await tx.CommitAsync(ct);
            (entries, total) = (entries + 1, total + points);
        }
        return (entries, total);
    }

    public sealed record VolunteerPlace(string? GridCode, Guid? UnitId);

    /// <summary>Where a volunteer belongs, for the events reporting ranks by grid and unit.</summary>
    public static Task<VolunteerPlace> WhereAsync(NpgsqlTransaction tx, Guid volunteerId, CancellationToken ct) =>
        tx.Connection!.QuerySingleAsync<VolunteerPlace>(new CommandDefinition(
            """
            SELECT v.grid_code AS GridCode, r.unit_id AS UnitId
            FROM volunteers v LEFT JOIN party_member_reports r ON r.volunteer_id = v.id WHERE v.id = @volunteerId
            """,
            new { volunteerId }, tx, cancellationToken: ct));

    public sealed record Rule(string ActivityType, int PointsPerHour, int Bonus, int? ExpiryDays);

    public static Task<Rule?> RuleAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string activityType, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<Rule>(new CommandDefinition(
            "SELECT activity_type AS ActivityType, points_per_hour AS PointsPerHour, bonus, expiry_days AS ExpiryDays FROM points_rules WHERE activity_type = @activityType",
            new { activityType }, tx, cancellationToken: ct));
}
