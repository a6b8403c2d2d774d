namespace OrleansStream.Grains.Tests.Infrastructure;

/// <summary>A directory under the system temp folder, deleted at the end of the test.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "os-test-" + Guid.NewGuid().ToString("N")[..12]));

    public string Path { get; }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
