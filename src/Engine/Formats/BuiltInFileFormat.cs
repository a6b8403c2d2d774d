using Apache.Arrow;
using OrleansStream.Engine.Data;

namespace OrleansStream.Engine.Formats;

/// <summary>Adapts the built-in readers and writers to <see cref="IFileFormatReader"/> and <see cref="IFileFormatWriter"/>.</summary>
internal sealed class BuiltInFileFormat : IFileFormatReader, IFileFormatWriter
{
    public static readonly BuiltInFileFormat Json = new("json", "json");
    public static readonly BuiltInFileFormat Csv = new("csv", "csv");
    public static readonly BuiltInFileFormat Text = new("text", "txt");
    public static readonly BuiltInFileFormat Parquet = new("parquet", "parquet");

    private BuiltInFileFormat(string name, string extension)
    {
        Name = name;
        Extension = extension;
    }

    public string Name { get; }

    public string Extension { get; }

    public RecordBatch Read(string path, Schema schema, ReaderOptions options) => Name switch
    {
        "json" => JsonLinesReader.Read(path, schema, options),
        "csv" => CsvReader.Read(path, schema, options),
        "text" => TextFileReader.Read(path),
        _ => ArrowValues.Concat(schema, ParquetFormat.Read(path, schema)),
    };

    /// <summary>
    /// <see cref="Read(string, Schema, ReaderOptions)"/>, a Parquet file's columns in arrays rented from <paramref name="pool"/>
    /// when given: the batch then has an owner (<see cref="BatchBuffers"/>), which its reader releases. A file of several row
    /// groups is one batch copied from them, whose arrays are the GC's; the row groups' go back at once.
    /// </summary>
    internal RecordBatch Read(string path, Schema schema, ReaderOptions options, ArrowBufferPool? pool)
    {
        if (pool is null || Name != "parquet") return Read(path, schema, options);
        var groups = ParquetFormat.Read(path, schema, pool);
        var nonEmpty = groups.Where(g => g.Length > 0).ToList();
        // One row group (the common case) is the batch, with its owner (it was read with this schema); several are copied into one.
        var batch = nonEmpty.Count == 1 ? nonEmpty[0] : ArrowValues.Concat(schema, nonEmpty);
        foreach (var group in groups)
            if (!ReferenceEquals(group, batch)) BatchBuffers.Release(group);
        return batch;
    }

    public Schema InferSchema(IReadOnlyList<string> paths, ReaderOptions options) => Name switch
    {
        "json" => JsonLinesReader.InferSchema(paths, options),
        "csv" => CsvReader.InferSchema(paths, options),
        "text" => TextFileReader.Schema,
        _ => paths.Count == 0 ? new Schema([], null) : ParquetFormat.ReadSchema(paths[0]),
    };

    public void Write(Stream stream, RecordBatch batch, IReadOnlyDictionary<string, string>? options = null)
    {
        switch (Name)
        {
            case "json": JsonLinesWriter.Write(stream, batch, options); break;
            case "csv": CsvWriter.Write(stream, batch, options); break;
            case "text": TextFileWriter.Write(stream, batch); break;
            // No rows: the schema and no row group, as Spark's Parquet writer leaves a file it wrote no row to.
            default: ParquetFormat.Write(stream, batch.Length == 0 ? [] : [batch], batch.Schema); break;
        }
    }
}
