using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Intake.Requests;
using GovPlatform.ServiceDefaults.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace GovPlatform.Intake.Reference;

public sealed record CategoryInput(string NameZh, string NameEn, string DefaultTier = Tiers.Compound,
    IReadOnlyList<CategoryAttribute>? Attributes = null, bool Active = true, int SortOrder = 0);

/// <param name="ParentCode">The major category this one belongs to; none for a major category.</param>
public sealed record NewCategory(string Code, string NameZh, string NameEn, string? ParentCode = null, string DefaultTier = Tiers.Compound,
    IReadOnlyList<CategoryAttribute>? Attributes = null, bool Active = true, int SortOrder = 0);

public sealed record CategoryDto(string Code, string? ParentCode, string NameZh, string NameEn, string DefaultTier,
    IReadOnlyList<CategoryAttribute> Attributes, bool Active, int SortOrder, IReadOnlyList<CategoryDto> Children);

/// <summary>
/// Changes to the service catalogue (服务目录), each in one transaction with its <see cref="CategoryChanged"/> in the
/// outbox; this instance's reference cache forgets the categories at once, the others hear the table's NOTIFY.
/// Each edit records its announcement (<c>announced_at</c>) in the same transaction, so the start-up announcement
/// (<see cref="CatalogueAnnouncement"/>) never announces it again.
/// </summary>
public sealed partial class CatalogueDesk(NpgsqlDataSource db, ReferenceCache reference, TimeProvider clock)
{
    private sealed record Updated(string? ParentCode);

    public static readonly string[] TierCodes = [Tiers.Compound, Tiers.Community, Tiers.Subdistrict, Tiers.County];
    public static readonly string[] Datatypes = ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"];

    [GeneratedRegex(@"^[a-z][a-z0-9_]{1,39}$")]
    private static partial Regex Code();

    public static Dictionary<string, string[]> Validate(CategoryInput c)
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

    public async Task<Results<Created<CategoryDto>, ValidationProblem, ProblemHttpResult>> AddAsync(NewCategory body, CancellationToken ct)
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
            INSERT INTO categories (code, parent_code, name_zh, name_en, default_tier, attributes, active, sort_order, updated_at, announced_at)
            VALUES (@Code, @ParentCode, @NameZh, @NameEn, @DefaultTier, @attributes::jsonb, @Active, @SortOrder, @now, @now)
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

    public async Task<Results<Ok<CategoryDto>, ValidationProblem, NotFound>> ChangeAsync(string code, CategoryInput body, CancellationToken ct)
    {
        var errors = Validate(body);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The category was not saved: fix the fields below.");

        var now = clock.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        const string update = """
            UPDATE categories
            SET name_zh = @NameZh, name_en = @NameEn, default_tier = @DefaultTier, attributes = @attributes::jsonb,
                active = @Active, sort_order = @SortOrder, updated_at = @now, announced_at = @now
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
