using System.Globalization;
using System.Text.RegularExpressions;
using CsvHelper;
using CsvHelper.Configuration;
using GovPlatform.Contracts;

namespace GovPlatform.Dispatch.Grid;

/// <summary>
/// The grid tree as a spreadsheet exports it: <c>code,parent_code,level,name[,lat,lon]</c>, one node a line
/// after a header. Rows become the same import as JSON; errors are keyed by line number (the header is line 1),
/// e.g. <c>rows[7].parent_code</c>.
/// </summary>
public static partial class GridCsv
{
    private static readonly string[] Required = ["code", "parent_code", "level", "name"];

    [GeneratedRegex(@"^nodes\[(\d+)\](?:\.(\w+))?")]
    private static partial Regex NodeKey();

    public static async Task<(GridImportRequest? Request, Dictionary<string, string[]> Errors)> ReadAsync(Stream body, CancellationToken ct)
    {
        var config = new CsvConfiguration(CultureInfo.InvariantCulture) { TrimOptions = TrimOptions.Trim, DetectDelimiter = false, BadDataFound = null };
        using var reader = new StreamReader(body);
        using var csv = new CsvReader(reader, config);
        var errors = new Dictionary<string, string[]>();
        if (!await csv.ReadAsync() || !csv.ReadHeader() || csv.HeaderRecord is null)
            return (null, new() { ["header"] = ["An empty file: expected a header line code,parent_code,level,name[,lat,lon]."] });
        var header = csv.HeaderRecord.Select(h => h.Trim().ToLowerInvariant()).ToArray();
        var missing = Required.Where(r => !header.Contains(r)).ToArray();
        if (missing.Length > 0)
            return (null, new() { ["header"] = [$"Missing column(s) {string.Join(", ", missing)}; expected code,parent_code,level,name[,lat,lon]."] });
        int Col(string name) => Array.IndexOf(header, name);
        var (lat, lon) = (Col("lat"), Col("lon"));

        var nodes = new List<GridNodeInput>();
        while (await csv.ReadAsync())
        {
            ct.ThrowIfCancellationRequested();
            var row = csv.Parser.Row;
            string Field(int i) => i >= 0 && i < csv.Parser.Count ? csv.GetField(i) ?? "" : "";
            GeoPoint? centre = null;
            var (latText, lonText) = (Field(lat), Field(lon));
            if (latText.Length > 0 || lonText.Length > 0)
            {
                if (double.TryParse(latText, NumberStyles.Float, CultureInfo.InvariantCulture, out var la)
                    && double.TryParse(lonText, NumberStyles.Float, CultureInfo.InvariantCulture, out var lo))
                    centre = new GeoPoint(la, lo);
                else
                    errors[$"rows[{row}].lat"] = ["lat and lon must both be decimal degrees, or both empty."];
            }
            var parent = Field(Col("parent_code"));
            nodes.Add(new GridNodeInput(Field(Col("code")), parent.Length == 0 ? null : parent, Field(Col("level")), Field(Col("name")), centre));
        }
        return errors.Count > 0 ? (null, errors) : (new GridImportRequest(nodes), errors);
    }

    /// <summary>Turns the importer's <c>nodes[i].parentCode</c> keys into the file's <c>rows[line].parent_code</c>.</summary>
    public static Dictionary<string, string[]> ToRowKeys(Dictionary<string, string[]> errors) =>
        errors.ToDictionary(e => NodeKey().Replace(e.Key, m =>
        {
            var line = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) + 2;
            var field = m.Groups[2].Success ? "." + (m.Groups[2].Value switch
            {
                "parentCode" => "parent_code",
                "centre" => "lat",
                var f => f,
            }) : "";
            return $"rows[{line}]{field}";
        }), e => e.Value);
}
