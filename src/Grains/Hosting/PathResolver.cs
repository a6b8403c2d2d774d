using Microsoft.Extensions.Options;
using OrleansStream.Engine.Files;

namespace OrleansStream.Grains.Hosting;

/// <summary>
/// Turns user-given locations into checked full paths. Every check compares real paths (<see cref="RealPath"/>): links and
/// ".." are followed as the operating system will follow them, so neither leads a query out of its roots.
/// </summary>
internal sealed class PathResolver(IOptions<OrleansStreamOptions> options)
{
    public string DataDirectory { get; } = Path.GetFullPath(options.Value.DataDirectory);

    /// <summary>
    /// The configured <see cref="OrleansStreamOptions.FileRoots"/>, resolved now (a root made or moved later counts from the
    /// next query on), or null when none are configured (the embedded default: any path is the user's choice).
    /// </summary>
    public FileRoots? FileRoots => options.Value.FileRoots is { Length: > 0 } roots ? new FileRoots(roots) : null;

    /// <summary>
    /// The grain key of a checkpoint location, the same for every spelling of one location. A relative location lives under
    /// the checkpoint root and is keyed by its normalised relative path ("ck", "ck/", "./ck", "a/../ck" and the root's absolute
    /// "…/checkpoints/ck" are all "ck"); any other absolute location must lie inside the data directory, so that no query
    /// writes outside it, and is keyed by its normalised full path. With checkpoints on the file system, the location's real
    /// path (following links) must be inside the real data directory too.
    /// </summary>
    /// <exception cref="ArgumentException">The location is empty or escapes the checkpoint root or the data directory.</exception>
    public string CheckpointKey(string location)
    {
        if (string.IsNullOrWhiteSpace(location))
            throw new ArgumentException("Option 'checkpointLocation' is empty.");
        var root = Path.Combine(DataDirectory, "checkpoints");
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(Path.IsPathRooted(location) ? location : Path.Combine(root, location)));
        var inRoot = full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
        if (!inRoot && (!Path.IsPathRooted(location) || !full.StartsWith(DataDirectory + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
            throw new ArgumentException($"Option 'checkpointLocation' = '{location}' escapes the checkpoint root '{root}'.");
        if (ChecksCheckpointFiles && new FileRoots(DataDirectory).Outside(full) is { } real)
            throw new ArgumentException($"Option 'checkpointLocation' = '{location}' resolves to '{real}' (following symbolic links), outside the data directory '{DataDirectory}'.");
        return (inRoot ? Path.GetRelativePath(root, full) : full).Replace(Path.DirectorySeparatorChar, '/');
    }

    // Blob checkpoints have no file path for a link to redirect.
    private bool ChecksCheckpointFiles =>
        !OrleansStreamOptionsValidator.IsProvider(options.Value.Checkpoints.Provider, CheckpointStorageOptions.AzureBlobProvider);

    /// <summary>
    /// Checks a file source or sink path against <see cref="OrleansStreamOptions.FileRoots"/>: when roots are configured
    /// (a cluster), the path's real path must lie inside one of them; "..", links out or other absolute paths are refused.
    /// A sink folder that does not exist yet is checked through its nearest existing ancestor.
    /// </summary>
    /// <exception cref="ArgumentException">The path escapes every configured root.</exception>
    public void CheckFileRoot(string path, string optionName)
    {
        if (FileRoots is not { } roots) return;
        var full = DataPath(path, optionName);
        if (roots.Outside(full) is { } real)
            throw new ArgumentException($"Option '{optionName}' = {roots.Describe(full, real)}; this cluster only reads and writes files there.");
    }

    /// <summary>A source or sink path: relative paths resolve against the process's working directory, as in Spark's local mode.</summary>
    public static string DataPath(string path, string optionName)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new ArgumentException($"Option '{optionName}' must be set to a directory.");
        return Path.GetFullPath(path);
    }
}
