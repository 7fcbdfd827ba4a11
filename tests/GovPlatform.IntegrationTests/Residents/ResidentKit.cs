using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests.Residents;

/// <summary>What a resident's phone does against intake, and the staff steps around it, for the residents' tests.</summary>
internal sealed partial class ResidentKit(TestStack stack)
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;
    public HttpClient Intake => stack.Client("intake");

    public static string NewPhone() => $"135{Random.Shared.Next(0, 99_999_999):D8}";

    public sealed record Mail(string Phone, string Text, string Kind, DateTimeOffset At);

    /// <summary>Issues a doorplate for the county's building as an admin.</summary>
    public async Task<string> IssueDoorplateAsync(string node, string? label = "1号楼")
    {
        var response = await Intake.SendAsync(HttpMethod.Post, "/api/v1/doorplates", new { nodeCode = node, label }, role: "admin");
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        return (await response.JsonAsync()).GetProperty("code").GetString()!;
    }

    public async Task<IReadOnlyList<Mail>> MailboxAsync(string phone) =>
        (await Intake.GetFromJsonAsync<List<Mail>>($"/api/v1/residents/test-mailbox?phone={phone}", Ct))!;

    [GeneratedRegex(@"验证码是(\d{6})")]
    private static partial Regex CodeText();

    public async Task<string> LatestCodeAsync(string phone, int atLeast = 1)
    {
        var mail = await Eventually.Get(async () =>
        {
            var codes = (await MailboxAsync(phone)).Where(m => m.Kind == "code").ToList();
            return codes.Count >= atLeast ? codes[^1] : null;
        }, $"a code texted to {phone}");
        return CodeText().Match(mail.Text).Groups[1].Value;
    }

    /// <summary>Verifies the phone with the texted code and returns the session.</summary>
    public async Task<string> VerifyAsync(string phone)
    {
        using var sent = await Intake.SendAsync(HttpMethod.Post, "/api/v1/residents/codes", new { phone }, role: null);
        Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        var code = await LatestCodeAsync(phone);
        using var verified = await Intake.SendAsync(HttpMethod.Post, "/api/v1/residents/sessions", new { phone, code }, role: null);
        Assert.Equal(HttpStatusCode.Created, verified.StatusCode);
        return (await verified.JsonAsync()).GetProperty("session").GetString()!;
    }

    public Task<HttpResponseMessage> AsResidentAsync(HttpMethod method, string url, string? session, object? body = null) =>
        Intake.SendAsync(method, url, body, role: null,
            headers: session is null ? null : new Dictionary<string, string> { ["X-Resident-Session"] = session });

    public async Task<JsonElement> ReportOkAsync(string session, object body, string url = "/api/v1/residents/reports")
    {
        using var response = await AsResidentAsync(HttpMethod.Post, url, session, body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
        return await response.JsonAsync();
    }

    public Task<Guid> RequestIdAsync(string ticketNo) =>
        stack.ScalarAsync<Guid>("intake", "SELECT id FROM requests WHERE ticket_no = @ticketNo", new { ticketNo });

    /// <summary>The texts sent to a phone about steps (codes left out), oldest first.</summary>
    public async Task<IReadOnlyList<Mail>> ProgressTextsAsync(string phone) =>
        (await MailboxAsync(phone)).Where(m => m.Kind != "code").ToList();

    public async Task<IReadOnlyList<Mail>> WaitForTextAsync(string phone, string step, int count = 1) =>
        await Eventually.Get(async () =>
        {
            var texts = await ProgressTextsAsync(phone);
            return texts.Count(t => t.Kind == step) >= count ? texts : null;
        }, $"the '{step}' text to {phone}");
}
