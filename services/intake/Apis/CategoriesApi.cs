using System.Text.Json;
using System.Text.RegularExpressions;
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
public static partial class CategoriesApi
{
    public sealed record CategoryInput(string NameZh, string NameEn, string DefaultTier = Tiers.Compound,
        IReadOnlyList<CategoryAttribute>? Attributes = null, bool Active = true, int SortOrder = 0);

    /// <param name="ParentCode">The major category this one belongs to; none for a major category.</param>
    public sealed record NewCategory(string Code, string NameZh, string NameEn, string? ParentCode = null, string DefaultTier = Tiers.Compound,
        IReadOnlyList<CategoryAttribute>? Attributes = null, bool Active = true, int SortOrder = 0);

    public sealed record CategoryDto(string Code, string? ParentCode, string NameZh, string NameEn, string DefaultTier,
        IReadOnlyList<CategoryAttribute> Attributes, bool Active, int SortOrder, IReadOnlyList<CategoryDto> Children);

    private sealed record Updated(string? ParentCode);

    private sealed record Row(string Code, string? ParentCode, string NameZh, string NameEn, string DefaultTier,
        string Attributes, bool Active, int SortOrder);

    public static readonly string[] TierCodes = [Tiers.Compound, Tiers.Community, Tiers.Subdistrict, Tiers.County];
    public static readonly string[] Datatypes = ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"];

    [GeneratedRegex(@"^[a-z][a-z0-9_]{1,39}$")]
    private static partial Regex Code();

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

    internal static Dictionary<string, string[]> Validate(CategoryInput c)
    {
        var errors = new Dictionary<string, string[]>();
        static bool Name(string? s) => !string.IsNullOrWhiteSpace(s) && s.Length <= 50 && !RequestRules.HasControlCharacters(s);
        if (!Name(c.NameZh)) errors["nameZh"] = ["1 to 50 characters, no control characters."];
        if (!Name(c.NameEn)) errors["nameEn"] = ["1 to 50 characters, no control characters."];
        if (!TierCodes.Contains(c.DefaultTier)) errors["defaultTier"] = [$"Unknown tier '{c.DefaultTier}'; expected one of {string.Join(", ", TierCodes)}."];
        var attributes = c.Attributes ?? [];
        if (attributes.Count > 20) errors["attributes"] = ["At most 20 questions."];
        for (var i = 0; i < attributes.Count; i++)
        {
            var a = attributes[i];
            if (!Code().IsMatch(a.Code)) errors[$"attributes[{i}].code"] = ["2 to 40 characters: lower-case letters, digits and '_'."];
            else if (attributes.Take(i).Any(o => o.Code == a.Code)) errors[$"attributes[{i}].code"] = [$"'{a.Code}' is asked twice."];
            if (!Datatypes.Contains(a.Datatype)) errors[$"attributes[{i}].datatype"] = [$"Unknown datatype '{a.Datatype}'; expected one of {string.Join(", ", Datatypes)}."];
            if (string.IsNullOrWhiteSpace(a.Description) || a.Description.Length > 200 || RequestRules.HasControlCharacters(a.Description))
                errors[$"attributes[{i}].description"] = ["1 to 200 characters, no control characters."];
            var isList = a.Datatype is "singlevaluelist" or "multivaluelist";
            if (isList && a.Values is not { Count: > 0 }) errors[$"attributes[{i}].values"] = ["A list question needs its values."];
            if (!isList && a.Values is { Count: > 0 }) errors[$"attributes[{i}].values"] = ["Only list questions have values."];
            if (a.Values?.Any(v => string.IsNullOrWhiteSpace(v.Key) || v.Key.Length > 40 || !Name(v.Name)) == true)
                errors[$"attributes[{i}].values"] = ["Each value has a key (1 to 40 characters) and a name (1 to 50)."];
        }
        return errors;
    }

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

