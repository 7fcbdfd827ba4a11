using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests;

/// <summary>
/// The work order carries the case: whoever is sent sees the resident's words, the address, the photos and the
/// reporter masked, within their own scope only; the whole phone number is read at the desk, and every read is logged.
/// </summary>
public sealed class CaseFileTests(SharedStack shared)
{
    private readonly TestStack _stack = shared.Stack;
    private readonly DispatchDriver _dispatch = new(shared.Stack);
    private CancellationToken Ct => TestContext.Current.CancellationToken;
    private HttpClient Intake => _stack.Client("intake");

    private sealed record Uploaded(List<AttachmentTests.Attachment> Items);
    private sealed record Submitted(Guid Id, string TicketNo, string Status);
    private sealed record LogEntry(long Id, Guid RequestId, string ViewedBy, string? ViewerName, string[] Roles, string Reason, string? Note, DateTime At);

    private async Task<Guid> UploadAsync(string service, string token, byte[] photo)
    {
        using var response = await _stack.Client(service).SendAsync(HttpMethod.Post, "/api/v1/attachments",
            Photos.Form(("现场.jpg", photo, "image/jpeg")), token: token);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return Assert.Single((await response.Content.ReadFromJsonAsync<Uploaded>(Ct))!.Items).Id;
    }

