using System.Security.Claims;
using Dapper;
using GovPlatform.ServiceDefaults;
using GovPlatform.Volunteer.Recognition;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using static GovPlatform.Volunteer.Volunteers.VolunteerAccess;

namespace GovPlatform.Volunteer.Apis;

/// <summary>Recognition: leaderboards by person, team, unit and grid, and the red and black lists (红黑榜).</summary>
public static class RecognitionApi
{
    public sealed record RankDto(int Rank, string Id, string Name, long Points);
    /// <param name="Lines">Ledger lines read back into the boards.</param>
    public sealed record RebuiltDto(int Lines);
    public sealed record Proposal(string List, string SubjectKind, Guid SubjectId, string Reason);
    public sealed record Review(bool Approve, string? Note = null);
    public sealed record HonourDto(Guid Id, string List, string SubjectKind, Guid SubjectId, string SubjectName, string Reason, string Status,
        DateTime ProposedAt, DateTime? ReviewedAt);

    private static readonly string[] Lists = ["red", "black"];
    private static readonly string[] SubjectKinds = ["volunteer", "team", "unit"];

    // Names for each kind of subject; a volunteer's is masked, as on any public list.
    private const string SelectHonour = """
        SELECT h.id, h.list, h.subject_kind AS SubjectKind, h.subject_id AS SubjectId,
               coalesce(v.name, t.name, u.name, '') AS SubjectName, h.reason, h.status,
               h.proposed_at AS ProposedAt, h.reviewed_at AS ReviewedAt
        FROM honour_board h
        LEFT JOIN volunteers v ON h.subject_kind = 'volunteer' AND v.id = h.subject_id
        LEFT JOIN teams t ON h.subject_kind = 'team' AND t.id = h.subject_id
        LEFT JOIN units u ON h.subject_kind = 'unit' AND u.id = h.subject_id
        """;

    public static void MapRecognitionApi(this WebApplication app)
    {
        var boards = app.MapGroup("/api/v1/leaderboards").WithTags("Recognition");

        boards.MapGet("/{board}", GetLeaderboard)
            // Public by design: rankings go on the community noticeboard; people's names are masked.
            .AllowAnonymous()
            .WithName("GetLeaderboard")
            .WithSummary("Top earners of points by person, team, unit or grid (names of people masked)");

        boards.MapPost("/rebuild", RebuildLeaderboards)
            .RequireRoles(Roles.Admin)
            .WithName("RebuildLeaderboards")
            .WithSummary("Rebuild every leaderboard from the ledger");

        var honour = app.MapGroup("/api/v1/honour-board").WithTags("Recognition");

        honour.MapPost("/", ProposeHonourBoardEntry)
            .RequireRoles(Roles.Organiser, Roles.Admin)
            .WithName("ProposeHonourBoardEntry")
            .WithSummary("Propose a person, team or unit for the red or black list, with a reason");

        honour.MapPost("/{id:guid}/review", ReviewHonourBoardEntry)
            .RequireRoles(Roles.Admin)
            .WithName("ReviewHonourBoardEntry")
            .WithSummary("An admin (not the proposer) approves or rejects a proposal; only approved entries are published");

        honour.MapGet("/", ListHonourBoard)
            // Public by design: the red and black lists (红黑榜) are posted for all to see, approved entries only, names masked.
            .AllowAnonymous()
            .WithName("ListHonourBoard")
            .WithSummary("The published red or black list");

        honour.MapGet("/pending", ListHonourBoardProposals)
            .RequireRoles(Roles.Admin)
            .WithName("ListHonourBoardProposals")
            .WithSummary("Proposals waiting for an admin's review");
    }

    private static async Task<Ok<RebuiltDto>> RebuildLeaderboards(Leaderboards leaderboards, CancellationToken ct)
    {
        await leaderboards.ResetAsync();
        return TypedResults.Ok(new RebuiltDto(await leaderboards.CatchUpAsync(ct)));
    }

