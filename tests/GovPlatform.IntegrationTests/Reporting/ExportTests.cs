using System.Globalization;
using System.Net;
using System.Text.Json;
using CsvHelper;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using GovPlatform.IntegrationTests.Infrastructure;
using GovPlatform.Reporting.Exports;

namespace GovPlatform.IntegrationTests.Reporting;

/// <summary>Every table exports as CSV and XLSX; the tests read the files back with CsvHelper and the OpenXML SDK.</summary>
public sealed class ExportTests(SharedStack shared)
{
    private readonly TestStack _stack = shared.Stack;
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<HttpResponseMessage> ExportAsync(string tableAndFormat, string query)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/exports/{tableAndFormat}?{query}");
        return await _stack.Client("reporting").SendAsync(request.WithBearer(Tokens.For("leader")), Ct);
    }

    private static List<string[]> ReadCsv(byte[] bytes)
    {
        using var reader = new StreamReader(new MemoryStream(bytes), detectEncodingFromByteOrderMarks: true);
        using var csv = new CsvReader(reader, CultureInfo.InvariantCulture);
        var rows = new List<string[]>();
        while (csv.Read()) rows.Add(Enumerable.Range(0, csv.Parser.Count).Select(i => csv.GetField(i)!).ToArray());
        return rows;
    }

    private static (string Sheet, List<string?[]> Rows) ReadXlsx(byte[] bytes)
    {
        using var document = SpreadsheetDocument.Open(new MemoryStream(bytes), false);
        var workbook = document.WorkbookPart!;
        var sheet = workbook.Workbook.Sheets!.Elements<Sheet>().Single();
        var part = (WorksheetPart)workbook.GetPartById(sheet.Id!);
        var rows = part.Worksheet.Descendants<Row>()
            .Select(r => r.Elements<Cell>().Select(c => c.DataType?.Value == CellValues.InlineString ? c.InlineString!.InnerText : c.CellValue?.Text).ToArray())
            .ToList();
        return (sheet.Name!, rows);
    }

    [Fact]
    public async Task Every_table_exports_as_csv_and_xlsx_with_one_header_per_column()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        await KpiScenario.PublishScenarioAsync(_stack, county);
        var query = $"from={KpiScenario.Day}&to={KpiScenario.Day}&under={county.District}&level=grid&minCount=1";

        foreach (var table in ReportTables.All)
        {
            var csv = await ExportAsync($"{table}.csv", query);
            var xlsx = await ExportAsync($"{table}.xlsx", query);
            Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
            Assert.Equal(HttpStatusCode.OK, xlsx.StatusCode);
            Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
            Assert.Equal($"{table}_{KpiScenario.Day}_{KpiScenario.Day}.xlsx", xlsx.Content.Headers.ContentDisposition?.FileNameStar ?? xlsx.Content.Headers.ContentDisposition?.FileName?.Trim('"'));

            var bytes = await csv.Content.ReadAsByteArrayAsync(Ct);
            Assert.Equal([0xEF, 0xBB, 0xBF], bytes[..3]); // the BOM Excel needs for Chinese headers
            var fromCsv = ReadCsv(bytes);
            var (_, fromXlsx) = ReadXlsx(await xlsx.Content.ReadAsByteArrayAsync(Ct));
            Assert.True(fromCsv.Count > 1, $"{table} has no data rows");
            Assert.All(fromCsv, r => Assert.Equal(fromCsv[0].Length, r.Length));
            Assert.Equal(fromCsv.Count, fromXlsx.Count);
            Assert.Equal(fromCsv[0], fromXlsx[0]);
        }
    }

    [Fact]
    public async Task The_exported_figures_are_the_ones_the_api_computes()
    {
        var county = new TestCounty();
        await _stack.ImportAsync(county);
        await KpiScenario.PublishScenarioAsync(_stack, county);
        var query = $"from={KpiScenario.Day}&to={KpiScenario.Day}&under={county.District}";

        var kpis = ReadCsv(await (await ExportAsync("kpis.csv", query)).Content.ReadAsByteArrayAsync(Ct));
        var (sheet, companies) = ReadXlsx(await (await ExportAsync("property-companies.xlsx", query)).Content.ReadAsByteArrayAsync(Ct));
        var ranking = ReadCsv(await (await ExportAsync("rankings.csv", query + "&level=grid")).Content.ReadAsByteArrayAsync(Ct));

        Assert.Equal(["指标代码", "指标", "分子", "分母", "数值", "口径"], kpis[0]);
        Assert.Contains(["resolutionRate", "解决率", "3", "5", "0.6", ""], kpis);
        // Label and definition are the dashboard's: the denominator leaves out residents never reached.
        Assert.Contains(["satisfactionRate", "满意率", "2", "3", "0.6667", "满意与基本满意 ÷ 回访接通并作答的诉求；未接通的不计入分母"], kpis);
        Assert.Contains(["p90HandlingMinutes", "90分位办理时长(分钟)", "", "", "154", ""], kpis);
        // Clocks are named, not timed: each category sets its own.
        Assert.Contains(kpis, r => r[0] == "acceptOnTimeRate" && r[1] == "接单及时率");
        Assert.DoesNotContain(kpis, r => r[1].Contains("分钟接单") || r[1].Contains("小时办结"));
        Assert.Equal("物业企业评价", sheet);
        Assert.Equal(new string?[] { KpiScenario.Company, "1", "5", "3", "0.6", "3", "2", "0.6667", "差" }, companies[1]);
        // Neither grid reaches the minimum of 10: both unranked, and the file says so.
        Assert.Equal(["样本不足", "样本不足"], ranking.Skip(1).Select(r => r[0]));
    }

    [Theory]
    [InlineData("nothing.csv", "table")]
    [InlineData("kpis.pdf", "format")]
    [InlineData("rankings.csv", "level", "&level=province")]
    public async Task Unknown_tables_and_formats_get_a_problem_naming_the_parameter(string tableAndFormat, string field, string extra = "")
    {
        var response = await ExportAsync(tableAndFormat, $"from=2026-03-02&to=2026-03-02{extra}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), problem.RootElement.ToString());
    }
}
