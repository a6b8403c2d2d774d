using Apache.Arrow;
using OrleansStream.Engine.Formats;

namespace OrleansStream.Engine.Sinks;

/// <summary>
/// Writes one epoch's output for one partition into a file sink directory under a deterministic name
/// ("part-{batchId:D5}-{partition:D3}.{ext}"), through a hidden temp file and a rename that replaces a file
/// left by an earlier attempt of the same epoch, so a replay is idempotent.
/// </summary>
public sealed class FileSinkWriter
{
    private readonly IReadOnlyDictionary<string, string>? _options;

    /// <summary>Creates a writer for <paramref name="directory"/> in <paramref name="format"/>.</summary>
    public FileSinkWriter(string directory, IFileFormatWriter format, IReadOnlyDictionary<string, string>? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(format);
        Directory = Path.GetFullPath(directory);
        Format = format;
        _options = options;
    }

    /// <summary>The sink directory.</summary>
    public string Directory { get; }

    /// <summary>The file format.</summary>
    public IFileFormatWriter Format { get; }

    /// <summary>The file name of an epoch's partition.</summary>
    public static string FileName(long batchId, int partition, string extension) =>
        $"part-{batchId:D5}-{partition:D3}.{extension}";

    /// <summary>Writes <paramref name="batch"/> and returns its file name relative to <see cref="Directory"/>.</summary>
    public string Write(long batchId, int partition, RecordBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentOutOfRangeException.ThrowIfNegative(batchId);
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        System.IO.Directory.CreateDirectory(Directory);
        var name = FileName(batchId, partition, Format.Extension);
        var temp = Path.Combine(Directory, $".{name}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                Format.Write(stream, batch, _options);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, Path.Combine(Directory, name), overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
        return name;
    }
}
