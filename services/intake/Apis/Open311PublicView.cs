using System.Text.RegularExpressions;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http;

namespace GovPlatform.Intake.Apis;

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

/// <summary>
/// Every ProblemDetails the platform writes under <c>/open311</c> (the input guard's 400, a 413 or 414, a 404 of an unknown
/// path, an unexpected 500) is written in the spec's error format instead, JSON or XML by the path's extension: Open311
/// clients read nothing else.
/// </summary>
public sealed class Open311ProblemWriter : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => context.HttpContext.Request.Path.StartsWithSegments("/open311");

    public async ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        var problem = context.ProblemDetails;
        var status = problem.Status ?? http.Response.StatusCode;
        string[] descriptions = problem is HttpValidationProblemDetails { Errors.Count: > 0 } invalid
            ? [.. invalid.Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")]
            : [string.Join(" ", new[] { problem.Title, problem.Detail }.OfType<string>()) is { Length: > 0 } text ? text : $"HTTP {status}"];
        await Open311Api.Errors(Open311Api.FormatOf(http), http, status, descriptions).ExecuteAsync(http);
    }
}
