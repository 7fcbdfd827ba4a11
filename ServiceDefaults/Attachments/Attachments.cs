using System.Security.Claims;
using System.Security.Cryptography;
using Dapper;
using GovPlatform.ServiceDefaults.Data;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace GovPlatform.ServiceDefaults.Attachments;

/// <summary>An uploaded photo or file as the APIs show it.</summary>
/// <param name="Service">The service that holds it: its <paramref name="Url"/> is a path on that service.</param>
/// <param name="ThumbnailUrl">A small JPEG for lists; photos only.</param>
public sealed record AttachmentDto(Guid Id, string Service, string Kind, string ContentType, string FileName, int SizeBytes,
    int? Width, int? Height, DateTimeOffset UploadedAt, string Url, string? ThumbnailUrl);

/// <summary>The answer to an upload: the stored files, in the order sent; their ids go on the request or the work order step.</summary>
public sealed record UploadedDto(IReadOnlyList<AttachmentDto> Items);

/// <summary>Who may read an attachment once it belongs to something (a request, a work order): each service answers for its own.</summary>
public interface IAttachmentAccess
{
    Task<bool> MayReadAsync(ClaimsPrincipal user, string ownerKind, Guid ownerId, CancellationToken ct);
}

public sealed class AttachmentSettings
{
    /// <summary>The name clients know the service by (intake, dispatch), written into every <see cref="AttachmentDto"/>.</summary>
    public required string Service { get; init; }
    public required AttachmentLimits Limits { get; init; }
}

public static class AttachmentExtensions
{
    public const string Route = "/api/v1/attachments";

    /// <summary>
    /// The attachment tables in the service's database (their own migration journal), the store (PostgreSQL unless a
    /// service registered another <see cref="IAttachmentStore"/> first, e.g. an S3 one) and the limits from
    /// <c>Attachments:*</c>. The service registers its <see cref="IAttachmentAccess"/>.
    /// </summary>
    public static WebApplicationBuilder AddAttachments(this WebApplicationBuilder builder, string service)
    {
        builder.Services.AddSingleton(new Migrator.Source("attachments", typeof(AttachmentFiles).Assembly, "Attachments.Migrations."));
        builder.Services.TryAddSingleton<IAttachmentStore, PostgresAttachmentStore>();
        var limits = builder.Configuration.GetSection("Attachments").Get<AttachmentLimits>() ?? new AttachmentLimits();
        builder.Services.AddSingleton(new AttachmentSettings { Service = service, Limits = limits });
        builder.Services.AddSingleton<AttachmentUploads>();
        return builder;
    }

    /// <summary>
    /// <c>POST /api/v1/attachments</c> (multipart: one or more files) for <paramref name="uploadRoles"/>, and the reads of
    /// one file and its thumbnail for whoever the service's <see cref="IAttachmentAccess"/> lets see it.
    /// </summary>
    /// <param name="uploader">Who is uploading, as the service records actors (the same string it will check on linking).</param>
    public static RouteGroupBuilder MapAttachmentsApi(this WebApplication app, Func<ClaimsPrincipal, string> uploader, params string[] uploadRoles)
    {
        // The service's way of naming the uploader rides on the group's metadata, so the handlers below can be plain
        // named methods instead of lambdas closing over it.
        var api = app.MapGroup(Route).WithTags("Attachments").WithMetadata(new Uploader(uploader));
        api.MapPost("/", UploadAsync)
            .RequireRoles(uploadRoles)
            .DisableAntiforgery()
            .WithName("UploadAttachments")
            .WithSummary("Upload photos (JPEG, PNG, WebP: re-encoded without EXIF/GPS, with a thumbnail) or PDF files as multipart/form-data; attach the ids to a request or a work order step");
        api.MapGet("/{id:guid}", GetAsync)
            .RequireAuthorization()
            .WithName("GetAttachment")
            .WithSummary("The stored file, for the staff handling the case it belongs to (404 to anyone else)");
        api.MapGet("/{id:guid}/thumbnail", GetThumbnailAsync)
            .RequireAuthorization()
            .WithName("GetAttachmentThumbnail")
            .WithSummary("A photo's thumbnail (JPEG, 320 px on the longer side)");
        return api;
    }

    private sealed record Uploader(Func<ClaimsPrincipal, string> Of);

