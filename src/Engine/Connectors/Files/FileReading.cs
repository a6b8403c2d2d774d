using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Formats;

namespace OrleansStream.Engine.Connectors.Files;

/// <summary>Reads data files into Arrow, by format.</summary>
internal static class FileReading
{
    public static RecordBatch Read(string format, string path, Schema schema, ReaderOptions options) =>
        FileFormats.Get(format).Read(path, schema, options);

    /// <summary>
    /// <see cref="Read(string, string, Schema, ReaderOptions)"/> for a stream's epoch, whose reader (the source task) releases
    /// pooled batches once shipped: a built-in format that can (Parquet) rents its columns from <paramref name="pool"/>.
    /// </summary>
    public static RecordBatch Read(string format, string path, Schema schema, ReaderOptions options, ArrowBufferPool pool) =>
        FileFormats.Get(format) is BuiltInFileFormat builtIn ? builtIn.Read(path, schema, options, pool) : Read(format, path, schema, options);

    /// <summary>
    /// The schema to read files of <paramref name="format"/> with when a query needs only <paramref name="needed"/> of
    /// <paramref name="full"/>. Parquet stores columns apart and reads only the needed column chunks. JSON and CSV read every
    /// column: whether a record is malformed (DROPMALFORMED drops it, PERMISSIVE nulls its every field, FAILFAST fails)
    /// depends on all its values, so parsing fewer columns could change the rows; CSV is also positional.
    /// </summary>
    public static Schema ColumnsToRead(string format, Schema full, Schema needed) =>
        format.Equals("parquet", StringComparison.OrdinalIgnoreCase) ? needed : full;

    public static Schema Infer(string format, IReadOnlyList<string> files, ReaderOptions options) => files.Count > 0 || format == "text"
        ? FileFormats.Get(format).InferSchema(files, options)
        : throw new ArgumentException($"Unable to infer schema for {format}: no files found. It must be specified manually.");
}
