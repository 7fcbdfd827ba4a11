using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Intake.Access;
using GovPlatform.Intake.Reference;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using QRCoder;

namespace GovPlatform.Intake.Residents;

/// <summary>
/// Doorplates (数字门牌): codes printed as QR on buildings, units and household groups. A code is 80 random
/// bits in base32 (16 characters), so codes cannot be enumerated; it
/// resolves to its node of the grid copy, so a scan files the request at the right place.
/// </summary>
public static class Doorplates
{
    public static readonly string[] Levels = [GridLevels.Building, GridLevels.Unit, GridLevels.HouseholdGroup];

    public static string NewCode()
    {
        const string alphabet = "abcdefghijkmnpqrstuvwxyz23456789"; // 32 symbols, 5 bits each; no l/o/0/1 to misread
        var bytes = RandomNumberGenerator.GetBytes(10);
        var sb = new StringBuilder(16);
        ulong acc = 0;
        var bits = 0;
        foreach (var b in bytes)
        {
            acc = (acc << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                sb.Append(alphabet[(int)((acc >> bits) & 31)]);
            }
        }
        return sb.ToString();
    }

    public static bool LooksLikeCode(string? code) => code is { Length: 16 } && code.All(char.IsAsciiLetterOrDigit);

    public sealed record DoorplateRow
    {
        public required string Code { get; init; }
        public required string NodeCode { get; init; }
        public string? Label { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime? RevokedAt { get; init; }
        public string? ReplacedBy { get; init; }
    }

    public static async Task<DoorplateRow> InsertAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string nodeCode, string? label,
        string by, DateTimeOffset now, CancellationToken ct)
    {
        var code = Doorplates.NewCode();
        await conn.ExecuteAsync(new CommandDefinition(
            "INSERT INTO doorplates (code, node_code, label, created_at, created_by) VALUES (@code, @nodeCode, @label, @now, @by)",
            new { code, nodeCode, label, now = now.UtcDateTime, by }, tx, cancellationToken: ct));
        return new DoorplateRow { Code = code, NodeCode = nodeCode, Label = label, CreatedAt = now.UtcDateTime };
    }

    /// <summary>
    /// Revokes a plate and issues its replacement for the same place, in one transaction; null when another reissue
    /// replaced the plate first (only the first of two racing on one plate wins, the other rolls back).
    /// </summary>
    public static async Task<DoorplateRow?> ReissueAsync(NpgsqlConnection conn, DoorplateRow plate, string by, DateTimeOffset now, CancellationToken ct)
    {
        await using var tx = await conn.BeginTransactionAsync(ct);
        var fresh = await InsertAsync(conn, tx, plate.NodeCode, plate.Label, by, now, ct);
        var replaced = await conn.ExecuteAsync(new CommandDefinition("""
            UPDATE doorplates SET revoked_at = coalesce(revoked_at, @now), revoked_by = coalesce(revoked_by, @by), replaced_by = @fresh
            WHERE code = @code AND replaced_by IS NULL
            """, new { code = plate.Code, now = now.UtcDateTime, by, fresh = fresh.Code }, tx, cancellationToken: ct));
        if (replaced == 0)
        {
            await tx.RollbackAsync(ct);
            return null;
        }
        await tx.CommitAsync(ct);
        return fresh;
    }

    /// <summary>The place a doorplate stands for, in words a resident recognises.</summary>
    public sealed record Place(string Code, string NodeCode, string Level, string Name, string FullName, string? CommunityCode, string? CommunityName, string? Label);

