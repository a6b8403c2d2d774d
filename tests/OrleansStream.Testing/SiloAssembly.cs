namespace OrleansStream.Testing;

/// <summary>The silo executable (src/Silo, `orleansstream`) that tests start as a process of its own.</summary>
public static class SiloAssembly
{
    /// <summary>
    /// OrleansStream.Silo.dll as the solution build left it, in the configuration and framework of the calling test
    /// assembly (read from its bin/&lt;configuration&gt;/&lt;framework&gt; folder).
    /// </summary>
    public static string Locate()
    {
        var testDir = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var framework = Path.GetFileName(testDir);
        var configuration = Path.GetFileName(Path.GetDirectoryName(testDir)!);
        var root = Path.GetFullPath(Path.Combine(testDir, "..", "..", "..", "..", ".."));
        var path = Path.Combine(root, "src", "Silo", "bin", configuration, framework, "OrleansStream.Silo.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build the solution first: {path} is missing.");
    }
}
