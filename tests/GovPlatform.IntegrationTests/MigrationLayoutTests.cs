using System.Reflection;
using System.Text.RegularExpressions;
using GovPlatform.Dispatch.Extensions;
using GovPlatform.Intake.Extensions;
using GovPlatform.Reporting.Extensions;
using GovPlatform.ServiceDefaults.Data;
using GovPlatform.Volunteer.Extensions;

namespace GovPlatform.IntegrationTests;

/// <summary>
/// The rules docs/migrations.md gives for scripts, checked on what each service embeds: Evolve silently skips a file
/// that is not named V…__ or R__, and a function restated in a versioned script would be overwritten by its R__ file.
/// </summary>
public sealed partial class MigrationLayoutTests
{
    public static TheoryData<string> Sets() =>
    [
        "platform", "gridcopy", "attachments", "intake", "dispatch", "volunteer", "reporting",
    ];

    private static (Assembly Assembly, string Prefix) SetOf(string set) => set switch
    {
        "platform" => (typeof(Migrator).Assembly, "Platform.Migrations."),
        "gridcopy" => (typeof(Migrator).Assembly, "GridCopy.Migrations."),
        "attachments" => (typeof(Migrator).Assembly, "Attachments.Migrations."),
        "intake" => (typeof(IntakeApp).Assembly, "Migrations."),
        "dispatch" => (typeof(DispatchApp).Assembly, "Migrations."),
        "volunteer" => (typeof(VolunteerApp).Assembly, "Migrations."),
        "reporting" => (typeof(ReportingApp).Assembly, "Migrations."),
        _ => throw new ArgumentOutOfRangeException(nameof(set)),
    };

    private static List<(string File, string Sql)> Scripts(string set)
    {
        var (assembly, prefix) = SetOf(set);
        return [.. assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n =>
            {
                using var reader = new StreamReader(assembly.GetManifestResourceStream(n)!);
                return (n[prefix.Length..], reader.ReadToEnd());
            })];
    }

    [GeneratedRegex(@"^(V\d{4}__|R__)[a-z0-9_]+\.sql$")]
    private static partial Regex ScriptName();

    [GeneratedRegex(@"\bCREATE\s+(OR\s+REPLACE\s+)?(CONSTRAINT\s+)?(FUNCTION|TRIGGER|PROCEDURE)\b", RegexOptions.IgnoreCase)]
    private static partial Regex DefinesRoutine();

    [Theory]
    [MemberData(nameof(Sets))]
    public void Every_script_is_named_as_a_versioned_or_repeatable_one(string set)
    {
        var scripts = Scripts(set);
        Assert.Contains(scripts, s => s.File.StartsWith("V0001__", StringComparison.Ordinal));
        Assert.All(scripts, s => Assert.Matches(ScriptName(), s.File));
    }

    [Theory]
    [MemberData(nameof(Sets))]
    public void Functions_and_triggers_are_defined_only_in_repeatable_scripts(string set) =>
        Assert.All(Scripts(set).Where(s => s.File.StartsWith('V')), s => Assert.DoesNotMatch(DefinesRoutine(), s.Sql));

    [Theory]
    [MemberData(nameof(Sets))]
    public void A_repeatable_script_defines_the_function_it_is_named_after_and_no_other(string set)
    {
        foreach (var (file, sql) in Scripts(set).Where(s => s.File.StartsWith("R__", StringComparison.Ordinal)))
        {
            var function = file["R__".Length..^".sql".Length];
            var defined = Regex.Matches(sql, @"CREATE OR REPLACE FUNCTION (\w+)\(").Select(m => m.Groups[1].Value);
            Assert.Equal([function], defined);
        }
    }
}
