using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace GovPlatform.Identity;

/// <summary>The identity service's settings, section <c>Identity</c>.</summary>
public sealed class IdentityServiceOptions
{
    public const string Section = "Identity";

    /// <summary>
    /// The issuer written into tokens and published in the discovery document. Unset, OpenIddict uses the
    /// address each request came to, which suits tests; a deployment sets it, so every service sees the same
    /// issuer whichever address it calls the identity service on.
    /// </summary>
    public Uri? Issuer { get; set; }

    /// <summary>PEM of the RSA private key that signs tokens (PKCS#1 or PKCS#8). Never in source: scripts/infra.sh makes a local one.</summary>
    public string SigningKeyPem { get; set; } = "";

    /// <summary>
    /// PEM of the signing key being retired, still published in the JWKS so tokens it signed stay valid
    /// until they expire; see docs/identity.md on rotation.
    /// </summary>
    public string? PreviousSigningKeyPem { get; set; }

    /// <summary>
    /// Base64 AES key (32 bytes) that encrypts authorization codes and refresh tokens, which only this service
    /// reads. Access tokens are signed, not encrypted, because the other services must read them.
    /// </summary>
    public string EncryptionKey { get; set; } = "";

    /// <summary>
    /// Where the console may be sent back to after sign-in, comma-separated (matched exactly, as OAuth 2.1 asks),
    /// e.g. <c>http://127.0.0.1:5106/signin-oidc</c>.
    /// </summary>
    public string ConsoleRedirectUris { get; set; } = "";

    /// <summary>Where the console may be sent back to after signing out, comma-separated.</summary>
    public string ConsolePostLogoutRedirectUris { get; set; } = "";

    /// <summary>Short, because the services check access tokens offline and a disabled account keeps a live one until it expires.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "08:00:00")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>A shift and some: the console refreshes silently, and each refresh re-reads the account.</summary>
    [Range(typeof(TimeSpan), "00:05:00", "30.00:00:00")]
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>Failed passwords or codes in a row before the account locks.</summary>
    [Range(1, 100)]
    public int MaxFailedAttempts { get; set; } = 5;

    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Serve the OpenID Connect endpoints over plain HTTP. Allowed without this switch only when the issuer is
    /// an http://localhost or http://127.0.0.1 address; anywhere else TLS is required.
    /// </summary>
    public bool AllowHttp { get; set; }

    /// <summary>Maps <c>POST /api/v1/demo-accounts</c>, which (re)creates one account per role in the demo county.</summary>
    public bool DemoAccounts { get; set; }

    public bool HttpAllowed => AllowHttp || Issuer is { Scheme: "http" } issuer && (issuer.IsLoopback || issuer.Host == "localhost");

    public static IEnumerable<Uri> UriList(string value) =>
        value.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) ? uri
                : throw new InvalidOperationException($"'{u}' in Identity:Console*RedirectUris is not an absolute URI."));

    public RsaSecurityKey SigningKey() => RsaKey(SigningKeyPem, "Identity:SigningKeyPem");

    public RsaSecurityKey? PreviousSigningKey() =>
        string.IsNullOrWhiteSpace(PreviousSigningKeyPem) ? null : RsaKey(PreviousSigningKeyPem, "Identity:PreviousSigningKeyPem");

    public SymmetricSecurityKey TokenEncryptionKey()
    {
        if (string.IsNullOrWhiteSpace(EncryptionKey))
            throw new InvalidOperationException("Identity:EncryptionKey is missing: set Identity__EncryptionKey (scripts/infra.sh writes a local one to .local/env).");
        byte[] bytes;
        try { bytes = Convert.FromBase64String(EncryptionKey); }
        catch (FormatException) { throw new InvalidOperationException("Identity:EncryptionKey must be base64."); }
        if (bytes.Length != 32) throw new InvalidOperationException("Identity:EncryptionKey must be a base64 key of 32 bytes.");
        return new SymmetricSecurityKey(bytes);
    }

    private static RsaSecurityKey RsaKey(string pem, string name)
    {
        if (string.IsNullOrWhiteSpace(pem))
            throw new InvalidOperationException($"{name} is missing: set {name.Replace(":", "__")} (scripts/infra.sh writes a local one to .local/env).");
        var rsa = RSA.Create();
        try { rsa.ImportFromPem(pem.Replace("\\n", "\n")); }
        catch (ArgumentException e) { throw new InvalidOperationException($"{name} is not a PEM RSA private key: {e.Message}"); }
        if (rsa.KeySize < 2048) throw new InvalidOperationException($"{name} must be an RSA key of at least 2048 bits.");
        // The key id lets services pick the right public key from the JWKS while an old and a new key are both published.
        var key = new RsaSecurityKey(rsa);
        key.KeyId = Base64UrlEncoder.Encode(key.ComputeJwkThumbprint());
        return key;
    }
}
