namespace OrleansStream.Engine.Files;

/// <summary>
/// Resolves a path the way the operating system will when it is opened: every symbolic link (or junction) is followed,
/// in every component including the last, and ".." applies to the folder a link led to, not to the text before it.
/// Unlike realpath(3), a path that does not exist yet (a sink folder to be created) resolves its nearest existing ancestor
/// and appends the rest, which the file system will create as plain folders.
/// </summary>
public static class RealPath
{
    // As Linux's MAXSYMLINKS: more hops than this is a loop.
    private const int MaxLinks = 40;

    /// <summary>The real full path of <paramref name="path"/> (relative paths start at the working directory).</summary>
    /// <exception cref="IOException">The links loop (or chain more than 40 deep).</exception>
    public static string Resolve(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        // Not Path.GetFullPath: it folds "a/link/.." to "a" before the link is seen.
        var full = Path.IsPathFullyQualified(path) ? path : Path.Join(Environment.CurrentDirectory, path);
        var resolved = Path.GetPathRoot(full)!;
        var pending = new Stack<string>();
        PushComponents(pending, full[resolved.Length..]);
        var links = 0;
        while (pending.TryPop(out var name))
        {
            if (name is "" or ".") continue;
            if (name == "..")
            {
                resolved = Path.GetDirectoryName(resolved) ?? resolved;
                continue;
            }
            var candidate = Path.Join(resolved, name);
            var info = new FileInfo(candidate);
            if ((int)info.Attributes == -1) return MissingTail(candidate, pending);
            if (info.Attributes.HasFlag(FileAttributes.ReparsePoint) && info.LinkTarget is { } target)
            {
                if (++links > MaxLinks) throw new IOException($"Too many levels of symbolic links in '{path}'.");
                // An absolute target restarts at its root; a relative one continues from the link's folder.
                if (Path.IsPathRooted(target)) resolved = Path.GetPathRoot(target)!;
                PushComponents(pending, target[Path.GetPathRoot(target)!.Length..]);
                continue;
            }
            resolved = candidate;
        }
        return resolved;
    }

    private static void PushComponents(Stack<string> pending, string relative)
    {
        var parts = relative.Split(Separators);
        for (var i = parts.Length - 1; i >= 0; i--) pending.Push(parts[i]);
    }

    // Nothing below a missing component exists, so no link can change it: fold it as text.
    private static string MissingTail(string missing, Stack<string> pending) =>
        Path.GetFullPath(pending.Count == 0 ? missing : Path.Join(missing, string.Join(Path.DirectorySeparatorChar, pending)));

    private static readonly char[] Separators = Path.DirectorySeparatorChar == Path.AltDirectorySeparatorChar
        ? [Path.DirectorySeparatorChar]
        : [Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar];
}
