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

    [Fact]
    public async Task A_write_queued_while_every_write_thread_blocks_runs_once_one_frees()
    {
        using var hold = new ManualResetEventSlim();
        var blocked = Enumerable.Range(0, 4).Select(_ => BlockingWrites.Run(() => hold.Wait(TimeSpan.FromSeconds(30)))).ToList();
        // Behind the four in the queue: no thread takes it before one of them returns.
        var queued = BlockingWrites.Run(() => 42);
        Assert.False(queued.IsCompleted);
        hold.Set();
        Assert.Equal(42, await queued);
        Assert.All(await Task.WhenAll(blocked), Assert.True);
    }

    [Fact]
    public async Task Code_after_an_awaited_write_runs_off_the_write_threads_so_a_caller_that_then_blocks_holds_none()
    {
        // Each caller resumes without its context and then waits synchronously for a second write. Had the continuations
        // run on the write threads that finished the first writes, all four would be held and no second write could run.
        var callers = Enumerable.Range(0, BlockingWrites.Threads).Select(async _ =>
        {
            await BlockingWrites.Run(() => 0).ConfigureAwait(false);
            var onWriteThread = Thread.CurrentThread.Name == "OrleansStream checkpoint write";
            return (onWriteThread, Second: BlockingWrites.Run(() => 1).Wait(TimeSpan.FromSeconds(10)));
        }).ToList();
        Assert.All(await Task.WhenAll(callers), c => Assert.Equal((false, true), c));
    }

    [Fact]
    public async Task Writes_from_many_callers_each_run_once_and_complete_in_each_callers_order()
    {
        // Write threads that went to sleep on an empty queue are woken for every write, whichever thread queues it.
        var runs = new int[400];
        var callers = Enumerable.Range(0, 4).Select(c => Task.Run(async () =>
        {
            var order = new List<int>();
            for (var i = 0; i < 100; i++)
            {
                var n = c * 100 + i;
                order.Add(await BlockingWrites.Run(() => { Interlocked.Increment(ref runs[n]); return n; }));
            }
            return order;
        })).ToList();
        var orders = await Task.WhenAll(callers);
        Assert.All(runs, r => Assert.Equal(1, r));
        for (var c = 0; c < 4; c++) Assert.Equal(Enumerable.Range(c * 100, 100), orders[c]);
    }
}
