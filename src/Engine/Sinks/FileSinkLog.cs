using System.Text;
using System.Text.Json;
using OrleansStream.Engine.Files;
using OrleansStream.Engine.Sources;

namespace OrleansStream.Engine.Sinks;

/// <summary>
/// The <c>_spark_metadata</c> log of a file sink directory: one file per committed epoch ("v1" then one JSON
/// entry per data file). An epoch's entry is written once (temp file + rename without overwrite), so readers
/// that go through <see cref="ReadableFiles"/> see each epoch's files exactly once, never a half-written epoch.
/// </summary>
public sealed class FileSinkLog
{
    /// <summary>The name of the metadata folder inside a sink directory.</summary>
    public const string MetadataDirectoryName = "_spark_metadata";

    private readonly FileRoots? _roots;

    /// <summary>
    /// Opens the log of sink directory <paramref name="directory"/> (nothing is created until a commit); with
    /// <paramref name="roots"/>, a commit first checks that the log folder's real path is inside them.
    /// </summary>
    public FileSinkLog(string directory, FileRoots? roots = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = Path.GetFullPath(directory);
        MetadataDirectory = Path.Combine(Directory, MetadataDirectoryName);
        _roots = roots;
    }

    /// <summary>The sink directory.</summary>
    public string Directory { get; }

    /// <summary>The metadata log folder.</summary>
    public string MetadataDirectory { get; }

    /// <summary>Removes the temp files of part files and log entries that a killed writer left in the sink directory.</summary>
    public void RemoveStaleTempFiles(DateTime utcNow)
    {
        Checkpointing.StaleTempFiles.Remove(Directory, ".part-*.tmp", utcNow);
        Checkpointing.StaleTempFiles.Remove(MetadataDirectory, ".*.tmp", utcNow);
    }

    /// <summary>True when epoch <paramref name="batchId"/> is committed.</summary>
    public bool TryGetCommitted(long batchId) => File.Exists(EntryPath(batchId));

    /// <summary>True (with its files, relative to the sink directory) when epoch <paramref name="batchId"/> is committed.</summary>
    public bool TryGetCommitted(long batchId, out IReadOnlyList<string> files)
    {
        var path = EntryPath(batchId);
        if (!File.Exists(path))
        {
            files = [];
            return false;
        }
        files = ParseEntry(File.ReadAllText(path));
        return true;
    }

