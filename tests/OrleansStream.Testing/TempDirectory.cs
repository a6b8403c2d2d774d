namespace OrleansStream.Testing;

/// <summary>A directory under the system temp folder, deleted at the end of the test.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "os-test-" + Guid.NewGuid().ToString("N")[..12]));

    public string Path { get; }

    /// <summary>The folder <paramref name="name"/> under this one, created if missing.</summary>
    public string Sub(string name)
    {
        var dir = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Writes a file atomically (temp + rename), as a producer dropping files into a watched folder should.</summary>
    public static void WriteFile(string dir, string name, string text)
    {
        var path = System.IO.Path.Combine(dir, name);
        File.WriteAllText(path + ".tmp", text);
        File.Move(path + ".tmp", path);
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
