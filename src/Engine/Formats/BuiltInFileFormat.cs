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
