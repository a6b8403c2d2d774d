namespace OrleansStream.Engine.Files;

/// <summary>
/// The folders a cluster's file sources and sinks may use. A path is inside when its real path (<see cref="RealPath"/>)
/// lies in the real path of a root, so neither links nor ".." lead out, and a root that is itself a link still counts
/// under either spelling. Roots are resolved once, when the instance is made.
/// </summary>
public sealed class FileRoots
{
    private static readonly StringComparison PathComparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS()
        ? StringComparison.OrdinalIgnoreCase
        : StringComparison.Ordinal;

    private readonly string[] _real;

    /// <summary>Creates the roots of <paramref name="roots"/>, ';'-separated as in OrleansStream__FileRoots.</summary>
    public FileRoots(string roots)
    {
        ArgumentNullException.ThrowIfNull(roots);
        Configured = roots;
        _real = roots.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(r => Path.TrimEndingDirectorySeparator(RealPath.Resolve(r)))
            .ToArray();
    }

    /// <summary>The roots as configured, for messages.</summary>
    public string Configured { get; }

    /// <summary>True when the already-resolved <paramref name="realPath"/> is a root or lies under one.</summary>
    public bool ContainsReal(string realPath)
    {
        ArgumentNullException.ThrowIfNull(realPath);
        foreach (var root in _real)
        {
            if (!realPath.StartsWith(root, PathComparison)) continue;
            // "/data" holds "/data" and "/data/x" but not "/database"; a root of "/" ends in its separator.
            if (realPath.Length == root.Length || IsSeparator(root[^1]) || IsSeparator(realPath[root.Length])) return true;
        }
        return false;
    }

    /// <summary>The real path of <paramref name="path"/> when it leaves every root; null when it is inside.</summary>
    public string? Outside(string path)
    {
        var real = RealPath.Resolve(path);
        return ContainsReal(real) ? null : real;
    }

    /// <summary>Throws when <paramref name="path"/> resolves outside every root; <paramref name="what"/> names it in the message.</summary>
    /// <exception cref="IOException">The real path leaves the roots.</exception>
    public void ThrowIfOutside(string path, string what)
    {
        if (Outside(path) is { } real) throw new IOException($"{what} {Describe(path, real)}; refusing to use it.");
    }

    /// <summary>"'path' is outside the configured file roots (...)", saying where links led when they did.</summary>
    public string Describe(string path, string real) => real == Path.GetFullPath(path)
        ? $"'{path}' is outside the configured file roots ({Configured})"
        : $"'{path}' resolves to '{real}' (following symbolic links), outside the configured file roots ({Configured})";

    private static bool IsSeparator(char c) => c == Path.DirectorySeparatorChar || c == Path.AltDirectorySeparatorChar;
}
