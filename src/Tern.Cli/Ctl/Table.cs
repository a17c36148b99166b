using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Tern.Cli.Ctl;

/// <summary>Plain aligned columns for <c>tern ctl</c>: a header in capitals, one row per item, two spaces between columns.</summary>
internal static class Table
{
    public static string Format(JsonElement items, params (string Header, string Property)[] columns)
    {
        var rows = new List<string[]> { columns.Select(c => c.Header).ToArray() };
        foreach (var item in items.EnumerateArray())
        {
            rows.Add([.. columns.Select(c => Cell(item, c.Property))]);
        }

        var widths = Enumerable.Range(0, columns.Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            text.AppendLine(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        }

        return text.ToString();
    }

    /// <summary>One property per line, "name: value", for a single object.</summary>
    public static string FormatObject(JsonElement item)
    {
        var properties = item.EnumerateObject().ToList();
        int width = properties.Max(p => p.Name.Length);
        var text = new StringBuilder();
        foreach (var property in properties)
        {
            text.Append((property.Name + ":").PadRight(width + 2)).AppendLine(Cell(item, property.Name));
        }

        return text.ToString();
    }

    private static string Cell(JsonElement item, string property)
    {
        if (!item.TryGetProperty(property, out var value))
        {
            return "-";
        }

        return value.ValueKind switch
        {
            JsonValueKind.String when property == "connectedSince" && value.TryGetDateTimeOffset(out var time) => time.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            JsonValueKind.String => value.GetString() ?? string.Empty,
            JsonValueKind.True => "yes",
            JsonValueKind.False => "no",
            JsonValueKind.Null => "-",
            _ => value.GetRawText(),
        };
    }
}
