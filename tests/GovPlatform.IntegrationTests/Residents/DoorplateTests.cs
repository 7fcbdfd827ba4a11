using System.Net;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests.Residents;

/// <summary>Doorplates: codes that resolve to their place, cannot be guessed, stop working when revoked, print as QR.</summary>
public sealed class DoorplateTests(SharedStack shared)
{
    private readonly ResidentKit _kit = new(shared.Stack);
    private HttpClient Intake => shared.Stack.Client("intake");
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_scanned_doorplate_resolves_to_its_building_with_the_community_named()
    {
        var county = new TestCounty();
        await shared.Stack.ImportAsync(county);
        var code = await _kit.IssueDoorplateAsync(county.Building);

        using var response = await Intake.SendAsync(HttpMethod.Get, $"/api/v1/residents/doorplates/{code}", role: null);
        var place = await response.JsonAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(county.Building, place.GetProperty("nodeCode").GetString());
        Assert.Equal(county.Community, place.GetProperty("communityCode").GetString());
        Assert.Equal("锦园社区 东苑小区 1号楼", place.GetProperty("fullName").GetString());
        Assert.Matches("^[a-km-np-z2-9]{16}$", code);
    }

    [Fact]
    public async Task Codes_are_unique_and_an_unknown_code_is_not_found()
    {
        var codes = Enumerable.Range(0, 2000).Select(_ => GovPlatform.Intake.Residents.Doorplates.NewCode()).ToHashSet();
        Assert.Equal(2000, codes.Count);

        using var unknown = await Intake.SendAsync(HttpMethod.Get, $"/api/v1/residents/doorplates/{GovPlatform.Intake.Residents.Doorplates.NewCode()}", role: null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task A_revoked_code_stops_resolving_and_filing_while_its_reissued_code_works()
    {
        var county = new TestCounty();
        await shared.Stack.ImportAsync(county);
        var old = await _kit.IssueDoorplateAsync(county.Building);
        var session = await _kit.VerifyAsync(ResidentKit.NewPhone());

        using var reissued = await Intake.SendAsync(HttpMethod.Post, $"/api/v1/doorplates/{old}/reissue", role: "admin");
        Assert.Equal(HttpStatusCode.Created, reissued.StatusCode);
        var fresh = (await reissued.JsonAsync()).GetProperty("code").GetString()!;

        using var scanOld = await Intake.SendAsync(HttpMethod.Get, $"/api/v1/residents/doorplates/{old}", role: null);
        Assert.Equal(HttpStatusCode.Gone, scanOld.StatusCode);
        using var fileOld = await _kit.AsResidentAsync(HttpMethod.Post, "/api/v1/residents/reports", session,
            new { topic = "street_light", description = "路灯不亮", doorplate = old });
        Assert.Equal(HttpStatusCode.Gone, fileOld.StatusCode);
        Assert.Equal(0, await shared.Stack.ScalarAsync<long>("intake", "SELECT count(*) FROM requests WHERE location_code = @b", new { b = county.Building }));

        var filed = await _kit.ReportOkAsync(session, new { topic = "street_light", description = "路灯不亮", doorplate = fresh });
        Assert.Equal(county.Building, await shared.Stack.ScalarAsync<string>("intake",
            "SELECT location_code FROM requests WHERE ticket_no = @t", new { t = filed.GetProperty("ticketNo").GetString() }));

        using var twice = await Intake.SendAsync(HttpMethod.Post, $"/api/v1/doorplates/{old}/reissue", role: "admin");
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);

        using var revoke = await Intake.SendAsync(HttpMethod.Post, $"/api/v1/doorplates/{fresh}/revoke", role: "admin");
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        using var scanFresh = await Intake.SendAsync(HttpMethod.Get, $"/api/v1/residents/doorplates/{fresh}", role: null);
        Assert.Equal(HttpStatusCode.Gone, scanFresh.StatusCode);
    }

    [Fact]
    public async Task Qr_images_and_the_compound_sheet_carry_each_active_code_and_its_url()
    {
        var county = new TestCounty();
        await shared.Stack.ImportAsync(county);
        var first = await _kit.IssueDoorplateAsync(county.Building, "1号楼");
        var second = await _kit.IssueDoorplateAsync($"{county.Grid}-B02", "2号楼");
        var revoked = await _kit.IssueDoorplateAsync($"{county.Grid}-B02", "旧牌");
        (await Intake.SendAsync(HttpMethod.Post, $"/api/v1/doorplates/{revoked}/revoke", role: "admin")).EnsureSuccessStatusCode();

        using var png = await Intake.SendAsync(HttpMethod.Get, $"/api/v1/doorplates/{first}/qr.png", role: "admin");
        var bytes = await png.Content.ReadAsByteArrayAsync(Ct);
        Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, bytes[..4]);
        using var svg = await Intake.SendAsync(HttpMethod.Get, $"/api/v1/doorplates/{first}/qr.svg", role: "admin");
        Assert.Contains("<svg", await svg.Content.ReadAsStringAsync(Ct));

        using var sheet = await Intake.SendAsync(HttpMethod.Get, $"/api/v1/doorplates/sheet?compound={county.Community}-C01", role: "admin");
        var html = await sheet.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.OK, sheet.StatusCode);
        Assert.Contains($"data-code=\"{first}\"", html);
        Assert.Contains($"data-code=\"{second}\"", html);
        Assert.DoesNotContain(revoked, html);
        Assert.Contains("@page", html);
    }

    [Fact]
    public async Task A_community_cadre_manages_doorplates_in_their_community_only_and_residents_cannot_issue()
    {
        var county = new TestCounty();
        await shared.Stack.ImportAsync(county);
        var other = new TestCounty();
        await shared.Stack.ImportAsync(other);
        var cadre = Tokens.For("community_cadre", county.Community);

        using var own = await Intake.SendAsync(HttpMethod.Post, "/api/v1/doorplates", new { nodeCode = county.Building }, token: cadre);
        Assert.Equal(HttpStatusCode.Created, own.StatusCode);
        using var foreign = await Intake.SendAsync(HttpMethod.Post, "/api/v1/doorplates", new { nodeCode = other.Building }, token: cadre);
        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        using var anonymous = await Intake.SendAsync(HttpMethod.Post, "/api/v1/doorplates", new { nodeCode = county.Building }, role: null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var onAGrid = await Intake.SendAsync(HttpMethod.Post, "/api/v1/doorplates", new { nodeCode = county.Grid }, role: "admin");
        Assert.Equal(HttpStatusCode.BadRequest, onAGrid.StatusCode);
        Assert.Equal(1, await shared.Stack.ScalarAsync<long>("intake",
            "SELECT count(*) FROM doorplates WHERE node_code = ANY(@nodes)", new { nodes = new[] { county.Building, other.Building, county.Grid } }));
    }
}
