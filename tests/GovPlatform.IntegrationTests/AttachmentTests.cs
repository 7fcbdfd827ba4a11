using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GovPlatform.IntegrationTests.Infrastructure;
using SixLabors.ImageSharp;

namespace GovPlatform.IntegrationTests;

/// <summary>
/// Photos and files uploaded to intake: checked by their bytes, photos re-encoded without EXIF (the GPS position above
/// all) with a thumbnail, bad uploads refused with a 4xx ProblemDetails and nothing stored.
/// </summary>
public sealed class AttachmentTests(SharedStack shared)
{
    private readonly TestStack _stack = shared.Stack;
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    public sealed record Attachment(Guid Id, string Service, string Kind, string ContentType, string FileName, int SizeBytes, int? Width, int? Height,
        string Url, string? ThumbnailUrl);
    public sealed record Uploaded(List<Attachment> Items);

    private async Task<HttpResponseMessage> UploadAsync(string token, HttpContent form) =>
        await _stack.Client("intake").SendAsync(HttpMethod.Post, "/api/v1/attachments", form, token: token);

    private async Task<byte[]> DownloadAsync(string url, string token)
    {
        using var response = await _stack.Client("intake").SendAsync(HttpMethod.Get, url, token: token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        return await response.Content.ReadAsByteArrayAsync(Ct);
    }

    private Task<long> StoredByAsync(string subject) =>
        _stack.ScalarAsync<long>("intake", "SELECT count(*) FROM attachments WHERE uploaded_by = @subject", new { subject });

    [Fact]
    public async Task A_photo_with_a_gps_position_comes_back_without_any_exif_and_with_a_thumbnail()
    {
        var photo = Photos.JpegWithGps();
        // The photo sent really carries the position.
        Assert.NotNull(Image.Identify(photo).Metadata.ExifProfile?.GetValue(SixLabors.ImageSharp.Metadata.Profiles.Exif.ExifTag.GPSLatitude));
        Assert.Contains((byte)0xE1, Photos.JpegSegments(photo));
        var desk = Tokens.For("desk_operator", subject: $"desk-{Guid.NewGuid():N}");

        using var response = await UploadAsync(desk, Photos.Form(("楼道.jpg", photo, "image/jpeg")));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var stored = Assert.Single((await response.Content.ReadFromJsonAsync<Uploaded>(Ct))!.Items);
        Assert.Equal(("intake", "image", "image/jpeg", "楼道.jpg", 640, 480), (stored.Service, stored.Kind, stored.ContentType, stored.FileName, stored.Width!.Value, stored.Height!.Value));

        var bytes = await DownloadAsync(stored.Url, desk);
        var segments = Photos.JpegSegments(bytes);
        Assert.DoesNotContain((byte)0xE1, segments);   // APP1: EXIF and XMP
        Assert.DoesNotContain((byte)0xED, segments);   // APP13: IPTC
        Assert.Equal(-1, bytes.AsSpan().IndexOf("Exif"u8));
        Assert.Equal(-1, bytes.AsSpan().IndexOf("TestPhone"u8));
        var info = Image.Identify(bytes);
        Assert.Null(info.Metadata.ExifProfile);
        Assert.Equal((640, 480), (info.Width, info.Height));

        var thumbnail = Image.Identify(await DownloadAsync(stored.ThumbnailUrl!, desk));
        Assert.Equal((320, 240), (thumbnail.Width, thumbnail.Height));
        Assert.Null(thumbnail.Metadata.ExifProfile);
    }

    [Fact]
    public async Task A_4_mb_phone_photo_is_re_encoded_and_scaled_down_in_one_upload()
    {
        var photo = Photos.JpegWithGps(3000, 2000, noise: true, quality: 80);
        Assert.InRange(photo.Length, 3_500_000, 9_000_000);
        var desk = Tokens.For("desk_operator");

        var clock = Stopwatch.StartNew();
        using var response = await UploadAsync(desk, Photos.Form(("IMG_0001.JPG", photo, "image/jpeg")));
        clock.Stop();
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var stored = Assert.Single((await response.Content.ReadFromJsonAsync<Uploaded>(Ct))!.Items);
        Assert.Equal((2560, 1707), (stored.Width!.Value, stored.Height!.Value));
        TestContext.Current.TestOutputHelper!.WriteLine(
            $"{photo.Length / 1e6:0.0} MB 3000×2000 JPEG: upload, decode, re-encode at 2560 px, thumbnail and store in {clock.ElapsedMilliseconds} ms; stored {stored.SizeBytes / 1e6:0.0} MB");
    }

    [Fact]
    public async Task A_pdf_is_kept_as_sent_and_served_as_a_download()
    {
        var pdf = Encoding.ASCII.GetBytes("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");
        var desk = Tokens.For("desk_operator");
        using var response = await UploadAsync(desk, Photos.Form(("情况说明.pdf", pdf, "application/pdf")));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var stored = Assert.Single((await response.Content.ReadFromJsonAsync<Uploaded>(Ct))!.Items);
        Assert.Equal(("document", "application/pdf", null), (stored.Kind, stored.ContentType, stored.ThumbnailUrl));
        using var download = await _stack.Client("intake").SendAsync(HttpMethod.Get, stored.Url, token: desk);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal(pdf, await download.Content.ReadAsByteArrayAsync(Ct));
    }

    public static TheoryData<string, int> BadUploads => new()
    {
        { "oversized", 413 }, { "text named .jpg", 415 }, { "exe declared as image", 415 }, { "corrupt jpeg", 422 },
        { "too many files", 400 }, { "no file", 400 }, { "empty file", 400 },
    };

    [Theory]
    [MemberData(nameof(BadUploads))]
    public async Task A_bad_upload_is_refused_with_a_problem_and_nothing_is_stored(string what, int status)
    {
        var subject = $"desk-{Guid.NewGuid():N}";
        var desk = Tokens.For("desk_operator", subject: subject);
        var small = Photos.JpegWithGps(64, 48);
        var oversized = new byte[11 * 1024 * 1024];
        small.CopyTo(oversized, 0);
        HttpContent form = what switch
        {
            "oversized" => Photos.Form(("big.jpg", oversized, "image/jpeg")),
            "text named .jpg" => Photos.Form(("photo.jpg", "这不是照片"u8.ToArray(), "image/jpeg")),
            "exe declared as image" => Photos.Form(("photo.png", [(byte)'M', (byte)'Z', 0x90, 0, 3, 0, 0, 0], "image/png")),
            "corrupt jpeg" => Photos.Form(("broken.jpg", [.. small.AsSpan(0, 20), .. Enumerable.Repeat((byte)0x5A, 4000)], "image/jpeg")),
            "too many files" => Photos.Form(Enumerable.Range(0, 11).Select(i => ($"{i}.jpg", small, "image/jpeg")).ToArray()),
            "no file" => new MultipartFormDataContent { { new StringContent("x"), "note" } },
            "empty file" => Photos.Form(("empty.jpg", [], "image/jpeg")),
            _ => throw new ArgumentOutOfRangeException(nameof(what)),
        };
        // A good photo in the same upload is not stored either: an upload is taken whole or not at all.
        if (what is "text named .jpg" or "corrupt jpeg" && form is MultipartFormDataContent multipart)
            multipart.Add(new ByteArrayContent(small), "files", "good.jpg");

        using var response = await UploadAsync(desk, form);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.JsonAsync();
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.Contains("nothing was stored", problem.GetProperty("title").GetString());
        Assert.Equal(0, await StoredByAsync(subject));
    }

    [Fact]
    public async Task A_non_multipart_upload_is_a_415_problem()
    {
        using var response = await UploadAsync(Tokens.For("desk_operator"), JsonContent.Create(new { files = "x" }));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task An_upload_not_yet_attached_is_visible_to_its_uploader_only()
    {
        var desk = Tokens.For("desk_operator");
        using var response = await UploadAsync(desk, Photos.Form(("a.jpg", Photos.JpegWithGps(64, 48), "image/jpeg")));
        var stored = Assert.Single((await response.Content.ReadFromJsonAsync<Uploaded>(Ct))!.Items);

        await DownloadAsync(stored.Url, desk);
        using var other = await _stack.Client("intake").SendAsync(HttpMethod.Get, stored.Url, token: Tokens.For("desk_operator"));
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);

        // Nor can another caller attach it to their request.
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        using var filed = await _stack.Client("intake").SendAsync(HttpMethod.Post, "/api/v1/requests", new
        {
            channel = "hotline", category = "drainage", description = "借用他人照片", location = new { code = county.Building }, attachmentIds = new[] { stored.Id },
        });
        Assert.Equal(HttpStatusCode.BadRequest, filed.StatusCode);
        Assert.Contains("attachmentIds", (await filed.JsonAsync()).GetProperty("errors").EnumerateObject().Select(p => p.Name));
        Assert.Equal(0, await _stack.ScalarAsync<long>("intake", "SELECT count(*) FROM requests WHERE location_path[1] = @District", new { county.District }));
    }
}
