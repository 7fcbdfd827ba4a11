using System.Text.Json;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Attachments;
using Npgsql;

namespace GovPlatform.Intake.Cases;

/// <summary>The case a submission carries to dispatch, read inside the transaction that publishes it.</summary>
public static class CaseDetails
{
    private sealed record Row
    {
        public required string Description { get; init; }
        public string? Address { get; init; }
        public required string AttributesJson { get; init; }
        public required string[] Links { get; init; }
        public string? ReporterName { get; init; }
        public string? ReporterPhone { get; init; }
    }

    private sealed record File
    {
        public Guid Id { get; init; }
        public required string Kind { get; init; }
        public required string ContentType { get; init; }
        public required string FileName { get; init; }
        public bool HasThumbnail { get; init; }
    }

    private const string SelectCase = """
        SELECT description, address, attributes::text AS AttributesJson, attachments AS Links,
               reporter_name AS ReporterName, reporter_phone AS ReporterPhone
        FROM requests WHERE id = @requestId
        """;

    private const string SelectFiles = """
        SELECT id, kind, content_type AS ContentType, file_name AS FileName, has_thumbnail AS HasThumbnail
        FROM attachments WHERE owner_kind = 'request' AND owner_id = @requestId
        ORDER BY uploaded_at, id
        """;

    public static async Task<RequestCase> LoadAsync(NpgsqlTransaction tx, Guid requestId, CancellationToken ct)
    {
        var conn = tx.Connection!;
        var row = await conn.QuerySingleAsync<Row>(new CommandDefinition(SelectCase, new { requestId }, tx, cancellationToken: ct));
        var files = await conn.QueryAsync<File>(new CommandDefinition(SelectFiles, new { requestId }, tx, cancellationToken: ct));
        return Of(row.Description, row.Address, row.AttributesJson, row.Links, row.ReporterName, row.ReporterPhone,
            files.Select(f => new CaseAttachment(f.Id, "intake", f.Kind, f.ContentType, f.FileName, $"{AttachmentExtensions.Route}/{f.Id}",
                f.HasThumbnail ? $"{AttachmentExtensions.Route}/{f.Id}/thumbnail" : null)).ToList());
    }

    /// <summary>
    /// The case of a request being filed, from the values just written: without uploads the row holds nothing the
    /// filing does not already have, so reading it back (two round trips inside the filing's transaction) is not needed.
    /// </summary>
    public static RequestCase Of(string description, string? address, string attributesJson, IReadOnlyList<string> links,
        string? reporterName, string? reporterPhone, IReadOnlyList<CaseAttachment>? attachments = null) =>
        new(description, address, JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(attributesJson) ?? [], links,
            attachments ?? [], PersonalData.MaskName(reporterName), PersonalData.MaskPhone(reporterPhone));
}
