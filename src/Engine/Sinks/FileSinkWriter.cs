using Apache.Arrow;
using OrleansStream.Engine.Files;
using OrleansStream.Engine.Formats;

namespace OrleansStream.Engine.Sinks;

/// <summary>
/// Writes one epoch's output for one partition into a file sink directory under a deterministic name
/// ("part-{batchId:D5}-{partition:D3}.{ext}"), through a hidden temp file and a rename that replaces a file
/// left by an earlier attempt of the same epoch, so a replay is idempotent. With file roots, every write first checks
/// that the folder's real path is still inside them (it may have been swapped for a link since the query started).
/// </summary>
public sealed class FileSinkWriter
{
    private readonly IReadOnlyDictionary<string, string>? _options;
    private readonly FileRoots? _roots;

    /// <summary>Creates a writer for <paramref name="directory"/> in <paramref name="format"/>, inside <paramref name="roots"/> when given.</summary>
    public FileSinkWriter(string directory, IFileFormatWriter format, IReadOnlyDictionary<string, string>? options = null, FileRoots? roots = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(format);
        Directory = Path.GetFullPath(directory);
        Format = format;
        _options = options;
        _roots = roots;
    }

    /// <summary>The sink directory.</summary>
    public string Directory { get; }

    /// <summary>The file format.</summary>
    public IFileFormatWriter Format { get; }

    /// <summary>The file name of an epoch's partition.</summary>
    public static string FileName(long batchId, int partition, string extension) =>
        $"part-{batchId:D5}-{partition:D3}.{extension}";

    /// <summary>Writes <paramref name="batch"/> and returns its file name relative to <see cref="Directory"/>.</summary>
    /// <exception cref="IOException">The folder's real path has left the file roots.</exception>
    public string Write(long batchId, int partition, RecordBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentOutOfRangeException.ThrowIfNegative(batchId);
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        _roots?.ThrowIfOutside(Directory, "File sink folder");
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
