using System.Security.Claims;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Intake.Duplicates;
using GovPlatform.Intake.Timeline;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Intake.Apis;

public static class DuplicatesApi
{
    public static void MapDuplicatesApi(this WebApplication app)
    {
        app.MapPost("/api/v1/requests/{id:guid}/unlink", Unlink)
            .RequireRoles(Roles.DeskOperator, Roles.Admin)
            .WithTags("Duplicates")
            .WithName("UnlinkDuplicate")
            .WithSummary("Undo a duplicate link: the request stands on its own and is dispatched");
    }

    private static Task<Results<Ok<UnlinkedDto>, NotFound, ProblemHttpResult>> Unlink(Guid id, ClaimsPrincipal user, UnlinkDesk desk, CancellationToken ct) =>
        desk.UnlinkAsync(id, user, ct);
}
