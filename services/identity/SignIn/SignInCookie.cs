namespace GovPlatform.Identity.SignIn;

/// <summary>The identity service's own sign-in session, between its sign-in page and its authorize endpoint.</summary>
public static class SignInCookie
{
    public const string Scheme = "GovPlatform.SignIn";
    /// <summary>The account's security stamp when the cookie was made: a password reset or a disable changes it.</summary>
    public const string StampClaim = "stamp";
}
