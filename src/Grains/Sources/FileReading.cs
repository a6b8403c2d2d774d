using Apache.Arrow;
using OrleansStream.Engine.Formats;

namespace OrleansStream.Grains.Sources;

/// <summary>Reads data files into Arrow, by format.</summary>
internal static class FileReading
{
    public static RecordBatch Read(string format, string path, Schema schema, ReaderOptions options) =>
        FileFormats.Get(format).Read(path, schema, options);

    public static Schema Infer(string format, IReadOnlyList<string> files, ReaderOptions options) => files.Count > 0 || format == "text"
        ? FileFormats.Get(format).InferSchema(files, options)
        : throw new ArgumentException($"Unable to infer schema for {format}: no files found. It must be specified manually.");
}
