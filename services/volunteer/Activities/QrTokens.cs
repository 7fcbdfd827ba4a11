using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace GovPlatform.Volunteer.Activities;

/// <summary>Settings under <c>Volunteer:</c>.</summary>
public sealed class VolunteerOptions
{
    /// <summary>Base64 HMAC-SHA256 key of at least 32 bytes for check-in QR tokens; never in source.</summary>
    public string QrSigningKey { get; set; } = "";
    /// <summary>How long a QR code shown at an activity stays valid; the organiser's screen rotates it sooner.</summary>
    public TimeSpan QrTokenLifetime { get; set; } = TimeSpan.FromSeconds(60);
    /// <summary>At most this many hours of service count per person per (China) day.</summary>
    public decimal DailyHoursCap { get; set; } = 10;
    /// <summary>Check-in opens this long before an activity starts.</summary>
    public TimeSpan CheckInOpensBefore { get; set; } = TimeSpan.FromMinutes(30);
    /// <summary>Check-out stays open this long after an activity ends.</summary>
    public TimeSpan CheckOutClosesAfter { get; set; } = TimeSpan.FromHours(2);
}

public static class QrPurposes
{
    public const string CheckIn = "check_in";
    public const string CheckOut = "check_out";
}

/// <summary>
/// Short-lived QR tokens an organiser's screen shows at an activity: an HMAC over the activity,
/// the purpose (check-in or check-out), the issue time and a nonce. Each scan is checked for the
/// signature, the activity, the purpose and its age; the nonce lets a person use a code only once.
/// </summary>
public sealed class QrTokens(VolunteerOptions options, TimeProvider clock)
{
    private readonly byte[]? _key = string.IsNullOrWhiteSpace(options.QrSigningKey) ? null : DecodeKey(options.QrSigningKey);

    public bool Configured => _key is not null;

    public sealed record Issued(string Token, string Purpose, DateTimeOffset ExpiresAt);

    /// <param name="Reason">Null when valid; else why not (logged with the rejection).</param>
    public sealed record Check(string? Reason, string? Nonce, DateTimeOffset? IssuedAt);

    public Issued Issue(Guid activityId, string purpose)
    {
        var now = clock.GetUtcNow();
        var payload = $"{activityId:N}.{purpose}.{now.ToUnixTimeMilliseconds()}.{Convert.ToHexString(RandomNumberGenerator.GetBytes(12))}";
        var bytes = Encoding.ASCII.GetBytes(payload);
        return new Issued($"{Base64Url.EncodeToString(bytes)}.{Base64Url.EncodeToString(Sign(bytes))}", purpose, now + options.QrTokenLifetime);
    }

    public Check Verify(string token, Guid activityId, string purpose)
    {
        var parts = (token ?? "").Split('.');
        if (parts.Length != 2 || !TryDecode(parts[0], out var payload) || !TryDecode(parts[1], out var signature)
            || !CryptographicOperations.FixedTimeEquals(signature, Sign(payload)))
            return new("invalid_token", null, null);
        var fields = Encoding.ASCII.GetString(payload).Split('.');
        if (fields.Length != 4 || !long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
            return new("invalid_token", null, null);
        var issuedAt = DateTimeOffset.FromUnixTimeMilliseconds(ms);
        if (fields[0] != activityId.ToString("N")) return new("wrong_activity", fields[3], issuedAt);
        if (fields[1] != purpose) return new("wrong_purpose", fields[3], issuedAt);
        var age = clock.GetUtcNow() - issuedAt;
        // A little tolerance for clocks of several instances; a code from further ahead is forged or broken.
        if (age > options.QrTokenLifetime || age < TimeSpan.FromSeconds(-5)) return new("expired", fields[3], issuedAt);
        return new(null, fields[3], issuedAt);
    }

    private byte[] Sign(byte[] payload) =>
        HMACSHA256.HashData(_key ?? throw new InvalidOperationException("Volunteer:QrSigningKey is not set."), payload);

    private static bool TryDecode(string s, out byte[] bytes)
    {
        try { bytes = Base64Url.DecodeFromChars(s); return true; }
        catch (FormatException) { bytes = []; return false; }
    }

    private static byte[] DecodeKey(string key)
    {
        var bytes = Convert.FromBase64String(key);
        return bytes.Length >= 32 ? bytes : throw new InvalidOperationException("Volunteer:QrSigningKey must be a base64 key of at least 32 bytes.");
    }
}
