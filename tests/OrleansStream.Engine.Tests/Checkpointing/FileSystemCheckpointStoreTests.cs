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
}