    private static async Task<Results<Created<CategoryDto>, ValidationProblem, ProblemHttpResult>> Add(
        NewCategory body, NpgsqlDataSource db, ReferenceCache reference, TimeProvider clock, CancellationToken ct)
    {
        var errors = Validate(new CategoryInput(body.NameZh, body.NameEn, body.DefaultTier, body.Attributes, body.Active, body.SortOrder));
        if (!Code().IsMatch(body.Code)) errors["code"] = ["2 to 40 characters: lower-case letters, digits and '_', starting with a letter."];
        await using var conn = await db.OpenConnectionAsync(ct);
        if (body.ParentCode is not null)
        {
            var parent = await conn.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
                "SELECT coalesce(parent_code, '') FROM categories WHERE code = @ParentCode", new { body.ParentCode }, cancellationToken: ct));
            if (parent is null) errors["parentCode"] = [$"Unknown category '{body.ParentCode}'."];
            else if (parent.Length > 0) errors["parentCode"] = [$"'{body.ParentCode}' is a minor category; the catalogue has two levels."];
        }
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The category was not saved: fix the fields below.");

        var now = clock.GetUtcNow();
        await using var tx = await conn.BeginTransactionAsync(ct);
        const string insert = """
            INSERT INTO categories (code, parent_code, name_zh, name_en, default_tier, attributes, active, sort_order, updated_at)
            VALUES (@Code, @ParentCode, @NameZh, @NameEn, @DefaultTier, @attributes::jsonb, @Active, @SortOrder, @now)
            ON CONFLICT (code) DO NOTHING
            """;
        var added = await conn.ExecuteAsync(new CommandDefinition(insert, new
        {
            body.Code, body.ParentCode, body.NameZh, body.NameEn, body.DefaultTier,
            attributes = JsonSerializer.Serialize(body.Attributes ?? [], Outbox.Json), body.Active, body.SortOrder, now = now.UtcDateTime,
        }, tx, cancellationToken: ct));
        if (added == 0)
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The category exists.",
                detail: $"'{body.Code}' is already in the catalogue; change it with PUT.");
        await Outbox.EnqueueAsync(tx, new CategoryChanged(body.Code, body.ParentCode, body.NameZh, body.NameEn, body.DefaultTier, body.Active, now), ct);
        await tx.CommitAsync(ct);
        // Every instance hears of the change through the table's NOTIFY; this one forgets at once, so its next request sees it.
        reference.Invalidate("categories");
        return TypedResults.Created($"/api/v1/categories/{body.Code}", new CategoryDto(body.Code, body.ParentCode, body.NameZh, body.NameEn,
            body.DefaultTier, body.Attributes ?? [], body.Active, body.SortOrder, []));
    }

    private static async Task<Results<Ok<CategoryDto>, ValidationProblem, NotFound>> Change(
        string code, CategoryInput body, NpgsqlDataSource db, ReferenceCache reference, TimeProvider clock, CancellationToken ct)
    {
        var errors = Validate(body);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The category was not saved: fix the fields below.");

        var now = clock.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        const string update = """
            UPDATE categories
            SET name_zh = @NameZh, name_en = @NameEn, default_tier = @DefaultTier, attributes = @attributes::jsonb,
                active = @Active, sort_order = @SortOrder, updated_at = @now
            WHERE code = @code
            RETURNING parent_code AS ParentCode
            """;
        var parent = await conn.QuerySingleOrDefaultAsync<Updated>(new CommandDefinition(update, new
        {
            code, body.NameZh, body.NameEn, body.DefaultTier,
            attributes = JsonSerializer.Serialize(body.Attributes ?? [], Outbox.Json), body.Active, body.SortOrder, now = now.UtcDateTime,
        }, tx, cancellationToken: ct));
        if (parent is null) return TypedResults.NotFound();
        await Outbox.EnqueueAsync(tx, new CategoryChanged(code, parent.ParentCode, body.NameZh, body.NameEn, body.DefaultTier, body.Active, now), ct);
        await tx.CommitAsync(ct);
        // Every instance hears of the change through the table's NOTIFY; this one forgets at once, so its next request sees it.
        reference.Invalidate("categories");
        return TypedResults.Ok(new CategoryDto(code, parent.ParentCode, body.NameZh, body.NameEn, body.DefaultTier,
            body.Attributes ?? [], body.Active, body.SortOrder, []));
    }
}
