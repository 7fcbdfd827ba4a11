using Dapper;
using Npgsql;

namespace GovPlatform.Volunteer.Points;

/// <summary>Ledger account names: one per volunteer, and the system accounts points come from and go to.</summary>
public static class Accounts
{
    public const string Issued = "system:issued";
    public const string Held = "system:held";
    public const string Spent = "system:spent";
    public const string Expired = "system:expired";
    public const string Corrections = "system:corrections";

    public static string Of(Guid volunteerId) => $"volunteer:{volunteerId}";
}

public static class EntryKinds
{
    public const string Award = "award";
    public const string Redemption = "redemption";
    public const string Pickup = "pickup";
    public const string Refund = "refund";
    public const string Expiry = "expiry";
    public const string Correction = "correction";
}

/// <param name="Points">The size of the entry (always positive); the postings carry the direction.</param>
/// <param name="SourceKey">What caused the entry; a second entry with the same key is not recorded.</param>
public sealed record LedgerEntry(Guid Id, string Kind, string SourceKey, Guid VolunteerId, long Points, string Reason,
    string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt = null);

/// <summary>One leg of an entry: a positive amount credits the account, a negative one debits it.</summary>
public sealed record Posting(string Account, long Amount);

/// <summary>A debit would take a volunteer's balance below zero; nothing of the entry is kept once the caller rolls back.</summary>
public sealed class InsufficientPointsException(Guid volunteerId, long balance, long needed)
    : Exception($"Volunteer {volunteerId} has {balance} points; {needed} are needed.")
{
    public long Balance { get; } = balance;
    public long Needed { get; } = needed;
}

/// <summary>
/// Writes balanced entries to the append-only ledger inside the caller's transaction, keeping the
/// cached balance of each volunteer account in step. The database checks the rest at commit
/// (entries balanced, history never edited, no volunteer below zero).
/// </summary>
public static class Ledger
{
    /// <summary>Records the entry and its postings; false, with nothing written, when its source key was recorded before.</summary>
    /// <exception cref="InsufficientPointsException">A volunteer account would go below zero; roll the transaction back.</exception>
    public static async Task<bool> PostAsync(NpgsqlTransaction tx, LedgerEntry entry, IReadOnlyList<Posting> postings, CancellationToken ct)
    {
        if (postings.Count < 2 || postings.Sum(p => p.Amount) != 0)
            throw new ArgumentException("An entry needs at least two postings that sum to zero.", nameof(postings));
        var conn = tx.Connection!;

        // A concurrent entry with the same key waits here for the first to commit, then inserts nothing.
        const string insertEntry = """
            INSERT INTO ledger_entries (id, kind, source_key, volunteer_id, points, reason, created_by, created_at, expires_at)
            VALUES (@Id, @Kind, @SourceKey, @VolunteerId, @Points, @Reason, @CreatedBy, @CreatedAt, @ExpiresAt)
            ON CONFLICT (source_key) DO NOTHING
            """;
        if (await conn.ExecuteAsync(new CommandDefinition(insertEntry, entry, tx, cancellationToken: ct)) == 0) return false;

        // Debits first: they lock the account rows they check, so a concurrent spender waits
        // and then sees the balance this entry leaves.
        foreach (var p in postings.Where(p => p.Account.StartsWith("volunteer:", StringComparison.Ordinal)).OrderBy(p => p.Amount))
        {
            if (p.Amount < 0) await DebitAsync(conn, tx, entry.VolunteerId, p, ct);
            else await CreditAsync(conn, tx, p, ct);
        }

        const string insertPostings = """
            INSERT INTO ledger_postings (entry_id, account, amount)
            SELECT @id, a, n FROM unnest(@accounts::text[], @amounts::bigint[]) AS p(a, n)
            """;
        await conn.ExecuteAsync(new CommandDefinition(insertPostings, new
        {
            id = entry.Id,
            accounts = postings.Select(p => p.Account).ToArray(),
            amounts = postings.Select(p => p.Amount).ToArray(),
        }, tx, cancellationToken: ct));
        return true;
    }

    private static async Task DebitAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid volunteerId, Posting p, CancellationToken ct)
    {
        const string debit = """
            UPDATE point_accounts SET balance = balance + @Amount
            WHERE id = @Account AND balance + @Amount >= 0
            RETURNING balance
            """;
        var after = await conn.ExecuteScalarAsync<long?>(new CommandDefinition(debit, p, tx, cancellationToken: ct));
        if (after is not null) return;
        var balance = await BalanceAsync(conn, tx, volunteerId, ct);
        throw new InsufficientPointsException(volunteerId, balance, -p.Amount);
    }

    private static Task CreditAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Posting p, CancellationToken ct)
    {
        // The account is opened by its first credit.
        const string credit = """
            INSERT INTO point_accounts (id, kind, volunteer_id, balance)
            VALUES (@Account, 'volunteer', substr(@Account, 11)::uuid, @Amount)
            ON CONFLICT (id) DO UPDATE SET balance = point_accounts.balance + excluded.balance
            """;
        return conn.ExecuteAsync(new CommandDefinition(credit, p, tx, cancellationToken: ct));
    }

    /// <summary>The cached balance of a volunteer's account (0 when it has none yet).</summary>
    public static async Task<long> BalanceAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid volunteerId, CancellationToken ct) =>
        await conn.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT balance FROM point_accounts WHERE id = @account", new { account = Accounts.Of(volunteerId) }, tx, cancellationToken: ct)) ?? 0;

    /// <summary>Locks a volunteer's account row (opening it if needed) so their spending and expiry take turns; returns the balance.</summary>
    public static Task<long> LockAccountAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid volunteerId, CancellationToken ct)
    {
        const string sql = """
            INSERT INTO point_accounts (id, kind, volunteer_id) VALUES (@account, 'volunteer', @volunteerId)
            ON CONFLICT (id) DO UPDATE SET balance = point_accounts.balance
            RETURNING balance
            """;
        return conn.ExecuteScalarAsync<long>(new CommandDefinition(sql, new { account = Accounts.Of(volunteerId), volunteerId }, tx, cancellationToken: ct));
    }
}
