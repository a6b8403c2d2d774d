using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Formats;
using OrleansStream.Engine.Sinks;
using OrleansStream.Engine.Tests.Data;
using Xunit;
using static OrleansStream.Engine.Tests.Data.TestData;

namespace OrleansStream.Engine.Tests.Sinks;

public class FileSinkTests
{
    private static readonly Schema Schema = TestData.Schema(F("id", Int32Type.Default), F("name", StringType.Default));

    private static RecordBatch Rows(params int[] ids) => ArrowValues.FromRows(Schema, ids.Select(i => new object?[] { i, "n" + i }).ToList());

    private static List<int> ReadIds(string dir) => FileSinkLog.ReadableFiles(dir)
        .SelectMany(f => ArrowValues.ToRows(JsonLinesReader.Read(f, Schema, ReaderOptions.Default)).Select(r => (int)r[0]!))
        .Order().ToList();

    [Fact]
    public void Each_epoch_is_read_exactly_once_even_after_a_replay()
    {
        using var dir = new TempDir();
        var writer = new FileSinkWriter(dir.Path, FileFormats.GetWriter("json"));
        var log = new FileSinkLog(dir.Path);

        // Epoch 0: two partitions, committed.
        var e0 = new[] { writer.Write(0, 0, Rows(1, 2)), writer.Write(0, 1, Rows(3)) };
        Assert.Equal(["part-00000-000.json", "part-00000-001.json"], e0);
        log.Commit(0, e0);
        Assert.True(log.TryGetCommitted(0));
        Assert.Equal([1, 2, 3], ReadIds(dir.Path));

        // Epoch 1 crashes after writing partition 0 but before the commit: readers must not see it.
        writer.Write(1, 0, Rows(4, 5));
        Assert.False(log.TryGetCommitted(1));
        Assert.Equal([1, 2, 3], ReadIds(dir.Path));

        // Replay of epoch 1 (same deterministic names, overwritten), then commit; a second commit is a no-op.
        var e1 = new[] { writer.Write(1, 0, Rows(4, 5)), writer.Write(1, 1, Rows(6)) };
        log.Commit(1, e1);
        log.Commit(1, e1.Reverse().ToArray());
        Assert.Equal([1, 2, 3, 4, 5, 6], ReadIds(dir.Path));
        Assert.True(log.TryGetCommitted(1, out var files));
        Assert.Equal(e1, files);
        Assert.Equal(e0.Concat(e1), log.AllCommittedFiles());
        Assert.Equal(1, log.LatestCommitted());

        // A different file set for a committed epoch is refused.
        var e = Assert.Throws<InvalidOperationException>(() => log.Commit(1, ["part-00001-009.json"]));
        Assert.Contains("Batch 1", e.Message);

        // No temp files are left behind.
        Assert.DoesNotContain(Directory.EnumerateFiles(dir.Path, "*", SearchOption.AllDirectories), f => f.EndsWith(".tmp"));
    }

    [Fact]
    public void Without_metadata_all_data_files_are_readable()
    {
        using var dir = new TempDir();
        dir.File("a.json", "{\"id\":1,\"name\":\"x\"}\n");
        dir.File("_SUCCESS", "");
        dir.File(".a.json.crc", "");
        Assert.Equal([System.IO.Path.Combine(dir.Path, "a.json")], FileSinkLog.ReadableFiles(dir.Path));
        Assert.Empty(FileSinkLog.ReadableFiles(System.IO.Path.Combine(dir.Path, "missing")));
    }

    [Fact]
    public void Concurrent_commits_of_one_epoch_agree()
    {
        using var dir = new TempDir();
        var files = new[] { "part-00003-000.csv" };
        Parallel.For(0, 8, _ => new FileSinkLog(dir.Path).Commit(3, files));
        Assert.Equal(files, new FileSinkLog(dir.Path).AllCommittedFiles());
    }
}
