using System.Reflection;
using GovPlatform.Dispatch.Extensions;
using GovPlatform.Identity.Extensions;
using GovPlatform.Intake.Extensions;
using GovPlatform.Reporting.Extensions;
using GovPlatform.Volunteer.Extensions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
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

    public static TheoryData<string> ServiceFolders => ["intake", "dispatch", "volunteer", "reporting", "identity"];

    [Theory]
    [MemberData(nameof(ServiceFolders))]
    public void Every_route_of_a_service_is_mapped_in_its_Apis_to_a_named_handler(string service)
    {
        var violations = RouteTableViolationsIn(Path.Combine("services", service));
        Assert.True(violations.Count == 0, $"{violations.Count} route(s) break the shape:\n{string.Join("\n", violations)}");
    }

    [Fact]
    public void Shared_route_tables_in_ServiceDefaults_name_their_handlers()
    {
        // Shared modules (attachments, error queues) keep their small route table beside the feature they serve, so
        // only the named-handler part of the rule applies to them.
        var violations = RouteTableViolationsIn("ServiceDefaults").Where(v => v.Contains("inline", StringComparison.Ordinal)).ToList();
        Assert.True(violations.Count == 0, $"{violations.Count} shared route(s) with an inline handler:\n{string.Join("\n", violations)}");
    }

    [Fact]
    public void The_route_rule_names_an_inline_handler_a_route_mapped_outside_Apis_and_a_transaction_in_a_route_table()
    {
        const string source = """
            public static class SampleApi
            {
                public static void MapSampleApi(this WebApplication app)
                {
                    var api = app.MapGroup("/api/v1/sample");
                    api.MapGet("/", List).WithName("ListSamples");
                    api.MapPost("/", async (Sample body, NpgsqlDataSource db) =>
                    {
                        await Task.Yield();
                        return TypedResults.Ok(body);
                    });
                    app.MapMethods("/x", ["PATCH"], delegate (HttpContext http) { return Results.Ok(); });
                    app.MapDelete("/{id}", (Guid id) => TypedResults.NoContent());
                }

                private static Ok<string[]> List() => TypedResults.Ok(Array.Empty<string>());

                private static async Task<NoContent> Remove(NpgsqlDataSource db)
                {
                    await using var conn = await db.OpenConnectionAsync();
                    await using var tx = await conn.BeginTransactionAsync();
                    return TypedResults.NoContent();
                }
            }
            """;

        var inApis = RouteTableViolations(source, "services/sample/Apis/SampleApi.cs");
        Assert.Equal(
        [
            "services/sample/Apis/SampleApi.cs:7: MapPost's handler is an inline lambda; name a handler method",
            "services/sample/Apis/SampleApi.cs:12: MapMethods's handler is an inline anonymous method; name a handler method",
            "services/sample/Apis/SampleApi.cs:13: MapDelete's handler is an inline lambda; name a handler method",
            "services/sample/Apis/SampleApi.cs:21: BeginTransactionAsync in a route table; transactions live in feature classes",
        ], inApis);

        var outside = RouteTableViolations(source, "services/sample/Requests/SampleApi.cs");
        Assert.Contains("services/sample/Requests/SampleApi.cs:6: MapGet outside an Apis/ folder; route tables live in Apis/", outside);
        Assert.Equal(7, outside.Count);
    }

    /// <summary>
    /// Where a source file breaks the route-table shape, as <c>path:line: what</c>: a <c>Map{Get,Post,Put,Delete,Patch,Methods}</c>
    /// call whose handler is a lambda or anonymous method, any such call in a file outside an <c>Apis/</c> folder, or a
    /// transaction begun in an <c>Apis/</c> file (it belongs in a feature class, which the route table calls).
    /// Syntax only, so the rule reads a file the way a reviewer does and needs no build of the service.
    /// </summary>
    /// <summary>The rule over every source file under a folder of the repository, named by their repository paths.</summary>
    private static List<string> RouteTableViolationsIn(string relativeFolder)
    {
        var folder = Path.Combine(RepositoryRoot(), relativeFolder);
        var files = Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(f => !IsBuildOutput(Path.GetRelativePath(folder, f)))
            .ToList();
        // A moved folder or renamed method would make the rule pass without reading a route.
        Assert.Contains(files, f => RouteCalls(File.ReadAllText(f)).Any());
        return [.. files.SelectMany(f => RouteTableViolations(File.ReadAllText(f), Path.GetRelativePath(RepositoryRoot(), f).Replace('\\', '/')))];
    }

    private static List<string> RouteTableViolations(string source, string path)
    {
        var inApis = path.Split('/').Contains("Apis");
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Preview));
        var violations = new List<(int Line, string What)>();
        foreach (var call in tree.GetRoot().DescendantNodes().OfType<InvocationExpressionSyntax>())
        {
            var name = CalledName(call);
            var line = call.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
            if (inApis && name is "BeginTransaction" or "BeginTransactionAsync")
                violations.Add((line, $"{name} in a route table; transactions live in feature classes"));
            if (name is null || !RouteMappers.Contains(name)) continue;
            if (!inApis) violations.Add((line, $"{name} outside an Apis/ folder; route tables live in Apis/"));
            foreach (var argument in call.ArgumentList.Arguments)
            {
                var kind = argument.Expression switch
                {
                    AnonymousMethodExpressionSyntax => "anonymous method",
                    LambdaExpressionSyntax => "lambda",
                    _ => null,
                };
                if (kind is not null) violations.Add((line, $"{name}'s handler is an inline {kind}; name a handler method"));
            }
        }
        return [.. violations.Select(v => $"{path}:{v.Line}: {v.What}")];
    }

    private static string? CalledName(InvocationExpressionSyntax call) => call.Expression switch
    {
        MemberAccessExpressionSyntax member => member.Name.Identifier.Text,
        IdentifierNameSyntax identifier => identifier.Identifier.Text,
        _ => null,
    };

    /// <summary>The calls that map a route.</summary>
    private static IEnumerable<InvocationExpressionSyntax> RouteCalls(string source) =>
        CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Preview)).GetRoot()
            .DescendantNodes().OfType<InvocationExpressionSyntax>()
            .Where(call => CalledName(call) is { } name && RouteMappers.Contains(name));

    private static readonly string[] RouteMappers = ["MapGet", "MapPost", "MapPut", "MapDelete", "MapPatch", "MapMethods"];

    private static bool IsBuildOutput(string relativePath) =>
        relativePath.StartsWith("bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
        || relativePath.StartsWith("obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>The checkout the test runs from: the folder above the test's output that holds the solution.</summary>
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "GovPlatform.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No GovPlatform.sln above {AppContext.BaseDirectory}.");
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
