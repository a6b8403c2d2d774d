using Microsoft.Extensions.Options;
using OrleansStream.Grains.Hosting;

namespace OrleansStream.Grains.Tests.Hosting;

/// <summary>Checkpoint locations and file paths that escape their configured roots are refused before anything is written.</summary>
public sealed class PathResolverTests
{
    private static PathResolver Resolver(string data, string? fileRoots = null) =>
        new(Options.Create(new OrleansStreamOptions { DataDirectory = data, FileRoots = fileRoots }));

    [Fact]
    public void CheckpointLocations_StayUnderTheCheckpointRoot()
    {
        var resolver = Resolver("/srv/os");
        Assert.Equal("queries/counts", resolver.CheckpointKey("queries/counts"));
        Assert.Equal("counts", resolver.CheckpointKey("/srv/os/checkpoints/counts"));
        // One location, however it is spelled, is one checkpoint (and one query).
        Assert.All(new[] { "counts/", "./counts", "queries/../counts", "/srv/os/checkpoints/counts/" }, l => Assert.Equal("counts", resolver.CheckpointKey(l)));
        Assert.Equal("/srv/os/elsewhere/counts", resolver.CheckpointKey("/srv/os/elsewhere/./counts/"));
        Assert.Contains("escapes the checkpoint root", Assert.Throws<ArgumentException>(() => resolver.CheckpointKey("../../etc")).Message);
        Assert.Contains("'checkpointLocation'", Assert.Throws<ArgumentException>(() => resolver.CheckpointKey("/etc/passwd")).Message);
    }

    [Fact]
    public void FilePaths_MustLieInsideAConfiguredRoot()
    {
        var resolver = Resolver("/srv/os", "/srv/os/data;/mnt/shared");
        resolver.CheckFileRoot("/srv/os/data/in", "path");
        resolver.CheckFileRoot("/mnt/shared", "path");
        var escape = Assert.Throws<ArgumentException>(() => resolver.CheckFileRoot("/srv/os/data/../../../etc", "path"));
        Assert.Contains("outside the configured file roots", escape.Message);
        Assert.Throws<ArgumentException>(() => resolver.CheckFileRoot("/srv/os/database", "path"));
        Assert.Throws<ArgumentException>(() => resolver.CheckFileRoot("/tmp/out", "path"));
        // Without configured roots (the embedded default) any path is the user's choice, as in Spark's local mode.
        Resolver("/srv/os").CheckFileRoot("/tmp/out", "path");
    }
}
