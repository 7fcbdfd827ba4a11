using Dapper;
using GovPlatform.Dispatch.WorkOrders;
using GovPlatform.ServiceDefaults;
using Npgsql;

namespace GovPlatform.Dispatch.Community;

/// <summary>
/// Community business (mediation cases, the service menu and its orders) belongs to the community's
/// cadres, the subdistrict officers above them and the county. Grid staff and departments do not
/// see it: to them it answers 404, like anything else outside their scope.
/// </summary>
public static class CommunityAccess
{
    public static readonly string[] Roles = [ServiceDefaults.Roles.CommunityCadre, ServiceDefaults.Roles.SubdistrictOfficer, ServiceDefaults.Roles.Admin];

    /// <summary>The filter on a table aliased <c>c</c> with a <c>scope_path</c> column; parameters from <see cref="Parameters"/>.</summary>
    public const string VisibleSql = "(@admin OR (@scopeNode::text IS NOT NULL AND @scopeNode = ANY(c.scope_path)))";

    private static string? ScopeOf(Actor actor) =>
        actor.Roles.Any(r => r is ServiceDefaults.Roles.CommunityCadre or ServiceDefaults.Roles.SubdistrictOfficer) ? actor.ScopeNode : null;

    public static DynamicParameters Parameters(Actor actor, object? more = null)
    {
        var p = new DynamicParameters(new { admin = actor.IsAdmin, scopeNode = ScopeOf(actor) });
        if (more is not null) p.AddDynamicParams(more);
        return p;
    }

    public static bool Answers(Actor actor, IReadOnlyCollection<string> communityPath) =>
        actor.IsAdmin || (ScopeOf(actor) is { } scope && communityPath.Contains(scope));

    /// <summary>The tree path of a community node, or null when the code is not a community.</summary>
    public static Task<string[]?> PathAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string code, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<string[]?>(new CommandDefinition(
            "SELECT path FROM grid_nodes WHERE code = @code AND level = 'community'", new { code }, tx, cancellationToken: ct));
}

/// <summary>What a step on a mediation case or a service order came to; the APIs map it to HTTP.</summary>
public abstract record StepResult
{
    public sealed record Done(Guid Id) : StepResult;
    /// <summary>Not there, or not visible to the actor: the two look the same from outside.</summary>
    public sealed record NotFound : StepResult;
    public sealed record Forbidden(string Detail) : StepResult;
    public sealed record Conflict(string CurrentState, string Detail) : StepResult;
    public sealed record Invalid(Dictionary<string, string[]> Errors) : StepResult;

    public static Invalid Field(string field, string message) => new(new() { [field] = [message] });
}
