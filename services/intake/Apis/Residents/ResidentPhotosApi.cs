using Dapper;
using GovPlatform.Intake.Cases;
using GovPlatform.Intake.Residents;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Attachments;
using Npgsql;

namespace GovPlatform.Intake.Apis.Residents;

/// <summary>
/// The photos of a resident's own case, as thumbnails on their status page: only to a session of the phone that
/// reported it (the same ownership test as the texts and the rating, the same 404 for anyone else's ticket), and
/// only images, served with nosniff and never cached by shared caches. The reporter's uploads are intake's; the
/// handler's resolution photos are dispatch's, named by <c>WorkOrderResolved</c> on the timeline, and fetched from
/// dispatch for the resident with a one-minute token that sees only orders at the request's own place.
/// </summary>
public static partial class ResidentsApi
{
    /// <param name="Source">"resident" for the reporter's own upload, "handler" for the resolver's photo of the fix.</param>
    public sealed record PhotoDto(Guid Id, string Source, string Url, string ThumbnailUrl, DateTime UploadedAt);

    private sealed record PhotoRow(Guid Id, bool HasThumbnail, DateTime UploadedAt);

    private sealed record HandlerPhoto(Guid Id, DateTime At);

    /// <summary>The resolvers' photos as the timeline recorded them from dispatch's events, oldest first.</summary>
    private const string HandlerPhotos = """
        SELECT p.id::uuid AS Id, t.at FROM request_timeline t, jsonb_array_elements_text(coalesce(t.detail->'attachmentIds', '[]'::jsonb)) AS p(id)
        WHERE t.request_id = @requestId AND t.event = 'resolved'
        ORDER BY t.at, p.id
        """;

    private const string CasePhotos = """
        SELECT id, has_thumbnail AS HasThumbnail, uploaded_at AS UploadedAt FROM attachments
        WHERE owner_kind = @owner AND owner_id = @requestId AND kind = @image
        ORDER BY uploaded_at, id
        """;

    private const string CasePhoto = """
        SELECT id, has_thumbnail AS HasThumbnail, uploaded_at AS UploadedAt FROM attachments
        WHERE id = @id AND owner_kind = @owner AND owner_id = @requestId AND kind = @image
        """;

    public static void MapResidentPhotos(this RouteGroupBuilder api)
    {
        api.MapGet("/requests/{ticket}/photos", CasePhotosAsync).WithName("MyRequestPhotos").WithSummary("The photos of the session's own request");
        api.MapGet("/requests/{ticket}/photos/{id:guid}", PhotoAsync)
            .WithName("MyRequestPhoto").WithSummary("One photo of the session's own request");
        api.MapGet("/requests/{ticket}/photos/{id:guid}/thumbnail", ThumbnailAsync)
            .WithName("MyRequestPhotoThumbnail").WithSummary("A photo's thumbnail (320 px) of the session's own request");
    }

    /// <summary>What serving one photo needs besides the route's values.</summary>
    internal sealed record PhotoServices(HttpContext Http, ResidentSessions Sessions, NpgsqlDataSource Db, IAttachmentStore Store);

    private static Task<IResult> PhotoAsync(string ticket, Guid id, [AsParameters] PhotoServices s, CancellationToken ct) =>
        ServePhotoAsync(ticket, id, false, s.Http, s.Sessions, s.Db, s.Store, ct);

    private static Task<IResult> ThumbnailAsync(string ticket, Guid id, [AsParameters] PhotoServices s, CancellationToken ct) =>
        ServePhotoAsync(ticket, id, true, s.Http, s.Sessions, s.Db, s.Store, ct);

