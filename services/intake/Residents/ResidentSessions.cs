using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using GovPlatform.Intake.Notifications;
using Npgsql;
using StackExchange.Redis;

namespace GovPlatform.Intake.Residents;

/// <summary>Who a resident's browser speaks for: a phone, verified by a code or only vouched for by a proof of work.</summary>
public sealed record ResidentSession(string Phone, bool Verified, DateTimeOffset ExpiresAt);

/// <summary>
/// Abuse control without accounts. A phone is verified by a six-digit code texted to it; where texts are off,
/// a proof of work (SHA-256 with leading zero bits) makes each filing cost the browser a second. Either way
/// the browser gets a session: the phone and an expiry signed with a key derived from the platform's signing
/// key, so any intake instance checks it without a session store.
/// </summary>
public sealed class ResidentSessions(
    IConfiguration configuration, ResidentOptions options, NpgsqlDataSource db, ITextSender sender,
    IConnectionMultiplexer redis, TimeProvider clock)
{
    public const string Header = "X-Resident-Session";

    private readonly byte[] _key = HMACSHA256.HashData(
        Convert.FromBase64String(configuration["Auth:SigningKey"] ?? throw new InvalidOperationException("Auth:SigningKey is missing.")),
        "resident-session-v1"u8);

    /// <summary>
    /// Who the ledger records as acting for a resident: a keyed hash of the phone, the same for every filing from it (so
    /// the resident's own uploads can be attached to their report), but never the phone, which linked neighbours see timelines of.
    /// </summary>
    public string ActorFor(string phone) =>
        "resident:" + Convert.ToHexString(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"actor|{phone}")))[..12].ToLowerInvariant();

    public System.Security.Claims.ClaimsPrincipal PrincipalFor(string phone) =>
        new(new System.Security.Claims.ClaimsIdentity([new System.Security.Claims.Claim("sub", ActorFor(phone))], "resident"));

    // ---- one-time codes ----

    /// <summary>Makes, stores (hashed) and texts a new code; a code asked for again replaces the last one.</summary>
    public async Task SendCodeAsync(string phone, CancellationToken ct)
    {
        var code = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
        const string upsert = """
            INSERT INTO resident_codes (phone, code_hash, expires_at, attempts) VALUES (@phone, @hash, @expires, 0)
            ON CONFLICT (phone) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at, attempts = 0
            """;
        await using (var conn = await db.OpenConnectionAsync(ct))
            await conn.ExecuteAsync(new CommandDefinition(upsert,
                new { phone, hash = CodeHash(phone, code), expires = (clock.GetUtcNow() + options.CodeLifetime).UtcDateTime }, cancellationToken: ct));
        await sender.SendAsync(new OutgoingText(phone,
            $"【民声总台】您的验证码是{code}，{(int)options.CodeLifetime.TotalMinutes}分钟内有效。如非本人操作请忽略。", "code"), ct);
    }

    private sealed record StoredCode(byte[] CodeHash, DateTime ExpiresAt, int Attempts);

    /// <summary>A session when the code is the phone's current one; each wrong guess counts, and a used code is gone.</summary>
    public async Task<ResidentSession?> VerifyCodeAsync(string phone, string code, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var stored = await conn.QuerySingleOrDefaultAsync<StoredCode>(new CommandDefinition(
            "SELECT code_hash AS CodeHash, expires_at AS ExpiresAt, attempts FROM resident_codes WHERE phone = @phone FOR UPDATE",
            new { phone }, tx, cancellationToken: ct));
        if (stored is null || stored.Attempts >= options.CodeAttempts
            || new DateTimeOffset(DateTime.SpecifyKind(stored.ExpiresAt, DateTimeKind.Utc)) < clock.GetUtcNow())
            return null;
        if (!CryptographicOperations.FixedTimeEquals(stored.CodeHash, CodeHash(phone, code)))
        {
            await conn.ExecuteAsync(new CommandDefinition("UPDATE resident_codes SET attempts = attempts + 1 WHERE phone = @phone", new { phone }, tx, cancellationToken: ct));
            await tx.CommitAsync(ct);
            return null;
        }
        await conn.ExecuteAsync(new CommandDefinition("DELETE FROM resident_codes WHERE phone = @phone", new { phone }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return new ResidentSession(phone, true, clock.GetUtcNow() + options.SessionLifetime);
    }

    private byte[] CodeHash(string phone, string code) => HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"code|{phone}|{code}"));

    // ---- proof of work ----

    /// <summary>A signed, expiring challenge: the server keeps nothing until it is answered.</summary>
    public string NewChallenge()
    {
        var payload = $"{Convert.ToHexString(RandomNumberGenerator.GetBytes(12))}.{(clock.GetUtcNow() + options.PowLifetime).ToUnixTimeSeconds()}";
        return $"{payload}.{Sign(payload)}";
    }

    /// <summary>Checks the challenge is ours and fresh, the nonce does the work, and nobody answered it before (Redis remembers answers, shared by instances).</summary>
    public async Task<ResidentSession?> VerifyWorkAsync(string phone, string challenge, string nonce)
    {
        var parts = challenge.Split('.');
        if (parts.Length != 3 || !FixedEquals(Sign($"{parts[0]}.{parts[1]}"), parts[2])
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var expires)
            || DateTimeOffset.FromUnixTimeSeconds(expires) < clock.GetUtcNow())
            return null;
        if (LeadingZeroBits(SHA256.HashData(Encoding.UTF8.GetBytes($"{challenge}:{nonce}"))) < options.PowDifficulty) return null;
        var first = await redis.GetDatabase().StringSetAsync($"residents:pow:{parts[0]}", 1, options.PowLifetime, When.NotExists);
        return first ? new ResidentSession(phone, false, clock.GetUtcNow() + options.SessionLifetime) : null;
    }

    public static int LeadingZeroBits(ReadOnlySpan<byte> hash)
    {
        var bits = 0;
        foreach (var b in hash)
        {
            if (b == 0) { bits += 8; continue; }
            return bits + BitOperations(b);
        }
        return bits;
    }

    private static int BitOperations(byte b) => System.Numerics.BitOperations.LeadingZeroCount((uint)b) - 24;

    // ---- sessions ----

    public string Issue(ResidentSession session)
    {
        var payload = $"{(session.Verified ? "sms" : "pow")}|{session.Phone}|{session.ExpiresAt.ToUnixTimeSeconds()}";
        var encoded = Base64Url(Encoding.UTF8.GetBytes(payload));
        return $"{encoded}.{Sign(encoded)}";
    }

    /// <summary>The session a request carries in <see cref="Header"/>, or null when it has none, a forged one or an old one.</summary>
    public ResidentSession? Read(HttpContext http)
    {
        if (http.Request.Headers[Header].ToString() is not { Length: > 0 and < 200 } token) return null;
        var dot = token.IndexOf('.');
        if (dot <= 0 || !FixedEquals(Sign(token[..dot]), token[(dot + 1)..])) return null;
        string payload;
        try { payload = Encoding.UTF8.GetString(FromBase64Url(token[..dot])); }
        catch (FormatException) { return null; }
        var parts = payload.Split('|');
        if (parts.Length != 3 || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var expires)) return null;
        var at = DateTimeOffset.FromUnixTimeSeconds(expires);
        return at < clock.GetUtcNow() ? null : new ResidentSession(parts[1], parts[0] == "sms", at);
    }

    private string Sign(string payload) => Base64Url(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(payload)));

    private static bool FixedEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + (4 - s.Length % 4) % 4, '='));
    }
}
