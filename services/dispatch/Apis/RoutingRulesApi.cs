using System.Text.RegularExpressions;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Dispatch.Apis;

public static partial class RoutingRulesApi
{
    public sealed record RoutingRuleDto(string Category, string Target, bool NotifyCommunity);

    public sealed record RoutingRuleBody(string? Target = null, bool? NotifyCommunity = null);

    [GeneratedRegex("^([a-z0-9_]{1,64}|\\*)$")]
    private static partial Regex CategoryPattern();

    private static readonly string[] Targets =
        [RoutingTargets.Grid, RoutingTargets.PropertyCompany, RoutingTargets.ResponsibleUnit, RoutingTargets.OwnersCommittee];

    private const string Select = "SELECT category, target, notify_community AS NotifyCommunity FROM routing_rules";

    public static void MapRoutingRulesApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/routing-rules").WithTags("Routing rules");

        api.MapGet("/", ListRulesAsync)
            .RequireRoles(WorkOrdersApi.StaffRoles)
            .WithName("ListRoutingRules")
            .WithSummary("Routing rules per category; '*' applies to every category without its own");

        api.MapGet("/{category}", GetRuleAsync)
            .RequireRoles(WorkOrdersApi.StaffRoles)
            .WithName("GetRoutingRule")
            .WithSummary("One category's routing rule (404 when it follows '*')");

        api.MapPut("/{category}", SetRuleAsync)
            .RequireRoles(Roles.Admin)
            .WithName("SetRoutingRule")
            .WithSummary("Set where a category goes first (grid, property_company, responsible_unit or owners_committee) and whether the community is told at once");
    }

    private static async Task<Ok<List<RoutingRuleDto>>> ListRulesAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok((await conn.QueryAsync<RoutingRuleDto>(new CommandDefinition($"{Select} ORDER BY category", cancellationToken: ct))).AsList());
    }

    private static async Task<Results<Ok<RoutingRuleDto>, NotFound>> GetRuleAsync(string category, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rule = await conn.QuerySingleOrDefaultAsync<RoutingRuleDto>(new CommandDefinition(
            $"{Select} WHERE category = @category", new { category }, cancellationToken: ct));
        return rule is null ? TypedResults.NotFound() : TypedResults.Ok(rule);
    }

    private const string Upsert = """
        INSERT INTO routing_rules (category, target, notify_community, updated_at) VALUES (@category, @target, @notify, now())
        ON CONFLICT (category) DO UPDATE SET target = excluded.target, notify_community = excluded.notify_community, updated_at = excluded.updated_at
        """;

    private static async Task<Results<Ok<RoutingRuleDto>, ValidationProblem>> SetRuleAsync(
        string category, RoutingRuleBody body, NpgsqlDataSource db, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (!CategoryPattern().IsMatch(category)) errors["category"] = ["A category code of a-z, 0-9 and '_', or '*' for the default."];
        var target = body.Target ?? RoutingTargets.Grid;
        if (!Targets.Contains(target)) errors["target"] = [$"Unknown target '{target}'; expected one of {string.Join(", ", Targets)}."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The routing rule was rejected; nothing changed.");

        var notify = body.NotifyCommunity ?? false;
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(Upsert, new { category, target, notify }, cancellationToken: ct));
        return TypedResults.Ok(new RoutingRuleDto(category, target, notify));
    }
}
