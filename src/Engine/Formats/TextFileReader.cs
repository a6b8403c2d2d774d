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
        var bytes = File.ReadAllBytes(path);
        var builder = new BinaryColumnBuilder(StringType.Default);
        foreach (var line in LineSplitter.Lines(bytes)) builder.AppendBytes(bytes.AsSpan(line.Start, line.Length));
        return new RecordBatch(Schema, [builder.Build()], builder.Length);
    }
}
