namespace OrleansStream.Cluster.Tests.Infrastructure;

/// <summary>Paths in the repository these tests run from.</summary>
public static class Repository
{
    /// <summary>The folder holding OrleansStream.sln.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "OrleansStream.sln"))) return dir.FullName;
        throw new InvalidOperationException("OrleansStream.sln not found above " + AppContext.BaseDirectory);
    }


    /// <summary>A new empty folder under the temp directory.</summary>
    public static string NewTempFolder(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)]);
        Directory.CreateDirectory(path);
        return path;
    }
}
