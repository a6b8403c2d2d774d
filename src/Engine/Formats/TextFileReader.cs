using System.Text.Unicode;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;

namespace OrleansStream.Engine.Formats;

/// <summary>
/// Spark's <c>text</c> format: one row per line in a single string column <c>value</c> (line terminators removed).
/// Named TextFileReader so that it does not clash with <see cref="System.IO.TextReader"/>.
/// </summary>
public static class TextFileReader
{
    /// <summary>The schema of the text format: <c>value STRING</c>.</summary>
    public static Schema Schema { get; } = new([new Field("value", StringType.Default, true)], null);

    /// <summary>Reads every line of a file.</summary>
    public static RecordBatch Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = RentedFileBytes.Read(path);
        var bytes = file.Memory.Span;
        var builder = new BinaryColumnBuilder(StringType.Default);
        // Spark does not fail on bytes that are not UTF-8: invalid sequences become U+FFFD (checked per line only when the file has some).
        bool mayBeInvalid = !Utf8.IsValid(bytes);
        foreach (var line in LineSplitter.Lines(bytes)) Utf8Lines.Append(builder, bytes.Slice(line.Start, line.Length), mayBeInvalid);
        return new RecordBatch(Schema, [builder.Build()], builder.Length);
    }
}
