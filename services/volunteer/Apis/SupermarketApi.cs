using System.Security.Claims;
using System.Text.RegularExpressions;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Messaging;
using GovPlatform.Volunteer.Points;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using static GovPlatform.Volunteer.Points.SupermarketDesk;
using static GovPlatform.Volunteer.Volunteers.VolunteerAccess;

namespace GovPlatform.Volunteer.Apis;

/// <summary>
/// The points supermarket (积分超市). A redemption reserves stock and points in one transaction,
/// then is picked up (the points are spent) or cancelled (points and stock come back).
/// </summary>
/// <remarks>Lock order and the contention design: see <see cref="Redemptions"/>.</remarks>
public static partial class SupermarketApi
{
    public sealed record NewGoods(string Code, string Name, long PricePoints, int Stock, int? PerPersonLimit = null);
    public sealed record GoodsDto(string Code, string Name, long PricePoints, int Stock, int? PerPersonLimit, bool Active);
    public sealed record Restock(int Quantity);
    public sealed record RedeemBody(string ItemCode, int Quantity = 1, Guid? VolunteerId = null);

    [GeneratedRegex("^[A-Za-z0-9_-]{1,40}$")]
    private static partial Regex GoodsCode();

    private const string SelectGoods = """
        SELECT code, name, price_points AS PricePoints, stock, per_person_limit AS PerPersonLimit, active FROM goods
        """;

    public static void MapSupermarketApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/supermarket").WithTags("Points supermarket");

        api.MapPost("/goods", AddGoods)
            .RequireRoles(Roles.Admin)
            .WithName("AddGoods")
            .WithSummary("Put goods on the shelf with a price in points, stock and an optional per-person limit");

        api.MapPost("/goods/{code}/restock", RestockGoods)
            .RequireRoles(Roles.Admin)
            .WithName("RestockGoods")
            .WithSummary("Add stock to goods on the shelf");

        api.MapGet("/goods", ListGoods)
            // Public: the shelf and its prices are posted at the supermarket anyway.
            .AllowAnonymous()
            .WithName("ListGoods")
            .WithSummary("The goods on the shelf, with prices and stock");

        api.MapPost("/redemptions", ReserveAsync)
            .RequireRoles(Roles.Volunteer, Roles.Organiser, Roles.Admin)
            .WithName("RedeemPoints")
            .WithSummary("Reserve goods for points (volunteers for themselves; staff name the volunteer)");

        api.MapGet("/redemptions/{id:guid}", GetRedemption)
            .RequireRoles(Roles.Volunteer, Roles.Organiser, Roles.Admin)
            .WithName("GetRedemption")
            .WithSummary("One redemption");

        api.MapGet("/redemptions", ListRedemptions)
            .RequireRoles(Roles.Volunteer, Roles.Organiser, Roles.Admin)
            .WithName("ListRedemptions")
            .WithSummary("Redemptions, newest first (volunteers: their own)");

        api.MapPost("/redemptions/{id:guid}/pickup", PickUp)
            .RequireRoles(Roles.Organiser, Roles.Admin)
            .WithName("PickUpRedemption")
            .WithSummary("Hand reserved goods over: the reserved points are spent");

