using System.Text;
using Apache.Arrow;

namespace OrleansStream.Engine.Formats;

/// <summary>
/// Writes a batch as CSV: a header line when option header=true, separator from sep/delimiter (default ','),
/// '\n' line ends, null as an empty field, the empty string as "", fields that contain the separator, the quote,
/// a line break or leading/trailing spaces quoted with inner quotes doubled. Timestamps as
/// "yyyy-MM-ddTHH:mm:ss.fffZ", dates as "yyyy-MM-dd", doubles as Java prints them. Nested types are not supported.
/// </summary>
public static class CsvWriter
{
    /// <summary>Writes the batch (UTF-8, no byte-order mark).</summary>
    /// <exception cref="NotSupportedException">The batch has a struct, array or map column.</exception>
    public static void Write(Stream stream, RecordBatch batch, IReadOnlyDictionary<string, string>? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(batch);
        var opts = new ReaderOptions(options);
        foreach (var f in batch.Schema.FieldsList)
            if (!TextColumnAppender.IsSupported(f.DataType))
                throw new NotSupportedException($"CSV data source does not support {f.DataType.Name} column '{f.Name}'.");
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), 64 * 1024, leaveOpen: true) { NewLine = "\n" };
        char sep = opts.Delimiter, quote = opts.Quote;
        if (opts.Header)
        {
            for (int c = 0; c < batch.ColumnCount; c++)
            {
                if (c > 0) writer.Write(sep);
                WriteField(writer, batch.Schema.FieldsList[c].Name, sep, quote);
            }
            writer.Write('\n');
        }
        for (int r = 0; r < batch.Length; r++)
        {
            for (int c = 0; c < batch.ColumnCount; c++)
            {
                if (c > 0) writer.Write(sep);
                var col = batch.Column(c);
                if (col.IsNull(r)) continue;
                switch (col)
                {
                    case StringArray s: WriteField(writer, s.GetString(r), sep, quote); break;
                    case TimestampArray t: writer.Write(ValueText.TimestampIso(ValueText.TimestampMicros(t, r))); break;
                    default: WriteField(writer, ValueText.Show(col, r, nested: true), sep, quote); break;
                }
            }
            writer.Write('\n');
        }
    }

    private static void WriteField(StreamWriter w, string value, char sep, char quote)
    {
        bool needsQuotes = value.Length == 0 || value.AsSpan().IndexOfAny([sep, quote, '\n', '\r']) >= 0
            || char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1]);
        if (!needsQuotes)
        {
            w.Write(value);
            return;
        }
        w.Write(quote);
        foreach (var ch in value)
        {
            if (ch == quote) w.Write(quote);
            w.Write(ch);
        }
        w.Write(quote);
    }
}
