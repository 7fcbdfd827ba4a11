using System.Security.Claims;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Intake.Access;
using GovPlatform.Intake.Reference;
using GovPlatform.Intake.Requests;
using GovPlatform.Intake.Residents;
using GovPlatform.ServiceDefaults;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Intake.Apis.Residents;

/// <summary>Legal and policy notices (法律政策) a community publishes; residents read them from their doorplate's page.</summary>
public static class NoticesApi
{
    public static readonly string[] Kinds = ["legal", "policy", "notice"];

    public sealed record PublishNotice(string CommunityCode, string Kind, string Title, string Body);
    public sealed record NoticeDto(Guid Id, string CommunityCode, string Kind, string Title, string Body, DateTime PublishedAt);

    public static void MapNoticesApi(this WebApplication app)
    {
        var staff = app.MapGroup("/api/v1/notices").WithTags("Notices").RequireRoles(Roles.Admin, Roles.CommunityCadre);
        staff.MapPost("/", Publish).WithName("PublishNotice").WithSummary("Publish a legal or policy notice to a community's residents");
        staff.MapDelete("/{id:guid}", Withdraw).WithName("WithdrawNotice").WithSummary("Withdraw a notice");
        app.MapGet("/api/v1/residents/notices", Read).AllowAnonymous().WithTags("Residents")
            .WithName("ReadNotices").WithSummary("A community's notices, newest first, by community code or by a doorplate in it");
    }

    private static async Task<IResult> Publish(PublishNotice body, ClaimsPrincipal user, NpgsqlDataSource db, ReferenceCache reference,
        TimeProvider clock, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (!Kinds.Contains(body.Kind)) errors["kind"] = [$"One of {string.Join(", ", Kinds)}."];
        if (body.Title is not { Length: > 0 and <= 100 } || RequestRules.HasControlCharacters(body.Title)) errors["title"] = ["1 to 100 characters, no control characters."];
        if (body.Body is not { Length: > 0 and <= 20_000 } || RequestRules.HasControlCharacters(body.Body)) errors["body"] = ["1 to 20000 characters; line breaks are fine."];
        if (body.CommunityCode is not { Length: > 0 and <= 64 }) errors["communityCode"] = ["A community's code."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The notice was not published: fix the fields below.");
        await using var conn = await db.OpenConnectionAsync(ct);
        var node = await reference.GridNodeAsync(conn, body.CommunityCode, ct);
        if (node is null || node.Node.Level != GridLevels.Community)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["communityCode"] = [$"'{body.CommunityCode}' is not a community of the grid tree."] });
        if (!Doorplates.MayManage(user, node.Node.Path)) return TypedResults.Forbid();
        var id = NewId.NextGuid();
        var now = clock.GetUtcNow().UtcDateTime;
        await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO notices (id, community_code, kind, title, body, published_at, published_by)
            VALUES (@id, @CommunityCode, @Kind, @Title, @Body, @now, @by)
            """, new { id, body.CommunityCode, body.Kind, body.Title, body.Body, now, by = user.Actor() }, cancellationToken: ct));
        return TypedResults.Created($"/api/v1/residents/notices?community={body.CommunityCode}",
            new NoticeDto(id, body.CommunityCode, body.Kind, body.Title, body.Body, now));
    }

    private static async Task<IResult> Withdraw(Guid id, ClaimsPrincipal user, NpgsqlDataSource db, ReferenceCache reference, TimeProvider clock, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var community = await conn.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT community_code FROM notices WHERE id = @id AND withdrawn_at IS NULL", new { id }, cancellationToken: ct));
        if (community is null) return TypedResults.NotFound();
        var node = await reference.GridNodeAsync(conn, community, ct);
        if (node is null || !Doorplates.MayManage(user, node.Node.Path)) return TypedResults.Forbid();
        await conn.ExecuteAsync(new CommandDefinition("UPDATE notices SET withdrawn_at = @now WHERE id = @id",
            new { id, now = clock.GetUtcNow().UtcDateTime }, cancellationToken: ct));
        return TypedResults.NoContent();
    }

    private static async Task<IResult> Read(string? community, string? doorplate, NpgsqlDataSource db, ReferenceCache reference, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var (found, refused) = await ResidentsApi.CommunityOfAsync(conn, reference, community, doorplate, ct);
        if (refused is not null) return refused;
        community = found;
        var rows = await conn.QueryAsync<NoticeDto>(new CommandDefinition("""
            SELECT id, community_code AS CommunityCode, kind, title, body, published_at AS PublishedAt
            FROM notices WHERE community_code = @community AND withdrawn_at IS NULL
            ORDER BY published_at DESC LIMIT 50
            """, new { community }, cancellationToken: ct));
        return TypedResults.Ok(rows.AsList());
    }
}
