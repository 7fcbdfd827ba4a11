using System.Net;
using System.Text.Json;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests.Residents;

/// <summary>What a resident sees of their own case beyond its steps: the mediation it opened and the photos.</summary>
public sealed class ResidentCaseTests(SharedStack shared)
{
    private readonly ResidentKit _kit = new(shared.Stack);
    private HttpClient Intake => shared.Stack.Client("intake");
    private HttpClient Dispatch => shared.Stack.Client("dispatch");
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record Case(Guid Id, Guid? WorkOrderId, string Kind, string State, string OpenedBy);

    /// <summary>The request's mediation entries as intake keeps them (read from its database: the public lookup is rate-limited).</summary>
    private async Task<List<JsonElement>?> MediationEntriesAsync(Guid requestId, string? state = null)
    {
        var rows = await shared.Stack.QueryAsync<string>("intake",
            "SELECT detail::text FROM request_timeline WHERE request_id = @requestId AND event = 'mediation' ORDER BY at", new { requestId });
        var entries = rows.Select(r => JsonDocument.Parse(r).RootElement.Clone())
            .Where(e => state is null || e.GetProperty("state").GetString() == state).ToList();
        return entries.Count > 0 ? entries : null;
    }

    [Fact]
    public async Task A_residents_mediation_application_opens_a_case_in_dispatch_whose_outcome_shows_on_the_residents_status()
    {
        var county = new TestCounty();
        await shared.Stack.ImportAsync(county);
        var doorplate = await _kit.IssueDoorplateAsync(county.Building);
        var phone = ResidentKit.NewPhone();
        var session = await _kit.VerifyAsync(phone);
        var filed = await _kit.ReportOkAsync(session, new { kind = "property", description = "物业长期不修电梯，协商无果", otherParty = "东苑物业", doorplate },
            "/api/v1/residents/mediation");
        var ticket = filed.GetProperty("ticketNo").GetString()!;
        var requestId = await _kit.RequestIdAsync(ticket);

        // Routed like any other request, and the case opened beside its work order.
        var order = await new DispatchDriver(shared.Stack).OrderForAsync(requestId);
        var mediation = await Eventually.Get(async () => (await shared.Stack.QueryAsync<Case>("dispatch", """
            SELECT id, work_order_id AS WorkOrderId, kind, state, opened_by AS OpenedBy FROM mediation_cases WHERE request_id = @requestId
            """, new { requestId })).SingleOrDefault(), "a mediation case for the application");
        Assert.Equal(order.GetProperty("id").GetGuid(), mediation.WorkOrderId);
        Assert.Equal(("property", "open", "dispatch"), (mediation.Kind, mediation.State, mediation.OpenedBy));

        // The community's cadre finds it among the community's cases, holds a session and closes it with an agreement.
        var cadre = Tokens.For("community_cadre", county.Community);
        var listed = await (await Dispatch.SendAsync(HttpMethod.Get, $"/api/v1/mediation-cases?community={county.Community}&state=open", token: cadre)).JsonAsync();
        Assert.Contains(listed.EnumerateArray(), c => c.GetProperty("id").GetGuid() == mediation.Id);
        var opened = (await Eventually.Get(() => MediationEntriesAsync(requestId, "opened"), "the case on the resident's timeline")).Single();
        Assert.Equal(mediation.Id, opened.GetProperty("caseId").GetGuid());

        var now = DateTimeOffset.UtcNow;
        using (var held = await Dispatch.SendAsync(HttpMethod.Post, $"/api/v1/mediation-cases/{mediation.Id}/sessions",
                   new { heldAt = now.AddMinutes(-30), place = "锦园社区说事点", attendees = new[] { "申请人", "物业经理" }, notes = "双方同意本月内修复电梯" }, token: cadre))
            Assert.True(held.IsSuccessStatusCode, await held.Content.ReadAsStringAsync(Ct));
        using (var closed = await Dispatch.SendAsync(HttpMethod.Post, $"/api/v1/mediation-cases/{mediation.Id}/close",
                   new { outcome = "agreement", agreementSignedAt = now.AddMinutes(-5) }, token: cadre))
            Assert.True(closed.IsSuccessStatusCode, await closed.Content.ReadAsStringAsync(Ct));

        var outcome = (await Eventually.Get(() => MediationEntriesAsync(requestId, "closed"), "the outcome on the resident's timeline")).Single();
        Assert.Equal("agreement", outcome.GetProperty("outcome").GetString());
        // What the resident's status page reads: the ticket and the phone's last four digits.
        var view = await (await Intake.SendAsync(HttpMethod.Get, $"/api/v1/requests/lookup?ticket={ticket}&phoneLast4={phone[^4..]}", role: null)).JsonAsync();
        Assert.Contains(view.GetProperty("timeline").EnumerateArray(), e => e.GetProperty("event").GetString() == "mediation"
            && e.GetProperty("detail").TryGetProperty("outcome", out var o) && o.GetString() == "agreement");
        // A mediation entry is news on the timeline, not a status of the request.
        Assert.NotEqual("mediation", await shared.Stack.ScalarAsync<string>("intake", "SELECT status FROM requests WHERE id = @requestId", new { requestId }));
    }

