namespace GovPlatform.Web;

/// <summary>The console's settings, section <c>Console</c>.</summary>
public sealed class ConsoleOptions
{
    public const string Section = "Console";

    /// <summary>The identity service the console signs staff in with, e.g. <c>http://127.0.0.1:5105/</c>.</summary>
    public string Authority { get; set; } = "";

    /// <summary>The OpenID Connect client registered at the identity service (a public client: PKCE, no secret).</summary>
    public string ClientId { get; set; } = "govplatform-console";

    /// <summary>Fetch the authority's metadata over plain HTTP from an address other than localhost (a private network).</summary>
    public bool AllowHttpMetadata { get; set; }

    /// <summary>How long before its expiry an access token is refreshed, so a call never leaves with one about to lapse.</summary>
    public TimeSpan RefreshBefore { get; set; } = TimeSpan.FromSeconds(60);

    public Uri AuthorityUri => Uri.TryCreate(Authority, UriKind.Absolute, out var uri) ? uri
        : throw new InvalidOperationException("Console:Authority is missing or not an absolute URI: set Console__Authority to the identity service's address.");
}

/// <summary>Marks this assembly for test hosts, since every service has a global Program.</summary>
public sealed class ConsoleApp;
