using System.Text.RegularExpressions;
using Dapper;
using GovPlatform.Intake.Reference;
using GovPlatform.Intake.Residents;
using Npgsql;

namespace GovPlatform.Intake.Apis.Residents;

/// <summary>
/// A community's open and recent requests as neighbours may see them, so a resident sees a problem is already reported:
/// category, status, building, date and the description's beginning with long digit runs masked. Never the reporter,
/// the ticket (which with four guessed digits opens the status page) or the exact address.
/// </summary>
public static partial class PublicRequestsApi
{
    public sealed record PublicRequestDto(string? CategoryName, string Status, string? Building, DateTime SubmittedAt, string Text);

    private sealed record Row(string? CategoryName, string Status, string? Building, DateTime SubmittedAt, string Description);

    public const int ShownCharacters = 40;

    [GeneratedRegex(@"\d{5,}")]
    private static partial Regex LongNumber();

    public static void MapPublicRequestsApi(this WebApplication app) =>
        app.MapGet("/api/v1/residents/public/requests", List).AllowAnonymous().WithTags("Residents")
            .WithName("PublicRequests").WithSummary("A community's requests of the last 30 days, with masked text: neighbours see what is already reported");

    /// <summary>Phone numbers, ID numbers and plate numbers written into a description are digit runs: masked whatever they are.</summary>
    public static string Mask(string description)
    {
        var text = LongNumber().Replace(description.ReplaceLineEndings(" "), m => new string('*', m.Length));
        return text.Length <= ShownCharacters ? text : string.Concat(text.AsSpan(0, ShownCharacters), "…");
    }

    private static async Task<IResult> List(string? community, string? doorplate, NpgsqlDataSource db, ReferenceCache reference, TimeProvider clock, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var (found, refused) = await ResidentsApi.CommunityOfAsync(conn, reference, community, doorplate, ct);
        if (refused is not null) return refused;
        community = found;
        const string sql = """
            SELECT c.name_zh AS CategoryName, r.status, b.name AS Building, r.submitted_at AS SubmittedAt, r.description
            FROM requests r
            LEFT JOIN categories c ON c.code = r.category
            LEFT JOIN grid_copy b ON b.code = r.building_code
            WHERE r.location_path @> ARRAY[@community::text] AND r.submitted_at >= @since
              AND r.original_id IS NULL AND r.status <> 'triage'
            ORDER BY r.submitted_at DESC
            LIMIT 50
            """;
        var rows = await conn.QueryAsync<Row>(new CommandDefinition(sql,
            new { community, since = (clock.GetUtcNow() - TimeSpan.FromDays(30)).UtcDateTime }, cancellationToken: ct));
        return TypedResults.Ok(rows.Select(r => new PublicRequestDto(r.CategoryName, r.Status, r.Building, r.SubmittedAt, Mask(r.Description))).ToList());
    }
}
