using System.Globalization;
using System.Text;
using CsvHelper;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace GovPlatform.Reporting.Exports;

public static class TableWriters
{
    public const string CsvType = "text/csv; charset=utf-8";
    public const string XlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    /// <summary>UTF-8 with a byte-order mark: without it, Excel on a Chinese Windows reads the headers as GBK.</summary>
    public static byte[] Csv(ReportTable table)
    {
        using var stream = new MemoryStream();
        using (var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true)))
        using (var csv = new CsvWriter(writer, CultureInfo.InvariantCulture))
        {
            foreach (var header in table.Headers) csv.WriteField(header);
            csv.NextRecord();
            foreach (var row in table.Rows)
            {
                foreach (var cell in row) csv.WriteField(cell);
                csv.NextRecord();
            }
        }
        return stream.ToArray();
    }

    /// <summary>One worksheet named after the table; numbers stay numbers so they can be summed in Excel.</summary>
    public static byte[] Xlsx(ReportTable table)
    {
        using var stream = new MemoryStream();
        using (var document = SpreadsheetDocument.Create(stream, SpreadsheetDocumentType.Workbook))
        {
            var workbook = document.AddWorkbookPart();
            workbook.Workbook = new Workbook();
            var sheetPart = workbook.AddNewPart<WorksheetPart>();
            var data = new SheetData();
            sheetPart.Worksheet = new Worksheet(data);
            data.Append(Row(table.Headers.Cast<object?>()));
            foreach (var row in table.Rows) data.Append(Row(row));
            workbook.Workbook.AppendChild(new Sheets()).Append(new Sheet
            {
                Id = workbook.GetIdOfPart(sheetPart), SheetId = 1, Name = SheetName(table.Title),
            });
            workbook.Workbook.Save();
        }
        return stream.ToArray();
    }

    private static Row Row(IEnumerable<object?> cells)
    {
        var row = new Row();
        foreach (var value in cells)
        {
            row.Append(value switch
            {
                null => new Cell(),
                string s => new Cell { DataType = CellValues.InlineString, InlineString = new InlineString(new Text(s)) },
                IFormattable n and (int or long or double or decimal) =>
                    new Cell { DataType = CellValues.Number, CellValue = new CellValue(n.ToString(null, CultureInfo.InvariantCulture)) },
                _ => new Cell { DataType = CellValues.InlineString, InlineString = new InlineString(new Text(value.ToString() ?? "")) },
            });
        }
        return row;
    }

    /// <summary>Excel allows 31 characters and none of []:*?/\ in a sheet name.</summary>
    private static string SheetName(string title)
    {
        var clean = new string(title.Select(c => "[]:*?/\\".Contains(c) ? '_' : c).ToArray());
        return clean.Length <= 31 ? clean : clean[..31];
    }
}
