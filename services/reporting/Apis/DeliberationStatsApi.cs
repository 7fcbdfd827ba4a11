using Dapper;
using GovPlatform.Reporting.Kpis;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Reporting.Apis;

/// <summary>
/// Deliberation's figures as the seeds report them (岭上夜话: 召开夜话 N 场、收集问题建议 N 条、化解矛盾纠纷 N 起、
/// 办结实事 N 件), per community and for the whole branch asked about (a county, a subdistrict, one community).
/// </summary>
public static class DeliberationStatsApi
{
    public sealed record Figures
    {
        public string? Code { get; init; }
        public string? Name { get; init; }
        /// <summary>Meetings held in the period (by when they were held).</summary>
        public long Sessions { get; init; }
        public long Attendees { get; init; }
        /// <summary>Suggestions collected at those meetings (kept apart from needs: a suggestion is not a request).</summary>
        public long Suggestions { get; init; }
        /// <summary>Needs raised at those meetings, each filed as a request of channel <c>meeting</c>.</summary>
        public long NeedsRaised { get; init; }
        public long Disputes { get; init; }
        /// <summary>Disputes talked over and settled at those meetings.</summary>
        public long DisputesResolved { get; init; }
        public long ProposalsMade { get; init; }
        public long ProposalsAdopted { get; init; }
        public long ProposalsRejected { get; init; }
        /// <summary>Practical matters done (办实事): adopted proposals whose follow-up work was all finished in the period.</summary>
        public long PracticalMattersDone { get; init; }
    }

    public sealed record Report(Figures Total, IReadOnlyList<Figures> Communities);

    private const string Sql = """
        WITH m AS (
            SELECT * FROM deliberation_meetings x
            WHERE x.held_at >= @FromUtc AND x.held_at < @ToUtc AND (@Under::text IS NULL OR x.scope_path @> ARRAY[@Under::text])),
        p AS (
            SELECT * FROM deliberation_proposals x WHERE x.scope_path IS NOT NULL AND (@Under::text IS NULL OR x.scope_path @> ARRAY[@Under::text])),
        per AS (
            SELECT community_code, count(*) AS sessions, sum(attendees) AS attendees, sum(suggestions) AS suggestions, sum(needs) AS needs,
                   sum(disputes) AS disputes, sum(disputes_resolved) AS resolved, 0 AS made, 0 AS adopted, 0 AS rejected, 0 AS done
            FROM m GROUP BY community_code
            UNION ALL
            SELECT community_code, 0, 0, 0, 0, 0, 0,
                   count(*) FILTER (WHERE proposed_at >= @FromUtc AND proposed_at < @ToUtc),
                   count(*) FILTER (WHERE outcome = 'adopted' AND decided_at >= @FromUtc AND decided_at < @ToUtc),
                   count(*) FILTER (WHERE outcome = 'rejected' AND decided_at >= @FromUtc AND decided_at < @ToUtc),
                   count(*) FILTER (WHERE carried_out_at >= @FromUtc AND carried_out_at < @ToUtc)
            FROM p GROUP BY community_code)
        SELECT per.community_code AS Code, g.name AS Name,
               sum(sessions)::bigint AS Sessions, sum(attendees)::bigint AS Attendees, sum(suggestions)::bigint AS Suggestions,
               sum(needs)::bigint AS NeedsRaised, sum(disputes)::bigint AS Disputes, sum(resolved)::bigint AS DisputesResolved,
               sum(made)::bigint AS ProposalsMade, sum(adopted)::bigint AS ProposalsAdopted, sum(rejected)::bigint AS ProposalsRejected,
               sum(done)::bigint AS PracticalMattersDone
        FROM per LEFT JOIN grid_copy g ON g.code = per.community_code
        GROUP BY per.community_code, g.name
        HAVING sum(sessions) + sum(made) + sum(adopted) + sum(rejected) + sum(done) > 0
        ORDER BY per.community_code
        """;

    public static void MapDeliberationStatsApi(this WebApplication app)
    {
        app.MapGet("/api/v1/stats/deliberation", GetDeliberationFigures)
            .RequireRoles(KpisApi.StaffRoles)
            .WithTags("Statistics")
            .WithName("GetDeliberationFigures")
            .WithSummary("Sessions held, suggestions collected, needs raised, disputes resolved and practical matters done, per community and in all");
    }

    private static Task<Results<Ok<Report>, ValidationProblem>> GetDeliberationFigures([AsParameters] StatsQuery query, CancellationToken ct) =>
        query.RunAsync(ReadAsync, ct);

    private static async Task<Report> ReadAsync(NpgsqlConnection conn, ReportFilter filter, CancellationToken ct)
    {
        var rows = (await conn.QueryAsync<Figures>(new CommandDefinition(Sql, filter.Parameters(), cancellationToken: ct))).AsList();
        var total = new Figures
        {
            Code = filter.Under,
            Sessions = rows.Sum(r => r.Sessions), Attendees = rows.Sum(r => r.Attendees), Suggestions = rows.Sum(r => r.Suggestions),
            NeedsRaised = rows.Sum(r => r.NeedsRaised), Disputes = rows.Sum(r => r.Disputes), DisputesResolved = rows.Sum(r => r.DisputesResolved),
            ProposalsMade = rows.Sum(r => r.ProposalsMade), ProposalsAdopted = rows.Sum(r => r.ProposalsAdopted),
            ProposalsRejected = rows.Sum(r => r.ProposalsRejected), PracticalMattersDone = rows.Sum(r => r.PracticalMattersDone),
        };
        return new Report(total, rows);
    }
}
