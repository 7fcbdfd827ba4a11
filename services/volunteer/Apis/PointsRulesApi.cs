using System.Security.Claims;
using System.Text.RegularExpressions;
using Dapper;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

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
public static partial class PointsRulesApi
{
    public sealed record RuleBody(int PointsPerHour, int Bonus = 0, int? ExpiryDays = null);
    public sealed record RuleDto(string ActivityType, int PointsPerHour, int Bonus, int? ExpiryDays);
    public sealed record RuleChangeDto(string ActivityType, int PointsPerHour, int Bonus, int? ExpiryDays, RuleDto? Previous, string ChangedBy, DateTime ChangedAt);

    [GeneratedRegex("^[a-z][a-z0-9_]{1,39}$")]
    private static partial Regex ActivityType();

    private const string SelectRule = "SELECT activity_type AS ActivityType, points_per_hour AS PointsPerHour, bonus, expiry_days AS ExpiryDays FROM points_rules";

    public static void MapPointsRulesApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/points/rules").WithTags("Points ledger");

        api.MapGet("/", async (NpgsqlDataSource db, CancellationToken ct) =>
            {
                await using var conn = await db.OpenConnectionAsync(ct);
                return TypedResults.Ok((await conn.QueryAsync<RuleDto>(new CommandDefinition($"{SelectRule} ORDER BY activity_type", cancellationToken: ct))).AsList());
            })
            .RequireRoles(Roles.Organiser, Roles.Admin)
            .WithName("ListPointsRules")
            .WithSummary("The points rule of every activity type");

        api.MapGet("/{activityType}/changes", async Task<Results<Ok<List<RuleChangeDto>>, NotFound>> (string activityType, NpgsqlDataSource db, CancellationToken ct) =>
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
            })
            .RequireRoles(Roles.Admin)
            .WithName("ListPointsRuleChanges")
            .WithSummary("Who changed an activity type's rule, when, and what it replaced, newest first");

        api.MapPut("/{activityType}", async Task<Results<Created<RuleDto>, Ok<RuleDto>, ValidationProblem>> (
                string activityType, RuleBody body, ClaimsPrincipal user, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct) =>
            {
                var errors = new Dictionary<string, string[]>();
                if (!ActivityType().IsMatch(activityType)) errors["activityType"] = ["2-40 lower-case letters, digits or '_', starting with a letter."];
                if (body.PointsPerHour is < 0 or > 1000) errors["pointsPerHour"] = ["0-1000 points per verified hour."];
                if (body.Bonus is < 0 or > 10_000) errors["bonus"] = ["A bonus of 0-10000 points."];
                if (body.ExpiryDays is < 1 or > 3650) errors["expiryDays"] = ["Empty for points that never lapse, else 1-3650 days."];
                if (body.PointsPerHour == 0 && body.Bonus == 0 && !errors.ContainsKey("pointsPerHour") && !errors.ContainsKey("bonus"))
                    errors["pointsPerHour"] = ["A rule that awards nothing: give points per hour or a bonus."];
                if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The rule was not changed.");

                var rule = new RuleDto(activityType, body.PointsPerHour, body.Bonus, body.ExpiryDays);
                await using var conn = await db.OpenConnectionAsync(ct);
                await using var tx = await conn.BeginTransactionAsync(ct);
                // The row lock makes concurrent changes take turns, so each history row names what it really replaced.
                var previous = await conn.QuerySingleOrDefaultAsync<RuleDto>(new CommandDefinition(
                    $"{SelectRule} WHERE activity_type = @activityType FOR UPDATE", new { activityType }, tx, cancellationToken: ct));
                if (previous == rule)
                {
                    await tx.RollbackAsync(ct);
                    return TypedResults.Ok(rule);
                }
                // A new type may appear at the same moment from another admin: the upsert settles it either way.
                await conn.ExecuteAsync(new CommandDefinition("""
                    INSERT INTO points_rules (activity_type, points_per_hour, bonus, expiry_days) VALUES (@ActivityType, @PointsPerHour, @Bonus, @ExpiryDays)
                    ON CONFLICT (activity_type) DO UPDATE SET points_per_hour = excluded.points_per_hour, bonus = excluded.bonus, expiry_days = excluded.expiry_days
                    """, rule, tx, cancellationToken: ct));
                await conn.ExecuteAsync(new CommandDefinition("""
                    INSERT INTO points_rule_changes (activity_type, points_per_hour, bonus, expiry_days, previous, changed_by, changed_at)
                    VALUES (@ActivityType, @PointsPerHour, @Bonus, @ExpiryDays, @previous::jsonb, @by, @now)
                    """, new
                {
                    rule.ActivityType, rule.PointsPerHour, rule.Bonus, rule.ExpiryDays,
                    previous = previous is null ? null : System.Text.Json.JsonSerializer.Serialize(previous, System.Text.Json.JsonSerializerOptions.Web),
                    by = user.SubjectOf() ?? "unknown", now = clock.GetUtcNow(),
                }, tx, cancellationToken: ct));
                await tx.CommitAsync(ct);
                return previous is null ? TypedResults.Created($"/api/v1/points/rules/{activityType}", rule) : TypedResults.Ok(rule);
            })
            .RequireRoles(Roles.Admin)
            .WithName("SetPointsRule")
            .WithSummary("Create an activity type's points rule or change it (admin); applies to awards made from now on");
    }
}
