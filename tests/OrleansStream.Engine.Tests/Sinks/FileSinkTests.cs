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
        var a0 = Guid.NewGuid();
        var e0 = new[] { writer.Write(0, 0, a0, Rows(1, 2)), writer.Write(0, 1, a0, Rows(3)) };
        Assert.Equal([$"part-00000-000-{a0:N}.json", $"part-00000-001-{a0:N}.json"], e0);
        Assert.Equal(e0, log.Commit(0, e0));
        Assert.True(log.TryGetCommitted(0));
        Assert.Equal([1, 2, 3], ReadIds(dir.Path));

        // Epoch 1 crashes after writing partition 0 but before the commit: readers must not see it.
        var crashed = writer.Write(1, 0, Guid.NewGuid(), Rows(4, 5));
        Assert.False(log.TryGetCommitted(1));
        Assert.Equal([1, 2, 3], ReadIds(dir.Path));

        // The replay of epoch 1 writes files of its own (the crashed attempt's is never overwritten), then commits.
        var a1 = Guid.NewGuid();
        var e1 = new[] { writer.Write(1, 0, a1, Rows(4, 5)), writer.Write(1, 1, a1, Rows(6)) };
        Assert.DoesNotContain(crashed, e1);
        Assert.Equal(e1, log.Commit(1, e1));
        Assert.Equal([1, 2, 3, 4, 5, 6], ReadIds(dir.Path));
        Assert.True(log.TryGetCommitted(1, out var files));
        Assert.Equal(e1, files);
        Assert.Equal(e0.Concat(e1), log.AllCommittedFiles());
        Assert.Equal(1, log.LatestCommitted());

        // A replay after the log was written (a crash before the commit log) keeps the committed files: its own do not count.
        var replay = new[] { writer.Write(1, 0, Guid.NewGuid(), Rows(4, 5, 6)) };
        Assert.Equal(e1, log.Commit(1, replay));
        Assert.Equal([1, 2, 3, 4, 5, 6], ReadIds(dir.Path));

        // No temp files are left behind.
        Assert.DoesNotContain(Directory.EnumerateFiles(dir.Path, "*", SearchOption.AllDirectories), f => f.EndsWith(".tmp"));
    }

    [Fact]
    public void A_folder_is_owned_by_one_query_unless_another_takes_it_over()
    {
        using var dir = new TempDir();
        var log = new FileSinkLog(dir.Path);
        var first = Guid.NewGuid();
        Assert.Equal(new FileSinkOwner(first, "ck", 0), log.Claim(first, "ck", knownHere: false, takeOver: false));
        log.Commit(0, ["a"]);
        log.Commit(1, ["b"]);
        Assert.Equal(new FileSinkOwner(first, "ck", 0), log.Claim(first, "ck", knownHere: true, takeOver: false));

        var second = Guid.NewGuid();
        var refused = Assert.Throws<InvalidOperationException>(() => log.Claim(second, "ck2", knownHere: false, takeOver: false));
        Assert.Contains(first.ToString(), refused.Message);
        Assert.Contains(second.ToString(), refused.Message);
        Assert.Contains("'ck'", refused.Message);
        Assert.Contains("'ck2'", refused.Message);
        Assert.Contains("takeOverOutput", refused.Message);

        // Taken over, the second query's epoch 0 continues the log after batch 1.
        Assert.Equal(new FileSinkOwner(second, "ck2", 2), log.Claim(second, "ck2", knownHere: false, takeOver: true));
        Assert.Equal(second, log.ReadOwner()!.QueryId);
        Assert.Equal(["a", "b"], log.AllCommittedFiles());
    }

    [Fact]
    public void A_log_without_an_owner_is_claimed_only_by_a_query_that_ran_before()
    {
        using var dir = new TempDir();
        var log = new FileSinkLog(dir.Path);
        log.Commit(0, ["a"]);
        Assert.Throws<InvalidOperationException>(() => log.Claim(Guid.NewGuid(), "new", knownHere: false, takeOver: false));
        var old = Guid.NewGuid();
        Assert.Equal(new FileSinkOwner(old, "old", 0), log.Claim(old, "old", knownHere: true, takeOver: false));
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
    public void Claim_WhenTheOutputPathOrAnAncestorIsAFile_IsRefusedNamingTheFile()
    {
        using var dir = new TempDir();
        var file = Path.Combine(dir.Path, "out");
        File.WriteAllText(file, "x");

        var direct = Assert.Throws<InvalidOperationException>(() => new FileSinkLog(file).Claim(Guid.NewGuid(), "ck", knownHere: false, takeOver: false));
        var below = Assert.Throws<InvalidOperationException>(() => new FileSinkLog(Path.Combine(file, "a", "b")).Claim(Guid.NewGuid(), "ck", knownHere: false, takeOver: false));

        Assert.Contains($"'{file}' is a file", direct.Message);
        Assert.Contains($"'{file}' is a file", below.Message);
        Assert.Contains("option 'path'", below.Message);
        Assert.Equal("x", File.ReadAllText(file));
    }

    [Fact]
    public void Concurrent_commits_of_one_epoch_agree()
    {
        using var dir = new TempDir();
        var files = new[] { "part-00003-000-0.csv" };
        Parallel.For(0, 8, _ => new FileSinkLog(dir.Path).Commit(3, files));
        Assert.Equal(files, new FileSinkLog(dir.Path).AllCommittedFiles());
    }
}

public class StaleTempFileTests
{
    [Fact]
    public void A_killed_writers_temp_files_are_removed_once_stale_and_a_fresh_one_is_left_alone()
    {
        using var dir = new TempDir();
        var log = new FileSinkLog(dir.Path);
        Directory.CreateDirectory(log.MetadataDirectory);
        string Touch(string path, TimeSpan age)
        {
            File.WriteAllText(path, "x");
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow - age);
            return path;
        }
        var stalePart = Touch(Path.Combine(dir.Path, ".part-00003-000.json.0a1b.tmp"), TimeSpan.FromHours(1));
        var staleEntry = Touch(Path.Combine(log.MetadataDirectory, ".3.0a1b.tmp"), TimeSpan.FromHours(1));
        var freshPart = Touch(Path.Combine(dir.Path, ".part-00004-000.json.0a1c.tmp"), TimeSpan.Zero);
        var committed = Touch(Path.Combine(dir.Path, "part-00002-000.json"), TimeSpan.FromHours(1));

        log.RemoveStaleTempFiles(DateTime.UtcNow);

        Assert.False(File.Exists(stalePart));
        Assert.False(File.Exists(staleEntry));
        Assert.True(File.Exists(freshPart));
        Assert.True(File.Exists(committed));
    }

    [Fact]
    public void The_file_system_checkpoint_store_removes_stale_temp_files_when_it_opens()
    {
        using var dir = new TempDir();
        _ = new OrleansStream.Engine.Checkpointing.FileSystemCheckpointStore(dir.Path);
        var temp = Path.Combine(dir.Path, ".os-tmp", "0123.tmp");
        File.WriteAllText(temp, "x");
        File.SetLastWriteTimeUtc(temp, DateTime.UtcNow - TimeSpan.FromHours(1));

        _ = new OrleansStream.Engine.Checkpointing.FileSystemCheckpointStore(dir.Path);

        Assert.False(File.Exists(temp));
    }
}
