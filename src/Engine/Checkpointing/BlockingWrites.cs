namespace OrleansStream.Engine.Checkpointing;

/// <summary>
/// Threads of their own for the file store's writes, which block in a data flush (fdatasync, 0.1–1 ms and more on a busy
/// disk). Run on a thread-pool worker, a flush takes that worker from the silo for its whole length: on a 2-core silo the
/// pool has two, and the offset write-ahead of the next epoch, written while the current epoch runs, left its source tasks
/// one worker, so they ran one after the other. Here a flush blocks a thread that no grain needs. The caller's continuation
/// never runs on a write thread, even after ConfigureAwait(false): code that went on there and then waited for another
/// write would hold a write thread, and four such callers would wait for ever. The writes stay synchronous calls on that
/// thread (an async FileStream on Linux would make each write and the flush a pool work item of its own).
/// A delete runs here too: an unlink blocks as well (0.1-0.3 ms on the benchmark machine), and a state partition's
/// clean-up deletes its unreachable files one after the other.
/// </summary>
internal static class BlockingWrites
{
    // Writes to different records flush in parallel (a partition's state version beside the trigger's write-ahead); more
    // than this many at once would only queue in the disk.
    internal const int Threads = 4;

    // A plain queue under a monitor, not a BlockingCollection: its take spins (SemaphoreSlim, then Thread.Sleep(0/1))
    // before it sleeps, and with four idle write threads woken once per write that spinning was 5-6% of a stateful query's
    // CPU (q12). A write thread that finds the queue empty sleeps in Monitor.Wait at once: the write's latency gains a
    // thread wake-up (microseconds) against a flush of 0.1 ms and more.
    private static readonly Queue<Action> Pending = new();
    private static readonly object Gate = new();

    /// <summary>Runs <paramref name="write"/> on one of the write threads; the task completes with its result or exception.</summary>
    public static Task<T> Run<T>(Func<T> write)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Action item = () =>
        {
            try
            {
                done.SetResult(write());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        };
        lock (Gate)
        {
            Pending.Enqueue(item);
            Monitor.Pulse(Gate);
        }
        return done.Task;
    }

    static BlockingWrites()
    {
        for (var i = 0; i < Threads; i++)
            new Thread(Serve) { IsBackground = true, Name = "OrleansStream checkpoint write" }.Start();
    }

    private static void Serve()
    {
        while (true)
        {
            Action write;
            lock (Gate)
            {
                while (Pending.Count == 0) Monitor.Wait(Gate);
                write = Pending.Dequeue();
            }
            write();
        }
    }
}
