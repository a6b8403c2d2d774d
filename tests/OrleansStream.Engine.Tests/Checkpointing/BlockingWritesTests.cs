using OrleansStream.Engine.Checkpointing;
using Xunit;

namespace OrleansStream.Engine.Tests.Checkpointing;

/// <summary>The file store's blocking writes run on threads of their own: a data flush never holds a thread-pool worker.</summary>
public sealed class BlockingWritesTests
{
    [Fact]
    public async Task A_write_runs_off_the_thread_pool_and_hands_back_its_result_or_its_exception()
    {
        Assert.False(await BlockingWrites.Run(() => Thread.CurrentThread.IsThreadPoolThread));
        var failed = await Assert.ThrowsAsync<IOException>(() => BlockingWrites.Run<int>(() => throw new IOException("No space left on device")));
        Assert.Equal("No space left on device", failed.Message);
    }

    [Fact]
    public async Task Four_writes_block_at_the_same_time()
    {
        // Each waits until all four are in their blocking part: one write thread fewer would never let them through.
        using var together = new Barrier(4);
        var writes = Enumerable.Range(0, 4).Select(_ => BlockingWrites.Run(() => together.SignalAndWait(TimeSpan.FromSeconds(30)))).ToList();
        Assert.All(await Task.WhenAll(writes), Assert.True);
    }
}
