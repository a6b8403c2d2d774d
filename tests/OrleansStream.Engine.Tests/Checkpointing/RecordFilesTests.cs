using OrleansStream.Engine.Checkpointing;
using OrleansStream.Engine.Tests.Data;
using Xunit;

namespace OrleansStream.Engine.Tests.Checkpointing;

/// <summary>
/// The store's record opens fail as <see cref="File.OpenHandle"/> did, which the store's callers tell apart (a missing
/// record reads as absent, a create over a file is a conflict), and let readers and an in-place writer share a record.
/// </summary>
public sealed class RecordFilesTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_missing_file_or_directory_fails_as_File_OpenHandle_does()
    {
        var missing = Path.Combine(_dir.Path, "missing");
        Assert.Throws<FileNotFoundException>(() => RecordFiles.OpenRead(missing));
        Assert.Throws<FileNotFoundException>(() => RecordFiles.OpenWrite(missing));
        Assert.Throws<DirectoryNotFoundException>(() => RecordFiles.OpenRead(Path.Combine(missing, "record")));
        Assert.Throws<DirectoryNotFoundException>(() => RecordFiles.CreateNew(Path.Combine(missing, "record")));
    }

    [Fact]
    public void A_create_over_a_file_fails_and_leaves_the_file_as_it_was()
    {
        var path = Path.Combine(_dir.Path, "record");
        using (var created = RecordFiles.CreateNew(path)) RandomAccess.Write(created, "first"u8, 0);
        var error = Assert.ThrowsAny<IOException>(() => RecordFiles.CreateNew(path));
        Assert.IsNotType<FileNotFoundException>(error);
        Assert.Equal("first"u8.ToArray(), File.ReadAllBytes(path));
    }

    [Fact]
    public void Readers_and_an_in_place_writer_share_a_record_and_a_reader_sees_the_write()
    {
        var path = Path.Combine(_dir.Path, "record");
        File.WriteAllBytes(path, "aaaa"u8.ToArray());
        using var reader = RecordFiles.OpenRead(path);
        using var other = RecordFiles.OpenRead(path);
        using (var writer = RecordFiles.OpenWrite(path)) RandomAccess.Write(writer, "bb"u8, 2);
        var bytes = new byte[4];
        Assert.Equal(4, RandomAccess.Read(reader, bytes, 0));
        Assert.Equal("aabb"u8.ToArray(), bytes);
        Assert.Equal(4, RandomAccess.GetLength(other));
        Assert.Throws<UnauthorizedAccessException>(() => RandomAccess.Write(reader, "x"u8, 0));
    }
}
