using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Formats;
using OrleansStream.Engine.Sinks;
using OrleansStream.Engine.Files;
using OrleansStream.Engine.Tests.Data;
using Xunit;
using static OrleansStream.Engine.Tests.Data.TestData;

namespace OrleansStream.Engine.Tests.Sinks;

/// <summary>A file sink with roots checks its folder's real path when it writes, so a folder swapped for a link out is caught.</summary>
public class FileSinkSymlinkTests
{
    private static readonly Schema Schema = TestData.Schema(F("id", Int32Type.Default));

    private static RecordBatch Rows(params int[] ids) => ArrowValues.FromRows(Schema, ids.Select(i => new object?[] { i }).ToList());

    [Fact]
    public void Write_WhenTheSinkFolderWasReplacedByALinkOut_RefusesAndWritesNothing()
    {
        using var dir = new TempDir();
        var root = Directory.CreateDirectory(Path.Combine(dir.Path, "root")).FullName;
        var outside = Directory.CreateDirectory(Path.Combine(dir.Path, "outside")).FullName;
        var sink = Path.Combine(root, "out");
        var writer = new FileSinkWriter(sink, FileFormats.GetWriter("json"), roots: new FileRoots(root));
        writer.Write(0, 0, Guid.NewGuid(), Rows(1));

        Directory.Delete(sink, recursive: true);
        Directory.CreateSymbolicLink(sink, outside);
        var error = Assert.Throws<IOException>(() => writer.Write(1, 0, Guid.NewGuid(), Rows(2)));
        Assert.Contains(outside, error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
    }

    [Fact]
    public void Commit_WhenTheMetadataFolderIsALinkOut_RefusesAndWritesNothing()
    {
        using var dir = new TempDir();
        var root = Directory.CreateDirectory(Path.Combine(dir.Path, "root", "out")).FullName;
        var outside = Directory.CreateDirectory(Path.Combine(dir.Path, "outside")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(root, FileSinkLog.MetadataDirectoryName), outside);
        var log = new FileSinkLog(root, new FileRoots(Path.GetDirectoryName(root)!));
        Assert.Throws<IOException>(() => log.Commit(0, ["part-00000-000.json"]));
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
    }
}
