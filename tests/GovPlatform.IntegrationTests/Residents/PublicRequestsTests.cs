using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests.Residents;

/// <summary>Neighbours see what is already reported in their community, and nobody's phone, name or ticket.</summary>
public sealed class PublicRequestsTests(SharedStack shared)
{
    private readonly ResidentKit _kit = new(shared.Stack);

    private sealed record Shown(string? CategoryName, string Status, string? Building, DateTime SubmittedAt, string Text);

    [Fact]
    public async Task A_communitys_list_shows_its_own_requests_masked_and_no_one_elses()
    {
        var county = new TestCounty();
        await shared.Stack.ImportAsync(county);
        var other = new TestCounty();
        await shared.Stack.ImportAsync(other);
        var doorplate = await _kit.IssueDoorplateAsync(county.Building);
        var elsewhere = await _kit.IssueDoorplateAsync(other.Building);
        var phone = ResidentKit.NewPhone();
        var session = await _kit.VerifyAsync(phone);
        var filed = await _kit.ReportOkAsync(session, new { topic = "street_light", description = "路灯坏了，有事打我电话13912345678", doorplate, name = "王阿姨" });
        await _kit.ReportOkAsync(await _kit.VerifyAsync(ResidentKit.NewPhone()), new { topic = "noise", description = "别的社区的噪音", doorplate = elsewhere });

        using var response = await _kit.Intake.SendAsync(HttpMethod.Get, $"/api/v1/residents/public/requests?doorplate={doorplate}", role: null);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var shown = System.Text.Json.JsonSerializer.Deserialize<List<Shown>>(body, System.Text.Json.JsonSerializerOptions.Web)!;

        var only = Assert.Single(shown);
        Assert.Equal(("路灯故障", "1号楼"), (only.CategoryName, only.Building));
        Assert.Equal("路灯坏了，有事打我电话***********", only.Text);
        Assert.DoesNotContain("13912345678", body);
        Assert.DoesNotContain(phone, body);
        Assert.DoesNotContain("王阿姨", body);
        Assert.DoesNotContain(filed.GetProperty("ticketNo").GetString()!, body);
    }
}
