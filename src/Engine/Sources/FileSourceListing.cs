using OrleansStream.Engine.Files;

namespace OrleansStream.Engine.Sources;

/// <summary>
/// Lists the new files of a file-source directory like Spark: top-level files only, ignoring hidden names
/// (starting with '.' or '_') and files still being written ('.tmp', '.crc' suffixes); optionally only one
/// extension. New files are those not in the seen set, ordered by modification time then name, oldest first
/// (newest first with latestFirst), at most maxFilesPerTrigger of them. A missing directory has no files yet.
/// With file roots, a file whose real path leaves them (a link dropped into the folder, or the folder itself swapped
/// for a link) is never listed: it is reported to the refused callback instead.
/// </summary>
public sealed class FileSourceListing
{
    /// <summary>Creates a listing of <paramref name="directory"/>.</summary>
    /// <param name="directory">The directory to watch.</param>
    /// <param name="extension">Only files with this extension (without the dot; case-insensitive), or null for every data file (Spark's behaviour).</param>
    /// <param name="maxFilesPerTrigger">At most this many new files per batch, or null for all.</param>
    /// <param name="latestFirst">Take the newest files first.</param>
    /// <param name="roots">The folders files must really lie in, or null for anywhere.</param>
    /// <param name="refused">Told the path of each file left out because its real path leaves <paramref name="roots"/>.</param>
    public FileSourceListing(string directory, string? extension = null, int? maxFilesPerTrigger = null, bool latestFirst = false,
        FileRoots? roots = null, Action<string>? refused = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (maxFilesPerTrigger is <= 0) throw new ArgumentException($"Invalid value '{maxFilesPerTrigger}' for option 'maxFilesPerTrigger': expected a positive integer.", nameof(maxFilesPerTrigger));
        Directory = Path.GetFullPath(directory);
        Extension = string.IsNullOrEmpty(extension) ? null : extension.TrimStart('.');
        MaxFilesPerTrigger = maxFilesPerTrigger;
        LatestFirst = latestFirst;
        Roots = roots;
        _refused = refused;
    }

    private readonly Action<string>? _refused;

    /// <summary>Creates a listing from source options: path (required), maxFilesPerTrigger, latestFirst (Spark's names, case-insensitive).</summary>
    /// <exception cref="ArgumentException">The 'path' option is missing, or an option value is invalid; the message names the option.</exception>
    public static FileSourceListing FromOptions(IReadOnlyDictionary<string, string> options, string? extension = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var opts = new Formats.ReaderOptions(options);
        var path = opts.Get("path");
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("Option 'path' is required for a file source.", nameof(options));
        return new FileSourceListing(path, extension, opts.GetPositiveInt("maxFilesPerTrigger"), opts.GetBool("latestFirst", false));
    }

    /// <summary>The watched directory (full path).</summary>
    public string Directory { get; }

    /// <summary>The extension filter, or null.</summary>
    public string? Extension { get; }

    /// <summary>The per-batch file limit, or null.</summary>
    public int? MaxFilesPerTrigger { get; }

    /// <summary>Whether the newest files are taken first.</summary>
    public bool LatestFirst { get; }

    /// <summary>The folders listed files must really lie in, or null.</summary>
    public FileRoots? Roots { get; }

    /// <summary>True for names Spark treats as data files: not hidden ('.' or '_' prefix) and not in progress ('.tmp', '.crc').</summary>
    public static bool IsDataFileName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Length > 0 && name[0] != '.' && name[0] != '_'
            && !name.EndsWith(".tmp", StringComparison.OrdinalIgnoreCase) && !name.EndsWith(".crc", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Every eligible file, oldest first (newest first with <see cref="LatestFirst"/>).</summary>
    public IReadOnlyList<SourceFile> ListAll()
    {
        var dir = new DirectoryInfo(Directory);
        if (!dir.Exists) return [];
        var files = new List<SourceFile>();
        var folderInside = Roots is null || Roots.ContainsReal(RealPath.Resolve(Directory));
        foreach (var f in dir.EnumerateFiles())
        {
            if (!IsDataFileName(f.Name)) continue;
            if (Extension is not null && !f.Name.EndsWith("." + Extension, StringComparison.OrdinalIgnoreCase)) continue;
            if (!IsInsideRoots(f, folderInside))
            {
                _refused?.Invoke(f.FullName);
                continue;
            }
            try { files.Add(new SourceFile(f.FullName, f.Length, f.LastWriteTimeUtc)); }
            catch (FileNotFoundException) { }
        }
        files.Sort((a, b) =>
        {
            int c = a.ModifiedUtc.CompareTo(b.ModifiedUtc);
            if (c == 0) c = string.CompareOrdinal(a.Path, b.Path);
            return LatestFirst ? -c : c;
        });
        return files;
    }

    // Resolving the folder once per listing keeps a poll cheap: a plain file is where its folder is, only a link needs resolving.
    private bool IsInsideRoots(FileInfo file, bool folderInside) => Roots is null
        || (file.Attributes.HasFlag(FileAttributes.ReparsePoint) ? Roots.Outside(file.FullName) is null : folderInside);

    /// <summary>The next batch of files not in <paramref name="seen"/> (full paths), at most <see cref="MaxFilesPerTrigger"/>.</summary>
    public IReadOnlyList<SourceFile> NextBatch(IReadOnlySet<string> seen) => NextBatch(seen, null, out _);

    /// <summary>
    /// The next batch of files not in <paramref name="seen"/>: at most <see cref="MaxFilesPerTrigger"/> files and, after the
    /// first, no more than <paramref name="maxBytes"/> bytes in all (Spark's maxBytesPerTrigger); <paramref name="left"/> is
    /// how many new files wait for later epochs.
    /// </summary>
    public IReadOnlyList<SourceFile> NextBatch(IReadOnlySet<string> seen, long? maxBytes, out int left)
    {
        ArgumentNullException.ThrowIfNull(seen);
        var result = new List<SourceFile>();
        long bytes = 0;
        left = 0;
        var full = false;
        foreach (var f in ListAll())
        {
            if (seen.Contains(f.Path)) continue;
            // Files go in listing order: once one does not fit, it and every later one wait.
            full = full || (MaxFilesPerTrigger is { } max && result.Count >= max) || (result.Count > 0 && bytes + f.Length > maxBytes);
            if (full)
            {
                left++;
                continue;
            }
            result.Add(f);
            bytes += f.Length;
        }
        return result;
    }
}
