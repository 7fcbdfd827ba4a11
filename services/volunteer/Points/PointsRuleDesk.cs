using System.Security.Claims;
using System.Text.RegularExpressions;
using Dapper;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Volunteer.Points;

public sealed record RuleBody(int PointsPerHour, int Bonus = 0, int? ExpiryDays = null);
public sealed record RuleDto(string ActivityType, int PointsPerHour, int Bonus, int? ExpiryDays);

/// <summary>
/// An admin's change of an activity type's points rule, in one transaction with the history row that names what it
/// replaced; the rule at verification is the one that counts.
/// </summary>
public sealed partial class PointsRuleDesk(NpgsqlDataSource db, TimeProvider clock)
{
    [GeneratedRegex("^[a-z][a-z0-9_]{1,39}$")]
    private static partial Regex ActivityType();

    public const string SelectRule = "SELECT activity_type AS ActivityType, points_per_hour AS PointsPerHour, bonus, expiry_days AS ExpiryDays FROM points_rules";

    public async Task<Results<Created<RuleDto>, Ok<RuleDto>, ValidationProblem>> SetAsync(
        string activityType, RuleBody body, ClaimsPrincipal user, CancellationToken ct)
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
    }
}
