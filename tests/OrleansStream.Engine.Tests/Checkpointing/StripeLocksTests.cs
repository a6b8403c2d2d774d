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

    // flock(1) in another process, without waiting: 0 when it got the lock (and gave it back), 1 when someone holds it.
    private static async Task<int> TryLockElsewhereAsync(string lockPath)
    {
        using var probe = Process.Start(new ProcessStartInfo("flock", ["-n", "-x", lockPath, "true"]) { UseShellExecute = false })!;
        await probe.WaitForExitAsync();
        return probe.ExitCode;
    }
}
