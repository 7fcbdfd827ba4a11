using System.Globalization;
using Dapper;
using GovPlatform.Intake.Classification;
using Npgsql;

namespace GovPlatform.Intake.Duplicates;

public sealed record Original(Guid Id, string TicketNo, double Similarity);

/// <summary>
/// Finds the open request a new one repeats: same category, same building or within the radius,
/// inside the window, saying the same thing: "3号楼楼道灯坏了" and "三栋走廊晚上黑漆漆的" name the same
/// ideas (楼道, 灯坏) and the same building; "5楼楼道灯坏了" and "2楼楼道灯坏了" name different floors.
/// Character bigrams (<see cref="TextSimilarity.Dice"/>) could not tell rewording from another problem.
/// </summary>
public static class DuplicateFinder
{
    private sealed record Row(Guid Id, string TicketNo, string Description, string? BuildingCode, double? Latitude, double? Longitude);

    /// <summary>
    /// Takes the transaction-scoped lock for this category and place (the building, else the grid),
    /// then searches. Two identical reports arriving together take turns: the second one's search
    /// starts after the first commits, so it finds the first instead of both becoming originals.
    /// </summary>
    /// <param name="area">The grid (or other node) the request is in, locked when it has no building.</param>
    /// <param name="gist">The description's gist, if the caller has it.</param>
    public static async Task<Original?> FindAsync(NpgsqlTransaction tx, DuplicateOptions options, string category, string? buildingCode,
        string area, double? latitude, double? longitude, string description, DateTimeOffset now, CancellationToken ct, ReportGist? gist = null)
    {
        if (buildingCode is null && latitude is null) return null;
        // A bounding box on the indexed columns first; the exact distance is checked below.
        var dLat = options.RadiusMeters / 111_320.0;
        var dLon = latitude is { } lat ? dLat / Math.Max(0.01, Math.Cos(lat * Math.PI / 180)) : 0;
        // Two statements in one round trip: in READ COMMITTED the search takes its snapshot after the
        // lock is granted, so it sees whatever the previous holder committed.
        const string sql = """
            SELECT 1 FROM pg_advisory_xact_lock(hashtextextended(@lockKey, 0));
            SELECT id, ticket_no AS TicketNo, description, building_code AS BuildingCode, latitude, longitude
            FROM requests
            WHERE category = @category AND original_id IS NULL
              AND status NOT IN ('closed', 'triage', 'linked')
              AND submitted_at >= @since
              AND ((@buildingCode::text IS NOT NULL AND building_code = @buildingCode)
                   OR (@latitude::float8 IS NOT NULL AND latitude BETWEEN @latitude - @dLat AND @latitude + @dLat
                       AND longitude BETWEEN @longitude - @dLon AND @longitude + @dLon))
            ORDER BY submitted_at DESC
            LIMIT 50
            """;
        await using var results = await tx.Connection!.QueryMultipleAsync(new CommandDefinition(sql, new
        {
            category, buildingCode, latitude, longitude, dLat, dLon, since = (now - options.Window).UtcDateTime,
            lockKey = $"duplicates:{category}:{buildingCode ?? area}",
        }, tx, cancellationToken: ct));
        await results.ReadAsync<int>();
        var rows = await results.ReadAsync<Row>();
        // The caller's, when it has the description's gist already (a filing computes it once for all its text work).
        gist ??= ReportGist.Of(description);
        return rows
            .Where(r => (buildingCode is not null && r.BuildingCode == buildingCode)
                        || (latitude is not null && r.Latitude is not null
                            && DistanceMeters(latitude.Value, longitude!.Value, r.Latitude.Value, r.Longitude!.Value) <= options.RadiusMeters))
            .Select(r => new Original(r.Id, r.TicketNo, Math.Round(gist.Similarity(GistCache.Of(r.Id, r.Description)), 3)))
            .Where(o => o.Similarity >= options.TextSimilarity)
            .OrderByDescending(o => o.Similarity)
            .FirstOrDefault();
    }

    public static double DistanceMeters(double lat1, double lon1, double lat2, double lon2)
    {
        const double R = 6_371_000;
        double Rad(double d) => d * Math.PI / 180;
        var a = Math.Pow(Math.Sin(Rad(lat2 - lat1) / 2), 2) + Math.Cos(Rad(lat1)) * Math.Cos(Rad(lat2)) * Math.Pow(Math.Sin(Rad(lon2 - lon1) / 2), 2);
        return 2 * R * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }
}

public static class TextSimilarity
{
    /// <summary>Dice coefficient of the two texts' character bigrams, ignoring punctuation, spaces and digits.</summary>
    public static double Dice(string a, string b)
    {
        var (x, y) = (Bigrams(a), Bigrams(b));
        if (x.Count == 0 || y.Count == 0) return 0;
        return 2.0 * x.Intersect(y).Count() / (x.Count + y.Count);
    }

    private static HashSet<string> Bigrams(string text)
    {
        var letters = KeywordClassifier.Normalise(text).Where(c => char.IsLetter(c)).ToArray();
        var set = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < letters.Length; i++) set.Add(string.Create(CultureInfo.InvariantCulture, $"{letters[i]}{letters[i + 1]}"));
        return set;
    }
}