    private static async Task<Results<Created<HonourDto>, ValidationProblem>> ProposeHonourBoardEntry(
        Proposal body, ClaimsPrincipal user, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (!Lists.Contains(body.List)) errors["list"] = ["red or black."];
        if (!SubjectKinds.Contains(body.SubjectKind)) errors["subjectKind"] = ["volunteer, team or unit."];
        if (BadText(body.Reason, 300) || body.Reason.Trim().Length < 4) errors["reason"] = ["A reason of 4-300 characters is required."];
        await using var conn = await db.OpenConnectionAsync(ct);
        if (!errors.ContainsKey("subjectKind") && !await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
                $"SELECT EXISTS (SELECT 1 FROM {(body.SubjectKind == "volunteer" ? "volunteers" : body.SubjectKind + "s")} WHERE id = @SubjectId)", body, cancellationToken: ct)))
            errors["subjectId"] = [$"No such {body.SubjectKind}."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "Nothing was proposed.");

        var id = NewId.NextGuid();
        await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO honour_board (id, list, subject_kind, subject_id, reason, proposed_by, proposed_at)
            VALUES (@id, @List, @SubjectKind, @SubjectId, @reason, @by, @now)
            """, new { id, body.List, body.SubjectKind, body.SubjectId, reason = body.Reason.Trim(), by = user.SubjectOf() ?? "unknown", now = clock.GetUtcNow() },
            cancellationToken: ct));
        return TypedResults.Created($"/api/v1/honour-board/{id}", await GetAsync(conn, id, ct));
    }

    private static async Task<Results<Ok<HonourDto>, NotFound, ProblemHttpResult>> ReviewHonourBoardEntry(
        Guid id, Review body, ClaimsPrincipal user, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        var by = user.SubjectOf() ?? "unknown";
        await using var conn = await db.OpenConnectionAsync(ct);
        var current = await conn.QuerySingleOrDefaultAsync<(string Status, string ProposedBy)>(new CommandDefinition(
            "SELECT status, proposed_by FROM honour_board WHERE id = @id", new { id }, cancellationToken: ct));
        if (current.Status is null) return TypedResults.NotFound();
        if (current.ProposedBy == by) return Forbidden("Another admin must review what you proposed.");
        var reviewed = await conn.ExecuteAsync(new CommandDefinition("""
            UPDATE honour_board SET status = @status, reviewed_by = @by, reviewed_at = @now, review_note = @Note
            WHERE id = @id AND status = 'proposed'
            """, new { id, status = body.Approve ? "approved" : "rejected", by, now = clock.GetUtcNow(), body.Note }, cancellationToken: ct));
        if (reviewed == 0)
            return TypedResults.Problem(statusCode: 409, title: "Already reviewed.", detail: $"The entry is {current.Status}.",
                extensions: new Dictionary<string, object?> { ["status"] = current.Status });
        return TypedResults.Ok(await GetAsync(conn, id, ct));
    }

    private static async Task<Results<Ok<List<HonourDto>>, ValidationProblem>> ListHonourBoard(string list, NpgsqlDataSource db, CancellationToken ct)
    {
        if (!Lists.Contains(list)) return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["list"] = ["red or black."] });
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<HonourDto>(new CommandDefinition(
            $"{SelectHonour} WHERE h.list = @list AND h.status = 'approved' ORDER BY h.reviewed_at DESC LIMIT 200", new { list }, cancellationToken: ct));
        return TypedResults.Ok(rows.Select(Masked).ToList());
    }

    private static async Task<Ok<List<HonourDto>>> ListHonourBoardProposals(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<HonourDto>(new CommandDefinition($"{SelectHonour} WHERE h.status = 'proposed' ORDER BY h.proposed_at", cancellationToken: ct));
        return TypedResults.Ok(rows.Select(Masked).ToList());
    }

    private static async Task<Results<Ok<List<RankDto>>, ValidationProblem>> GetLeaderboard(
        string board, int? top, Leaderboards leaderboards, NpgsqlDataSource db, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (!Leaderboards.Boards.Contains(board)) errors["board"] = [$"One of: {string.Join(", ", Leaderboards.Boards)}."];
        if (top is < 1 or > 100) errors["top"] = ["1-100."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var scores = await leaderboards.TopAsync(board, top ?? 10, ct);
        await using var conn = await db.OpenConnectionAsync(ct);
        var names = (await conn.QueryAsync<(string Id, string Name)>(new CommandDefinition(board switch
        {
            "person" => "SELECT id::text, name FROM volunteers WHERE id::text = ANY(@ids)",
            "team" => "SELECT id::text, name FROM teams WHERE id::text = ANY(@ids)",
            "unit" => "SELECT id::text, name FROM units WHERE id::text = ANY(@ids)",
            _ => "SELECT code, name FROM grid_copy WHERE code = ANY(@ids)",
        }, new { ids = scores.Select(s => s.Member).ToArray() }, cancellationToken: ct))).ToDictionary(n => n.Id, n => n.Name);
        return TypedResults.Ok(scores.Select((s, i) =>
        {
            var name = names.GetValueOrDefault(s.Member, "");
            return new RankDto(i + 1, s.Member, board == "person" ? PersonalData.MaskName(name)! : name, s.Points);
        }).ToList());
    }

    private static HonourDto Masked(HonourDto h) => h.SubjectKind == "volunteer" ? h with { SubjectName = PersonalData.MaskName(h.SubjectName)! } : h;

    private static async Task<HonourDto> GetAsync(NpgsqlConnection conn, Guid id, CancellationToken ct) =>
        Masked(await conn.QuerySingleAsync<HonourDto>(new CommandDefinition($"{SelectHonour} WHERE h.id = @id", new { id }, cancellationToken: ct)));
}
