using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests.Volunteer;

/// <summary>Shared steps of the volunteer tests: registering people, awarding points, and checking the books.</summary>
public static class VolunteerKit
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static string Phone() => $"15{Random.Shared.NextInt64(0, 1_000_000_000):D9}";

    public static async Task<Guid> RegisterAsync(HttpClient volunteer, string gridCode, string name = "李志愿", bool partyMember = false)
    {
        var response = await volunteer.SendAsync(HttpMethod.Post, "/api/v1/volunteers", new { name, phone = Phone(), gridCode, partyMember }, Tokens.For("admin"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        return json.RootElement.GetProperty("id").GetGuid();
    }

    public static Task<HttpResponseMessage> SendAsync(this HttpClient client, HttpMethod method, string url, object? body, string token)
    {
        var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
        return client.SendAsync(request.WithBearer(token), Ct);
    }

    public static async Task<HttpResponseMessage> AwardAsync(HttpClient volunteer, Guid volunteerId, long points, string? sourceKey = null, DateTimeOffset? expiresAt = null)
    {
        var response = await volunteer.SendAsync(HttpMethod.Post, "/api/v1/points/awards",
            new { volunteerId, points, reason = "志愿服务奖励", sourceKey = sourceKey ?? Guid.NewGuid().ToString(), expiresAt }, Tokens.For("admin"));
        return response;
    }

    public static async Task<long> BalanceAsync(HttpClient volunteer, Guid volunteerId)
    {
        var response = await volunteer.SendAsync(HttpMethod.Get, $"/api/v1/points/accounts/{volunteerId}", null, Tokens.For("admin"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        return json.RootElement.GetProperty("balance").GetInt64();
    }

    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone();
    }

    /// <summary>
    /// The books are right: every entry balanced with two or more legs, everything sums to zero,
    /// each volunteer's cached balance equals the sum of their postings and none is negative.
    /// Written here independently of the service's own check, in one statement so one snapshot.
    /// </summary>
    public static async Task AssertLedgerInvariantAsync(TestStack stack)
    {
        const string sql = """
            SELECT
              (SELECT count(*) FROM ledger_entries e
               WHERE (SELECT coalesce(sum(amount), 0) FROM ledger_postings p WHERE p.entry_id = e.id) <> 0
                  OR (SELECT count(*) FROM ledger_postings p WHERE p.entry_id = e.id) < 2) AS unbalanced,
              (SELECT coalesce(sum(amount), 0) FROM ledger_postings)::bigint AS total,
              (SELECT count(*) FROM point_accounts a WHERE a.kind = 'volunteer'
                  AND a.balance <> (SELECT coalesce(sum(amount), 0) FROM ledger_postings p WHERE p.account = a.id)) AS mismatched,
              (SELECT count(*) FROM point_accounts a WHERE a.kind = 'volunteer' AND a.balance < 0) AS negative,
              (SELECT count(*) FROM ledger_postings p WHERE p.account LIKE 'volunteer:%'
                  AND NOT EXISTS (SELECT 1 FROM point_accounts a WHERE a.id = p.account)) AS orphans
            """;
        var row = (await stack.QueryAsync<(long Unbalanced, long Total, long Mismatched, long Negative, long Orphans)>("volunteer", sql)).Single();
        Assert.Equal((0L, 0L, 0L, 0L, 0L), row);
    }
}
