using System.Text.RegularExpressions;
using Dapper;
using GovPlatform.Dispatch.ServiceLevels;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Dispatch.Apis;

public static partial class SlaPoliciesApi
{
    /// <summary>A policy in minutes, the unit communities publish their promises in (working minutes when <paramref name="WorkingTime"/>).</summary>
    public sealed record SlaPolicyDto(string Category, string Urgency, int AcceptMinutes, int ArriveMinutes, int ResolveMinutes, int PlanMinutes,
        bool WorkingTime, int WarnPercent);

    /// <param name="WorkingTime">Count only working days of the county's calendar (12345's "7 working days").</param>
    /// <param name="WarnPercent">How far into each clock's time the handler and their leader are warned (1-99, default 80).</param>
    public sealed record SlaPolicyBody(int AcceptMinutes, int ArriveMinutes, int ResolveMinutes, int PlanMinutes, bool WorkingTime = false,
        int WarnPercent = 80);

    /// <summary>15 working days (a complex request at 12345) is the longest level hotlines publish; 30 days leaves room.</summary>
    private const int MaxMinutes = 30 * 24 * 60;

    private static readonly string[] Urgencies = ["*", "normal", "urgent", "critical", "proactive"];

    [GeneratedRegex("^([a-z0-9_]{1,64}|\\*)$")]
    private static partial Regex CategoryPattern();

    private static SlaPolicyDto ToDto(SlaPolicy p) =>
        new(p.Category, p.Urgency, p.AcceptSeconds / 60, p.ArriveSeconds / 60, p.ResolveSeconds / 60, p.PlanSeconds / 60, p.WorkingTime, p.WarnPercent);

    public static void MapSlaPoliciesApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/sla-policies").WithTags("Service levels");

        api.MapGet("/", ListPoliciesAsync)
            .RequireRoles(WorkOrdersApi.StaffRoles)
            .WithName("ListSlaPolicies")
            .WithSummary("Service-level policies per category and urgency; '*' applies to every category (or urgency) without its own");

        api.MapPut("/{category}", SetForAnyUrgencyAsync)
            .RequireRoles(Roles.Admin)
            .WithName("SetSlaPolicy")
            .WithSummary("Set a category's service level for any urgency; orders assigned from now on run against it");

        api.MapPut("/{category}/{urgency}", SetAsync)
            .RequireRoles(Roles.Admin)
            .WithName("SetSlaPolicyForUrgency")
            .WithSummary("Set a category's service level for one urgency (normal, urgent, critical); it wins over the category's '*' level");
    }

    private static async Task<Ok<List<SlaPolicyDto>>> ListPoliciesAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var policies = await conn.QueryAsync<SlaPolicy>(new CommandDefinition($"""
            SELECT {SlaPolicy.Columns} FROM sla_policies ORDER BY category, urgency
            """, cancellationToken: ct));
        return TypedResults.Ok(policies.Select(ToDto).ToList());
    }

    private static Task<Results<Ok<SlaPolicyDto>, ValidationProblem>> SetForAnyUrgencyAsync(
        string category, SlaPolicyBody body, NpgsqlDataSource db, CancellationToken ct) =>
        SetAsync(category, "*", body, db, ct);

    private static async Task<Results<Ok<SlaPolicyDto>, ValidationProblem>> SetAsync(
        string category, string urgency, SlaPolicyBody body, NpgsqlDataSource db, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (!CategoryPattern().IsMatch(category)) errors["category"] = ["A category code of a-z, 0-9 and '_', or '*' for the default."];
        if (!Urgencies.Contains(urgency)) errors["urgency"] = [$"One of {string.Join(", ", Urgencies)}."];
        if (body.WarnPercent is < 1 or > 99) errors["warnPercent"] = ["Between 1 and 99: the warning goes out before the deadline."];
        foreach (var (field, minutes) in new[] { ("acceptMinutes", body.AcceptMinutes), ("arriveMinutes", body.ArriveMinutes),
                     ("resolveMinutes", body.ResolveMinutes), ("planMinutes", body.PlanMinutes) })
            if (minutes is < 1 or > MaxMinutes) errors[field] = [$"Between 1 and {MaxMinutes} minutes."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The policy was rejected; nothing changed.");

        const string upsert = """
            INSERT INTO sla_policies (category, urgency, accept_seconds, arrive_seconds, resolve_seconds, plan_seconds,
                                      working_time, warn_percent, updated_at)
            VALUES (@category, @urgency, @accept, @arrive, @resolve, @plan, @WorkingTime, @WarnPercent, now())
            ON CONFLICT (category, urgency) DO UPDATE SET accept_seconds = excluded.accept_seconds, arrive_seconds = excluded.arrive_seconds,
                resolve_seconds = excluded.resolve_seconds, plan_seconds = excluded.plan_seconds, working_time = excluded.working_time,
                warn_percent = excluded.warn_percent, updated_at = excluded.updated_at
            """;
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(upsert, new
        {
            category, urgency, accept = body.AcceptMinutes * 60, arrive = body.ArriveMinutes * 60,
            resolve = body.ResolveMinutes * 60, plan = body.PlanMinutes * 60, body.WorkingTime, body.WarnPercent,
        }, cancellationToken: ct));
        return TypedResults.Ok(new SlaPolicyDto(category, urgency, body.AcceptMinutes, body.ArriveMinutes, body.ResolveMinutes, body.PlanMinutes,
            body.WorkingTime, body.WarnPercent));
    }
}
