using System.Security.Claims;
using GovPlatform.Intake.Cases;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Intake.Apis;

public static class ContactApi
{
    public static void MapContactApi(this WebApplication app)
    {
        app.MapGet("/api/v1/requests/{id:guid}/contact", GetContact)
            .WithTags("Requests")
            .RequireRoles(Roles.DeskOperator, Roles.Admin, Roles.GridWorker, Roles.GridLeader)
            .WithName("GetRequestContact")
            .WithSummary("The reporter's whole name and phone, for calling back; say why (reason), and the read is recorded in the contact access log");

        app.MapGet("/api/v1/contact-access-log", GetLog)
            .WithTags("Requests")
            .RequireRoles(Roles.Admin)
            .WithName("GetContactAccessLog")
            .WithSummary("Who read which resident's phone number, when and why, newest first");
    }

    private static async Task<Results<Ok<ContactAccess.ContactDto>, NotFound, ValidationProblem>> GetContact(
        Guid id, string? reason, string? note, ClaimsPrincipal user, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        var errors = ContactAccess.Validate(reason, note);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The number was not shown: fix the parameters below.");
        var contact = await ContactAccess.ReadAsync(db, id, user, reason!, note, clock.GetUtcNow(), ct);
        return contact is null ? TypedResults.NotFound() : TypedResults.Ok(contact);
    }

    private static async Task<Results<Ok<List<ContactAccess.LogEntryDto>>, ValidationProblem>> GetLog(
        Guid? requestId, string? viewedBy, int? limit, NpgsqlDataSource db, CancellationToken ct)
    {
        if (limit is < 1 or > 500 || viewedBy is { Length: 0 or > 200 })
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                [limit is < 1 or > 500 ? "limit" : "viewedBy"] = [limit is < 1 or > 500 ? "Between 1 and 500." : "1 to 200 characters."],
            }, title: "The log could not be read: fix the parameters below.");
        return TypedResults.Ok(await ContactAccess.LogAsync(db, requestId, viewedBy, limit ?? 100, ct));
    }
}
