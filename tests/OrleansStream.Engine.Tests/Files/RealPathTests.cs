using OrleansStream.Engine.Files;
using OrleansStream.Engine.Tests.Data;
using Xunit;

namespace OrleansStream.Engine.Tests.Files;

public class RealPathTests
{
    [Fact]
    public void Resolve_FollowsLinksInEveryComponentAndKeepsAMissingTail()
    {
        using var dir = new TempDir();
        var real = Directory.CreateDirectory(Path.Combine(dir.Path, "a", "real")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(dir.Path, "hop1"), "a/hop2");
        Directory.CreateSymbolicLink(Path.Combine(dir.Path, "a", "hop2"), "real");
        Assert.Equal(real, RealPath.Resolve(Path.Combine(dir.Path, "hop1")));
        Assert.Equal(Path.Combine(real, "new", "x"), RealPath.Resolve(Path.Combine(dir.Path, "hop1", "new", "gone", "..", "x")));
        // ".." after a link climbs from where the link led, as the kernel does.
        Assert.Equal(Path.Combine(dir.Path, "a"), RealPath.Resolve(dir.Path + "/hop1/.."));
    }

    [Fact]
    public void Resolve_WhenLinksLoop_Throws()
    {
        using var dir = new TempDir();
        Directory.CreateSymbolicLink(Path.Combine(dir.Path, "x"), "y");
        Directory.CreateSymbolicLink(Path.Combine(dir.Path, "y"), "x");
        Assert.Throws<IOException>(() => RealPath.Resolve(Path.Combine(dir.Path, "x", "f")));
    }
}
