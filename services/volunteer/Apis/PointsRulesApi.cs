using System.Security.Claims;
using Dapper;
using GovPlatform.ServiceDefaults;
using GovPlatform.Volunteer.Points;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using static GovPlatform.Volunteer.Points.PointsRuleDesk;

namespace GovPlatform.Volunteer.Apis;

/// <summary>
/// Points rules per activity type (points per verified hour, a flat bonus, optional expiry),
/// read by staff and changed by admins. A change applies to every award made after it, including
/// service at activities published before it: the rule at verification is the one that counts.
/// </summary>
/// <remarks>
/// No event is published: what a rule does reaches other services through each
/// <c>PointsAwarded</c>, which carries the points and, with its reason, the hours; no other service
/// keeps the rules. The history of changes stays here, in <c>points_rule_changes</c>.
/// </remarks>
public static class PointsRulesApi
{
    public sealed record RuleChangeDto(string ActivityType, int PointsPerHour, int Bonus, int? ExpiryDays, RuleDto? Previous, string ChangedBy, DateTime ChangedAt);

    public static void MapPointsRulesApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/points/rules").WithTags("Points ledger");

        api.MapGet("/", ListPointsRules)
            .RequireRoles(Roles.Organiser, Roles.Admin)
            .WithName("ListPointsRules")
            .WithSummary("The points rule of every activity type");

        api.MapGet("/{activityType}/changes", ListPointsRuleChanges)
            .RequireRoles(Roles.Admin)
            .WithName("ListPointsRuleChanges")
            .WithSummary("Who changed an activity type's rule, when, and what it replaced, newest first");

        api.MapPut("/{activityType}", SetRule)
            .RequireRoles(Roles.Admin)
            .WithName("SetPointsRule")
            .WithSummary("Create an activity type's points rule or change it (admin); applies to awards made from now on");
    }

    private static async Task<Ok<List<RuleDto>>> ListPointsRules(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok((await conn.QueryAsync<RuleDto>(new CommandDefinition($"{SelectRule} ORDER BY activity_type", cancellationToken: ct))).AsList());
    }

    private static async Task<Results<Ok<List<RuleChangeDto>>, NotFound>> ListPointsRuleChanges(
        string activityType, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await conn.QuerySingleOrDefaultAsync<RuleDto>(new CommandDefinition($"{SelectRule} WHERE activity_type = @activityType", new { activityType }, cancellationToken: ct)) is null)
            return TypedResults.NotFound();
        var rows = await conn.QueryAsync<(string ActivityType, int PointsPerHour, int Bonus, int? ExpiryDays, string? Previous, string ChangedBy, DateTime ChangedAt)>(
            new CommandDefinition("""
                SELECT activity_type, points_per_hour, bonus, expiry_days, previous::text, changed_by, changed_at
                FROM points_rule_changes WHERE activity_type = @activityType ORDER BY id DESC LIMIT 200
                """, new { activityType }, cancellationToken: ct));
        return TypedResults.Ok(rows.Select(r => new RuleChangeDto(r.ActivityType, r.PointsPerHour, r.Bonus, r.ExpiryDays,
            r.Previous is null ? null : System.Text.Json.JsonSerializer.Deserialize<RuleDto>(r.Previous, System.Text.Json.JsonSerializerOptions.Web),
            r.ChangedBy, r.ChangedAt)).ToList());
    }

    private static Task<Results<Created<RuleDto>, Ok<RuleDto>, ValidationProblem>> SetRule(
        string activityType, RuleBody body, ClaimsPrincipal user, PointsRuleDesk desk, CancellationToken ct) =>
        desk.SetAsync(activityType, body, user, ct);
}
