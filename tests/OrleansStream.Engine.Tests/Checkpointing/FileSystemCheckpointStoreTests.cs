using OrleansStream.Engine.Checkpointing;
using OrleansStream.Engine.Tests.Data;
using Xunit;

namespace OrleansStream.Engine.Tests.Checkpointing;

public sealed class FileSystemCheckpointStoreTests : CheckpointStoreContractTests, IDisposable
{
    private readonly TempDir _dir = new();

    protected override ICheckpointStore CreateStore() => new FileSystemCheckpointStore(Path.Combine(_dir.Path, Guid.NewGuid().ToString("N")));

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Another_store_instance_on_the_same_root_sees_the_same_etag_and_conflicts()
    {
        var root = Path.Combine(_dir.Path, "shared");
        var a = new FileSystemCheckpointStore(root);
        var b = new FileSystemCheckpointStore(root);
        var etag = await a.PutIfAbsentAsync("q/commits/0", new byte[] { 1 });
        Assert.Equal(etag, (await b.ReadAsync("q/commits/0"))!.ETag);
        await Assert.ThrowsAsync<CheckpointConflictException>(() => b.PutIfAbsentAsync("q/commits/0", new byte[] { 2 }));
        var results = await Task.WhenAll(new[] { a, b }.Select(s => Task.Run(async () =>
        {
            try { return await s.ReplaceAsync("q/commits/0", new byte[] { 3 }, etag); }
            catch (CheckpointConflictException) { return null; }
        })));
        Assert.Single(results, r => r is not null);
        Assert.Equal(["q/commits/0"], await b.ListAsync(""));
    }

    [Fact]
    public void Flushing_a_directory_that_is_not_there_names_it()
    {
        // Windows has no directory flush (NTFS journals renames), so there it does nothing.
        if (OperatingSystem.IsWindows()) return;
        DirectoryFlush.Flush(_dir.Path);
        var missing = Path.Combine(_dir.Path, "missing");
        var error = Assert.Throws<IOException>(() => DirectoryFlush.Flush(missing));
        Assert.Contains(missing, error.Message);
    }

    [Fact]
    public async Task A_delete_waits_for_a_write_thread_and_leaves_the_callers_thread_free()
    {
        // A state partition's clean-up deletes the files a snapshot made unreachable one after the other, and an unlink
        // blocks: on the caller's thread (a thread-pool worker) two partitions' clean-ups held both workers of a 2-core silo
        // and its epochs stalled. A delete is a write thread's work, like a create: with every write thread held, the call
        // returns and the file is still there; once one is free the delete runs.
        var store = new FileSystemCheckpointStore(Path.Combine(_dir.Path, "delete"));
        await store.PutIfAbsentAsync("q/1.delta", new byte[] { 1 });
        var path = Path.Combine(store.Root, "q", "1.delta");
        using var release = new ManualResetEventSlim();
        using var held = new CountdownEvent(BlockingWrites.Threads);
        var holders = Enumerable.Range(0, BlockingWrites.Threads).Select(_ => BlockingWrites.Run(() =>
        {
            held.Signal();
            release.Wait();
            return 0;
        })).ToList();
        Task<bool> delete;
        try
        {
            Assert.True(held.Wait(TimeSpan.FromSeconds(30)));
            delete = store.DeleteAsync("q/1.delta", null);
            Assert.False(delete.IsCompleted);
            Assert.True(File.Exists(path));
        }
        finally
        {
            release.Set();
        }
        Assert.True(await delete);
        Assert.False(File.Exists(path));
        Assert.Empty(await store.ListAsync(""));
        await Task.WhenAll(holders);
    }

    [Fact]
    public async Task A_create_makes_its_folders_when_they_are_missing_even_after_they_were_removed()
    {
        // A create checks its folders once and then trusts them (no check before each create): folders removed between two
        // creates (a query's state deleted by hand) are made again, and the record is whole.
        var store = new FileSystemCheckpointStore(Path.Combine(_dir.Path, "folders"));
        await store.PutIfAbsentAsync("state/q/op0/n2/p0/0.delta", new byte[] { 1 });
        Directory.Delete(Path.Combine(store.Root, "state"), recursive: true);
        var etag = await store.PutIfAbsentAsync("state/q/op0/n2/p0/1.delta", new byte[] { 2 });
        Assert.Equal(etag, (await store.ReadAsync("state/q/op0/n2/p0/1.delta"))!.ETag);
        Assert.Equal(["state/q/op0/n2/p0/1.delta"], await store.ListAsync("state/"));
        await Assert.ThrowsAsync<CheckpointConflictException>(() => store.PutIfAbsentAsync("state/q/op0/n2/p0/1.delta", new byte[] { 3 }));
    }

