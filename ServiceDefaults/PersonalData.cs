namespace GovPlatform.ServiceDefaults;

/// <summary>Residents' phone numbers and names are personal data: lists, reports and logs show them masked.</summary>
public static class PersonalData
{
    /// <summary><c>13812341234</c> → <c>138****1234</c>; short or odd values keep only their last two characters.</summary>
    public static string? MaskPhone(string? phone) => phone switch
    {
        null => null,
        { Length: >= 7 } => string.Concat(phone.AsSpan(0, 3), "****", phone.AsSpan(phone.Length - 4)),
        { Length: > 2 } => string.Concat(new string('*', phone.Length - 2), phone.AsSpan(phone.Length - 2)),
        _ => new string('*', phone.Length),
    };

    /// <summary><c>张三丰</c> → <c>张**</c>: enough for a resident to recognise, not to identify.</summary>
    public static string? MaskName(string? name) =>
        string.IsNullOrEmpty(name) ? name : string.Concat(name.AsSpan(0, 1), new string('*', Math.Max(1, name.Length - 1)));
}
