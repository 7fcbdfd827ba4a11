using System.Diagnostics;
using System.Globalization;
using System.Net;
using GovPlatform.IntegrationTests.Infrastructure;

namespace GovPlatform.IntegrationTests;

/// <summary>
/// Imports a generated province-size tree through the API and reports the time. Opt-in (it takes minutes):
/// set GOV_MEASURE_GRIDS to the number of grids, e.g. GOV_MEASURE_GRIDS=24000.
/// </summary>
public sealed class ProvinceImportMeasurement
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>To the test output and to $TMPDIR/province-import.txt, which survives a quiet console.</summary>
    private static void Report(string line)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        File.AppendAllText(Path.Combine(Path.GetTempPath(), "province-import.txt"), $"{DateTimeOffset.UtcNow:O} {line}\n");
    }

    [Fact]
    public async Task A_generated_province_imports_through_the_api_chunk_by_chunk()
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable("GOV_MEASURE_GRIDS"), out var grids))
            Assert.Skip("Set GOV_MEASURE_GRIDS (e.g. 24000) to measure a large import.");
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "scripts", "gen-province.py"))) root = root.Parent!;
        var dir = Directory.CreateTempSubdirectory("province-").FullName;
        var prefix = "P" + Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();
        using (var gen = Process.Start(new ProcessStartInfo("python3",
                   ["scripts/gen-province.py", "--grids", grids.ToString(CultureInfo.InvariantCulture), "--prefix", prefix, "--out", dir])
               { WorkingDirectory = root.FullName })!)
            await gen.WaitForExitAsync(Ct);

        await using var stack = await TestStack.CreateAsync();
        var client = stack.Start("dispatch");
        client.Timeout = TimeSpan.FromMinutes(10);
        var total = Stopwatch.StartNew();
        var nodes = 0L;
        foreach (var file in Directory.GetFiles(dir).Order(StringComparer.Ordinal))
        {
            var chunk = Stopwatch.StartNew();
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/grid/import")
                { Content = new StreamContent(File.OpenRead(file)) { Headers = { ContentType = new("application/json") } } };
            using var response = await client.SendAsync(request.WithBearer(Tokens.For("admin")), Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var imported = (await response.JsonAsync()).GetProperty("nodes").GetInt32();
            nodes += imported;
            Report($"{Path.GetFileName(file)}: {imported} nodes in {chunk.Elapsed.TotalSeconds:0.0} s");
        }
        total.Stop();
        Assert.Equal(grids, await stack.ScalarAsync<long>("dispatch", "SELECT count(*) FROM grid_nodes WHERE level = 'grid' AND path[1] LIKE @p", new { p = prefix + "%" }));
        var locate = Stopwatch.StartNew();
        var centre = (await stack.QueryAsync<(double Lat, double Lon)>("dispatch",
            "SELECT centre_lat, centre_lon FROM grid_nodes WHERE level = 'grid' ORDER BY code LIMIT 1")).Single();
        using var found = await client.GetAsync(FormattableString.Invariant($"/api/v1/grid/locate?lat={centre.Lat}&lon={centre.Lon}"), Ct);
        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
        Report(
            $"{grids} grids, {nodes} nodes: {total.Elapsed.TotalSeconds:0.0} s ({nodes / total.Elapsed.TotalSeconds:0} nodes/s); one locate {locate.Elapsed.TotalMilliseconds:0} ms");
        Directory.Delete(dir, recursive: true);
    }
}
