using System.Text;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace OrleansStream.Engine.Formats;

/// <summary>Spark's <c>text</c> sink: the batch must have exactly one string column; each value is one line (null as an empty line).</summary>
public static class TextFileWriter
{
    /// <summary>Writes each value followed by '\n'.</summary>
    /// <exception cref="ArgumentException">The batch does not have exactly one string column.</exception>
    public static void Write(Stream stream, RecordBatch batch)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.ColumnCount != 1 || batch.Schema.FieldsList[0].DataType is not StringType)
            throw new ArgumentException($"Text data source supports only a single column of string type, and you have {batch.ColumnCount} column(s).", nameof(batch));
        var col = (StringArray)batch.Column(0);
        for (int r = 0; r < batch.Length; r++)
        {
            if (!col.IsNull(r)) stream.Write(col.GetBytes(r));
            stream.WriteByte((byte)'\n');
        }
    }
}
