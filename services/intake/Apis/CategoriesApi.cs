using System.Text.Json;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Intake.Reference;
using GovPlatform.Intake.Requests;
using GovPlatform.ServiceDefaults;
using GovPlatform.ServiceDefaults.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Intake.Apis;

/// <summary>The service catalogue (服务目录): admins manage it, everyone reads it, every change is published.</summary>
public static class CategoriesApi
{
    private sealed record Row(string Code, string? ParentCode, string NameZh, string NameEn, string DefaultTier,
        string Attributes, bool Active, int SortOrder);

    private const string SelectCategory = """
        SELECT code, parent_code AS ParentCode, name_zh AS NameZh, name_en AS NameEn, default_tier AS DefaultTier,
               attributes::text AS Attributes, active, sort_order AS SortOrder
        FROM categories
        """;

    public static void MapCategoriesApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1/categories").WithTags("Service catalogue");

        api.MapGet("/", ListTree)
            .AllowAnonymous()
            .WithName("ListCategories")
            .WithSummary("The catalogue as a tree: major categories with their minor ones, names in zh-CN and English");

        api.MapGet("/{code}", GetOne)
            .AllowAnonymous()
            .WithName("GetCategory")
            .WithSummary("One category with its questions (and its minor categories when it is a major one)");

        api.MapPost("/", Add)
            .RequireRoles(Roles.Admin)
            .WithName("AddCategory")
            .WithSummary("Add a major category, or a minor one under a major");

        api.MapPut("/{code}", Change)
            .RequireRoles(Roles.Admin)
            .WithName("ChangeCategory")
            .WithSummary("Rename a category, change its tier or questions, or deactivate it (requests keep their category)");
    }

    private static CategoryDto ToDto(Row r, IReadOnlyList<CategoryDto> children) => new(r.Code, r.ParentCode, r.NameZh, r.NameEn, r.DefaultTier,
        JsonSerializer.Deserialize<List<CategoryAttribute>>(r.Attributes, Outbox.Json) ?? [], r.Active, r.SortOrder, children);

    private static async Task<Ok<List<CategoryDto>>> ListTree(bool? includeInactive, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = (await conn.QueryAsync<Row>(new CommandDefinition(
            $"{SelectCategory} WHERE active OR @all ORDER BY sort_order, code", new { all = includeInactive ?? false }, cancellationToken: ct))).AsList();
        var minors = rows.Where(r => r.ParentCode is not null).ToLookup(r => r.ParentCode!);
        return TypedResults.Ok(rows.Where(r => r.ParentCode is null)
            .Select(major => ToDto(major, minors[major.Code].Select(m => ToDto(m, [])).ToList())).ToList());
    }

    private static async Task<Results<Ok<CategoryDto>, NotFound>> GetOne(string code, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<Row>(new CommandDefinition($"{SelectCategory} WHERE code = @code", new { code }, cancellationToken: ct));
        if (row is null) return TypedResults.NotFound();
        var children = await conn.QueryAsync<Row>(new CommandDefinition($"{SelectCategory} WHERE parent_code = @code ORDER BY sort_order, code", new { code }, cancellationToken: ct));
        return TypedResults.Ok(ToDto(row, children.Select(c => ToDto(c, [])).ToList()));
    }

    private static Task<Results<Created<CategoryDto>, ValidationProblem, ProblemHttpResult>> Add(NewCategory body, CatalogueDesk desk, CancellationToken ct) =>
        desk.AddAsync(body, ct);

    private static Task<Results<Ok<CategoryDto>, ValidationProblem, NotFound>> Change(string code, CategoryInput body, CatalogueDesk desk, CancellationToken ct) =>
        desk.ChangeAsync(code, body, ct);
}