    /// <summary>
    /// Commits epoch <paramref name="batchId"/> with <paramref name="files"/> (names relative to the sink directory) and returns
    /// the files the log holds for it. An epoch already committed keeps the files it was committed with (as Spark's sink skips
    /// a committed batch): a replay after a crash between this log and the commit log wrote its own files, which do not count.
    /// </summary>
    /// <exception cref="IOException">The log folder's real path has left the file roots.</exception>
    public IReadOnlyList<string> Commit(long batchId, IReadOnlyList<string> files)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batchId);
        ArgumentNullException.ThrowIfNull(files);
        _roots?.ThrowIfOutside(MetadataDirectory, "File sink log folder");
        System.IO.Directory.CreateDirectory(MetadataDirectory);
        var sb = new StringBuilder("v1\n");
        foreach (var f in files)
            sb.Append(JsonSerializer.Serialize(new Entry { Path = f.Replace('\\', '/'), Action = "add" })).Append('\n');
        var final = EntryPath(batchId);
        var temp = Path.Combine(MetadataDirectory, $".{batchId}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(temp, sb.ToString(), new UTF8Encoding(false));
        try
        {
            File.Move(temp, final, overwrite: false);
        }
        catch (IOException) when (File.Exists(final))
        {
            File.Delete(temp);
            return ParseEntry(File.ReadAllText(final));
        }
        return files;
    }

    private string OwnerPath => Path.Combine(MetadataDirectory, "owner.json");

    /// <summary>The query that owns this output folder, or null when none has claimed it.</summary>
    public FileSinkOwner? ReadOwner() =>
        File.Exists(OwnerPath) ? JsonSerializer.Deserialize<FileSinkOwner>(File.ReadAllText(OwnerPath)) : null;

    /// <summary>
    /// Claims the folder for query <paramref name="queryId"/> at its start. A folder that is unclaimed and empty of batches,
    /// or already this query's, is fine. One that another query owns, or that holds batches of an unknown writer (unless
    /// <paramref name="knownHere"/>: a query started before from the same checkpoint, whose sink predates owner records), is
    /// refused, unless <paramref name="takeOver"/>: then this query owns it and its epochs continue the log.
    /// </summary>
    /// <exception cref="InvalidOperationException">The folder belongs to another query (the message names both and the option).</exception>
    public FileSinkOwner Claim(Guid queryId, string checkpointLocation, bool knownHere, bool takeOver)
    {
        if (FileInTheWay() is { } file)
            throw new InvalidOperationException(
                $"The file sink's output folder '{Directory}' cannot be created: '{file}' is a file. Give option 'path' a folder.");
        var owner = ReadOwner();
        if (owner?.QueryId == queryId) return owner;
        var latest = LatestCommitted();
        if (!takeOver && (owner is not null || (latest is not null && !knownHere)))
            throw new InvalidOperationException(
                $"The output folder '{Directory}' already holds the file sink log of {(owner is null ? "another query" : $"query {owner.QueryId} (checkpoint '{owner.CheckpointLocation}')")}, "
                + $"up to batch {latest?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}; query {queryId} (checkpoint '{checkpointLocation}') would mix its output into it. "
                + "Write to another folder, delete this one, or set option 'takeOverOutput' to 'true' to continue its log with this query.");
        var claimed = new FileSinkOwner(queryId, checkpointLocation, owner is null && knownHere ? 0 : (latest ?? -1) + 1);
        System.IO.Directory.CreateDirectory(MetadataDirectory);
        var temp = Path.Combine(MetadataDirectory, $".owner.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(temp, JsonSerializer.Serialize(claimed), new UTF8Encoding(false));
        File.Move(temp, OwnerPath, overwrite: true);
        return claimed;
    }

    // The output folder or its nearest existing ancestor, when that is a file (a folder cannot be made there).
    private string? FileInTheWay()
    {
        for (var path = Directory; !string.IsNullOrEmpty(path); path = Path.GetDirectoryName(path))
        {
            if (System.IO.Directory.Exists(path)) return null;
            if (File.Exists(path)) return path;
        }
        return null;
    }

    /// <summary>The committed epochs in ascending order.</summary>
    public IReadOnlyList<long> CommittedBatchIds()
    {
        if (!System.IO.Directory.Exists(MetadataDirectory)) return [];
        var ids = new List<long>();
        foreach (var f in System.IO.Directory.EnumerateFiles(MetadataDirectory))
        {
            var name = Path.GetFileName(f);
            if (long.TryParse(name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)) ids.Add(id);
            else if (name.EndsWith(".compact", StringComparison.Ordinal) && long.TryParse(name[..^8], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out id)) ids.Add(id);
        }
        ids.Sort();
        return ids;
    }

    /// <summary>The latest committed epoch, or null.</summary>
    public long? LatestCommitted()
    {
        var ids = CommittedBatchIds();
        return ids.Count == 0 ? null : ids[^1];
    }

    /// <summary>Every committed file (relative to the sink directory, or as written by Spark), by epoch then listing order, without duplicates.</summary>
    public IReadOnlyList<string> AllCommittedFiles()
    {
        var result = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in CommittedBatchIds())
        {
            var path = EntryPath(id);
            if (!File.Exists(path)) path += ".compact";
            foreach (var f in ParseEntry(File.ReadAllText(path)))
                if (seen.Add(f)) result.Add(f);
        }
        return result;
    }

    /// <summary>
    /// The files a batch read of <paramref name="directory"/> must see (full paths): when the directory has a
    /// <c>_spark_metadata</c> log, only the files it lists (that exist); otherwise every data file in it. With
    /// <paramref name="roots"/>, a file whose real path leaves them (a log entry naming another place, a link) is refused.
    /// </summary>
    /// <exception cref="IOException">A file to read resolves outside <paramref name="roots"/>.</exception>
    public static IReadOnlyList<string> ReadableFiles(string directory, FileRoots? roots = null)
    {
        var files = LoggedOrListedFiles(new FileSinkLog(directory));
        foreach (var file in files) roots?.ThrowIfOutside(file, "File");
        return files;
    }

    private static IReadOnlyList<string> LoggedOrListedFiles(FileSinkLog log)
    {
        if (System.IO.Directory.Exists(log.MetadataDirectory))
        {
            var files = new List<string>();
            foreach (var f in log.AllCommittedFiles())
            {
                var full = f.StartsWith("file:", StringComparison.OrdinalIgnoreCase) ? new Uri(f).LocalPath : Path.Combine(log.Directory, f);
                if (File.Exists(full)) files.Add(full);
            }
            return files;
        }
        if (!System.IO.Directory.Exists(log.Directory)) return [];
        return System.IO.Directory.EnumerateFiles(log.Directory)
            .Where(f => FileSourceListing.IsDataFileName(Path.GetFileName(f)))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private string EntryPath(long batchId) => Path.Combine(MetadataDirectory, batchId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static List<string> ParseEntry(string text)
    {
        var files = new List<string>();
        foreach (var line in text.Split('\n'))
        {
            var l = line.Trim();
            if (l.Length == 0 || l[0] != '{') continue;
            var e = JsonSerializer.Deserialize<Entry>(l);
            if (e?.Path is not null && e.Action != "delete") files.Add(e.Path);
        }
        return files;
    }

    private sealed class Entry
    {
        [System.Text.Json.Serialization.JsonPropertyName("path")]
        public string? Path { get; set; }

        [System.Text.Json.Serialization.JsonPropertyName("action")]
        public string? Action { get; set; }
    }
}
