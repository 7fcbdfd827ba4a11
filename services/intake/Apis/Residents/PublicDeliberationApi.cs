using GovPlatform.Intake.Reference;
using GovPlatform.Intake.Residents;
using Npgsql;

namespace GovPlatform.Intake.Apis.Residents;

/// <summary>
/// 居民议事公示: the doorplate's community's meetings and proposals (tally, decision, follow-up progress) for residents'
/// phones. Dispatch keeps them and reads them out anonymously without names; residents reach only intake, which forwards.
/// </summary>
public static class PublicDeliberationApi
{
    public static void MapPublicDeliberationApi(this WebApplication app) =>
        app.MapGet("/api/v1/residents/public/deliberation", DeliberationAsync)
            .AllowAnonymous()
            .WithTags("Residents")
            .WithName("PublicDeliberation")
            .WithSummary("The community's meetings (no names) and residents' proposals with their tally, decision and follow-up progress");

    private static async Task<IResult> DeliberationAsync(string? community, string? doorplate, NpgsqlDataSource db, ReferenceCache reference,
        IHttpClientFactory http, CancellationToken ct)
    {
        string code;
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            var (found, refused) = await ResidentsApi.CommunityOfAsync(conn, reference, community, doorplate, ct);
            if (refused is not null) return refused;
            code = found!;
        }
        return await PublicBoardApi.ForwardAsync(http, PublicBoardApi.DispatchClient,
            $"/api/v1/public/communities/{Uri.EscapeDataString(code)}/deliberation", ct);
    }
}
