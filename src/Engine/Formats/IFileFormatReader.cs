using Apache.Arrow;

namespace OrleansStream.Engine.Formats;

/// <summary>Reads one file of a format into a batch.</summary>
public interface IFileFormatReader
{
    /// <summary>The format name (json, csv, text, parquet).</summary>
    string Name { get; }

    /// <summary>The file extension the format writes, without the dot ("json", "csv", "txt", "parquet").</summary>
    string Extension { get; }

    /// <summary>Reads a whole file with <paramref name="schema"/>.</summary>
    /// <exception cref="MalformedRecordException">FAILFAST and a record is malformed.</exception>
    RecordBatch Read(string path, Schema schema, ReaderOptions options);

    /// <summary>The schema of files when the user gives none (inference, or the format's fixed schema).</summary>
    Schema InferSchema(IReadOnlyList<string> paths, ReaderOptions options);
}
