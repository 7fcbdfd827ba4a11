using Dapper;
using GovPlatform.Dispatch.Bodies;
using GovPlatform.Dispatch.WorkOrders;
using GovPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Dispatch.Apis;

public static class BodiesApi
{
    /// <param name="At">The compound, grid or department code the body belongs to.</param>
    /// <param name="ContactName">Null for a seeded department whose contact has not been imported yet.</param>
    public sealed record BodyDto(string At, string Name, string? ContactName, string? Phone);

    public static void MapBodiesApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/bodies").WithTags("People and bodies");

        api.MapPost("/import", ImportAsync)
            .RequireRoles(Roles.Admin)
            .WithName("ImportBodies")
            .WithSummary("Import property companies, owners' committees, responsible units and departments with their contacts");

        api.MapGet("/property-companies", ListPropertyCompaniesAsync).RequireRoles(WorkOrdersApi.StaffRoles).WithName("ListPropertyCompanies");
        api.MapGet("/owners-committees", ListOwnersCommitteesAsync).RequireRoles(WorkOrdersApi.StaffRoles).WithName("ListOwnersCommittees");
        api.MapGet("/responsible-units", ListResponsibleUnitsAsync).RequireRoles(WorkOrdersApi.StaffRoles).WithName("ListResponsibleUnits");
        api.MapGet("/departments", ListDepartmentsAsync).RequireRoles(WorkOrdersApi.StaffRoles).WithName("ListDepartments");
    }

    private static async Task<Results<Ok<BodiesImportResult>, ValidationProblem>> ImportAsync(
        BodiesImportRequest body, NpgsqlDataSource db, CancellationToken ct)
    {
        var (result, errors) = await BodiesImport.ImportAsync(db, body, ct);
        return result is null ? TypedResults.ValidationProblem(errors, title: "The import was rejected; nothing was stored.") : TypedResults.Ok(result);
    }

    private const string UnderFilter = "(@under::text IS NULL OR @under = ANY(g.path))";

    private const string PropertyCompaniesSql = $"""
        SELECT b.compound_code AS At, b.name, b.contact_name AS ContactName, b.phone FROM property_companies b
        JOIN grid_nodes g ON g.code = b.compound_code WHERE {UnderFilter} ORDER BY b.compound_code LIMIT 5000
        """;

    private const string OwnersCommitteesSql = $"""
        SELECT b.compound_code AS At, b.name, b.contact_name AS ContactName, b.phone FROM owners_committees b
        JOIN grid_nodes g ON g.code = b.compound_code WHERE {UnderFilter} ORDER BY b.compound_code LIMIT 5000
        """;

    private const string ResponsibleUnitsSql = $"""
        SELECT b.grid_code AS At, b.name, b.contact_name AS ContactName, b.phone FROM responsible_units b
        JOIN grid_nodes g ON g.code = b.grid_code WHERE {UnderFilter} ORDER BY b.grid_code, b.name LIMIT 5000
        """;

    // Departments are county-wide, outside the grid tree: the list takes 'under' like the others and ignores it.
    private const string DepartmentsSql = """
        SELECT code AS At, name, contact_name AS ContactName, phone FROM departments
        ORDER BY code
        """;

    private static Task<Ok<List<BodyDto>>> ListPropertyCompaniesAsync(string? under, HttpContext http, NpgsqlDataSource db, CancellationToken ct) =>
        ListAsync(PropertyCompaniesSql, under, http, db, ct);

    private static Task<Ok<List<BodyDto>>> ListOwnersCommitteesAsync(string? under, HttpContext http, NpgsqlDataSource db, CancellationToken ct) =>
        ListAsync(OwnersCommitteesSql, under, http, db, ct);

    private static Task<Ok<List<BodyDto>>> ListResponsibleUnitsAsync(string? under, HttpContext http, NpgsqlDataSource db, CancellationToken ct) =>
        ListAsync(ResponsibleUnitsSql, under, http, db, ct);

    private static Task<Ok<List<BodyDto>>> ListDepartmentsAsync(string? under, HttpContext http, NpgsqlDataSource db, CancellationToken ct) =>
        ListAsync(DepartmentsSql, under, http, db, ct);

    // Phones are personal data: only admins see them whole.
    private static async Task<Ok<List<BodyDto>>> ListAsync(string sql, string? under, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<BodyDto>(new CommandDefinition(sql, new { under }, cancellationToken: ct));
        var admin = Actor.From(http.User).IsAdmin;
        return TypedResults.Ok(rows.Select(r => admin ? r : r with { Phone = PersonalData.MaskPhone(r.Phone) }).ToList());
    }
}
