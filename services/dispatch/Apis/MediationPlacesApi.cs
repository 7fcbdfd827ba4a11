using System.Security.Claims;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Dispatch.Community;
using GovPlatform.Dispatch.Mediation;
using GovPlatform.Dispatch.WorkOrders;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Dispatch.Apis;

/// <summary>
/// Mediation studios (调解工作室) and talk-it-over points (说事点) as registered places: where they are, who hosts them,
/// when they are open, and what they did (cases received, mediated, settled by agreement, the success rate).
/// </summary>
public static class MediationPlacesApi
{
    public sealed record PlaceBody(string CommunityCode, string Kind, string Name, string HostName, string OpeningHours);

    public sealed record PlaceDto
    {
        public Guid Id { get; init; }
        public required string CommunityCode { get; init; }
        public required string Kind { get; init; }
        public required string Name { get; init; }
        public required string HostName { get; init; }
        public required string OpeningHours { get; init; }
        public DateTime RegisteredAt { get; init; }
        /// <summary>Cases opened at the place (in the period asked about, or ever).</summary>
        public long Received { get; init; }
        public long Open { get; init; }
        /// <summary>Cases closed after mediation: an agreement or a failure. A referral went elsewhere and is not counted.</summary>
        public long Mediated { get; init; }
        public long Agreements { get; init; }
        public long Referred { get; init; }
        /// <summary>Agreements over cases mediated (调解成功率); null when none was mediated.</summary>
        public double? SuccessRate { get; init; }
    }

    // Figures are of cases opened in the period, each counted by its present state.
    private const string SelectPlace = """
        SELECT c.id, c.community_code AS CommunityCode, c.kind, c.name, c.host_name AS HostName, c.opening_hours AS OpeningHours,
               c.registered_at AS RegisteredAt,
               count(m.id) AS Received,
               count(m.id) FILTER (WHERE m.state = 'open') AS Open,
               count(m.id) FILTER (WHERE m.outcome IN ('agreement', 'failed')) AS Mediated,
               count(m.id) FILTER (WHERE m.outcome = 'agreement') AS Agreements,
               count(m.id) FILTER (WHERE m.outcome = 'referred') AS Referred,
               (count(m.id) FILTER (WHERE m.outcome = 'agreement'))::float8
                   / nullif(count(m.id) FILTER (WHERE m.outcome IN ('agreement', 'failed')), 0) AS SuccessRate
        FROM mediation_places c
        LEFT JOIN mediation_cases m ON m.place_id = c.id
             AND (@from::timestamptz IS NULL OR m.opened_at >= @from) AND (@to::timestamptz IS NULL OR m.opened_at < @to)
        """;

    public static void MapMediationPlacesApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/mediation-places").WithTags("Mediation").RequireRoles(CommunityAccess.Roles);

        api.MapPost("/", Register)
            .WithName("RegisterMediationPlace")
            .WithSummary("Register a mediation studio (调解工作室) or talk-it-over point (说事点) with its host and opening hours");

        api.MapGet("/", ListPlacesAsync)
            .WithName("ListMediationPlaces")
            .WithSummary("A community's mediation places with their figures (cases opened from/to, when given)");

        api.MapGet("/{id:guid}", GetPlaceAsync)
            .WithName("GetMediationPlace")
            .WithSummary("A mediation place with its own figures: cases received, mediated, agreements, success rate");
    }

    private static async Task<Results<Ok<List<PlaceDto>>, ValidationProblem>> ListPlacesAsync(
        string? community, DateTimeOffset? from, DateTimeOffset? to, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(community))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["community"] = ["Name the community."] });
        var actor = Actor.From(user);
        await using var conn = await db.OpenConnectionAsync(ct);
        var places = await conn.QueryAsync<PlaceDto>(new CommandDefinition($"""
            {SelectPlace}
            WHERE c.community_code = @community AND {CommunityAccess.VisibleSql}
            GROUP BY c.id ORDER BY c.registered_at
            """, CommunityAccess.Parameters(actor, new { community = community.Trim(), from, to }), cancellationToken: ct));
        return TypedResults.Ok(places.Select(p => Masked(p, actor)).ToList());
    }

    private static async Task<Results<Ok<PlaceDto>, NotFound>> GetPlaceAsync(
        Guid id, DateTimeOffset? from, DateTimeOffset? to, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await LoadAsync(conn, id, Actor.From(user), from, to, ct) is { } p ? TypedResults.Ok(p) : TypedResults.NotFound();
    }

    private static PlaceDto Masked(PlaceDto p, Actor actor) => actor.IsAdmin ? p : p with { HostName = PersonalData.MaskName(p.HostName)! };

    private static async Task<PlaceDto?> LoadAsync(NpgsqlConnection conn, Guid id, Actor actor, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        var found = await conn.QuerySingleOrDefaultAsync<PlaceDto>(new CommandDefinition(
            $"{SelectPlace} WHERE c.id = @id AND {CommunityAccess.VisibleSql} GROUP BY c.id",
            CommunityAccess.Parameters(actor, new { id, from, to }), cancellationToken: ct));
        return found is null ? null : Masked(found, actor);
    }

    private static async Task<Results<Created<PlaceDto>, ValidationProblem, NotFound, ProblemHttpResult>> Register(
        PlaceBody body, ClaimsPrincipal user, MediationPlaces places, NpgsqlDataSource db, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        StepReplies.Text(errors, body.CommunityCode, "communityCode", 64);
        if (!MediatorKinds.All.Contains(body.Kind)) errors["kind"] = [$"Unknown kind '{body.Kind}'; expected one of {string.Join(", ", MediatorKinds.All)}."];
        StepReplies.Text(errors, body.Name, "name", 100);
        StepReplies.Text(errors, body.HostName, "hostName", 100);
        StepReplies.Text(errors, body.OpeningHours, "openingHours", 200);
        if (errors.Count > 0) return await StepReplies.Rejected<Created<PlaceDto>>(errors);

        var actor = Actor.From(user);
        var result = await places.RegisterAsync(actor, new NewPlace(body.CommunityCode.Trim(), body.Kind, body.Name.Trim(), body.HostName.Trim(), body.OpeningHours.Trim()), ct);
        switch (result)
        {
            case StepResult.Done done:
                await using (var conn = await db.OpenConnectionAsync(ct))
                    return TypedResults.Created($"/api/v1/mediation-places/{done.Id}", (await LoadAsync(conn, done.Id, actor, null, null, ct))!);
            case StepResult.Invalid invalid:
                return await StepReplies.Rejected<Created<PlaceDto>>(invalid.Errors);
            case StepResult.Forbidden forbidden:
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "You may not register a place here.", detail: forbidden.Detail);
            case StepResult.Conflict conflict:
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The place is registered already.", detail: conflict.Detail);
            default:
                throw new InvalidOperationException($"Unhandled step result {result}.");
        }
    }
}
