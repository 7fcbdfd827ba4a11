// A service in miniature for ArchitectureTests: a route table that calls a feature class (allowed), and two feature
// types that reach back into the route table's namespace (what the rule must name).

namespace GovPlatform.UnitTests.Sample.Apis
{
    using GovPlatform.UnitTests.Sample.Requests;

    public static class SampleRequestsApi
    {
        public sealed record FiledDto(string TicketNo);

        public sealed class SampleOptions
        {
            public int Limit { get; set; } = 10;
        }

        public static async Task<FiledDto> SubmitAsync(string description, CancellationToken ct) =>
            new(await Filing.FileAsync(description, ct));
    }
}

namespace GovPlatform.UnitTests.Sample.Requests
{
    using GovPlatform.UnitTests.Sample.Apis;

    public static class Filing
    {
        public static async Task<string> FileAsync(string description, CancellationToken ct)
        {
            await Task.Yield();
            ct.ThrowIfCancellationRequested();
            return $"T-{description.Length}";
        }
    }

    /// <summary>Files through the route table: the call sits inside an async method's body, where the compiler moves it.</summary>
    public static class FilingThatReachesIntoApis
    {
        public static async Task<string> FileTwiceAsync(string description, CancellationToken ct)
        {
            var first = await SampleRequestsApi.SubmitAsync(description, ct);
            await Task.Yield();
            return first.TicketNo;
        }
    }

    /// <summary>Options that nest an options class declared in a route table.</summary>
    public sealed class OptionsHoldingAnApisType
    {
        public SampleRequestsApi.SampleOptions Requests { get; set; } = new();
    }
}
