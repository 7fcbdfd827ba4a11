using System.Globalization;
using System.Security.Claims;

namespace GovPlatform.Web.Components.Pages.Dispatcher;

/// <summary>What the community's screens share: times typed in China's clock, who answers for a tier, lists of names.</summary>
public static class BoardKit
{
    private static readonly TimeSpan China = TimeSpan.FromHours(8);

    /// <summary>A native control's look beside MudBlazor's fields: native selects are what a test and a keyboard drive most surely.</summary>
    public const string NativeStyle = "padding:8px;border:1px solid #bbb;border-radius:4px;background:#fff;min-width:180px;font-size:0.95rem";

    /// <summary>The value of an <c>input type=datetime-local</c> for a moment, in China's clock.</summary>
    public static string Local(DateTimeOffset at) => at.ToOffset(China).ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture);

    /// <summary>
    /// A datetime-local value read as China's clock (what the people typing it mean), or null when it is not one. Sent
    /// in UTC: dispatch stores the moment as it comes, and its database driver takes only UTC offsets.
    /// </summary>
    public static DateTimeOffset? ParseLocal(string? value) =>
        DateTime.TryParseExact(value, ["yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var local)
            ? new DateTimeOffset(local, China).ToUniversalTime()
            : null;

    /// <summary>The roles that answer for a tier, as dispatch decides arbitrations and appeals (WorkOrderRules.TierRoles).</summary>
    public static bool AnswersFor(this ClaimsPrincipal user, string tier) => tier switch
    {
        "compound" => user.Allows("grid_worker,grid_leader,community_cadre,subdistrict_officer,admin"),
        "community" => user.Allows("community_cadre,subdistrict_officer,admin"),
        "subdistrict" => user.Allows("subdistrict_officer,admin"),
        _ => user.IsInRole("admin"),
    };

    /// <summary>Names typed in one field: split on Chinese or Latin commas and the enumeration comma.</summary>
    public static List<string> Names(string? text) =>
        (text ?? "").Split(['、', '，', ',', ';', '；'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
}
