namespace GovPlatform.Intake.Open311;

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
        await Open311Format.Errors(Open311Format.FormatOf(http), http, status, descriptions).ExecuteAsync(http);
    }
}
