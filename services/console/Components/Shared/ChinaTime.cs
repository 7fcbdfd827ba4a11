namespace GovPlatform.Web.Components.Shared;

/// <summary>
/// Times as the people using the console read them: China Standard Time (UTC+8 all year, no daylight saving),
/// whatever zone the server runs in.
/// </summary>
public static class ChinaTime
{
    private static readonly TimeSpan Offset = TimeSpan.FromHours(8);

    public static string Show(DateTime utc, string format = "MM-dd HH:mm:ss") =>
        (DateTime.SpecifyKind(utc, DateTimeKind.Utc) + Offset).ToString(format, System.Globalization.CultureInfo.InvariantCulture);
}
