using System.Net.Http.Headers;
using GovPlatform.Web.SignIn;
using Microsoft.AspNetCore.Components.Authorization;

namespace GovPlatform.Web.Apis;

public sealed record PatrolLocation(string Code, double? Latitude = null, double? Longitude = null);
/// <summary>A grid patrol report (网格巡查), as intake's <c>POST /api/v1/requests</c> takes it on the grid_patrol channel.</summary>
public sealed record PatrolReport(string Category, string Description, PatrolLocation Location, IReadOnlyList<Guid> AttachmentIds)
{
    public string Channel => "grid_patrol";
}

public sealed record UploadedFile(Guid Id, string ContentType, string FileName, string? ThumbnailUrl);
public sealed record Uploaded(IReadOnlyList<UploadedFile> Items);
public sealed record RevealedContact(Guid RequestId, string TicketNo, string? ReporterName, string? ReporterPhone);

/// <summary>A photo from the phone, read into memory on the server before it goes on to intake.</summary>
public sealed record PhotoUpload(string FileName, string ContentType, byte[] Bytes);

/// <summary>The intake calls a grid worker makes in the field: photos, the patrol report, and the audited contact read.</summary>
public sealed class FieldApi(HttpClient http, AuthenticationStateProvider auth, TokenStore tokens) : PlatformApi(http, auth, tokens)
{
    /// <summary>Uploads the photos in one multipart body; intake re-encodes them without EXIF and keeps a thumbnail.</summary>
    public Task<ApiResult<Uploaded>> UploadAsync(IReadOnlyList<PhotoUpload> photos, CancellationToken ct = default)
    {
        var form = new MultipartFormDataContent();
        foreach (var photo in photos)
        {
            var part = new ByteArrayContent(photo.Bytes);
            part.Headers.ContentType = new MediaTypeHeaderValue(photo.ContentType);
            form.Add(part, "files", photo.FileName);
        }
        return SendAsync<Uploaded>(new HttpRequestMessage(HttpMethod.Post, "/api/v1/attachments") { Content = form }, ct);
    }

    public Task<ApiResult<Submitted>> FileAsync(PatrolReport report, CancellationToken ct = default) =>
        PostAsync<Submitted>("/api/v1/requests", report, ct);

    /// <summary>The resident's whole number, for arranging the visit; intake records the read in its contact access log.</summary>
    public Task<ApiResult<RevealedContact>> ContactAsync(Guid requestId, CancellationToken ct = default) =>
        GetAsync<RevealedContact>($"/api/v1/requests/{requestId}/contact?reason=arrange_visit", ct);
}
