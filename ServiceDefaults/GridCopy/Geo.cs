using GovPlatform.Contracts;

namespace GovPlatform.ServiceDefaults.GridCopy;

/// <summary>
/// The little plane geometry locating a point in a grid needs. Written by hand: PostGIS is not among the
/// servers this platform installs and no geometry package is in the mirror, and a grid is a few hundred
/// metres across, so a flat ray-casting test and an equirectangular distance are exact enough.
/// </summary>
public static class Geo
{
    /// <summary>How far from a grid's centre a point without a containing boundary may lie and still be placed in it.</summary>
    public const double NearestGridMaxMetres = 500;

    private const double EarthRadiusMetres = 6_371_000;

    public static bool IsValid(GeoPoint p) =>
        double.IsFinite(p.Lat) && double.IsFinite(p.Lon) && p.Lat is >= -90 and <= 90 && p.Lon is >= -180 and <= 180;

    /// <summary>Ray casting: true when <paramref name="p"/> lies inside the ring (closed or not).</summary>
    public static bool Contains(IReadOnlyList<GeoPoint> ring, GeoPoint p)
    {
        var inside = false;
        for (int i = 0, j = ring.Count - 1; i < ring.Count; j = i++)
        {
            var (a, b) = (ring[i], ring[j]);
            if ((a.Lat > p.Lat) != (b.Lat > p.Lat) &&
                p.Lon < (b.Lon - a.Lon) * (p.Lat - a.Lat) / (b.Lat - a.Lat) + a.Lon)
                inside = !inside;
        }
        return inside;
    }

    /// <summary>Equirectangular distance in metres; good to well under a metre at grid scale.</summary>
    public static double DistanceMetres(GeoPoint a, GeoPoint b)
    {
        var toRad = Math.PI / 180;
        var x = (b.Lon - a.Lon) * toRad * Math.Cos((a.Lat + b.Lat) / 2 * toRad);
        var y = (b.Lat - a.Lat) * toRad;
        return Math.Sqrt(x * x + y * y) * EarthRadiusMetres;
    }

    /// <summary>A latitude/longitude window around <paramref name="p"/> at least <paramref name="metres"/> wide each way, for an index prefilter.</summary>
    public static (double MinLat, double MaxLat, double MinLon, double MaxLon) Window(GeoPoint p, double metres)
    {
        var dLat = metres / EarthRadiusMetres * 180 / Math.PI;
        var dLon = dLat / Math.Max(Math.Cos(p.Lat * Math.PI / 180), 0.01);
        return (p.Lat - dLat, p.Lat + dLat, p.Lon - dLon, p.Lon + dLon);
    }

    /// <summary>The bounding box of a ring, stored beside it so candidates are found by index.</summary>
    public static (double MinLat, double MaxLat, double MinLon, double MaxLon) Bounds(IReadOnlyList<GeoPoint> ring) =>
        (ring.Min(p => p.Lat), ring.Max(p => p.Lat), ring.Min(p => p.Lon), ring.Max(p => p.Lon));

    /// <summary>Flattens a ring for a float8[] column as lat, lon, lat, lon…; <see cref="Unflatten"/> reverses it.</summary>
    public static double[] Flatten(IReadOnlyList<GeoPoint> ring) => ring.SelectMany(p => new[] { p.Lat, p.Lon }).ToArray();

    public static GeoPoint[] Unflatten(double[] flat) =>
        Enumerable.Range(0, flat.Length / 2).Select(i => new GeoPoint(flat[2 * i], flat[2 * i + 1])).ToArray();

    /// <summary>
    /// The rule both intake and dispatch apply: the grid whose boundary contains the point (the smallest box
    /// wins where surveys overlap), else the grid whose centre is nearest within <see cref="NearestGridMaxMetres"/>,
    /// else none.
    /// </summary>
    public static string? Locate(GeoPoint p, IEnumerable<(string Code, GeoPoint? Centre, IReadOnlyList<GeoPoint>? Boundary)> candidates)
    {
        var list = candidates.ToList();
        var containing = list
            .Where(c => c.Boundary is { Count: >= 3 } && Contains(c.Boundary, p))
            .OrderBy(c => { var b = Bounds(c.Boundary!); return (b.MaxLat - b.MinLat) * (b.MaxLon - b.MinLon); })
            .ThenBy(c => c.Code, StringComparer.Ordinal)
            .FirstOrDefault();
        if (containing.Code is not null) return containing.Code;
        return list
            .Where(c => c.Centre is not null)
            .Select(c => (c.Code, Distance: DistanceMetres(c.Centre!, p)))
            .Where(c => c.Distance <= NearestGridMaxMetres)
            .OrderBy(c => c.Distance).ThenBy(c => c.Code, StringComparer.Ordinal)
            .Select(c => c.Code)
            .FirstOrDefault();
    }
}
