using GovPlatform.Web.Apis;
using GovPlatform.Web.Localization;

namespace GovPlatform.Web.Components.Shared;

/// <summary>Category codes to names in the reader's language, from intake's catalogue (loaded once per page).</summary>
public sealed class CategoryNames(IReadOnlyList<CategoryNode> tree)
{
    private readonly Dictionary<string, CategoryNode> _byCode = tree.Concat(tree.SelectMany(m => m.Children)).ToDictionary(c => c.Code);

    public static async Task<CategoryNames> LoadAsync(IntakeApi intake) =>
        new((await intake.CategoriesAsync()).Value ?? []);

    public IEnumerable<CategoryNode> Minors => _byCode.Values.Where(c => c.ParentCode is not null).OrderBy(c => c.Code, StringComparer.Ordinal);

    public string this[string? code] => code is null ? "—"
        : _byCode.TryGetValue(code, out var c) ? (Text.English ? c.NameEn : c.NameZh) : code;
}