    private static string UploaderOf(HttpContext http) =>
        http.GetEndpoint()!.Metadata.GetRequiredMetadata<Uploader>().Of(http.User);

    private static Task<IResult> UploadAsync(HttpContext http, AttachmentUploads uploads, CancellationToken ct) =>
        uploads.UploadAsync(http, UploaderOf(http), ct);

    private static Task<IResult> GetAsync(Guid id, HttpContext http, AttachmentUploads uploads, CancellationToken ct) =>
        uploads.ServeAsync(id, thumbnail: false, http, UploaderOf(http), ct);

    private static Task<IResult> GetThumbnailAsync(Guid id, HttpContext http, AttachmentUploads uploads, CancellationToken ct) =>
        uploads.ServeAsync(id, thumbnail: true, http, UploaderOf(http), ct);
}

/// <summary>Receives, checks, stores and serves attachments; a service's own endpoints (a resident's upload) can call it too.</summary>
public sealed class AttachmentUploads(NpgsqlDataSource db, IAttachmentStore store, AttachmentSettings settings, TimeProvider clock,
    IServiceProvider services, ILogger<AttachmentUploads> logger)
{
    public AttachmentLimits Limits => settings.Limits;

    private sealed record Row
    {
        public Guid Id { get; init; }
        public required string Kind { get; init; }
        public required string ContentType { get; init; }
        public required string FileName { get; init; }
        public int SizeBytes { get; init; }
        public int? Width { get; init; }
        public int? Height { get; init; }
        public bool HasThumbnail { get; init; }
        public DateTime UploadedAt { get; init; }
        public required string UploadedBy { get; init; }
        public string? OwnerKind { get; init; }
        public Guid? OwnerId { get; init; }
    }

    internal const string SelectRow = """
        SELECT id, kind, content_type AS ContentType, file_name AS FileName, size_bytes AS SizeBytes, width, height,
               has_thumbnail AS HasThumbnail, uploaded_at AS UploadedAt, uploaded_by AS UploadedBy,
               owner_kind AS OwnerKind, owner_id AS OwnerId
        FROM attachments
        """;

    private const string Insert = """
        INSERT INTO attachments (id, kind, content_type, file_name, size_bytes, received_bytes, width, height, has_thumbnail,
                                 sha256, uploaded_by, uploaded_at)
        VALUES (@id, @kind, @contentType, @fileName, @sizeBytes, @receivedBytes, @width, @height, @hasThumbnail,
                @sha256, @uploadedBy, @uploadedAt)
        """;

    private AttachmentDto Dto(Row r) => new(r.Id, settings.Service, r.Kind, r.ContentType, r.FileName, r.SizeBytes, r.Width, r.Height,
        new DateTimeOffset(DateTime.SpecifyKind(r.UploadedAt, DateTimeKind.Utc)), $"{AttachmentExtensions.Route}/{r.Id}",
        r.HasThumbnail ? $"{AttachmentExtensions.Route}/{r.Id}/thumbnail" : null);

    /// <summary>The upload endpoint: 201 with the stored files, or a 4xx ProblemDetails with nothing stored.</summary>
    public async Task<IResult> UploadAsync(HttpContext http, string uploadedBy, CancellationToken ct)
    {
        var (files, problem) = await ReceiveAsync(http, ct);
        if (problem is not null) return problem;
        var stored = await StoreAsync(files!, uploadedBy, ct);
        return TypedResults.Created(AttachmentExtensions.Route, new UploadedDto(stored));
    }

    /// <summary>Reads the multipart body and checks every file; any refusal refuses the whole upload.</summary>
    public async Task<(IReadOnlyList<AcceptedFile>? Files, IResult? Problem)> ReceiveAsync(HttpContext http, CancellationToken ct)
    {
        var limits = settings.Limits;
        if (!http.Request.HasFormContentType || http.Request.ContentType?.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase) != true)
            return (null, Refused(StatusCodes.Status415UnsupportedMediaType, "Send the files as multipart/form-data.",
                "files", "Expected a multipart/form-data body with one or more files."));
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = limits.MaxUploadBytes;

        IFormCollection form;
        try
        {
            var feature = new FormFeature(http.Request, new FormOptions
            {
                MultipartBodyLengthLimit = limits.MaxUploadBytes,
                MultipartBoundaryLengthLimit = 128,
                ValueCountLimit = limits.MaxFiles + 10,
                // Whole files are checked in memory; never spilled to a temporary file on disk.
                MemoryBufferThreshold = int.MaxValue,
            });
            form = await feature.ReadFormAsync(ct);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Refused(413, "The upload is too large; nothing was stored.", "files", $"At most {limits.MaxUploadBytes} bytes in one upload."));
        }
        catch (InvalidDataException e)
        {
            var tooBig = e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase);
            return (null, Refused(tooBig ? 413 : 400, tooBig ? "The upload is too large; nothing was stored." : "The multipart body could not be read; nothing was stored.",
                "files", tooBig ? $"At most {limits.MaxUploadBytes} bytes in one upload, {limits.MaxFileBytes} per file." : e.Message));
        }
        catch (IOException e) when (!ct.IsCancellationRequested)
        {
            return (null, Refused(400, "The multipart body could not be read; nothing was stored.", "files", e.Message));
        }

        if (form.Files.Count == 0)
            return (null, Refused(400, "No file was sent; nothing was stored.", "files", "Add one or more files to the multipart body."));
        if (form.Files.Count > limits.MaxFiles)
            return (null, Refused(400, "Too many files; nothing was stored.", "files", $"At most {limits.MaxFiles} files in one upload; this one has {form.Files.Count}."));

        var accepted = new List<AcceptedFile>();
        var errors = new Dictionary<string, string[]>();
        var status = 0;
        for (var i = 0; i < form.Files.Count; i++)
        {
            var file = form.Files[i];
            if (file.Length > limits.MaxFileBytes)
            {
                errors[$"files[{i}]"] = [$"'{AttachmentFiles.SafeName(file.FileName)}' has {file.Length} bytes; at most {limits.MaxFileBytes} are accepted."];
                status = status == 0 ? 413 : status;
                continue;
            }
            using var buffer = new MemoryStream((int)file.Length);
            await file.CopyToAsync(buffer, ct);
            var (ok, refused) = AttachmentFiles.Prepare(buffer.ToArray(), file.FileName, limits);
            if (refused is not null)
            {
                errors[$"files[{i}]"] = [$"'{AttachmentFiles.SafeName(file.FileName)}': {refused.Problem}"];
                status = status == 0 ? refused.Status : status;
            }
            else accepted.Add(ok!);
        }
        if (errors.Count > 0)
            return (null, TypedResults.Problem(statusCode: status, title: status switch
                {
                    413 => "A file is too large; nothing was stored.",
                    415 => "A file is not of an accepted kind; nothing was stored.",
                    422 => "A file is damaged; nothing was stored.",
                    _ => "A file was refused; nothing was stored.",
                }, detail: $"Accepted: {AttachmentFiles.Describe}, at most {limits.MaxFileBytes} bytes each.",
                extensions: new Dictionary<string, object?> { ["errors"] = errors }));
        return (accepted, null);
    }

    /// <summary>Stores checked files as unlinked uploads of <paramref name="uploadedBy"/>; the bytes first, so a row never points at nothing.</summary>
    public async Task<IReadOnlyList<AttachmentDto>> StoreAsync(IReadOnlyList<AcceptedFile> files, string uploadedBy, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var rows = new List<Row>();
        foreach (var f in files)
        {
            var id = NewId.NextGuid();
            await store.PutAsync(Key(id, thumbnail: false), f.ContentType, f.Content, ct);
            if (f.Thumbnail is not null) await store.PutAsync(Key(id, thumbnail: true), "image/jpeg", f.Thumbnail, ct);
            rows.Add(new Row
            {
                Id = id, Kind = f.Kind, ContentType = f.ContentType, FileName = f.FileName, SizeBytes = f.Content.Length,
                Width = f.Width, Height = f.Height, HasThumbnail = f.Thumbnail is not null, UploadedAt = now.UtcDateTime, UploadedBy = uploadedBy,
            });
            if (logger.IsEnabled(LogLevel.Information))
                logger.LogInformation("Stored attachment {Id}: {Kind} {ContentType}, {Received} bytes received, {Stored} stored, prepared in {Ms} ms",
                    id, f.Kind, f.ContentType, f.ReceivedBytes, f.Content.Length, (int)f.ProcessingTime.TotalMilliseconds);
        }
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        for (var i = 0; i < rows.Count; i++)
        {
            var (r, f) = (rows[i], files[i]);
            await conn.ExecuteAsync(new CommandDefinition(Insert, new
            {
                id = r.Id, kind = r.Kind, contentType = r.ContentType, fileName = r.FileName, sizeBytes = r.SizeBytes,
                receivedBytes = f.ReceivedBytes, width = r.Width, height = r.Height, hasThumbnail = r.HasThumbnail,
                sha256 = SHA256.HashData(f.Content), uploadedBy, uploadedAt = now,
            }, tx, cancellationToken: ct));
        }
        await tx.CommitAsync(ct);
        return rows.Select(Dto).ToList();
    }

    /// <summary>The file or its thumbnail, or 404 when it does not exist or the caller may not see it (the same answer).</summary>
    public async Task<IResult> ServeAsync(Guid id, bool thumbnail, HttpContext http, string actor, CancellationToken ct)
    {
        Row? row;
        await using (var conn = await db.OpenConnectionAsync(ct))
            row = await conn.QuerySingleOrDefaultAsync<Row>(new CommandDefinition($"{SelectRow} WHERE id = @id", new { id }, cancellationToken: ct));
        if (row is null || (thumbnail && !row.HasThumbnail) || !await MayReadAsync(http.User, actor, row, ct)) return TypedResults.NotFound();
        var stored = await store.GetAsync(Key(id, thumbnail), ct);
        if (stored is null) return TypedResults.NotFound();
        // nosniff and a download for documents: a browser shows a photo, but never runs what a PDF or a mislabelled file may hold.
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.CacheControl = "private, max-age=3600";
        return row.Kind == AttachmentFiles.ImageKind
            ? TypedResults.File(stored.Content, stored.ContentType)
            : TypedResults.File(stored.Content, stored.ContentType, row.FileName);
    }

    private async Task<bool> MayReadAsync(ClaimsPrincipal user, string actor, Row row, CancellationToken ct)
    {
        if (user.IsInRole(Roles.Admin) || row.UploadedBy == actor) return true;
        if (row.OwnerKind is null || row.OwnerId is null) return false;
        var access = services.GetService<IAttachmentAccess>();
        return access is not null && await access.MayReadAsync(user, row.OwnerKind, row.OwnerId.Value, ct);
    }

    public static string Key(Guid id, bool thumbnail) => thumbnail ? $"{id:N}/thumbnail" : $"{id:N}/file";

    /// <summary>
    /// Gives the caller's own unlinked uploads to an owner, inside the owner's transaction. Returns the ids that could not
    /// be claimed (unknown, someone else's, or already attached elsewhere): the caller then refuses and rolls back.
    /// </summary>
    public static async Task<IReadOnlyList<Guid>> LinkAsync(NpgsqlTransaction tx, IReadOnlyCollection<Guid> ids, string uploadedBy,
        string ownerKind, Guid ownerId, CancellationToken ct)
    {
        if (ids.Count == 0) return [];
        const string link = """
            UPDATE attachments SET owner_kind = @ownerKind, owner_id = @ownerId
            WHERE id = ANY(@ids) AND uploaded_by = @uploadedBy AND owner_id IS NULL
            RETURNING id
            """;
        var linked = await tx.Connection!.QueryAsync<Guid>(new CommandDefinition(link,
            new { ids = ids.Distinct().ToArray(), uploadedBy, ownerKind, ownerId }, tx, cancellationToken: ct));
        return ids.Except(linked).Distinct().ToList();
    }

    /// <summary>The attachments of some owners, by owner id, oldest first.</summary>
    public async Task<ILookup<Guid, AttachmentDto>> ListAsync(NpgsqlConnection conn, string ownerKind, IReadOnlyCollection<Guid> ownerIds, CancellationToken ct)
    {
        if (ownerIds.Count == 0) return Array.Empty<AttachmentDto>().ToLookup(_ => Guid.Empty);
        var rows = await conn.QueryAsync<Row>(new CommandDefinition(
            $"{SelectRow} WHERE owner_kind = @ownerKind AND owner_id = ANY(@ownerIds) ORDER BY uploaded_at, id",
            new { ownerKind, ownerIds = ownerIds.ToArray() }, cancellationToken: ct));
        return rows.ToLookup(r => r.OwnerId!.Value, Dto);
    }

    private static ProblemHttpResult Refused(int status, string title, string field, string problem) =>
        TypedResults.Problem(statusCode: status, title: title,
            extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [field] = [problem] } });
}