    [Fact]
    public async Task Keys_that_come_and_go_leave_no_files_behind_beyond_a_fixed_set_of_locks()
    {
        // A state partition writes a file per epoch and deletes old ones: the store's own files must not grow with them.
        var root = Path.Combine(_dir.Path, "churn");
        var store = new FileSystemCheckpointStore(root);
        for (var i = 0; i < 1000; i++)
        {
            var key = $"state/q/op0/n2/p0/{i:D20}.delta";
            var etag = await store.PutIfAbsentAsync(key, new byte[] { 1 });
            if (i % 2 == 0) await store.DeleteAsync(key, null);
            else await store.DeleteAsync(key, await store.ReplaceAsync(key, new byte[] { 2 }, etag));
        }
        Assert.Empty(await store.ListAsync(""));
        Assert.InRange(Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Count(), 0, 256);
    }

    [Fact]
    public async Task A_record_written_by_the_previous_format_is_read_and_replaced()
    {
        // The bytes the store wrote for every record before replaced records got two slots: "OSC1", a 16-byte version, the data.
        var root = Path.Combine(_dir.Path, "fixture");
        var store = new FileSystemCheckpointStore(root);
        Directory.CreateDirectory(Path.Combine(root, "grains", "trigger"));
        var path = Path.Combine(root, "grains", "trigger", "q");
        await File.WriteAllBytesAsync(path, Convert.FromHexString("4f534331" + "00112233445566778899aabbccddeeff" + "76302d64617461"));

        var old = await store.ReadAsync("grains/trigger/q");
        Assert.Equal("v0-data", System.Text.Encoding.UTF8.GetString(old!.Data));
        Assert.Equal("00112233445566778899aabbccddeeff", old.ETag);
        await Assert.ThrowsAsync<CheckpointConflictException>(() => store.ReplaceAsync("grains/trigger/q", new byte[] { 9 }, "00"));
        var e1 = await store.ReplaceAsync("grains/trigger/q", new byte[] { 1 }, old.ETag);
        var e2 = await store.ReplaceAsync("grains/trigger/q", new byte[] { 2 }, e1);
        var reread = await new FileSystemCheckpointStore(root).ReadAsync("grains/trigger/q");
        Assert.Equal([2], reread!.Data);
        Assert.Equal(e2, reread.ETag);
        Assert.True(await store.DeleteAsync("grains/trigger/q", e2));
    }

