using System.Net;
using Dapper;
using GovPlatform.Intake.Reference;
using GovPlatform.Intake.Residents;
using Npgsql;

namespace GovPlatform.Intake.Apis.Residents;

/// <summary>
/// The community's public board (公示栏) for residents' phones: the grids' resolution figures (from intake's own ledger),
/// who serves the building (names and office phones, from dispatch), and the volunteers' honour board and points
/// rankings (from volunteer). Residents reach only intake, so intake forwards the two public reads that other services
/// own; both are anonymous there and carry no private data (people's names masked by volunteer, no mobiles from dispatch).
/// </summary>
public static class PublicBoardApi
{
    public const string DispatchClient = ResidentsSetup.DispatchClient;
    public const string VolunteerClient = ResidentsSetup.VolunteerClient;
    public static readonly string[] Boards = ["person", "team", "unit", "grid"];
    public static readonly string[] Lists = ["red", "black"];

    /// <param name="ResolvedRate">Resolved or closed of those filed, 0-1; null when nothing was filed.</param>
    /// <param name="SatisfiedRate">Satisfied or basically satisfied of those rated, 0-1; null when nothing was rated.</param>
    public sealed record GridFigureDto(string GridCode, string GridName, long Filed, long Resolved, double? ResolvedRate, long Rated, double? SatisfiedRate);

    private sealed record GridRow(string GridCode, string GridName, long Filed, long Resolved, long Rated, long Satisfied);

    public const int FigureDays = 90;

    /// <summary>One result in the community's 晒单: what was reported and what was done, masked as the public list is.</summary>
    public sealed record ResultDto(string? CategoryName, string? Building, DateTime SubmittedAt, DateTime ResolvedAt, double HoursToResolve,
        string Text, string? Resolution, string? Satisfaction);

    private sealed record ResultRow(string? CategoryName, string? Building, DateTime SubmittedAt, DateTime ResolvedAt, string Description,
        string? Resolution, string? Satisfaction);

    public const int ResultDays = 30;

    // The latest resolution of each request resolved in the window and not reopened since, newest first, with the
    // resident's latest rating when there is one.
    private const string Results = """
        SELECT c.name_zh AS CategoryName, b.name AS Building, r.submitted_at AS SubmittedAt, t.at AS ResolvedAt,
               r.description, t.detail->>'resolution' AS Resolution, cb.satisfaction
        FROM requests r
        JOIN LATERAL (
            SELECT x.at, x.detail FROM request_timeline x
            WHERE x.request_id = r.id AND x.event = 'resolved' ORDER BY x.at DESC LIMIT 1) t ON true
        LEFT JOIN categories c ON c.code = r.category
        LEFT JOIN grid_copy b ON b.code = r.building_code
        LEFT JOIN LATERAL (
            SELECT y.satisfaction FROM request_callbacks y
            WHERE y.request_id = r.id AND y.satisfaction IS NOT NULL ORDER BY y.at DESC LIMIT 1) cb ON true
        WHERE r.location_path @> ARRAY[@community::text] AND r.original_id IS NULL AND t.at >= @since
          AND NOT EXISTS (SELECT 1 FROM request_timeline z WHERE z.request_id = r.id AND z.event = 'reopened' AND z.at > t.at)
        ORDER BY t.at DESC
        LIMIT 30
        """;

    private const string GridFigures = """
        SELECT g.code AS GridCode, g.name AS GridName,
               count(r.id) AS Filed,
               count(r.id) FILTER (WHERE r.status IN ('resolved', 'closed')) AS Resolved,
               count(c.request_id) AS Rated,
               count(c.request_id) FILTER (WHERE c.satisfaction IN ('satisfied', 'basically_satisfied')) AS Satisfied
        FROM grid_copy g
        LEFT JOIN requests r ON r.location_path @> ARRAY[g.code] AND r.submitted_at >= @since AND r.original_id IS NULL AND r.status <> 'triage'
        LEFT JOIN LATERAL (
            -- The request's latest rating: a reopened and re-rated request counts once, as it stands now.
            SELECT x.request_id, x.satisfaction FROM request_callbacks x
            WHERE x.request_id = r.id AND x.satisfaction IS NOT NULL ORDER BY x.at DESC LIMIT 1) c ON true
        WHERE g.level = 'grid' AND g.path @> ARRAY[@community::text]
        GROUP BY g.code, g.name
        ORDER BY g.code
        """;