    [Fact]
    public async Task A_desk_filed_dispute_opens_no_case_by_itself()
    {
        var county = new TestCounty();
        await shared.Stack.ImportAsync(county);
        using var filed = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests",
            new { channel = "hotline", category = "neighbour_dispute", description = "【申请调解·邻里纠纷】楼上漏水到楼下", location = new { code = county.Building } });
        Assert.Equal(HttpStatusCode.Created, filed.StatusCode);
        var requestId = (await filed.JsonAsync()).GetProperty("id").GetGuid();
        await new DispatchDriver(shared.Stack).OrderForAsync(requestId);
        Assert.Equal(0, await shared.Stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM mediation_cases WHERE request_id = @requestId", new { requestId }));
    }

    [Fact]
    public async Task The_case_photos_are_shown_to_the_reporters_own_session_and_to_nobody_else()
    {
        var county = new TestCounty();
        await shared.Stack.ImportAsync(county);
        var doorplate = await _kit.IssueDoorplateAsync(county.Building);
        var phone = ResidentKit.NewPhone();
        var session = await _kit.VerifyAsync(phone);
        var neighbour = await _kit.VerifyAsync(ResidentKit.NewPhone());
        using var upload = new HttpRequestMessage(HttpMethod.Post, "/api/v1/residents/photos") { Content = Photos.Form(("crack.jpg", Photos.JpegWithGps(), "image/jpeg")) };
        upload.Headers.Add("X-Resident-Session", session);
        using var uploaded = await Intake.SendAsync(upload, Ct);
        Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
        var photoId = (await uploaded.JsonAsync()).GetProperty("items")[0].GetProperty("id").GetGuid();
        var filed = await _kit.ReportOkAsync(session, new { topic = "roof_leak", description = "楼道顶上漏水，墙面发霉", doorplate, photos = new[] { photoId } });
        var ticket = filed.GetProperty("ticketNo").GetString()!;

        using var mine = await _kit.AsResidentAsync(HttpMethod.Get, $"/api/v1/residents/requests/{ticket}/photos", session);
        Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
        var photo = (await mine.JsonAsync()).EnumerateArray().Single();
        Assert.Equal(photoId, photo.GetProperty("id").GetGuid());
        Assert.Equal("resident", photo.GetProperty("source").GetString());
        var thumbnailUrl = photo.GetProperty("thumbnailUrl").GetString()!;
        using var thumbnail = await _kit.AsResidentAsync(HttpMethod.Get, thumbnailUrl, session);
        Assert.Equal(HttpStatusCode.OK, thumbnail.StatusCode);
        Assert.Equal("image/jpeg", thumbnail.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-store", thumbnail.Headers.CacheControl?.ToString());
        var bytes = await thumbnail.Content.ReadAsByteArrayAsync(Ct);
        Assert.Equal([0xFF, 0xD8], bytes[..2]);

        // A neighbour's session, no session, and the ticket with its last four digits: none of them see the photos.
        foreach (var url in new[] { $"/api/v1/residents/requests/{ticket}/photos", thumbnailUrl, $"/api/v1/residents/requests/{ticket}/photos/{photoId}" })
        {
            using var other = await _kit.AsResidentAsync(HttpMethod.Get, url, neighbour);
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
            using var nobody = await _kit.AsResidentAsync(HttpMethod.Get, url, null);
            Assert.Equal(HttpStatusCode.Unauthorized, nobody.StatusCode);
        }
        // A photo of another case is not reached through this ticket.
        using var elsewhere = await _kit.AsResidentAsync(HttpMethod.Get, $"/api/v1/residents/requests/{ticket}/photos/{Guid.NewGuid()}/thumbnail", session);
        Assert.Equal(HttpStatusCode.NotFound, elsewhere.StatusCode);
    }
}