    public static Task<DoorplateRow?> FindAsync(NpgsqlConnection conn, string code, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<DoorplateRow>(new CommandDefinition("""
            SELECT code, node_code AS NodeCode, label, created_at AS CreatedAt, revoked_at AS RevokedAt, replaced_by AS ReplacedBy
            FROM doorplates WHERE code = @code
            """, new { code }, cancellationToken: ct));

    private sealed record PathNode(string Code, string Level, string Name);

    public static async Task<Place?> PlaceAsync(NpgsqlConnection conn, ReferenceCache reference, DoorplateRow plate, CancellationToken ct)
    {
        var node = await reference.GridNodeAsync(conn, plate.NodeCode, ct);
        if (node is null) return null;
        var path = (await conn.QueryAsync<PathNode>(new CommandDefinition(
            "SELECT code, level, name FROM grid_copy WHERE code = ANY(@path)", new { path = node.Node.Path }, cancellationToken: ct))).ToDictionary(n => n.Code);
        var named = node.Node.Path.Where(path.ContainsKey).Select(c => path[c])
            .Where(n => n.Level is not (GridLevels.District or GridLevels.Subdistrict or GridLevels.Grid)).ToList();
        var community = named.FirstOrDefault(n => n.Level == GridLevels.Community);
        return new Place(plate.Code, plate.NodeCode, node.Node.Level, node.Node.Name, string.Join(" ", named.Select(n => n.Name)),
            community?.Code, community?.Name, plate.Label);
    }

    /// <summary>Admins manage every doorplate; a community's cadres those under their scope node.</summary>
    public static bool MayManage(ClaimsPrincipal user, IReadOnlyList<string> path) =>
        user.IsInRole(Roles.Admin) || (user.ScopeNodeOf() is { } scope && path.Contains(scope));

    public static string Url(HttpContext http, ResidentOptions options, string code) =>
        $"{BaseUrl(http, options)}/r/?d={code}";

    public static string BaseUrl(HttpContext http, ResidentOptions options) =>
        options.PublicBaseUrl?.TrimEnd('/') ?? $"{http.Request.Scheme}://{http.Request.Host}";

    public static string Svg(string url, int pixelsPerModule = 6)
    {
        using var data = QRCodeGenerator.GenerateQrCode(url, QRCodeGenerator.ECCLevel.M);
        return new SvgQRCode(data).GetGraphic(pixelsPerModule);
    }

    public static byte[] Png(string url, int pixelsPerModule = 10)
    {
        using var data = QRCodeGenerator.GenerateQrCode(url, QRCodeGenerator.ECCLevel.M);
        return new PngByteQRCode(data).GetGraphic(pixelsPerModule);
    }

    /// <summary>One compound's active doorplates as a page to print on A4: names, codes and QR images, nine to a page.</summary>
    public static string Sheet(string compoundName, IReadOnlyList<(Place Place, string Url)> plates)
    {
        var html = new StringBuilder();
        html.Append($$"""
            <!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{{WebUtility.HtmlEncode(compoundName)}} 数字门牌</title>
            <style>
            @page { size: A4; margin: 10mm; }
            body { font-family: "Noto Sans CJK SC", "PingFang SC", sans-serif; margin: 0; }
            h1 { font-size: 16pt; margin: 0 0 4mm; }
            .grid { display: grid; grid-template-columns: repeat(3, 1fr); gap: 4mm; }
            .plate { border: 1px solid #333; border-radius: 3mm; padding: 3mm; text-align: center; break-inside: avoid; page-break-inside: avoid; height: 82mm; box-sizing: border-box; }
            .plate svg { width: 50mm; height: 50mm; }
            .name { font-size: 13pt; font-weight: bold; }
            .hint { font-size: 9pt; color: #444; }
            .code { font-family: monospace; font-size: 8pt; color: #666; }
            @media print { .noprint { display: none; } }
            </style></head><body>
            <h1>{{WebUtility.HtmlEncode(compoundName)}} · 数字门牌（{{plates.Count}}）</h1>
            <p class="noprint">用浏览器“打印”即可按 A4 每页九张打印；剪下后张贴在楼栋、单元门口。</p>
            <div class="grid">
            """);
        foreach (var (place, url) in plates)
            html.Append($"""
                <div class="plate" data-code="{place.Code}"><div class="name">{WebUtility.HtmlEncode(place.Label ?? place.Name)}</div>
                {Svg(url, 4)}
                <div class="hint">微信或相机扫码：报事、调解、法律政策、一键报警</div><div class="code">{place.Code}</div></div>
                """);
        html.Append("</div></body></html>");
        return html.ToString();
    }
}
