using System.Text;
using Apache.Arrow;

namespace OrleansStream.Plan.Display;

/// <summary>Spark's <c>Dataset.show()</c> text for a batch, and the console sink's batch header.</summary>
public static class ConsoleFormatter
{
    /// <summary>
    /// The exact text Spark's <c>show(numRows, truncate)</c> prints: +---+ borders, cells right-aligned when
    /// truncating (left-aligned otherwise), cells longer than 20 characters cut to 17 + "...", null as NULL,
    /// timestamps as "yyyy-MM-dd HH:mm:ss", structs as {a, b}, arrays as [a, b], maps as {k -> v}, and the
    /// "only showing top N rows" footer when the batch has more rows. Every line ends with '\n'.
    /// </summary>
    public static string Show(RecordBatch batch, int numRows = 20, bool truncate = true) => Show(batch, numRows, truncate ? 20 : 0);

    /// <summary>As <see cref="Show(RecordBatch, int, bool)"/> with Spark's integer truncate (0 = no truncation).</summary>
    public static string Show(RecordBatch batch, int numRows, int truncate)
    {
        ArgumentNullException.ThrowIfNull(batch);
        numRows = Math.Max(numRows, 0);
        int shown = Math.Min(numRows, batch.Length);
        bool hasMore = batch.Length > numRows;
        int cols = batch.ColumnCount;
        var cells = new string[shown + 1][];
        cells[0] = new string[cols];
        for (int c = 0; c < cols; c++) cells[0][c] = Cut(batch.Schema.FieldsList[c].Name, truncate);
        for (int r = 0; r < shown; r++)
        {
            var row = cells[r + 1] = new string[cols];
            for (int c = 0; c < cols; c++) row[c] = Cut(EscapeMeta(ValueText.Show(batch.Column(c), r, nested: false)), truncate);
        }
        var widths = new int[cols];
        for (int c = 0; c < cols; c++)
        {
            widths[c] = 3;
            foreach (var row in cells) widths[c] = Math.Max(widths[c], row[c].Length);
        }
        var sb = new StringBuilder();
        var sep = new StringBuilder("+");
        foreach (var w in widths) sep.Append('-', w).Append('+');
        sep.Append('\n');
        sb.Append(sep);
        AppendRow(sb, cells[0], widths, truncate > 0);
        sb.Append(sep);
        for (int r = 1; r < cells.Length; r++) AppendRow(sb, cells[r], widths, truncate > 0);
        sb.Append(sep);
        if (hasMore) sb.Append("only showing top ").Append(numRows).Append(numRows == 1 ? " row\n" : " rows\n");
        return sb.ToString();
    }

    /// <summary>The console sink's header before each epoch's table: a dashed line, "Batch: N", a dashed line.</summary>
    public static string BatchHeader(long batchId) =>
        "-------------------------------------------\nBatch: " + batchId + "\n-------------------------------------------\n";

    private static void AppendRow(StringBuilder sb, string[] row, int[] widths, bool rightAlign)
    {
        sb.Append('|');
        for (int c = 0; c < row.Length; c++)
        {
            sb.Append(rightAlign ? row[c].PadLeft(widths[c]) : row[c].PadRight(widths[c]));
            sb.Append('|');
        }
        sb.Append('\n');
    }

    private static string Cut(string s, int truncate)
    {
        if (truncate <= 0 || s.Length <= truncate) return s;
        return truncate < 4 ? s[..truncate] : s[..(truncate - 3)] + "...";
    }

    private static string EscapeMeta(string s)
    {
        if (s.AsSpan().IndexOfAny("\n\r\t\f\b\v\a") < 0) return s;
        return s.Replace("\n", "\\n").Replace("\r", "\\r").Replace("\t", "\\t").Replace("\f", "\\f")
            .Replace("\b", "\\b").Replace("\v", "\\v").Replace("\a", "\\a");
    }
}
