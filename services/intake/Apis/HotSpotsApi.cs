using System.Security.Claims;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Intake.Access;
using GovPlatform.Intake.HotSpots;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using static GovPlatform.Intake.HotSpots.HotSpotDecisions;

namespace GovPlatform.Intake.Apis;

/// <summary>
/// Hot spots (未诉先办) for the console and leaders: what the detector found, with the requests that
/// justify each, and a cadre's decision to act on one (accept) or not (dismiss), which <see cref="HotSpotDecisions"/> records.
/// </summary>
public static class HotSpotsApi
{
    public sealed record HotSpotPage(IReadOnlyList<HotSpotDto> Items, int Page, int PageSize, long Total);

    public sealed record HotSpotQuery(string? Under, string? Status, string? Category, int? Page, int? PageSize);

    private static readonly string[] Readers =
        [Roles.DeskOperator, Roles.Admin, Roles.Leader, Roles.CommunityCadre, Roles.SubdistrictOfficer, Roles.GridLeader];

    public static void MapHotSpotsApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/hot-spots").WithTags("HotSpots");
        api.MapGet("/", List).RequireRoles(Readers).WithName("ListHotSpots")
            .WithSummary("Hot spots (未诉先办) under a grid-tree node, newest first: recurring problems found in the ledger");
        api.MapGet("/{id:guid}", Get).RequireRoles(Readers).WithName("GetHotSpot")
            .WithSummary("One hot spot with the requests that justify it");
        api.MapPost("/{id:guid}/decision", DecideHotSpot).RequireRoles(Roles.CommunityCadre, Roles.SubdistrictOfficer, Roles.Admin)
            .WithName("DecideHotSpot").WithSummary("A cadre accepts a proposed hot spot as proactive work, or dismisses it");
    }

    private static async Task<Results<Ok<HotSpotPage>, ValidationProblem>> List(
        [AsParameters] HotSpotQuery query, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (query.Under is { Length: 0 or > 64 }) errors["under"] = ["A grid-tree code of 1 to 64 characters."];
        if (query.Status is not null && query.Status is not (HotSpotDecisions.Proposed or HotSpotDecisions.Accepted or HotSpotDecisions.Dismissed))
            errors["status"] = [$"Unknown status '{query.Status}'; expected {HotSpotDecisions.Proposed}, {HotSpotDecisions.Accepted} or {HotSpotDecisions.Dismissed}."];
        if (query.Category is { Length: 0 or > 64 }) errors["category"] = ["A category code of 1 to 64 characters."];
        if (query.Page is < 1 or > 10_000) errors["page"] = ["Pages count from 1 (at most 10000)."];
        if (query.PageSize is < 1 or > 100) errors["pageSize"] = ["Between 1 and 100."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The hot spots could not be listed: fix the parameters below.");

        var (page, pageSize) = (query.Page ?? 1, query.PageSize ?? 20);
        const string where = """
            WHERE (@under::text IS NULL OR h.place_path @> ARRAY[@under::text])
              AND (@scope::text IS NULL OR h.place_path @> ARRAY[@scope::text])
              AND (@status::text IS NULL OR h.status = @status)
              AND (@category::text IS NULL OR h.category = @category)
            """;
        var args = new { under = query.Under, scope = ScopeOf(user), status = query.Status, category = query.Category, limit = pageSize, offset = (page - 1) * pageSize };
        await using var conn = await db.OpenConnectionAsync(ct);
        var total = await conn.ExecuteScalarAsync<long>(new CommandDefinition($"SELECT count(*) FROM hot_spots h {where}", args, cancellationToken: ct));
        var items = await conn.QueryAsync<HotSpotDto>(new CommandDefinition(
            $"{Select} {where} ORDER BY h.detected_at DESC, h.id LIMIT @limit OFFSET @offset", args, cancellationToken: ct));
        return TypedResults.Ok(new HotSpotPage(items.ToList(), page, pageSize, total));
    }

    private static async Task<Results<Ok<HotSpotDto>, NotFound>> Get(Guid id, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var spot = await LoadAsync(conn, null, id, ScopeOf(user), ct);
        return spot is null ? TypedResults.NotFound() : TypedResults.Ok(spot);
    }

    private static Task<Results<Ok<HotSpotDto>, NotFound, ValidationProblem, ProblemHttpResult>> DecideHotSpot(
        Guid id, Decide body, ClaimsPrincipal user, HotSpotDecisions desk, CancellationToken ct) =>
        desk.DecideAsync(id, body, user, ct);
}