        api.MapPost("/redemptions/{id:guid}/cancel", CancelRedemption)
            .RequireRoles(Roles.Volunteer, Roles.Organiser, Roles.Admin)
            .WithName("CancelRedemption")
            .WithSummary("Cancel a reservation: points are refunded and stock returned");
    }

    private static async Task<Results<Created<GoodsDto>, ValidationProblem, ProblemHttpResult>> AddGoods(
        NewGoods body, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (!GoodsCode().IsMatch(body.Code ?? "")) errors["code"] = ["1-40 letters, digits, '_' or '-'."];
        if (BadText(body.Name, 100)) errors["name"] = ["A name of 1-100 characters is required."];
        if (body.PricePoints is < 1 or > 1_000_000) errors["pricePoints"] = ["A price of 1-1000000 points."];
        if (body.Stock is < 0 or > 1_000_000) errors["stock"] = ["Stock of 0-1000000."];
        if (body.PerPersonLimit is < 1 or > 1000) errors["perPersonLimit"] = ["Empty for no limit, else 1-1000."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The goods were not added.");

        var dto = new GoodsDto(body.Code!, body.Name.Trim(), body.PricePoints, body.Stock, body.PerPersonLimit, true);
        await using var conn = await db.OpenConnectionAsync(ct);
        var added = await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO goods (code, name, price_points, stock, per_person_limit, created_at)
            VALUES (@Code, @Name, @PricePoints, @Stock, @PerPersonLimit, @now)
            ON CONFLICT (code) DO NOTHING
            """, new { dto.Code, dto.Name, dto.PricePoints, dto.Stock, dto.PerPersonLimit, now = clock.GetUtcNow() }, cancellationToken: ct));
        if (added == 0) return TypedResults.Problem(statusCode: 409, title: "These goods exist already.", detail: $"Goods '{dto.Code}' exist; restock them instead.");
        return TypedResults.Created($"/api/v1/supermarket/goods/{dto.Code}", dto);
    }

    private static async Task<Results<Ok<GoodsDto>, NotFound, ValidationProblem>> RestockGoods(
        string code, Restock body, NpgsqlDataSource db, CancellationToken ct)
    {
        if (body.Quantity is < 1 or > 100_000)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["quantity"] = ["Restock 1-100000 at a time."] });
        await using var conn = await db.OpenConnectionAsync(ct);
        var goods = await conn.QuerySingleOrDefaultAsync<GoodsDto>(new CommandDefinition(
            "UPDATE goods SET stock = stock + @Quantity WHERE code = @code RETURNING code, name, price_points AS PricePoints, stock, per_person_limit AS PerPersonLimit, active",
            new { code, body.Quantity }, cancellationToken: ct));
        return goods is null ? TypedResults.NotFound() : TypedResults.Ok(goods);
    }

    private static async Task<Ok<List<GoodsDto>>> ListGoods(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var goods = await conn.QueryAsync<GoodsDto>(new CommandDefinition($"{SelectGoods} WHERE active ORDER BY code", cancellationToken: ct));
        return TypedResults.Ok(goods.AsList());
    }

    private static async Task<Results<Ok<RedemptionDto>, NotFound, ProblemHttpResult>> GetRedemption(
        Guid id, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var r = await conn.QuerySingleOrDefaultAsync<RedemptionDto>(new CommandDefinition($"{SelectRedemption} WHERE id = @id", new { id }, cancellationToken: ct));
        if (r is null) return TypedResults.NotFound();
        return await MaySeeAsync(conn, user, r.VolunteerId, ct) ? TypedResults.Ok(r)
            : Forbidden("Volunteers see only their own redemptions; organisers those of people signed up to their activities.");
    }

    private static async Task<Results<Ok<List<RedemptionDto>>, ProblemHttpResult>> ListRedemptions(
        Guid? volunteerId, string? status, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (volunteerId is { } asked && !await MaySeeAsync(conn, user, asked, ct))
            return Forbidden("Volunteers see only their own redemptions; organisers those of people signed up to their activities.");
        string? organiser = null;
        if (!user.IsInRole(Roles.Admin))
        {
            if (user.IsInRole(Roles.Organiser)) organiser = user.SubjectOf() ?? "";
            else volunteerId = Guid.TryParse(user.SubjectOf(), out var me) ? me : Guid.Empty;
        }
        var rows = await conn.QueryAsync<RedemptionDto>(new CommandDefinition($"""
            {SelectRedemption}
            WHERE (@volunteerId::uuid IS NULL OR volunteer_id = @volunteerId) AND (@status::text IS NULL OR status = @status)
              AND (@organiser::text IS NULL OR volunteer_id = @volunteerId OR volunteer_id IN ({SignedUpWithOrganiser}))
            ORDER BY created_at DESC, id DESC
            LIMIT 500
            """, new { volunteerId, status, organiser }, cancellationToken: ct));
        return TypedResults.Ok(rows.AsList());
    }

    private static async Task<Results<Created<RedemptionDto>, ValidationProblem, ProblemHttpResult>> ReserveAsync(
        RedeemBody body, ClaimsPrincipal user, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.Quantity is < 1 or > 100) errors["quantity"] = ["1-100 at a time."];
        var staff = user.IsInRole(Roles.Admin) || user.IsInRole(Roles.Organiser);
        Guid volunteerId;
        if (staff)
        {
            if (body.VolunteerId is null) errors["volunteerId"] = ["Staff redeem on behalf of a named volunteer."];
            volunteerId = body.VolunteerId ?? Guid.Empty;
        }
        else
        {
            if (!Guid.TryParse(user.SubjectOf(), out volunteerId) || body.VolunteerId is { } other && other != volunteerId)
                return Forbidden("Volunteers redeem their own points only.");
        }

        await using var conn = await db.OpenConnectionAsync(ct);
        var goods = await conn.QuerySingleOrDefaultAsync<GoodsDto>(new CommandDefinition($"{SelectGoods} WHERE code = @ItemCode", body, cancellationToken: ct));
        if (goods is not { Active: true }) errors["itemCode"] = [$"'{body.ItemCode}' is not on the shelf."];
        if (volunteerId != Guid.Empty && !await VolunteerExistsAsync(conn, volunteerId, ct)) errors["volunteerId"] = ["No such volunteer."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "Nothing was redeemed.");
        // Staff spend someone's points only for people they deal with: admins anyone, organisers their activities' people.
        if (staff && !await MaySeeAsync(conn, user, volunteerId, ct))
            return Forbidden("Organisers redeem on behalf of people signed up to their activities only.");

        var now = clock.GetUtcNow();
        var outcome = await Redemptions.ReserveAsync(conn, new Redemptions.Goods(goods!.Code, goods.Name, goods.PricePoints, goods.PerPersonLimit),
            volunteerId, body.Quantity, user.SubjectOf() ?? "unknown", now, ct);
        return outcome switch
        {
            Redemptions.Reserved r => TypedResults.Created($"/api/v1/supermarket/redemptions/{r.Id}",
                new RedemptionDto(r.Id, volunteerId, goods.Code, body.Quantity, r.Points, "reserved", now.UtcDateTime, now.UtcDateTime)),
            Redemptions.OverLimit o => TypedResults.Problem(statusCode: 409, title: "Over the per-person limit.",
                detail: $"Each person may hold {o.Limit} of '{goods.Code}'; this volunteer holds {o.Held}.",
                extensions: new Dictionary<string, object?> { ["limit"] = o.Limit, ["held"] = o.Held }),
            Redemptions.NotEnoughPoints n => Insufficient(new InsufficientPointsException(volunteerId, n.Balance, n.Needed)),
            Redemptions.OutOfStock o => TypedResults.Problem(statusCode: 409, title: "Out of stock.",
                detail: $"'{goods.Code}' has {o.Stock} left; {body.Quantity} asked.", extensions: new Dictionary<string, object?> { ["stock"] = o.Stock }),
            _ => throw new InvalidOperationException($"Unexpected outcome {outcome}."),
        };
    }

    private static Task<Results<Ok<RedemptionDto>, NotFound, ProblemHttpResult>> PickUp(Guid id, ClaimsPrincipal user, SupermarketDesk desk, CancellationToken ct) =>
        desk.PickUpAsync(id, user, ct);

    private static Task<Results<Ok<RedemptionDto>, NotFound, ProblemHttpResult>> CancelRedemption(Guid id, ClaimsPrincipal user, SupermarketDesk desk, CancellationToken ct) =>
        desk.CancelAsync(id, user, ct);
}
