using Dapper;
using GovPlatform.Reporting.Kpis;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace GovPlatform.Reporting.Apis;

/// <summary>
/// The query every <c>/api/v1/stats/*</c> figure takes: a period (<c>from</c>, <c>to</c>) and a branch of the grid tree
/// (<c>under</c>), bound with <c>[AsParameters]</c>. <see cref="RunAsync"/> is the shell those handlers share: the branch
/// and the period checked (<see cref="ReportFilter"/>; a 400 that names each bad parameter), then the figures read on the
/// same connection. The SQL stays beside each figure in its route table.
/// </summary>
/// <remarks>The query names are given so the OpenAPI document keeps the lower-case names the handlers always had.</remarks>
internal sealed record StatsQuery(
    [property: FromQuery(Name = "from")] string? From,
    [property: FromQuery(Name = "to")] string? To,
    [property: FromQuery(Name = "under")] string? Under,
    NpgsqlDataSource Db)
{
    public async Task<Results<Ok<T>, ValidationProblem>> RunAsync<T>(
        Func<NpgsqlConnection, ReportFilter, CancellationToken, Task<T>> read, CancellationToken ct)
    {
        await using var conn = await Db.OpenConnectionAsync(ct);
        var (filter, errors) = await ReportFilter.ParseAsync(From, To, Under, null, null, conn, ct);
        if (filter is null) return KpisApi.Invalid(errors);
        return TypedResults.Ok(await read(conn, filter, ct));
    }

    /// <summary>Figures that are the one row <paramref name="sql"/> answers.</summary>
    public Task<Results<Ok<T>, ValidationProblem>> SingleRowAsync<T>(string sql, CancellationToken ct) =>
        RunAsync((conn, filter, token) => conn.QuerySingleAsync<T>(new CommandDefinition(sql, filter.Parameters(), cancellationToken: token)), ct);
}
