using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults.GridCopy;

namespace GovPlatform.UnitTests;

public class GeoTests
{
    // A square grid about 220 m across in 湄潭县, and a neighbour to its east.
    private static readonly GeoPoint[] Square =
        [new(27.7600, 107.4600), new(27.7600, 107.4620), new(27.7620, 107.4620), new(27.7620, 107.4600)];

    [Fact]
    public void A_point_inside_a_boundary_is_contained_and_one_outside_is_not()
    {
        Assert.True(Geo.Contains(Square, new GeoPoint(27.7610, 107.4610)));
        Assert.False(Geo.Contains(Square, new GeoPoint(27.7610, 107.4625)));
        Assert.False(Geo.Contains(Square, new GeoPoint(27.7590, 107.4610)));
    }

    [Fact]
    public void A_concave_boundary_excludes_its_notch()
    {
        // An L shape: the top-right quarter is cut out.
        GeoPoint[] l = [new(0, 0), new(0, 2), new(1, 2), new(1, 1), new(2, 1), new(2, 0)];
        Assert.True(Geo.Contains(l, new GeoPoint(0.5, 1.5)));
        Assert.False(Geo.Contains(l, new GeoPoint(1.5, 1.5)));
    }

    [Fact]
    public void Distance_matches_a_known_length()
    {
        // 0.001 degrees of latitude is about 111.2 m everywhere.
        var d = Geo.DistanceMetres(new GeoPoint(27.76, 107.46), new GeoPoint(27.761, 107.46));
        Assert.InRange(d, 110.5, 112.0);
    }

    [Fact]
    public void Locate_prefers_a_containing_boundary_over_a_nearer_centre()
    {
        var p = new GeoPoint(27.7619, 107.4619); // inside the square, near its corner
        var found = Geo.Locate(p,
        [
            ("G-SQUARE", new GeoPoint(27.7610, 107.4610), Square),
            ("G-EAST", new GeoPoint(27.7619, 107.4625), null),
        ]);
        Assert.Equal("G-SQUARE", found);
    }

    [Fact]
    public void Locate_falls_back_to_the_nearest_centre_within_the_limit_and_else_finds_nothing()
    {
        (string, GeoPoint?, IReadOnlyList<GeoPoint>?)[] grids =
            [("G-A", new GeoPoint(27.7600, 107.4600), null), ("G-B", new GeoPoint(27.7650, 107.4600), null)];
        Assert.Equal("G-B", Geo.Locate(new GeoPoint(27.7640, 107.4600), grids));
        // About 1.1 km from either centre: too far to guess.
        Assert.Null(Geo.Locate(new GeoPoint(27.7750, 107.4600), grids));
    }

    [Fact]
    public void A_ring_survives_flattening_for_storage()
    {
        Assert.Equal(Square, Geo.Unflatten(Geo.Flatten(Square)));
        Assert.False(Geo.IsValid(new GeoPoint(91, 0)));
        Assert.False(Geo.IsValid(new GeoPoint(double.NaN, 0)));
    }
}
