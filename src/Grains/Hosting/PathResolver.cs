using Microsoft.Extensions.Options;

namespace OrleansStream.Grains.Hosting;

/// <summary>Turns user-given locations into checked full paths.</summary>
internal sealed class PathResolver(IOptions<OrleansStreamOptions> options)
{
    public string DataDirectory { get; } = Path.GetFullPath(options.Value.DataDirectory);

    /// <summary>
    /// The grain key of a checkpoint location, the same for every spelling of one location. A relative location lives under
    /// the checkpoint root and is keyed by its normalised relative path ("ck", "ck/", "./ck", "a/../ck" and the root's absolute
    /// "…/checkpoints/ck" are all "ck"); any other absolute location must lie inside the data directory, so that no query
    /// writes outside it, and is keyed by its normalised full path.
    /// </summary>
    /// <exception cref="ArgumentException">The location is empty or escapes the checkpoint root or the data directory.</exception>
    public string CheckpointKey(string location)
    {
        if (string.IsNullOrWhiteSpace(location))
            throw new ArgumentException("Option 'checkpointLocation' is empty.");
        var root = Path.Combine(DataDirectory, "checkpoints");
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(Path.IsPathRooted(location) ? location : Path.Combine(root, location)));
        if (full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            return Path.GetRelativePath(root, full).Replace(Path.DirectorySeparatorChar, '/');
        if (!Path.IsPathRooted(location) || !full.StartsWith(DataDirectory + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ArgumentException($"Option 'checkpointLocation' = '{location}' escapes the checkpoint root '{root}'.");
        return full.Replace(Path.DirectorySeparatorChar, '/');
    }

    /// <summary>
    /// Checks a file source or sink path against <see cref="OrleansStreamOptions.FileRoots"/>: when roots are configured
    /// (a cluster), the path must lie inside one of them; "..", links out or other absolute paths are refused.
    /// </summary>
    /// <exception cref="ArgumentException">The path escapes every configured root.</exception>
    public void CheckFileRoot(string path, string optionName)
    {
        if (options.Value.FileRoots is not { Length: > 0 } roots) return;
        var full = DataPath(path, optionName);
        foreach (var root in roots.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var rootFull = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
            if (full == rootFull || full.StartsWith(rootFull + Path.DirectorySeparatorChar, StringComparison.Ordinal)) return;
        }
        throw new ArgumentException($"Option '{optionName}' = '{path}' is outside the configured file roots ({roots}); this cluster only reads and writes files there.");
    }

    /// <summary>A source or sink path: relative paths resolve against the process's working directory, as in Spark's local mode.</summary>
    public static string DataPath(string path, string optionName)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new ArgumentException($"Option '{optionName}' must be set to a directory.");
        return Path.GetFullPath(path);
    }
}
