using OrleansStream.Engine.Files;
using OrleansStream.Engine.Sources;
using OrleansStream.Engine.Tests.Data;
using Xunit;

namespace OrleansStream.Engine.Tests.Sources;

/// <summary>A listing with file roots never offers a file whose real path leaves them; links that stay inside are data files.</summary>
public class FileSourceListingSymlinkTests
{
    [Fact]
    public void NextBatch_WithRoots_SkipsAFileLinkLeavingTheRootsAndKeepsOneInside()
    {
        using var dir = new TempDir();
        var input = Path.Combine(dir.Path, "root", "in");
        var plain = dir.File("root/in/a.json", "{}");
        var secret = dir.File("outside/secret.json", "{}");
        var kept = dir.File("root/other/b.json", "{}");
        var evil = File.CreateSymbolicLink(Path.Combine(input, "evil.json"), secret).FullName;
        var inside = File.CreateSymbolicLink(Path.Combine(input, "inside.json"), kept).FullName;
        var refused = new List<string>();

        var listing = new FileSourceListing(input, roots: new FileRoots(Path.Combine(dir.Path, "root")), refused: refused.Add);
        var files = listing.NextBatch(new HashSet<string>()).Select(f => f.Path).ToList();

        Assert.Equal([plain, inside], files.Order(StringComparer.Ordinal));
        Assert.Equal([evil], refused);
        Assert.Contains(evil, new FileSourceListing(input).NextBatch(new HashSet<string>()).Select(f => f.Path));
    }

    [Fact]
    public void NextBatch_WithRoots_WhenTheFolderBecomesALinkOut_OffersNothing()
    {
        using var dir = new TempDir();
        dir.File("outside/secret.json", "{}");
        Directory.CreateDirectory(Path.Combine(dir.Path, "root"));
        var input = Directory.CreateSymbolicLink(Path.Combine(dir.Path, "root", "in"), Path.Combine(dir.Path, "outside")).FullName;
        var listing = new FileSourceListing(input, roots: new FileRoots(Path.Combine(dir.Path, "root")));
        Assert.Empty(listing.NextBatch(new HashSet<string>()));
    }
}