    public static void MapPublicBoardApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/residents/public").WithTags("Residents").AllowAnonymous();
        api.MapGet("/grids", GridsAsync).WithName("PublicGridFigures")
            .WithSummary($"Each grid of a community: requests of the last {FigureDays} days filed, resolved, and how residents rated them");
        api.MapGet("/results", ResultsAsync).WithName("PublicServiceResults")
            .WithSummary($"晒单: a community's requests resolved in the last {ResultDays} days, what was reported and what was done, masked");
        api.MapGet("/contacts", ContactsAsync).WithName("PublicContactsOfPlace")
            .WithSummary("Who serves a doorplate's place: grid workers, grid leader, building leaders; names and office phones only");
        api.MapGet("/leaderboard/{board}", LeaderboardAsync).WithName("PublicLeaderboard")
            .WithSummary("Volunteers' points rankings by person (names masked), team, unit or grid");
        api.MapGet("/honour-board", HonourBoardAsync).WithName("PublicHonourBoard")
            .WithSummary("The published red list (光荣榜) or black list");
    }

    private static async Task<IResult> GridsAsync(string? community, string? doorplate, NpgsqlDataSource db, ReferenceCache reference,
        TimeProvider clock, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var (found, refused) = await ResidentsApi.CommunityOfAsync(conn, reference, community, doorplate, ct);
        if (refused is not null) return refused;
        var rows = await conn.QueryAsync<GridRow>(new CommandDefinition(GridFigures,
            new { community = found, since = (clock.GetUtcNow() - TimeSpan.FromDays(FigureDays)).UtcDateTime }, cancellationToken: ct));
        return TypedResults.Ok(rows
            .Select(r => new GridFigureDto(r.GridCode, r.GridName, r.Filed, r.Resolved, r.Filed == 0 ? null : (double)r.Resolved / r.Filed,
                r.Rated, r.Rated == 0 ? null : (double)r.Satisfied / r.Rated))
            .OrderByDescending(r => r.ResolvedRate ?? -1).ThenByDescending(r => r.Filed).ThenBy(r => r.GridCode)
            .ToList());
    }

    private static async Task<IResult> ResultsAsync(string? community, string? doorplate, NpgsqlDataSource db, ReferenceCache reference,
        TimeProvider clock, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var (found, refused) = await ResidentsApi.CommunityOfAsync(conn, reference, community, doorplate, ct);
        if (refused is not null) return refused;
        var rows = await conn.QueryAsync<ResultRow>(new CommandDefinition(Results,
            new { community = found, since = (clock.GetUtcNow() - TimeSpan.FromDays(ResultDays)).UtcDateTime }, cancellationToken: ct));
        // The handler's words are masked like the resident's: a phone number written into a resolution stays private.
        return TypedResults.Ok(rows.Select(r => new ResultDto(r.CategoryName, r.Building, r.SubmittedAt, r.ResolvedAt,
            Math.Round((r.ResolvedAt - r.SubmittedAt).TotalHours, 1), PublicRequestsApi.Mask(r.Description),
            r.Resolution is null ? null : PublicRequestsApi.Mask(r.Resolution), r.Satisfaction)).ToList());
    }

    private static async Task<IResult> ContactsAsync(string? doorplate, NpgsqlDataSource db, ReferenceCache reference, IHttpClientFactory http, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(doorplate))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["doorplate"] = ["The scanned doorplate's code."] });
        string node;
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            var (place, refusal) = await ResidentsApi.ActivePlaceAsync(conn, reference, doorplate, ct);
            if (refusal is not null) return refusal;
            node = place!.NodeCode;
        }
        return await ForwardAsync(http, DispatchClient, $"/api/v1/public/contacts?node={Uri.EscapeDataString(node)}", ct);
    }

    private static async Task<IResult> LeaderboardAsync(string board, int? top, IHttpClientFactory http, CancellationToken ct)
    {
        if (!Boards.Contains(board) || top is < 1 or > 50)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                [Boards.Contains(board) ? "top" : "board"] = [Boards.Contains(board) ? "1-50." : $"One of: {string.Join(", ", Boards)}."],
            });
        return await ForwardAsync(http, VolunteerClient, $"/api/v1/leaderboards/{board}?top={top ?? 10}", ct);
    }

    private static async Task<IResult> HonourBoardAsync(string? list, IHttpClientFactory http, CancellationToken ct)
    {
        list ??= "red";
        if (!Lists.Contains(list)) return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["list"] = ["red or black."] });
        return await ForwardAsync(http, VolunteerClient, $"/api/v1/honour-board?list={list}", ct);
    }

    /// <summary>
    /// The other service's public answer as it is (JSON, no cookies or headers passed either way). When that service
    /// cannot be reached the page says so: 503, not a 500, and the rest of the board still shows.
    /// </summary>
    internal static async Task<IResult> ForwardAsync(IHttpClientFactory factory, string service, string path, CancellationToken ct)
    {
        try
        {
            using var response = await factory.CreateClient(service).GetAsync(path, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            if (response.StatusCode == HttpStatusCode.OK) return TypedResults.Content(body, "application/json; charset=utf-8");
            if ((int)response.StatusCode is >= 400 and < 500)
                return TypedResults.Problem(statusCode: (int)response.StatusCode, title: $"{service} refused the public read.");
        }
        catch (Exception e) when ((e is HttpRequestException or TaskCanceledException or InvalidOperationException) && !ct.IsCancellationRequested)
        {
            // Answered below: the board shows its other parts.
        }
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "暂时无法获取，请稍后再试",
            detail: $"The {service} service did not answer.");
    }
}
