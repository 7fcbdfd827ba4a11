using Microsoft.Extensions.Caching.Memory;

namespace GovPlatform.Intake.Duplicates;

/// <summary>
/// Each stored request's <see cref="ReportGist"/>, computed once per process. A filing compares itself with up to 50
/// open requests of its building (duplicates) and 200 of its community (hot spots) while it holds their locks;
/// segmenting all of them again on every filing made filings queue behind each other (seconds each under load). A
/// request's words never change, so its gist is kept by id, an hour after its last use, at most 50,000 of them.
/// </summary>
public static class GistCache
{
    private static readonly MemoryCache Gists = new(new MemoryCacheOptions { SizeLimit = 50_000 });

    public static ReportGist Of(Guid requestId, string description) =>
        Gists.GetOrCreate(requestId, entry =>
        {
            entry.Size = 1;
            entry.SlidingExpiration = TimeSpan.FromHours(1);
            return ReportGist.Of(description);
        })!;

    /// <summary>Whether the gist of a request is at hand, so its description need not be read again.</summary>
    public static bool TryGet(Guid requestId, out ReportGist gist) => Gists.TryGetValue(requestId, out gist!);
}
