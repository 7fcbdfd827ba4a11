using System.Reflection;
using GovPlatform.Dispatch.Extensions;
using GovPlatform.Identity.Extensions;
using GovPlatform.Intake.Extensions;
using GovPlatform.Reporting.Extensions;
using GovPlatform.Volunteer.Extensions;
using NetArchTest.Rules;

namespace GovPlatform.UnitTests;

/// <summary>
/// One shape for every service (docs/architecture.md, "One shape"): a service's <c>Apis</c> namespace holds its route
/// tables, and nothing else in the service depends on it. Transactions, options, DTOs that other folders share and
/// protocol helpers live in feature folders, which the route tables call; only the composition root (the top-level
/// <c>Program</c>, in the global namespace) maps the route tables. The staff console is not in the list: its
/// <c>GovPlatform.Web.Apis</c> holds the typed HTTP clients of the services' APIs, which its pages are meant to inject.
/// </summary>
public sealed class ArchitectureTests
{
    public static TheoryData<string, string> Services => new()
    {
        { "intake", "GovPlatform.Intake" },
        { "dispatch", "GovPlatform.Dispatch" },
        { "volunteer", "GovPlatform.Volunteer" },
        { "reporting", "GovPlatform.Reporting" },
        { "identity", "GovPlatform.Identity" },
    };

    /// <summary>The service in miniature in ArchitectureSample.cs.</summary>
    private const string SampleRoot = "GovPlatform.UnitTests.Sample";

    private static readonly Dictionary<string, Assembly> Assemblies = new()
    {
        ["intake"] = typeof(IntakeApp).Assembly,
        ["dispatch"] = typeof(DispatchApp).Assembly,
        ["volunteer"] = typeof(VolunteerApp).Assembly,
        ["reporting"] = typeof(ReportingApp).Assembly,
        ["identity"] = typeof(IdentityApp).Assembly,
    };

    [Theory]
    [MemberData(nameof(Services))]
    public void No_type_outside_a_services_Apis_depends_on_its_Apis(string service, string root)
    {
        var assembly = Assemblies[service];
        // A renamed or emptied Apis namespace would make the rule pass without checking anything.
        Assert.NotEmpty(Types.InAssembly(assembly).That().ResideInNamespace($"{root}.Apis").GetTypes());
        var failing = TypesDependingOnApis(assembly, root);
        Assert.True(failing.Count == 0, $"Outside {root}.Apis, these depend on it: {string.Join(", ", failing)}");
    }

    [Fact]
    public void The_rule_names_a_feature_type_that_reaches_into_Apis_and_passes_the_route_table_that_calls_a_feature()
    {
        var failing = TypesDependingOnApis(typeof(ArchitectureTests).Assembly, SampleRoot);

        Assert.Contains(typeof(Sample.Requests.FilingThatReachesIntoApis).FullName, failing);
        Assert.Contains(typeof(Sample.Requests.OptionsHoldingAnApisType).FullName, failing);
        Assert.DoesNotContain(typeof(Sample.Requests.Filing).FullName, failing);
        Assert.DoesNotContain(failing, name => name.StartsWith($"{SampleRoot}.Apis.", StringComparison.Ordinal));
    }

    /// <summary>The full names of the types under <paramref name="root"/>, outside <c>{root}.Apis</c>, that depend on anything in it.</summary>
    private static List<string> TypesDependingOnApis(Assembly assembly, string root)
    {
        var result = Types.InAssembly(assembly)
            .That().ResideInNamespace(root)
            .And().DoNotResideInNamespace($"{root}.Apis")
            .ShouldNot().HaveDependencyOn($"{root}.Apis")
            .GetResult();
        return result.IsSuccessful ? [] : [.. result.FailingTypeNames];
    }
}
