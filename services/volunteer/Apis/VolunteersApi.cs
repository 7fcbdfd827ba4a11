using System.Text.RegularExpressions;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.GridCopy;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Volunteer.Apis;

public static partial class VolunteersApi
{
    public sealed record RegisterVolunteer(string Name, string Phone, string GridCode, bool PartyMember = false);
    public sealed record VolunteerDto(Guid Id, string Name, string Phone, string GridCode, bool PartyMember, DateTime CreatedAt);

    [GeneratedRegex(@"^1[3-9]\d{9}$")]
    private static partial Regex Mobile();

    public static void MapVolunteersApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/volunteers").WithTags("Volunteers");

        api.MapPost("/", async Task<Results<Created<VolunteerDto>, ValidationProblem, Conflict<string>>> (
                RegisterVolunteer body, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct) =>
            {
                var errors = new Dictionary<string, string[]>();
                if (string.IsNullOrWhiteSpace(body.Name) || body.Name.Length > 50) errors["name"] = ["A name of 1-50 characters is required."];
                if (!Mobile().IsMatch(body.Phone)) errors["phone"] = ["Expected an 11-digit mainland mobile number."];
                await using var conn = await db.OpenConnectionAsync(ct);
                var grid = await conn.FindGridNodeAsync(body.GridCode, ct);
                if (grid is null || grid.Level != GridLevels.Grid) errors["gridCode"] = [$"'{body.GridCode}' is not a grid of the tree."];
                if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The volunteer was not registered.");

                var dto = new VolunteerDto(NewId.NextGuid(), body.Name, body.Phone, body.GridCode, body.PartyMember, clock.GetUtcNow().UtcDateTime);
                var inserted = await conn.ExecuteAsync(new CommandDefinition("""
                    INSERT INTO volunteers (id, name, phone, grid_code, party_member, created_at)
                    VALUES (@Id, @Name, @Phone, @GridCode, @PartyMember, @CreatedAt)
                    ON CONFLICT (phone) DO NOTHING
                    """, dto, cancellationToken: ct));
                if (inserted == 0) return TypedResults.Conflict("A volunteer with this phone is already registered.");
                return TypedResults.Created($"/api/v1/volunteers/{dto.Id}", dto with { Phone = PersonalData.MaskPhone(dto.Phone)! });
            })
            .WithName("RegisterVolunteer")
            .WithSummary("Register a resident or party member as a volunteer in their grid");

        api.MapGet("/{id:guid}", async Task<Results<Ok<VolunteerDto>, NotFound>> (Guid id, NpgsqlDataSource db, CancellationToken ct) =>
            {
                await using var conn = await db.OpenConnectionAsync(ct);
                var v = await conn.QuerySingleOrDefaultAsync<VolunteerDto>(new CommandDefinition(
                    "SELECT id, name, phone, grid_code AS GridCode, party_member AS PartyMember, created_at AS CreatedAt FROM volunteers WHERE id = @id",
                    new { id }, cancellationToken: ct));
                return v is null ? TypedResults.NotFound() : TypedResults.Ok(v with { Phone = PersonalData.MaskPhone(v.Phone)! });
            })
            .WithName("GetVolunteer")
            .WithSummary("One volunteer, phone masked");
    }
}
