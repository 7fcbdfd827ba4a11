using System.Security.Claims;
using GovPlatform.Intake.Requests;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GovPlatform.Intake.Apis;

public static class CallbacksApi
{
    public static void MapCallbacksApi(this WebApplication app)
    {
        app.MapGroup("/api/v1/requests").WithTags("Callbacks")
            .MapPost("/{id:guid}/callbacks", Record)
            .RequireRoles(Roles.DeskOperator, Roles.Admin)
            .WithName("RecordCallback")
            .WithSummary("Record the phone callback after resolution: satisfied closes the request, dissatisfied reopens it (up to the limit)");
    }

    private static Task<Results<Created<CallbackDto>, ValidationProblem, NotFound, ProblemHttpResult>> Record(
        Guid id, RecordCallback body, ClaimsPrincipal user, CallbackDesk desk, CancellationToken ct) =>
        desk.RecordAsync(id, body, user, ct);
}
