using System.Security.Claims;
using System.Text.RegularExpressions;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.GridCopy;
using GovPlatform.ServiceDefaults.Messaging;
using GovPlatform.Volunteer.Volunteers;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Volunteer.Apis;

public static partial class VolunteersApi
{
    public sealed record RegisterVolunteer(string Name, string Phone, string GridCode, bool PartyMember = false);
    public sealed record VolunteerDto(Guid Id, string Name, string Phone, string GridCode, bool PartyMember, DateTime CreatedAt);

    public sealed record ServiceRecordDto(Guid AttendanceId, Guid ActivityId, string Title, string ActivityType, string GridCode,
        DateTime CheckedInAt, DateTime? CheckedOutAt, decimal? Hours, string Status);

    [GeneratedRegex(@"^1[3-9]\d{9}$")]
    private static partial Regex Mobile();

    public static void MapVolunteersApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/volunteers").WithTags("Volunteers");

        api.MapPost("/", Register)
            // Community staff register residents (at the desk, or the mini program through the city's identity
            // provider): an open endpoint would let anyone fill the registry and take phone numbers.
            .RequireRoles(Roles.Organiser, Roles.Admin)
            .WithName("RegisterVolunteer")
            .WithSummary("Register a resident or party member as a volunteer in their grid");

        api.MapGet("/{id:guid}", GetVolunteer)
            .RequireRoles(Roles.Volunteer, Roles.Organiser, Roles.Admin)
            .WithName("GetVolunteer")
            .WithSummary("One volunteer, phone masked (volunteers: themselves only)");

        api.MapGet("/", FindVolunteers)
            // Organisers find only the people of their own activities, as they may see only theirs (VolunteerAccess.MaySeeAsync).
            .RequireRoles(Roles.Organiser, Roles.Admin)
            .WithName("FindVolunteers")
            .WithSummary("Volunteers by code (id), phone or part of the name, phones masked (organisers: the people of their activities)");

        api.MapGet("/{id:guid}/service-records", ListServiceRecords)
            .RequireRoles(Roles.Volunteer, Roles.Organiser, Roles.Admin)
            .WithName("ListServiceRecords")
            .WithSummary("A volunteer's check-ins, hours and verification status (volunteers: their own)");

        api.MapPut("/{id:guid}/double-report", RecordDoubleReport)
            .RequireRoles(Roles.Volunteer, Roles.Organiser, Roles.Admin)
            .WithName("DoubleReport")
            .WithSummary("A party member reports to their employer unit and home community (双报到); a new unit replaces the old");
    }

    private static async Task<Results<Created<VolunteerDto>, ValidationProblem, ProblemHttpResult>> Register(
        RegisterVolunteer body, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
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
        if (inserted == 0) return TypedResults.Problem(statusCode: 409, title: "Already registered.", detail: "A volunteer with this phone is already registered.");
        return TypedResults.Created($"/api/v1/volunteers/{dto.Id}", dto with { Phone = PersonalData.MaskPhone(dto.Phone)! });
    }

    private static async Task<Results<Ok<VolunteerDto>, NotFound, ProblemHttpResult>> GetVolunteer(
        Guid id, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (!await VolunteerAccess.MaySeeAsync(conn, user, id, ct))
            return VolunteerAccess.Forbidden("Volunteers see their own record only; organisers those of people signed up to their activities.");
        var v = await conn.QuerySingleOrDefaultAsync<VolunteerDto>(new CommandDefinition(
            "SELECT id, name, phone, grid_code AS GridCode, party_member AS PartyMember, created_at AS CreatedAt FROM volunteers WHERE id = @id",
            new { id }, cancellationToken: ct));
        return v is null ? TypedResults.NotFound() : TypedResults.Ok(v with { Phone = PersonalData.MaskPhone(v.Phone)! });
    }

    private static async Task<Results<Ok<List<VolunteerDto>>, ValidationProblem>> FindVolunteers(
        string? q, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        var text = q?.Trim() ?? "";
        if (text.Length is < 1 or > 50 || text.Any(char.IsControl))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["q"] = ["A name, phone or volunteer code of 1-50 characters is required."] });
        // The counter scans or types the volunteer's code (their id, on their card's QR), or asks their name or phone.
        var id = Guid.TryParse(text, out var parsed) ? parsed : (Guid?)null;
        var organiser = user.IsInRole(Roles.Admin) ? null : user.SubjectOf() ?? "";
        await using var conn = await db.OpenConnectionAsync(ct);
        var found = await conn.QueryAsync<VolunteerDto>(new CommandDefinition($"""
            SELECT id, name, phone, grid_code AS GridCode, party_member AS PartyMember, created_at AS CreatedAt FROM volunteers
            WHERE (id = @id OR phone = @text OR name LIKE '%' || @pattern || '%' ESCAPE '\')
              AND (@organiser::text IS NULL OR id IN ({VolunteerAccess.SignedUpWithOrganiser}))
            ORDER BY name, id
            LIMIT 20
            """, new { id, text, pattern = EscapeLike(text), organiser }, cancellationToken: ct));
        return TypedResults.Ok(found.Select(v => v with { Phone = PersonalData.MaskPhone(v.Phone)! }).ToList());
    }

    private static async Task<Results<Ok<List<ServiceRecordDto>>, ProblemHttpResult>> ListServiceRecords(
        Guid id, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (!await VolunteerAccess.MaySeeAsync(conn, user, id, ct))
            return VolunteerAccess.Forbidden("Volunteers see their own service records only; organisers those of people signed up to their activities.");
        // An organiser sees the service done at their own activities, not what the person did for others.
        var onlyOrganisedBy = user.IsInRole(Roles.Admin) || user.SubjectOf() == id.ToString() ? null : user.SubjectOf();
        var rows = await conn.QueryAsync<ServiceRecordDto>(new CommandDefinition("""
            SELECT t.id AS AttendanceId, a.id AS ActivityId, a.title, a.activity_type AS ActivityType, a.grid_code AS GridCode,
                   t.checked_in_at AS CheckedInAt, t.checked_out_at AS CheckedOutAt, t.hours, t.status
            FROM attendances t JOIN activities a ON a.id = t.activity_id
            WHERE t.volunteer_id = @id AND (@onlyOrganisedBy::text IS NULL OR a.organiser = @onlyOrganisedBy)
            ORDER BY t.checked_in_at DESC LIMIT 200
            """, new { id, onlyOrganisedBy }, cancellationToken: ct));
        return TypedResults.Ok(rows.AsList());
    }

    private static Task<Results<Created<DoubleReportDto>, Ok<DoubleReportDto>, NotFound, ValidationProblem, ProblemHttpResult>> RecordDoubleReport(
        Guid id, DoubleReport body, ClaimsPrincipal user, DoubleReportDesk desk, CancellationToken ct) =>
        desk.ReportAsync(id, body, user, ct);

    private static string EscapeLike(string text) => text.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_");
}