    [Theory]
    [InlineData("empty")] // killed between the create and the write
    [InlineData("header")] // killed during the write: the header and part of the data
    [InlineData("short")] // a power loss before the last page reached the disk
    [InlineData("bad hash")] // a power loss that kept the file's length and not all of its data
    public async Task A_create_cut_short_by_a_crash_is_absent_and_the_next_create_replaces_it(string tear)
    {
        var root = Path.Combine(_dir.Path, "torn-create");
        var store = new FileSystemCheckpointStore(root);
        await store.PutIfAbsentAsync("state/q/p0/whole", Enumerable.Repeat((byte)5, 5000).ToArray());
        var whole = await File.ReadAllBytesAsync(Path.Combine(root, "state", "q", "p0", "whole"));
        var torn = tear switch
        {
            "empty" => [],
            "header" => whole[..30],
            "short" => whole[..4096],
            _ => [.. whole[..100], (byte)(whole[100] ^ 1), .. whole[101..]],
        };
        await File.WriteAllBytesAsync(Path.Combine(root, "state", "q", "p0", "torn"), torn);

        Assert.Null(await store.ReadAsync("state/q/p0/torn"));
        await Assert.ThrowsAsync<CheckpointConflictException>(() => store.ReplaceAsync("state/q/p0/torn", new byte[] { 1 }, "00"));
        // Listed only when its length is whole (the hash is checked by a read).
        Assert.Equal(tear == "bad hash" ? ["state/q/p0/torn", "state/q/p0/whole"] : ["state/q/p0/whole"], await store.ListAsync("state/"));
        var etag = await new FileSystemCheckpointStore(root).PutIfAbsentAsync("state/q/p0/torn", "retried"u8.ToArray());
        var read = await store.ReadAsync("state/q/p0/torn");
        Assert.Equal("retried"u8.ToArray(), read!.Data);
        Assert.Equal(etag, read.ETag);
        await Assert.ThrowsAsync<CheckpointConflictException>(() => store.PutIfAbsentAsync("state/q/p0/torn", "again"u8.ToArray()));
        Assert.Equal("retried"u8.ToArray(), (await store.ReadAsync("state/q/p0/torn"))!.Data);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(root, ".os-tmp")));
    }

    [Fact]
    public void The_mount_type_of_a_path_is_that_of_the_longest_mount_point_over_it_the_last_mounted_when_equal()
    {
        string[] mountInfo =
        [
            "26 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw",
            "30 26 8:2 / /data rw,relatime shared:1 - ext2 /dev/sdb1 rw",
            "31 26 8:3 / /data/ck\\040points rw,relatime - xfs /dev/sdc1 rw",
            "32 26 0:40 / /data2 rw - tmpfs tmpfs rw",
            "33 32 8:4 / /data2 rw - ext3 /dev/sdd1 rw",
        ];
        Assert.Equal("ext4", NewEntryFlush.MountTypeOf("/var/lib/os", mountInfo));
        Assert.Equal("ext2", NewEntryFlush.MountTypeOf("/data/q1/state", mountInfo));
        Assert.Equal("ext2", NewEntryFlush.MountTypeOf("/data", mountInfo));
        Assert.Equal("ext4", NewEntryFlush.MountTypeOf("/database", mountInfo));
        Assert.Equal("xfs", NewEntryFlush.MountTypeOf("/data/ck points/q1", mountInfo));
        Assert.Equal("ext3", NewEntryFlush.MountTypeOf("/data2/x", mountInfo));
        Assert.Null(NewEntryFlush.MountTypeOf("/x", ["garbage", ""]));
    }

    [Fact]
    public void A_created_file_s_directory_is_flushed_too_unless_the_file_system_makes_its_name_durable_with_it()
    {
        Assert.True(NewEntryFlush.FlushesNewNames(0xEF53, "ext4"));
        Assert.True(NewEntryFlush.FlushesNewNames(0xEF53, "ext3"));
        // ext2 has ext4's statfs type, but the legacy ext2 driver's fsync does not flush the parent; unknown is not ext4.
        Assert.False(NewEntryFlush.FlushesNewNames(0xEF53, "ext2"));
        Assert.False(NewEntryFlush.FlushesNewNames(0xEF53, null));
        Assert.True(NewEntryFlush.FlushesNewNames(0x58465342, null)); // XFS
        Assert.True(NewEntryFlush.FlushesNewNames(0x9123683E, null)); // btrfs
        Assert.False(NewEntryFlush.FlushesNewNames(0x01021994, "tmpfs"));
        Assert.False(NewEntryFlush.FlushesNewNames(0x6969, "nfs"));
        Assert.False(NewEntryFlush.FlushesNewNames(0x794C7630, "overlay"));
        // A file system it cannot tell gets the directory flush (Windows never: NTFS journals the create).
        Assert.Equal(!OperatingSystem.IsWindows(), NewEntryFlush.IsNeeded(Path.Combine(_dir.Path, "missing")));
        if (!OperatingSystem.IsLinux()) Assert.Equal(!OperatingSystem.IsWindows(), NewEntryFlush.IsNeeded(_dir.Path));
        // On Linux, the mount the kernel names ext4 (as this repository's CI machines' root is), XFS or btrfs needs no flush.
        if (OperatingSystem.IsLinux() && NewEntryFlush.MountTypeOf(_dir.Path, File.ReadLines("/proc/self/mountinfo")) is "ext4" or "xfs" or "btrfs")
            Assert.False(NewEntryFlush.IsNeeded(_dir.Path));
    }

    [Fact]
    public async Task Deleting_a_torn_create_removes_its_file_checked_or_unchecked()
    {
        var (store, file) = await TornCreateAsync("torn-delete");
        Assert.False(await store.DeleteAsync("q/1.delta", null)); // there was no record
        Assert.False(File.Exists(file));

        (store, file) = await TornCreateAsync("torn-unchecked-delete");
        await store.DeleteUncheckedAsync("q/1.delta");
        Assert.False(File.Exists(file));
    }

    // A store with "q/1.delta" cut short by a crash: a file holding only the start of a created record's header.
    private async Task<(FileSystemCheckpointStore Store, string File)> TornCreateAsync(string name)
    {
        var root = Path.Combine(_dir.Path, name);
        var store = new FileSystemCheckpointStore(root);
        Directory.CreateDirectory(Path.Combine(root, "q"));
        var file = Path.Combine(root, "q", "1.delta");
        await File.WriteAllBytesAsync(file, "OSC3"u8.ToArray());
        return (store, file);
    }

    [Fact]
    public async Task A_whole_record_of_any_format_or_a_file_that_is_no_record_is_never_created_over()
    {
        var root = Path.Combine(_dir.Path, "no-overwrite");
        var store = new FileSystemCheckpointStore(root);
        Directory.CreateDirectory(Path.Combine(root, "q"));
        // The previous format of a created record (temp file renamed into place): "OSC1", a 16-byte version, the data.
        await File.WriteAllBytesAsync(Path.Combine(root, "q", "old"), Convert.FromHexString("4f534331" + "00112233445566778899aabbccddeeff" + "76302d64617461"));
        await File.WriteAllBytesAsync(Path.Combine(root, "q", "foreign"), "not a record"u8.ToArray());
        var etag = await store.PutIfAbsentAsync("q/new", "v0"u8.ToArray());

        foreach (var key in new[] { "q/old", "q/foreign", "q/new" })
            await Assert.ThrowsAsync<CheckpointConflictException>(() => store.PutIfAbsentAsync(key, "other"u8.ToArray()));
        Assert.Equal(["q/foreign", "q/new", "q/old"], await store.ListAsync("q/"));
        var old = await store.ReadAsync("q/old");
        Assert.Equal("v0-data"u8.ToArray(), old!.Data);
        Assert.Equal("00112233445566778899aabbccddeeff", old.ETag);
        Assert.Equal("not a record"u8.ToArray(), await File.ReadAllBytesAsync(Path.Combine(root, "q", "foreign")));
        Assert.Equal(new CheckpointBlob("v0"u8.ToArray(), etag).Data, (await store.ReadAsync("q/new"))!.Data);
        Assert.True(await store.DeleteAsync("q/old", old.ETag));
        Assert.True(await store.DeleteAsync("q/new", etag));
    }

    [Fact]
    public async Task Readers_and_listings_beside_creates_see_a_record_whole_or_not_at_all()
    {
        // Readers and listings take no lock: a file still being created must not show as a record, nor as a torn one.
        var root = Path.Combine(_dir.Path, "creates");
        var writer = new FileSystemCheckpointStore(root);
        var reader = new FileSystemCheckpointStore(root);
        var data = Enumerable.Repeat((byte)3, 300_000).ToArray();
        var done = false;
        var reads = Task.Run(async () =>
        {
            var count = 0;
            while (!Volatile.Read(ref done))
            {
                foreach (var key in await reader.ListAsync("q/"))
                {
                    var blob = await reader.ReadAsync(key);
                    Assert.Equal(data, blob!.Data);
                    count++;
                }
                for (var i = 0; i < 30; i++)
                    if (await reader.ReadAsync($"q/{i}") is { } blob) Assert.Equal(data, blob.Data);
            }
            return count;
        });
        for (var i = 0; i < 30; i++) await writer.PutIfAbsentAsync($"q/{i}", data);
        Volatile.Write(ref done, true);
        Assert.True(await reads >= 0);
        Assert.Equal(30, (await reader.ListAsync("q/")).Count);
    }

    [Fact]
    public async Task A_record_replaced_again_and_again_is_rewritten_in_place_and_every_instance_reads_each_version()
    {
        var root = Path.Combine(_dir.Path, "inplace");
        var store = new FileSystemCheckpointStore(root);
        var other = new FileSystemCheckpointStore(root);
        var path = Path.Combine(root, "grains", "trigger", "q");
        var etag = await store.PutIfAbsentAsync("grains/trigger/q", new byte[100]);
        etag = await store.ReplaceAsync("grains/trigger/q", new byte[100], etag);
        var length = new FileInfo(path).Length;
        for (byte i = 0; i < 20; i++)
        {
            // A record that grows a little stays in its slots: the file keeps its size.
            var data = Enumerable.Repeat(i, 100 + i).ToArray();
            etag = await (i % 2 == 0 ? store : other).ReplaceAsync("grains/trigger/q", data, etag);
            var read = await (i % 2 == 0 ? other : store).ReadAsync("grains/trigger/q");
            Assert.Equal(data, read!.Data);
            Assert.Equal(etag, read.ETag);
            Assert.Equal(length, new FileInfo(path).Length);
        }
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(root, ".os-tmp")));

        // One that outgrows them moves to a larger file, and is rewritten in place there again.
        var big = Enumerable.Repeat((byte)7, 10_000).ToArray();
        etag = await store.ReplaceAsync("grains/trigger/q", big, etag);
        Assert.True(new FileInfo(path).Length > length);
        Assert.Equal(big, (await other.ReadAsync("grains/trigger/q"))!.Data);
        etag = await other.ReplaceAsync("grains/trigger/q", new byte[] { 1 }, etag);
        Assert.Equal(new byte[] { 1 }, (await store.ReadAsync("grains/trigger/q"))!.Data);
        await Assert.ThrowsAsync<CheckpointConflictException>(() => store.ReplaceAsync("grains/trigger/q", big, "stale"));
    }

    [Fact]
    public async Task A_replace_torn_by_a_power_loss_leaves_the_record_it_was_replacing()
    {
        var root = Path.Combine(_dir.Path, "torn");
        var store = new FileSystemCheckpointStore(root);
        var path = Path.Combine(root, "q", "offsets");
        var etag = await store.PutIfAbsentAsync("q/offsets", "v1"u8.ToArray());
        etag = await store.ReplaceAsync("q/offsets", "v2"u8.ToArray(), etag); // a new two-slot file: v2 in the first slot
        etag = await store.ReplaceAsync("q/offsets", "v3"u8.ToArray(), etag); // in place, in the second slot

        // The next write goes to the first slot: it got its header and part of its data when the power went.
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            var torn = new byte[64];
            "OSC2"u8.CopyTo(torn);
            BitConverter.TryWriteBytes(torn.AsSpan(4), 99L);
            BitConverter.TryWriteBytes(torn.AsSpan(12), 30);
            file.Write(torn);
        }
        var after = await new FileSystemCheckpointStore(root).ReadAsync("q/offsets");
        Assert.Equal("v3"u8.ToArray(), after!.Data);
        Assert.Equal(etag, after.ETag);
        var e4 = await store.ReplaceAsync("q/offsets", "v4"u8.ToArray(), etag);
        Assert.Equal("v4"u8.ToArray(), (await store.ReadAsync("q/offsets"))!.Data);

        // With both slots broken there is no record to trust: the error names the key.
        var half = (int)new FileInfo(path).Length / 2;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            file.Write(new byte[40]);
            file.Position = half;
            file.Write(new byte[40]);
        }
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => store.ReadAsync("q/offsets"));
        Assert.Contains("'q/offsets'", error.Message);
        await Assert.ThrowsAsync<InvalidDataException>(() => store.ReplaceAsync("q/offsets", "v5"u8.ToArray(), e4));
    }

    [Fact]
    public async Task A_reader_beside_in_place_writes_always_gets_a_whole_record()
    {
        // Readers take no lock: one that meets a slot being written must still get a record that was written, whole.
        var root = Path.Combine(_dir.Path, "readers");
        var writer = new FileSystemCheckpointStore(root);
        var reader = new FileSystemCheckpointStore(root);
        var etag = await writer.PutIfAbsentAsync("q/trigger", new byte[3000]);
        var done = false;
        var reads = Task.Run(async () =>
        {
            var count = 0;
            while (!Volatile.Read(ref done) || count == 0)
            {
                var blob = await reader.ReadAsync("q/trigger");
                Assert.Equal(3000, blob!.Data.Length);
                Assert.All(blob.Data, b => Assert.Equal(blob.Data[0], b));
                count++;
            }
            return count;
        });
        for (var i = 1; i <= 300; i++) etag = await writer.ReplaceAsync("q/trigger", Enumerable.Repeat((byte)i, 3000).ToArray(), etag);
        Volatile.Write(ref done, true);
        Assert.True(await reads > 0);
        Assert.Equal(unchecked((byte)300), (await reader.ReadAsync("q/trigger"))!.Data[0]);
    }
}
