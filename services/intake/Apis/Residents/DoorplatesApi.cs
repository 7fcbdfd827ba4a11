using System.Security.Claims;
using Dapper;
using GovPlatform.Intake.Access;
using GovPlatform.Intake.Reference;
using GovPlatform.Intake.Requests;
using GovPlatform.Intake.Residents;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Intake.Apis.Residents;

/// <summary>Staff manage doorplates: issue, list, revoke, reissue, QR images and a printable sheet per compound.</summary>
public static class DoorplatesApi
{
    public sealed record IssueDoorplate(string NodeCode, string? Label = null);

    public sealed record DoorplateDto(string Code, string NodeCode, string? Label, string Url, string QrSvg, string QrPng,
        DateTime CreatedAt, DateTime? RevokedAt, string? ReplacedBy);

    private static readonly string[] Managers = [Roles.Admin, Roles.CommunityCadre];

    public static void MapDoorplatesApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/doorplates").WithTags("Doorplates").RequireRoles(Managers);
        api.MapPost("/", Issue).WithName("IssueDoorplate").WithSummary("Issue a doorplate code for a building, unit or household group");
        api.MapGet("/", List).WithName("ListDoorplates").WithSummary("Doorplates under a node of the grid tree, revoked ones included");
        api.MapPost("/{code}/revoke", Revoke).WithName("RevokeDoorplate").WithSummary("Revoke a code: scans of it stop filing at once");
        api.MapPost("/{code}/reissue", Reissue).WithName("ReissueDoorplate").WithSummary("Revoke a code and issue a new one for the same place");
        api.MapGet("/{code}/qr.svg", QrSvg).WithName("DoorplateQrSvg").WithSummary("The code's QR image as SVG");
        api.MapGet("/{code}/qr.png", QrPng).WithName("DoorplateQrPng").WithSummary("The code's QR image as PNG");
        api.MapGet("/sheet", Sheet).WithName("DoorplateSheet").WithSummary("A compound's active doorplates as an A4 page to print");
    }

    private static DoorplateDto Dto(HttpContext http, ResidentOptions options, Doorplates.DoorplateRow r) =>
        new(r.Code, r.NodeCode, r.Label, Doorplates.Url(http, options, r.Code),
            $"/api/v1/doorplates/{r.Code}/qr.svg", $"/api/v1/doorplates/{r.Code}/qr.png", r.CreatedAt, r.RevokedAt, r.ReplacedBy);

    private static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "The doorplate was not issued: fix the fields below.");

    private static async Task<Results<Created<DoorplateDto>, ValidationProblem, ForbidHttpResult>> Issue(
        IssueDoorplate body, ClaimsPrincipal user, HttpContext http, NpgsqlDataSource db, ReferenceCache reference, ResidentOptions options,
        TimeProvider clock, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body.NodeCode) || body.NodeCode.Length > 64) return Invalid("nodeCode", "A node code of the grid tree.");
        if (body.Label is { } label && (label.Length is 0 or > 50 || RequestRules.HasControlCharacters(label)))
            return Invalid("label", "1 to 50 characters, no control characters.");
        await using var conn = await db.OpenConnectionAsync(ct);
        var node = await reference.GridNodeAsync(conn, body.NodeCode, ct);
        if (node is null) return Invalid("nodeCode", $"Unknown node '{body.NodeCode}': not in the grid tree.");
        if (!Doorplates.Levels.Contains(node.Node.Level))
            return Invalid("nodeCode", $"'{body.NodeCode}' is a {node.Node.Level}; doorplates go on a {string.Join(", ", Doorplates.Levels)}.");
        if (!Doorplates.MayManage(user, node.Node.Path)) return TypedResults.Forbid();
        var row = await Doorplates.InsertAsync(conn, null, body.NodeCode, body.Label, user.Actor(), clock.GetUtcNow(), ct);
        return TypedResults.Created($"/api/v1/doorplates/{row.Code}", Dto(http, options, row));
    }

    private static async Task<Results<Ok<IReadOnlyList<DoorplateDto>>, ValidationProblem, ForbidHttpResult>> List(
        string? under, ClaimsPrincipal user, HttpContext http, NpgsqlDataSource db, ReferenceCache reference, ResidentOptions options, CancellationToken ct)
    {
        if (under is not { Length: > 0 and <= 64 }) return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["under"] = ["A node code of the grid tree."] });
        await using var conn = await db.OpenConnectionAsync(ct);
        var node = await reference.GridNodeAsync(conn, under, ct);
        if (node is null) return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["under"] = [$"Unknown node '{under}'."] });
        if (!Doorplates.MayManage(user, node.Node.Path)) return TypedResults.Forbid();
        var rows = await ListUnderAsync(conn, under, activeOnly: false, ct);
        return TypedResults.Ok<IReadOnlyList<DoorplateDto>>(rows.Select(r => Dto(http, options, r)).ToList());
    }

    private static async Task<IReadOnlyList<Doorplates.DoorplateRow>> ListUnderAsync(NpgsqlConnection conn, string under, bool activeOnly, CancellationToken ct) =>
        (await conn.QueryAsync<Doorplates.DoorplateRow>(new CommandDefinition("""
            SELECT d.code, d.node_code AS NodeCode, d.label, d.created_at AS CreatedAt, d.revoked_at AS RevokedAt, d.replaced_by AS ReplacedBy
            FROM doorplates d JOIN grid_copy n ON n.code = d.node_code
            WHERE n.path @> ARRAY[@under::text] AND (NOT @activeOnly OR d.revoked_at IS NULL)
            ORDER BY n.path, d.created_at
            """, new { under, activeOnly }, cancellationToken: ct))).AsList();

    /// <summary>The plate when it exists and the caller may manage it; otherwise the answer to give.</summary>
    private static async Task<(Doorplates.DoorplateRow? Plate, IResult? Refusal)> ManagedAsync(
        NpgsqlConnection conn, string code, ClaimsPrincipal user, ReferenceCache reference, CancellationToken ct)
    {
        var plate = Doorplates.LooksLikeCode(code) ? await Doorplates.FindAsync(conn, code, ct) : null;
        if (plate is null) return (null, TypedResults.NotFound());
        var node = await reference.GridNodeAsync(conn, plate.NodeCode, ct);
        if (node is null || !Doorplates.MayManage(user, node.Node.Path)) return (null, TypedResults.Forbid());
        return (plate, null);
    }

    private static async Task<IResult> Revoke(string code, ClaimsPrincipal user, HttpContext http, NpgsqlDataSource db, ReferenceCache reference,
        ResidentOptions options, TimeProvider clock, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var (plate, refusal) = await ManagedAsync(conn, code, user, reference, ct);
        if (refusal is not null) return refusal;
        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE doorplates SET revoked_at = @now, revoked_by = @by WHERE code = @code AND revoked_at IS NULL",
            new { code, now = clock.GetUtcNow().UtcDateTime, by = user.Actor() }, cancellationToken: ct));
        return TypedResults.Ok(Dto(http, options, (await Doorplates.FindAsync(conn, code, ct))!));
    }

    private static async Task<IResult> Reissue(string code, ClaimsPrincipal user, HttpContext http, NpgsqlDataSource db, ReferenceCache reference,
        ResidentOptions options, TimeProvider clock, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var (plate, refusal) = await ManagedAsync(conn, code, user, reference, ct);
        if (refusal is not null) return refusal;
        if (plate!.ReplacedBy is not null)
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "This doorplate was already reissued.",
                detail: $"Its replacement is {plate.ReplacedBy}; reissue that one instead.");
        var fresh = await Doorplates.ReissueAsync(conn, plate, user.Actor(), clock.GetUtcNow(), ct);
        if (fresh is null) return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "This doorplate was already reissued.");
        return TypedResults.Created($"/api/v1/doorplates/{fresh.Code}", Dto(http, options, fresh));
    }

    private static async Task<IResult> QrSvg(string code, ClaimsPrincipal user, HttpContext http, NpgsqlDataSource db, ReferenceCache reference,
        ResidentOptions options, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var (plate, refusal) = await ManagedAsync(conn, code, user, reference, ct);
        return refusal ?? TypedResults.Text(Doorplates.Svg(Doorplates.Url(http, options, plate!.Code)), "image/svg+xml");
    }

    private static async Task<IResult> QrPng(string code, ClaimsPrincipal user, HttpContext http, NpgsqlDataSource db, ReferenceCache reference,
        ResidentOptions options, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var (plate, refusal) = await ManagedAsync(conn, code, user, reference, ct);
        return refusal ?? TypedResults.File(Doorplates.Png(Doorplates.Url(http, options, plate!.Code)), "image/png", $"doorplate-{plate.Code}.png");
    }

    private static async Task<IResult> Sheet(string? compound, ClaimsPrincipal user, HttpContext http, NpgsqlDataSource db, ReferenceCache reference,
        ResidentOptions options, CancellationToken ct)
    {
        if (compound is not { Length: > 0 and <= 64 })
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["compound"] = ["A compound's code from the grid tree."] });
        await using var conn = await db.OpenConnectionAsync(ct);
        var node = await reference.GridNodeAsync(conn, compound, ct);
        if (node is null || node.Node.Level != Contracts.GridLevels.Compound)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["compound"] = [$"'{compound}' is not a compound of the grid tree."] });
        if (!Doorplates.MayManage(user, node.Node.Path)) return TypedResults.Forbid();
        var plates = new List<(Doorplates.Place, string)>();
        foreach (var row in await ListUnderAsync(conn, compound, activeOnly: true, ct))
            if (await Doorplates.PlaceAsync(conn, reference, row, ct) is { } place)
                plates.Add((place, Doorplates.Url(http, options, row.Code)));
        return TypedResults.Content(Doorplates.Sheet(node.Node.Name, plates), "text/html; charset=utf-8");
    }
}
