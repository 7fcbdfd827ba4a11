using System.Text.RegularExpressions;
using Dapper;
using GovPlatform.Dispatch.ServiceLevels;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Dispatch.Apis;

public static partial class SlaPoliciesApi
{
    /// <summary>A policy in minutes, the unit communities publish their promises in.</summary>
    public sealed record SlaPolicyDto(string Category, int AcceptMinutes, int ArriveMinutes, int ResolveMinutes, int PlanMinutes);

    public sealed record SlaPolicyBody(int AcceptMinutes, int ArriveMinutes, int ResolveMinutes, int PlanMinutes);

    private const int MaxMinutes = 7 * 24 * 60;

    [GeneratedRegex("^([a-z0-9_]{1,64}|\\*)$")]
    private static partial Regex CategoryPattern();

    private static SlaPolicyDto ToDto(SlaPolicy p) =>
        new(p.Category, p.AcceptSeconds / 60, p.ArriveSeconds / 60, p.ResolveSeconds / 60, p.PlanSeconds / 60);

    public static void MapSlaPoliciesApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/sla-policies").WithTags("Service levels");

        api.MapGet("/", async (NpgsqlDataSource db, CancellationToken ct) =>
            {
                await using var conn = await db.OpenConnectionAsync(ct);
                var policies = await conn.QueryAsync<SlaPolicy>(new CommandDefinition("""
                    SELECT category, accept_seconds AS AcceptSeconds, arrive_seconds AS ArriveSeconds,
                           resolve_seconds AS ResolveSeconds, plan_seconds AS PlanSeconds
                    FROM sla_policies ORDER BY category
                    """, cancellationToken: ct));
                return TypedResults.Ok(policies.Select(ToDto).ToList());
            })
            .RequireRoles(WorkOrdersApi.StaffRoles)
            .WithName("ListSlaPolicies")
            .WithSummary("Service-level policies per category; '*' applies to every category without its own");

        api.MapPut("/{category}", async Task<Results<Ok<SlaPolicyDto>, ValidationProblem>> (
                string category, SlaPolicyBody body, NpgsqlDataSource db, CancellationToken ct) =>
            {
                var errors = new Dictionary<string, string[]>();
                if (!CategoryPattern().IsMatch(category)) errors["category"] = ["A category code of a-z, 0-9 and '_', or '*' for the default."];
                foreach (var (field, minutes) in new[] { ("acceptMinutes", body.AcceptMinutes), ("arriveMinutes", body.ArriveMinutes),
                             ("resolveMinutes", body.ResolveMinutes), ("planMinutes", body.PlanMinutes) })
                    if (minutes is < 1 or > MaxMinutes) errors[field] = [$"Between 1 and {MaxMinutes} minutes."];
                if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The policy was rejected; nothing changed.");

                const string upsert = """
                    INSERT INTO sla_policies (category, accept_seconds, arrive_seconds, resolve_seconds, plan_seconds, updated_at)
                    VALUES (@category, @accept, @arrive, @resolve, @plan, now())
                    ON CONFLICT (category) DO UPDATE SET accept_seconds = excluded.accept_seconds, arrive_seconds = excluded.arrive_seconds,
                        resolve_seconds = excluded.resolve_seconds, plan_seconds = excluded.plan_seconds, updated_at = excluded.updated_at
                    """;
                await using var conn = await db.OpenConnectionAsync(ct);
                await conn.ExecuteAsync(new CommandDefinition(upsert, new
                {
                    category, accept = body.AcceptMinutes * 60, arrive = body.ArriveMinutes * 60,
                    resolve = body.ResolveMinutes * 60, plan = body.PlanMinutes * 60,
                }, cancellationToken: ct));
                return TypedResults.Ok(new SlaPolicyDto(category, body.AcceptMinutes, body.ArriveMinutes, body.ResolveMinutes, body.PlanMinutes));
            })
            .RequireRoles(Roles.Admin)
            .WithName("SetSlaPolicy")
            .WithSummary("Set a category's service level; orders assigned from now on run against it");
    }
}
