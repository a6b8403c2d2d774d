using Apache.Arrow;

namespace OrleansStream.Engine.Formats;

/// <summary>Writes a batch in a file format.</summary>
public interface IFileFormatWriter
{
    /// <summary>The format name (json, csv, text, parquet).</summary>
    string Name { get; }

    /// <summary>The extension of written files, without the dot.</summary>
    string Extension { get; }

    /// <summary>Writes <paramref name="batch"/> as one complete file's content to <paramref name="stream"/>.</summary>
    void Write(Stream stream, RecordBatch batch, IReadOnlyDictionary<string, string>? options = null);
}
