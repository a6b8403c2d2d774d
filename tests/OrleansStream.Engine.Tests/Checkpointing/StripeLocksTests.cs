using System.Diagnostics;
using OrleansStream.Engine.Checkpointing;
using OrleansStream.Engine.Tests.Data;
using Xunit;

namespace OrleansStream.Engine.Tests.Checkpointing;

/// <summary>
/// The file store's key locks exclude every other holder: another store instance on the same root, and another process
/// (util-linux's flock(1), which takes the lock .NET takes for FileShare.None, as an earlier version of the store does),
/// both while the store holds a key and after it gave the key back with its lock file still open; and a holder that dies
/// gives the lock back.
/// </summary>
public sealed class StripeLocksTests : IDisposable
{
    private const string Key = "q/offsets/7";
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_key_held_by_one_store_instance_waits_in_another_and_in_another_process_until_given_back()
    {
        if (!OperatingSystem.IsLinux()) return;
        var root = Path.Combine(_dir.Path, "shared");
        var a = new FileSystemCheckpointStore(root);
        var b = new FileSystemCheckpointStore(root);
        var etag = await a.PutIfAbsentAsync(Key, new byte[] { 1 });
        var held = await a.LockAsync(Key, CancellationToken.None);
        var replace = b.ReplaceAsync(Key, new byte[] { 2 }, etag);
        await Task.Delay(300);
        Assert.False(replace.IsCompleted);
        Assert.Equal(1, await TryLockElsewhereAsync(a.LockPathOf(Key)));
        held.Dispose();
        etag = await replace.WaitAsync(TimeSpan.FromSeconds(10));
        // Given back by both stores with their lock files still open: another process takes it at once.
        Assert.Equal(0, await TryLockElsewhereAsync(a.LockPathOf(Key)));
        // And the first store again after the second.
        await a.ReplaceAsync(Key, new byte[] { 3 }, etag);
        Assert.Equal(new byte[] { 3 }, (await b.ReadAsync(Key))!.Data);
    }

    [Fact]
    public async Task A_key_another_process_holds_waits_until_that_process_is_killed_then_proceeds()
    {
        if (!OperatingSystem.IsLinux()) return;
        var store = new FileSystemCheckpointStore(Path.Combine(_dir.Path, "killed"));
        var etag = await store.PutIfAbsentAsync(Key, new byte[] { 1 });
        var lockPath = store.LockPathOf(Key);
        using var holder = Process.Start(new ProcessStartInfo("flock", ["-x", lockPath, "sleep", "60"]) { UseShellExecute = false })!;
        try
        {
            while (await TryLockElsewhereAsync(lockPath) == 0) await Task.Delay(20);
            var replace = store.ReplaceAsync(Key, new byte[] { 2 }, etag);
            var delete = store.DeleteAsync(Key, null);
            await Task.Delay(300);
            Assert.False(replace.IsCompleted);
            Assert.False(delete.IsCompleted);
            holder.Kill(entireProcessTree: true);
            await replace.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.True(await delete.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Null(await store.ReadAsync(Key));
        }
        finally
        {
            if (!holder.HasExited) holder.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task A_disposed_store_keeps_no_lock_file_open_and_still_excludes_others_if_used_again()
    {
        if (!OperatingSystem.IsLinux()) return;
        var root = Path.Combine(_dir.Path, "disposed");
        var store = new FileSystemCheckpointStore(root);
        for (int i = 0; i < 64; i++) await store.PutIfAbsentAsync($"q/offsets/{i}", new byte[] { 1 });
        var held = await store.LockAsync(Key, CancellationToken.None);
        var lockDir = Path.GetDirectoryName(store.LockPathOf(Key))!;
        Assert.True(OpenFilesUnder(lockDir) > 1);

        store.Dispose();
        // Only the stripe held now stays open, until it is given back.
        Assert.Equal(1, OpenFilesUnder(lockDir));
        Assert.Equal(1, await TryLockElsewhereAsync(store.LockPathOf(Key)));
        held.Dispose();
        Assert.Equal(0, OpenFilesUnder(lockDir));
        Assert.Equal(0, await TryLockElsewhereAsync(store.LockPathOf(Key)));

        // A late write after the dispose still takes the lock (a file per operation) and leaves nothing open.
        await store.PutIfAbsentAsync("q/late", new byte[] { 2 });
        Assert.Equal(new byte[] { 2 }, (await store.ReadAsync("q/late"))!.Data);
        Assert.Equal(0, OpenFilesUnder(lockDir));
    }

    // This process's open file descriptors whose file is in the folder.
    private static int OpenFilesUnder(string folder) => new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos()
        .Count(fd => fd.LinkTarget is { } target && target.StartsWith(folder + "/", StringComparison.Ordinal));

    // flock(1) in another process, without waiting: 0 when it got the lock (and gave it back), 1 when someone holds it.
    private static async Task<int> TryLockElsewhereAsync(string lockPath)
    {
        using var probe = Process.Start(new ProcessStartInfo("flock", ["-n", "-x", lockPath, "true"]) { UseShellExecute = false })!;
        await probe.WaitForExitAsync();
        return probe.ExitCode;
    }
}
