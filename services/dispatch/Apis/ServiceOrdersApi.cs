using System.Security.Claims;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Dispatch.Community;
using GovPlatform.Dispatch.ServiceOrders;
using GovPlatform.Dispatch.WorkOrders;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Dispatch.Apis;

public static class ServiceOrdersApi
{
    public sealed record MenuItemBody(string Title, string Description, int? Points = null, string? Kind = null);
    public sealed record OrdererBody(string Kind, string Name, string Contact);
    public sealed record PlaceBody(Guid MenuItemId, OrdererBody Orderer, string? Note = null);
    public sealed record DispatchBody(string TakerKind, string TakerName, Guid? TakerId = null);
    public sealed record CompleteBody(string Result);

    public sealed record MenuItemDto
    {
        public Guid Id { get; init; }
        public required string CommunityCode { get; init; }
        public required string Title { get; init; }
        public required string Description { get; init; }
        public int? Points { get; init; }
        /// <summary>service, wish (微心愿) or hardship (困难帮扶).</summary>
        public required string Kind { get; init; }
        public DateTime PublishedAt { get; init; }
    }

    public sealed record StepDto(DateTime At, string Action, string Actor, string ActorName, string Detail);

    public sealed record OrderDto
    {
        public Guid Id { get; init; }
        public Guid MenuItemId { get; init; }
        public required string Title { get; init; }
        public int? Points { get; init; }
        public required string CommunityCode { get; init; }
        public required string State { get; init; }
        public required string OrdererKind { get; init; }
        public required string OrdererName { get; init; }
        public required string OrdererContact { get; init; }
        public string? Note { get; init; }
        public string? TakerKind { get; init; }
        public Guid? TakerId { get; init; }
        public string? TakerName { get; init; }
        public string? Result { get; init; }
        public DateTime PlacedAt { get; init; }
        public DateTime? DispatchedAt { get; init; }
        public DateTime? TakenAt { get; init; }
        public DateTime? CompletedAt { get; init; }
        public IReadOnlyList<StepDto> History { get; init; } = [];
    }

    /// <summary>A completed order as the public sees it (晒单): what was done and by whom, nothing about who asked.</summary>
    public sealed record ShownDto
    {
        public Guid OrderId { get; init; }
        public required string Title { get; init; }
        public required string TakerKind { get; init; }
        public required string TakerName { get; init; }
        public required string Result { get; init; }
        public int? Points { get; init; }
        public DateTime CompletedAt { get; init; }
    }

    private const string SelectOrder = """
        SELECT c.id, c.menu_item_id AS MenuItemId, m.title, m.points, c.community_code AS CommunityCode, c.state,
               c.orderer_kind AS OrdererKind, c.orderer_name AS OrdererName, c.orderer_contact AS OrdererContact, c.note,
               c.taker_kind AS TakerKind, c.taker_id AS TakerId, c.taker_name AS TakerName, c.result,
               c.placed_at AS PlacedAt, c.dispatched_at AS DispatchedAt, c.taken_at AS TakenAt, c.completed_at AS CompletedAt
        FROM service_orders c JOIN service_menu_items m ON m.id = c.menu_item_id
        """;

    private static readonly string[] TakerKinds = [ServiceTakerKinds.MemberUnit, ServiceTakerKinds.PartyMember, ServiceTakerKinds.Volunteer];

    /// <summary>Staff who record and dispatch orders, and the takers themselves (party members as volunteers, units' organisers).</summary>
    private static readonly string[] Callers = [Roles.DeskOperator, Roles.Volunteer, Roles.Organiser, .. CommunityAccess.Roles];

    /// <summary>What publishing and every step of an order need besides the caller: the desk that keeps orders and the database they are read back from.</summary>
    public readonly record struct Services(ServiceOrderDesk Desk, NpgsqlDataSource Db);

    public static void MapServiceOrdersApi(this WebApplication app)
    {
        var menu = app.MapGroup("/api/v1/communities/{code}/service-menu").WithTags("Order, dispatch, take, show");

        menu.MapGet("/", GetMenuAsync)
            .AllowAnonymous()
            .WithName("GetServiceMenu")
            .WithSummary("The services a community offers (服务清单), for anyone to order from");

        menu.MapPost("/", PublishItemAsync)
            .RequireRoles(CommunityAccess.Roles)
            .WithName("PublishServiceMenuItem")
            .WithSummary("The community adds a service to its menu, with the points it rewards if any");

        app.MapGet("/api/v1/public/communities/{code}/service-results", ShowResultsAsync)
            .AllowAnonymous()
            .WithTags("Order, dispatch, take, show")
            .WithName("ShowServiceResults")
            .WithSummary("晒单: a community's completed services, public, without the orderers' names or contacts");

        var orders = app.MapGroup("/api/v1/service-orders").WithTags("Order, dispatch, take, show").RequireRoles(Callers);

        orders.MapPost("/", PlaceAsync)
            .WithName("PlaceServiceOrder")
            .WithSummary("点单: record a resident's or member unit's order of a menu item");

        orders.MapGet("/{id:guid}", GetOrderAsync)
            .WithName("GetServiceOrder")
            .WithSummary("An order with every step, who took it and when; the orderer's contact for whoever serves it");

        orders.MapGet("/", ListOrdersAsync)
            .WithName("ListServiceOrders")
            .WithSummary("A community's orders, newest first, by state; orderers masked except for the county");

        orders.MapPost("/{id:guid}/dispatch", DispatchAsync)
            .WithName("DispatchServiceOrder")
            .WithSummary("派单: the community hands the order to a member unit, a party member or a volunteer (the taker id is their volunteer id, for points)");

        orders.MapPost("/{id:guid}/take", TakeAsync)
            .WithName("TakeServiceOrder")
            .WithSummary("接单: the taker accepts (or the community records it for them)");

        orders.MapPost("/{id:guid}/complete", CompleteAsync)
            .WithName("CompleteServiceOrder")
            .WithSummary("Done, with the result that goes on the public list (晒单)");
    }

