using GovPlatform.Dispatch.Community;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GovPlatform.Dispatch.Apis;

/// <summary>The one mapping of a community step's outcome to HTTP: 404 hidden, 403 not yours, 409 wrong state, 400 bad input.</summary>
public static class StepReplies
{
    public static async Task<Results<TOk, ValidationProblem, NotFound, ProblemHttpResult>> ToHttpAsync<TOk>(
        StepResult result, string what, Func<Guid, Task<TOk>> done) where TOk : IResult => result switch
        {
            StepResult.Done d => await done(d.Id),
            StepResult.NotFound => TypedResults.NotFound(),
            StepResult.Forbidden f => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: $"You may not do this to this {what}.", detail: f.Detail),
            StepResult.Conflict c => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict,
                title: $"The {what} is '{c.CurrentState}'.", detail: c.Detail,
                extensions: new Dictionary<string, object?> { ["currentState"] = c.CurrentState }),
            StepResult.Invalid i => TypedResults.ValidationProblem(i.Errors, title: "The step was rejected; nothing changed."),
            _ => throw new InvalidOperationException($"Unhandled step result {result}."),
        };

    public static Task<Results<TOk, ValidationProblem, NotFound, ProblemHttpResult>> Rejected<TOk>(Dictionary<string, string[]> errors) where TOk : IResult =>
        Task.FromResult<Results<TOk, ValidationProblem, NotFound, ProblemHttpResult>>(
            TypedResults.ValidationProblem(errors, title: "The step was rejected; nothing changed."));

    /// <summary>Adds a text field's problem (required, too long, control characters) to <paramref name="errors"/>.</summary>
    public static void Text(Dictionary<string, string[]> errors, string? value, string field, int max = 2000)
    {
        if (WorkOrdersApi.Text(value, field) is { } bad) errors[field] = bad[field];
        else if (value!.Length > max) errors[field] = [$"At most {max} characters."];
    }
}