    /// <summary>A desk filing with a photo, as an operator takes a call.</summary>
    private async Task<(Guid RequestId, Guid PhotoId, string Desk)> FileAtTheDeskAsync(TestCounty county)
    {
        var desk = Tokens.For("desk_operator", subject: $"desk-{Guid.NewGuid():N}");
        var photo = await UploadAsync("intake", desk, Photos.JpegWithGps());
        using var response = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", new
        {
            // Noise is a compound-tier category: the order starts with a grid worker, who resolves it below.
            channel = "hotline", category = "noise", description = "1号楼2单元楼上深夜装修，噪音扰民",
            location = new { code = county.Building, address = "锦园社区东苑小区1号楼2单元" },
            reporter = new { name = "张三丰", phone = "13812345678" },
            attachmentIds = new[] { photo },
        }, token: desk);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return ((await response.Content.ReadFromJsonAsync<Submitted>(Ct))!.Id, photo, desk);
    }

    private async Task<HttpResponseMessage> GetOrderAsync(Guid orderId, string token) =>
        await _dispatch.SendAsync(HttpMethod.Get, $"/api/v1/work-orders/{orderId}", token);

    [Fact]
    public async Task A_grid_worker_sees_the_case_of_a_desk_filing_with_the_photo_and_the_reporter_masked()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var (requestId, photoId, _) = await FileAtTheDeskAsync(county);
        var order = await _dispatch.OrderForAsync(requestId);
        var orderId = order.GetProperty("id").GetGuid();
        var worker = Tokens.For("grid_worker", county.Grid, subject: order.GetProperty("assigneeId").GetString());

        using var response = await GetOrderAsync(orderId, worker);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync(Ct);
        var @case = JsonDocument.Parse(text).RootElement.GetProperty("case");
        Assert.Equal("1号楼2单元楼上深夜装修，噪音扰民", @case.GetProperty("description").GetString());
        Assert.Equal("锦园社区东苑小区1号楼2单元", @case.GetProperty("address").GetString());
        Assert.Equal("138****5678", @case.GetProperty("reporterPhone").GetString());
        Assert.Equal("张**", @case.GetProperty("reporterName").GetString());
        Assert.Equal(JsonValueKind.Object, @case.GetProperty("attributes").ValueKind);
        var file = Assert.Single(@case.GetProperty("attachments").EnumerateArray());
        Assert.Equal((photoId, "intake"), (file.GetProperty("id").GetGuid(), file.GetProperty("service").GetString()));
        Assert.DoesNotContain("13812345678", text);
        Assert.DoesNotContain("张三丰", text);

        // The list shows it too, and the photo itself opens for the worker from intake.
        using var list = await _dispatch.SendAsync(HttpMethod.Get, "/api/v1/work-orders", worker);
        var listed = Assert.Single((await list.JsonAsync()).EnumerateArray(), o => o.GetProperty("id").GetGuid() == orderId);
        Assert.Equal("1号楼2单元楼上深夜装修，噪音扰民", listed.GetProperty("case").GetProperty("description").GetString());
        using var photo = await Intake.SendAsync(HttpMethod.Get, file.GetProperty("url").GetString()!, token: worker);
        Assert.Equal(HttpStatusCode.OK, photo.StatusCode);
        Assert.Equal("image/jpeg", photo.Content.Headers.ContentType?.MediaType);
        using var thumbnail = await Intake.SendAsync(HttpMethod.Get, file.GetProperty("thumbnailUrl").GetString()!, token: worker);
        Assert.Equal(HttpStatusCode.OK, thumbnail.StatusCode);
    }

    [Fact]
    public async Task Another_grids_worker_and_a_department_not_whistled_see_neither_the_order_nor_the_photo()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var (requestId, photoId, _) = await FileAtTheDeskAsync(county);
        var orderId = await _dispatch.OrderIdForAsync(requestId);

        foreach (var outsider in new[]
        {
            Tokens.For("grid_worker", county.EmptyGrid), Tokens.For("grid_worker", new TestCounty().Grid),
            Tokens.For("department", department: "water"), Tokens.For("grid_leader", county.EmptyGrid),
        })
        {
            using var order = await GetOrderAsync(orderId, outsider);
            Assert.Equal(HttpStatusCode.NotFound, order.StatusCode);
            using var photo = await Intake.SendAsync(HttpMethod.Get, $"/api/v1/attachments/{photoId}", token: outsider);
            Assert.Equal(HttpStatusCode.NotFound, photo.StatusCode);
            using var thumbnail = await Intake.SendAsync(HttpMethod.Get, $"/api/v1/attachments/{photoId}/thumbnail", token: outsider);
            Assert.Equal(HttpStatusCode.NotFound, thumbnail.StatusCode);
        }
        // The community's cadre answers for every grid of it and sees the photo.
        using var cadre = await Intake.SendAsync(HttpMethod.Get, $"/api/v1/attachments/{photoId}", token: Tokens.For("community_cadre", county.Community));
        Assert.Equal(HttpStatusCode.OK, cadre.StatusCode);
    }

    [Fact]
    public async Task The_whole_phone_is_read_at_the_desk_or_by_a_worker_of_its_grid_each_read_is_logged_and_other_roles_are_refused()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var (requestId, _, _) = await FileAtTheDeskAsync(county);
        var caller = $"callback-{Guid.NewGuid():N}";
        var desk = Tokens.For("desk_operator", subject: caller);
        async Task<List<LogEntry>> LogAsync()
        {
            using var response = await Intake.SendAsync(HttpMethod.Get, $"/api/v1/contact-access-log?requestId={requestId}", role: "admin");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<List<LogEntry>>(Ct))!;
        }

        using var read = await Intake.SendAsync(HttpMethod.Get, $"/api/v1/requests/{requestId}/contact?reason=callback&note=回访", token: desk);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var contact = await read.JsonAsync();
        Assert.Equal(("13812345678", "张三丰"), (contact.GetProperty("reporterPhone").GetString(), contact.GetProperty("reporterName").GetString()));

        var entry = Assert.Single(await LogAsync());
        Assert.Equal((caller, "callback", "回访", requestId), (entry.ViewedBy, entry.Reason, entry.Note, entry.RequestId));
        Assert.Contains("desk_operator", entry.Roles);
        Assert.InRange(entry.At, DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(1));

        foreach (var role in new[] { "department", "community_cadre", "leader", "volunteer" })
        {
            using var refused = await Intake.SendAsync(HttpMethod.Get, $"/api/v1/requests/{requestId}/contact?reason=callback",
                token: Tokens.For(role, county.Grid, department: "water"));
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
        // The grid worker sent there may read it to arrange the visit, logged like the desk's; a worker of another grid
        // is answered as if the request did not exist, and nothing is logged for them.
        using var outsider = await Intake.SendAsync(HttpMethod.Get, $"/api/v1/requests/{requestId}/contact?reason=arrange_visit",
            token: Tokens.For("grid_worker", county.EmptyGrid));
        Assert.Equal(HttpStatusCode.NotFound, outsider.StatusCode);
        var visitor = $"visit-{Guid.NewGuid():N}";
        using var visit = await Intake.SendAsync(HttpMethod.Get, $"/api/v1/requests/{requestId}/contact?reason=arrange_visit",
            token: Tokens.For("grid_worker", county.Grid, subject: visitor));
        Assert.Equal(HttpStatusCode.OK, visit.StatusCode);
        Assert.Equal("13812345678", (await visit.JsonAsync()).GetProperty("reporterPhone").GetString());
        Assert.Equal((visitor, "arrange_visit"), (await LogAsync()).Select(e => (e.ViewedBy, e.Reason)).First());
        // A desk read without a reason shows nothing and logs nothing; the log is for admins only.
        using var noReason = await Intake.SendAsync(HttpMethod.Get, $"/api/v1/requests/{requestId}/contact", token: desk);
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.DoesNotContain("13812345678", await noReason.Content.ReadAsStringAsync(Ct));
        using var deskReadsLog = await Intake.SendAsync(HttpMethod.Get, $"/api/v1/contact-access-log?requestId={requestId}", token: desk);
        Assert.Equal(HttpStatusCode.Forbidden, deskReadsLog.StatusCode);
        Assert.Equal(2, (await LogAsync()).Count);
        // Everywhere else the reporter stays masked.
        using var ledger = await Intake.SendAsync(HttpMethod.Get, $"/api/v1/requests/{requestId}", token: desk);
        Assert.DoesNotContain("13812345678", await ledger.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task A_resolve_with_a_photo_and_the_position_shows_on_the_order_for_those_who_see_it()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var (requestId, _, _) = await FileAtTheDeskAsync(county);
        var order = await _dispatch.OrderForAsync(requestId);
        var orderId = order.GetProperty("id").GetGuid();
        var worker = Tokens.For("grid_worker", county.Grid, subject: order.GetProperty("assigneeId").GetString());
        await _dispatch.ActOkAsync(orderId, "accept", worker);
        await _dispatch.ActOkAsync(orderId, "arrive", worker);
        var photo = await UploadAsync("dispatch", worker, Photos.JpegWithGps());

        var resolved = await _dispatch.ActOkAsync(orderId, "resolve", worker, new
        {
            resolution = "已劝导施工方停止夜间施工", attachmentIds = new[] { photo }, position = new { latitude = 27.72, longitude = 107.21, accuracyMetres = 8.5 },
        });
        Assert.Equal("resolved", resolved.GetProperty("status").GetString());
        var file = Assert.Single(resolved.GetProperty("resolutionFiles").EnumerateArray());
        Assert.Equal((photo, "dispatch"), (file.GetProperty("id").GetGuid(), file.GetProperty("service").GetString()));
        var position = resolved.GetProperty("resolvedPosition");
        Assert.Equal((27.72, 107.21, 8.5), (position.GetProperty("latitude").GetDouble(), position.GetProperty("longitude").GetDouble(), position.GetProperty("accuracyMetres").GetDouble()));

        var seen = await _dispatch.GetAsync(orderId, Tokens.For("community_cadre", county.Community));
        Assert.Single(seen.GetProperty("resolutionFiles").EnumerateArray());
        using var cadrePhoto = await _dispatch.SendAsync(HttpMethod.Get, $"/api/v1/attachments/{photo}", Tokens.For("community_cadre", county.Community));
        Assert.Equal(HttpStatusCode.OK, cadrePhoto.StatusCode);
        Assert.Equal(-1, (await cadrePhoto.Content.ReadAsByteArrayAsync(Ct)).AsSpan().IndexOf("Exif"u8));
        using var outsiderPhoto = await _dispatch.SendAsync(HttpMethod.Get, $"/api/v1/attachments/{photo}", Tokens.For("grid_worker", county.EmptyGrid));
        Assert.Equal(HttpStatusCode.NotFound, outsiderPhoto.StatusCode);
    }

    [Fact]
    public async Task A_resolve_with_someone_elses_photo_or_a_bad_position_is_refused_and_the_order_stays_open()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var order = await _dispatch.OrderForAsync(await _dispatch.SubmitAsync(county));
        var orderId = order.GetProperty("id").GetGuid();
        var worker = Tokens.For("grid_worker", county.Grid, subject: order.GetProperty("assigneeId").GetString());
        await _dispatch.ActOkAsync(orderId, "accept", worker);
        await _dispatch.ActOkAsync(orderId, "arrive", worker);
        var foreign = await UploadAsync("dispatch", Tokens.For("grid_worker", county.Grid), Photos.JpegWithGps(64, 48));

        using var borrowed = await _dispatch.ActAsync(orderId, "resolve", worker, new { resolution = "已处理", attachmentIds = new[] { foreign } });
        Assert.Equal(HttpStatusCode.BadRequest, borrowed.StatusCode);
        using var nowhere = await _dispatch.ActAsync(orderId, "resolve", worker, new { resolution = "已处理", position = new { latitude = 91.0, longitude = 0.0 } });
        Assert.Equal(HttpStatusCode.BadRequest, nowhere.StatusCode);
        Assert.Equal("on_site", (await _dispatch.GetAsync(orderId)).GetProperty("status").GetString());
        Assert.Equal(0, await _stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM attachments WHERE owner_id = @orderId", new { orderId }));
    }

    [Fact]
    public async Task An_order_from_a_submission_published_before_case_details_says_it_has_none()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        // DispatchDriver publishes the submission as older intakes did: no case.
        var order = await _dispatch.GetAsync(await _dispatch.OrderIdForAsync(await _dispatch.SubmitAsync(county)));
        Assert.Equal(JsonValueKind.Null, order.GetProperty("case").ValueKind);
        Assert.Contains("predates", order.GetProperty("caseNote").GetString());
    }

    [Fact]
    public async Task A_grid_workers_patrol_report_becomes_a_work_order_in_their_grid()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        var worker = Tokens.For("grid_worker", county.Grid, subject: $"patrol-{Guid.NewGuid():N}");
        var photo = await UploadAsync("intake", worker, Photos.JpegWithGps());

        using var filed = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", new
        {
            channel = "grid_patrol", category = "drainage", description = "巡查发现2号楼雨水井盖破损",
            location = new { code = $"{county.Grid}-B02", address = "2号楼东侧" }, attachmentIds = new[] { photo },
        }, token: worker);
        Assert.Equal(HttpStatusCode.Created, filed.StatusCode);
        var requestId = (await filed.Content.ReadFromJsonAsync<Submitted>(Ct))!.Id;
        var order = await _dispatch.GetAsync(await _dispatch.OrderIdForAsync(requestId));
        Assert.Equal(county.Grid, order.GetProperty("gridCode").GetString());
        Assert.Equal("巡查发现2号楼雨水井盖破损", order.GetProperty("case").GetProperty("description").GetString());
        Assert.Equal(photo, order.GetProperty("case").GetProperty("attachments")[0].GetProperty("id").GetGuid());

        // Another channel, or a place outside their grid, is refused and files nothing.
        using var hotline = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", new
        {
            channel = "hotline", category = "drainage", description = "冒充热线", location = new { code = county.Building },
        }, token: worker);
        Assert.Equal(HttpStatusCode.BadRequest, hotline.StatusCode);
        using var elsewhere = await Intake.SendAsync(HttpMethod.Post, "/api/v1/requests", new
        {
            channel = "grid_patrol", category = "drainage", description = "越界上报", location = new { code = $"{county.EmptyGrid}-B03" },
        }, token: worker);
        Assert.Equal(HttpStatusCode.Forbidden, elsewhere.StatusCode);
        Assert.Equal("application/problem+json", elsewhere.Content.Headers.ContentType?.MediaType);
        Assert.Equal(1, await _stack.ScalarAsync<long>("intake", "SELECT count(*) FROM requests WHERE location_path[1] = @District", new { county.District }));
    }
}