    private static async Task<Results<Ok<List<MenuItemDto>>, NotFound>> GetMenuAsync(string code, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await CommunityAccess.PathAsync(conn, null, code, ct) is null) return TypedResults.NotFound();
        return TypedResults.Ok((await conn.QueryAsync<MenuItemDto>(new CommandDefinition("""
            SELECT id, community_code AS CommunityCode, title, description, points, kind, published_at AS PublishedAt
            FROM service_menu_items WHERE community_code = @code ORDER BY published_at
            """, new { code }, cancellationToken: ct))).AsList());
    }

    private static async Task<Results<Created<MenuItemDto>, ValidationProblem, NotFound, ProblemHttpResult>> PublishItemAsync(
        string code, MenuItemBody body, ClaimsPrincipal user, [AsParameters] Services s, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        StepReplies.Text(errors, body.Title, "title", 100);
        StepReplies.Text(errors, body.Description, "description");
        if (body.Points is <= 0 or > 10_000) errors["points"] = ["Between 1 and 10000, or none."];
        if (body.Kind is not null && !ServiceItemKinds.All.Contains(body.Kind))
            errors["kind"] = [$"Unknown kind '{body.Kind}'; expected one of {string.Join(", ", ServiceItemKinds.All)}."];
        if (errors.Count > 0) return await StepReplies.Rejected<Created<MenuItemDto>>(errors);
        return await StepReplies.ToHttpAsync(
            await s.Desk.PublishItemAsync(code, Actor.From(user), new MenuItem(body.Title.Trim(), body.Description.Trim(), body.Points, body.Kind ?? ServiceItemKinds.Service), ct),
            "community", async id =>
            {
                await using var conn = await s.Db.OpenConnectionAsync(ct);
                var item = await conn.QuerySingleAsync<MenuItemDto>(new CommandDefinition("""
                    SELECT id, community_code AS CommunityCode, title, description, points, kind, published_at AS PublishedAt
                    FROM service_menu_items WHERE id = @id
                    """, new { id }, cancellationToken: ct));
                return TypedResults.Created($"/api/v1/communities/{code}/service-menu", item);
            });
    }

    private static async Task<Results<Ok<List<ShownDto>>, NotFound>> ShowResultsAsync(string code, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await CommunityAccess.PathAsync(conn, null, code, ct) is null) return TypedResults.NotFound();
        var shown = await conn.QueryAsync<ShownDto>(new CommandDefinition("""
            SELECT c.id AS OrderId, m.title, c.taker_kind AS TakerKind, c.taker_name AS TakerName, c.result, m.points,
                   c.completed_at AS CompletedAt
            FROM service_orders c JOIN service_menu_items m ON m.id = c.menu_item_id
            WHERE c.community_code = @code AND c.state = 'completed'
            ORDER BY c.completed_at DESC
            LIMIT 200
            """, new { code }, cancellationToken: ct));
        // A unit is named in full; a party member or volunteer is a person, so masked like any other.
        return TypedResults.Ok(shown.Select(s => s.TakerKind != ServiceTakerKinds.MemberUnit
            ? s with { TakerName = PersonalData.MaskName(s.TakerName)! } : s).ToList());
    }

    private static async Task<Results<Created<OrderDto>, ValidationProblem, NotFound, ProblemHttpResult>> PlaceAsync(
        PlaceBody body, ClaimsPrincipal user, [AsParameters] Services s, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (!OrdererKinds.All.Contains(body.Orderer.Kind))
            errors["orderer.kind"] = [$"Unknown orderer kind '{body.Orderer.Kind}'; expected one of {string.Join(", ", OrdererKinds.All)}."];
        StepReplies.Text(errors, body.Orderer.Name, "orderer.name", 100);
        StepReplies.Text(errors, body.Orderer.Contact, "orderer.contact", 64);
        if (body.Note is not null) StepReplies.Text(errors, body.Note, "note");
        if (errors.Count > 0) return await StepReplies.Rejected<Created<OrderDto>>(errors);
        var orderer = new Orderer(body.Orderer.Kind, body.Orderer.Name.Trim(), body.Orderer.Contact.Trim());
        return await StepReplies.ToHttpAsync(await s.Desk.PlaceAsync(body.MenuItemId, Actor.From(user), orderer, body.Note?.Trim(), ct),
            "service order", async id => TypedResults.Created($"/api/v1/service-orders/{id}", (await LoadAsync(s.Db, id, null, ct))!));
    }

    private static async Task<Results<Ok<OrderDto>, NotFound>> GetOrderAsync(Guid id, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct) =>
        await LoadAsync(db, id, Actor.From(user), ct) is { } found ? TypedResults.Ok(found) : TypedResults.NotFound();

    private static async Task<Results<Ok<List<OrderDto>>, ValidationProblem>> ListOrdersAsync(
        string? community, string? state, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(community))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["community"] = ["Name the community."] });
        if (state is not null && !ServiceOrderStates.All.Contains(state))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["state"] = [$"Expected one of {string.Join(", ", ServiceOrderStates.All)}."] });
        var actor = Actor.From(user);
        await using var conn = await db.OpenConnectionAsync(ct);
        var list = await conn.QueryAsync<OrderDto>(new CommandDefinition($"""
            {SelectOrder}
            WHERE c.community_code = @community AND {ServiceOrderDesk.VisibleSql} AND (@state::text IS NULL OR c.state = @state)
            ORDER BY c.placed_at DESC
            LIMIT 500
            """, ServiceOrderDesk.Parameters(actor, new { community = community.Trim(), state }), cancellationToken: ct));
        return TypedResults.Ok(list.Select(o => actor.IsAdmin ? o
            : o with { OrdererName = PersonalData.MaskName(o.OrdererName)!, OrdererContact = PersonalData.MaskPhone(o.OrdererContact)! }).ToList());
    }

    private static Task<Results<Ok<OrderDto>, ValidationProblem, NotFound, ProblemHttpResult>> DispatchAsync(
        Guid id, DispatchBody body, ClaimsPrincipal user, [AsParameters] Services s, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (!TakerKinds.Contains(body.TakerKind)) errors["takerKind"] = [$"Unknown taker kind '{body.TakerKind}'; expected one of {string.Join(", ", TakerKinds)}."];
        StepReplies.Text(errors, body.TakerName, "takerName", 100);
        if (body.TakerId == Guid.Empty) errors["takerId"] = ["Empty id."];
        if (errors.Count > 0) return StepReplies.Rejected<Ok<OrderDto>>(errors);
        return Answer(s.Desk.DispatchAsync(id, Actor.From(user), new Taker(body.TakerKind, body.TakerName.Trim(), body.TakerId), ct), s.Db, id, ct);
    }

    private static Task<Results<Ok<OrderDto>, ValidationProblem, NotFound, ProblemHttpResult>> TakeAsync(
        Guid id, ClaimsPrincipal user, [AsParameters] Services s, CancellationToken ct) =>
        Answer(s.Desk.TakeAsync(id, Actor.From(user), ct), s.Db, id, ct);

    private static Task<Results<Ok<OrderDto>, ValidationProblem, NotFound, ProblemHttpResult>> CompleteAsync(
        Guid id, CompleteBody body, ClaimsPrincipal user, [AsParameters] Services s, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        StepReplies.Text(errors, body.Result, "result");
        if (errors.Count > 0) return StepReplies.Rejected<Ok<OrderDto>>(errors);
        return Answer(s.Desk.CompleteAsync(id, Actor.From(user), body.Result.Trim(), ct), s.Db, id, ct);
    }

    private static async Task<Results<Ok<OrderDto>, ValidationProblem, NotFound, ProblemHttpResult>> Answer(
        Task<StepResult> step, NpgsqlDataSource db, Guid id, CancellationToken ct) =>
        await StepReplies.ToHttpAsync(await step, "service order", async _ => TypedResults.Ok((await LoadAsync(db, id, null, ct))!));

    /// <param name="actor">Null reads as the service itself, right after a step the caller was allowed to take.</param>
    public static async Task<OrderDto?> LoadAsync(NpgsqlDataSource db, Guid id, Actor? actor, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var found = await conn.QuerySingleOrDefaultAsync<OrderDto>(new CommandDefinition(
            $"{SelectOrder} WHERE c.id = @id AND {ServiceOrderDesk.VisibleSql}", ServiceOrderDesk.Parameters(actor ?? Actor.System, new { id }),
            cancellationToken: ct));
        if (found is null) return null;
        var history = await conn.QueryAsync<StepDto>(new CommandDefinition(
            "SELECT at, action, actor, actor_name AS ActorName, detail::text AS Detail FROM service_order_history WHERE order_id = @id ORDER BY id",
            new { id }, cancellationToken: ct));
        return found with { History = history.AsList() };
    }
}
