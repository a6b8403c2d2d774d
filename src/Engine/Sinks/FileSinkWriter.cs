using Apache.Arrow;
using OrleansStream.Engine.Files;
using OrleansStream.Engine.Formats;

namespace OrleansStream.Engine.Sinks;

/// <summary>
/// Writes one epoch attempt's output for one partition into a file sink directory under a name of its own
/// ("part-{batchId:D5}-{partition:D3}-{attempt}.{ext}"), through a hidden temp file and a rename that never replaces a
/// file: no write can change a committed file, whichever query or attempt makes it. The sink log decides which files count. With file roots, every write first checks
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

    /// <summary>The file name of an epoch attempt's partition.</summary>
    public static string FileName(long batchId, int partition, Guid attempt, string extension) =>
        $"part-{batchId:D5}-{partition:D3}-{attempt:N}.{extension}";

    /// <summary>Writes <paramref name="batch"/> and returns its file name relative to <see cref="Directory"/>.</summary>
    /// <exception cref="IOException">The folder's real path has left the file roots.</exception>
    public string Write(long batchId, int partition, Guid attempt, RecordBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentOutOfRangeException.ThrowIfNegative(batchId);
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        _roots?.ThrowIfOutside(Directory, "File sink folder");
        System.IO.Directory.CreateDirectory(Directory);
        var name = FileName(batchId, partition, attempt, Format.Extension);
        var temp = Path.Combine(Directory, $".{name}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                Format.Write(stream, batch, _options);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, Path.Combine(Directory, name), overwrite: false);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
        return name;
    }
}
