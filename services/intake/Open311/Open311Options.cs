namespace GovPlatform.Intake.Open311;

/// <summary>The <c>Intake:Open311</c> section: jurisdiction, list limit, the retry window for clients that send no Idempotency-Key, and the test endpoint.</summary>
public sealed class Open311Options
{
    public string JurisdictionId { get; set; } = "govplatform";
    /// <summary>At most this many requests per GET, newest first.</summary>
    public int MaxRequests { get; set; } = 1000;
    /// <summary>
    /// A POST without an Idempotency-Key that repeats one this key filed within this window (same fields and
    /// values, in any order) answers with the first request's id: spec clients retry without the header. Zero turns it off.
    /// </summary>
    public TimeSpan RetryWindow { get; set; } = TimeSpan.FromHours(24);
    /// <summary>
    /// The test endpoint discovery lists (a staging deployment's <c>.../open311/v2</c>). Unset, this deployment lists
    /// itself as its test endpoint too: clients that insist on one find it, and nothing they do there is a surprise.
    /// </summary>
    public string? TestUrl { get; set; }
}