    private static async Task<IResult> CasePhotosAsync(string ticket, HttpContext http, ResidentSessions sessions, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var (owned, refusal) = await OwnedAsync(http, sessions, conn, ticket, ct);
        if (refusal is not null) return refusal;
        var rows = await conn.QueryAsync<PhotoRow>(new CommandDefinition(CasePhotos,
            new { owner = RequestAttachmentAccess.RequestOwner, requestId = owned!.Id, image = AttachmentFiles.ImageKind }, cancellationToken: ct));
        var handler = await conn.QueryAsync<HandlerPhoto>(new CommandDefinition(HandlerPhotos, new { requestId = owned.Id }, cancellationToken: ct));
        var path = $"/api/v1/residents/requests/{ticket}/photos";
        return TypedResults.Ok(rows.Select(r => new PhotoDto(r.Id, "resident", $"{path}/{r.Id}",
                r.HasThumbnail ? $"{path}/{r.Id}/thumbnail" : $"{path}/{r.Id}", r.UploadedAt))
            .Concat(handler.DistinctBy(h => h.Id).Select(h => new PhotoDto(h.Id, "handler", $"{path}/{h.Id}", $"{path}/{h.Id}/thumbnail", h.At)))
            .ToList());
    }

    private static async Task<IResult> ServePhotoAsync(string ticket, Guid id, bool thumbnail, HttpContext http, ResidentSessions sessions,
        NpgsqlDataSource db, IAttachmentStore store, CancellationToken ct)
    {
        PhotoRow? row;
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            var (owned, refusal) = await OwnedAsync(http, sessions, conn, ticket, ct);
            if (refusal is not null) return refusal;
            row = await conn.QuerySingleOrDefaultAsync<PhotoRow>(new CommandDefinition(CasePhoto,
                new { id, owner = RequestAttachmentAccess.RequestOwner, requestId = owned!.Id, image = AttachmentFiles.ImageKind }, cancellationToken: ct));
            if (row is null)
            {
                var handler = await conn.QueryAsync<HandlerPhoto>(new CommandDefinition(HandlerPhotos, new { requestId = owned.Id }, cancellationToken: ct));
                if (!handler.Any(h => h.Id == id)) return TypedResults.NotFound();
                var place = await conn.QuerySingleAsync<string>(new CommandDefinition(
                    "SELECT location_code FROM requests WHERE id = @id", new { id = owned.Id }, cancellationToken: ct));
                return await FromDispatchAsync(http, id, thumbnail, place, ct);
            }
        }
        if (thumbnail && !row.HasThumbnail) return TypedResults.NotFound();
        var stored = await store.GetAsync(AttachmentUploads.Key(id, thumbnail), ct);
        if (stored is null) return TypedResults.NotFound();
        http.Response.Headers.XContentTypeOptions = "nosniff";
        // The session header decides who may read it: no shared cache may keep it for the next asker.
        http.Response.Headers.CacheControl = "private, no-store";
        return TypedResults.File(stored.Content, stored.ContentType);
    }

    /// <summary>
    /// A resolver's photo from dispatch. The token intake makes for it lives a minute and is a grid worker's scoped to
    /// the request's own place, so dispatch's own check shows it only photos of orders there; intake has already
    /// checked that the resident owns the request and that this photo was named in its resolution.
    /// </summary>
    private static async Task<IResult> FromDispatchAsync(HttpContext http, Guid id, bool thumbnail, string place, CancellationToken ct)
    {
        var auth = http.RequestServices.GetRequiredService<IConfiguration>().GetSection("Auth").Get<AuthOptions>() ?? new AuthOptions();
        var token = PlatformTokens.Issue(auth, "service:intake-residents", "居民端照片", [Roles.GridWorker], place, lifetime: TimeSpan.FromMinutes(1));
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{AttachmentExtensions.Route}/{id}{(thumbnail ? "/thumbnail" : "")}");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            using var response = await http.RequestServices.GetRequiredService<IHttpClientFactory>().CreateClient(PublicBoardApi.DispatchClient).SendAsync(request, ct);
            var type = response.Content.Headers.ContentType?.MediaType;
            if (!response.IsSuccessStatusCode || type is not ("image/jpeg" or "image/png")) return TypedResults.NotFound();
            var bytes = await response.Content.ReadAsByteArrayAsync(ct);
            http.Response.Headers.XContentTypeOptions = "nosniff";
            http.Response.Headers.CacheControl = "private, no-store";
            return TypedResults.File(bytes, type);
        }
        catch (Exception e) when ((e is HttpRequestException or TaskCanceledException or InvalidOperationException) && !ct.IsCancellationRequested)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "暂时无法获取照片，请稍后再试");
        }
    }
}
