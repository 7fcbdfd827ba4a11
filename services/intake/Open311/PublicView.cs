using System.Text.RegularExpressions;
using GovPlatform.ServiceDefaults;

namespace GovPlatform.Intake.Open311;

/// <summary>
/// What anyone may read of a request without a key (docs/intake.md, "Open311"): the description with every phone-like
/// run of digits, e-mail address and the reporter's name masked, and a surname before an honorific (王先生) hidden; the
/// place named by the grid tree down to its building instead of the address as typed; the point rounded to about
/// 100 m; no photo. What a resident writes can still name someone in a way no rule finds, which is why the address as
/// typed and the photo are withheld rather than masked.
/// </summary>
public static partial class PublicView
{
    /// <summary>Seven or more digits, single spaces or hyphens between them: mobile and landline numbers, ID card numbers.</summary>
    [GeneratedRegex(@"[0-9](?:[ -]?[0-9]){6,}[0-9Xx]?", RegexOptions.CultureInvariant)]
    private static partial Regex DigitRun();

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoDate();

    [GeneratedRegex(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+", RegexOptions.CultureInvariant)]
    private static partial Regex Email();

    [GeneratedRegex(@"\p{IsCJKUnifiedIdeographs}(?=(?:先生|女士|小姐|师傅|阿姨|大爷|大妈|大姐|老师))", RegexOptions.CultureInvariant)]
    private static partial Regex SurnameBeforeHonorific();

    public static string Description(string text, string? reporterName)
    {
        var masked = DigitRun().Replace(text, m => IsoDate().IsMatch(m.Value) ? m.Value : PersonalData.MaskPhone(m.Value.Replace(" ", "").Replace("-", ""))!);
        masked = Email().Replace(masked, "***@***");
        if (reporterName is { Length: >= 2 }) masked = masked.Replace(reporterName, PersonalData.MaskName(reporterName), StringComparison.Ordinal);
        return SurnameBeforeHonorific().Replace(masked, "*");
    }

    /// <summary>Three decimals: about 100 m, enough to show the building's neighbourhood on a map, not a flat's window.</summary>
    public static double? Coordinate(double? degrees) => degrees is { } d ? Math.Round(d, 3) : null;
}
