using System.Diagnostics;
using GovPlatform.Reporting.Benchmarks;

// Usage (after `source .local/env`):
//   dotnet run -c Release --project bench/GovPlatform.Reporting.Benchmarks -- [--requests 10000000] [--iterations 30] [--events 60000] [--keep]
//   ... -- --from reporting_bench_XXXXXXXX [--events 10000]   (projections only, on a copy of a database kept by --keep)
var options = BenchOptions.Parse(args);
var bench = new ReportingBench(options);
var total = Stopwatch.StartNew();
try
{
    await bench.StartReportingAsync();
    if (options.From is null)
    {
        await bench.LoadHistoryAsync();
        await bench.MeasureQueriesAsync();
    }
    await bench.MeasureProjectionThroughputAsync();
    bench.PrintReport();
}
finally
{
    await bench.CleanUpAsync();
    Console.WriteLine($"total time {total.Elapsed:mm\\:ss}");
}
// The reporting host runs on a background thread of this process; end it with the benchmark.
Environment.Exit(0);
