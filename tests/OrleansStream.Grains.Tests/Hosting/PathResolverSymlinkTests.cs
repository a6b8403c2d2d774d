using Microsoft.Extensions.Options;
using OrleansStream.Grains.Hosting;

namespace OrleansStream.Grains.Tests.Hosting;

/// <summary>
/// Root checks compare real paths: a symbolic link anywhere in a path (the last component, a directory above it, or the
/// root itself) is followed before the path is compared with the configured roots. Real links in a temp folder.
/// </summary>
public sealed class PathResolverSymlinkTests : IDisposable
{
    private readonly string _temp = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "os-links-" + Guid.NewGuid().ToString("N")[..12])).FullName;
    private readonly string _root;
    private readonly string _outside;

    public PathResolverSymlinkTests()
    {
        _root = Directory.CreateDirectory(Path.Combine(_temp, "root")).FullName;
        _outside = Directory.CreateDirectory(Path.Combine(_temp, "outside")).FullName;
    }

    public void Dispose()
    {
        try { Directory.Delete(_temp, recursive: true); } catch (IOException) { }
    }

    private PathResolver Resolver(string? fileRoots) =>
        new(Options.Create(new OrleansStreamOptions { DataDirectory = Path.Combine(_temp, "data"), FileRoots = fileRoots }));

    private string Link(string relative, string target)
    {
        var path = Path.Combine(_temp, relative);
        Directory.CreateSymbolicLink(path, target);
        return path;
    }

    [Fact]
    public void CheckFileRoot_WhenTheFolderIsALinkLeavingTheRoots_Refuses()
    {
        var linked = Link("root/in", _outside);
        var error = Assert.Throws<ArgumentException>(() => Resolver(_root).CheckFileRoot(linked, "path"));
        Assert.Contains("'path'", error.Message);
        Assert.Contains(_outside, error.Message);
        Assert.Contains(_root, error.Message);
    }

    [Fact]
    public void CheckFileRoot_WhenANotYetExistingSinkLiesUnderALinkedAncestor_Refuses()
    {
        Link("root/shared", _outside);
        Assert.Throws<ArgumentException>(() => Resolver(_root).CheckFileRoot(Path.Combine(_root, "shared", "new", "out"), "path"));
    }

    [Fact]
    public void CheckFileRoot_WhenALinkTargetClimbsOutWithDotDot_Refuses()
    {
        Link("root/up", "../outside");
        Assert.Throws<ArgumentException>(() => Resolver(_root).CheckFileRoot(Path.Combine(_root, "up"), "path"));
        Assert.Throws<ArgumentException>(() => Resolver(_root).CheckFileRoot(Path.Combine(_root, "up", "new"), "path"));
    }

    [Fact]
    public void CheckFileRoot_WhenDotDotFollowsALink_ChecksTheFoldedPathThatEveryReadAndWriteUses()
    {
        // Sources and sinks open Path.GetFullPath(path), which folds root/deep/../x to root/x before any link is seen;
        // the check follows the same path, so this is root/x (inside), while root/deep/.. itself leads out.
        Directory.CreateDirectory(Path.Combine(_outside, "sub"));
        Link("root/deep", Path.Combine(_outside, "sub"));
        Resolver(_root).CheckFileRoot(_root + "/deep/../x", "path");
        Assert.Throws<ArgumentException>(() => Resolver(_root).CheckFileRoot(Path.Combine(_root, "deep", "y"), "path"));
    }

    [Fact]
    public void CheckFileRoot_WhenTheRootIsALink_AcceptsThePathThroughEitherSpelling()
    {
        var alias = Link("alias", _root);
        var resolver = Resolver(alias);
        resolver.CheckFileRoot(Path.Combine(_root, "in"), "path");
        resolver.CheckFileRoot(Path.Combine(alias, "in"), "path");
        Assert.Throws<ArgumentException>(() => resolver.CheckFileRoot(Path.Combine(_outside, "in"), "path"));
    }

    [Fact]
    public void CheckFileRoot_WhenALinkStaysInsideTheRoots_Accepts()
    {
        Directory.CreateDirectory(Path.Combine(_root, "data"));
        Resolver(_root).CheckFileRoot(Link("root/current", Path.Combine(_root, "data")), "path");
        // Relative link targets resolve against the link's folder.
        Resolver(_root).CheckFileRoot(Link("root/relative", "data"), "path");
    }

    [Fact]
    public void CheckFileRoot_WhenRootsAreUnset_AcceptsLinksAnywhere() =>
        Resolver(null).CheckFileRoot(Link("root/in", _outside), "path");

    [Fact]
    public void CheckpointKey_WhenTheCheckpointFolderIsALinkLeavingTheDataDirectory_Refuses()
    {
        Directory.CreateDirectory(Path.Combine(_temp, "data", "checkpoints"));
        Link("data/checkpoints/q", _outside);
        var error = Assert.Throws<ArgumentException>(() => Resolver(null).CheckpointKey("q"));
        Assert.Contains("'checkpointLocation'", error.Message);
    }
}
