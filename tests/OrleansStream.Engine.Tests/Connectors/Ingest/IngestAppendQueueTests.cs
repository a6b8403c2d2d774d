using Apache.Arrow;
using OrleansStream.Engine.Checkpointing;
using OrleansStream.Engine.Connectors.Ingest;
using OrleansStream.Engine.Tests.Data;
using OrleansStream.Plan.Data;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Tests.Connectors.Ingest;

/// <summary>
/// The group commit of an ingest partition, over a real log whose writes the test holds and releases. Each test runs on an
/// exclusive task scheduler, as a grain's turns do, since the queue is made for one caller at a time.
/// </summary>
public sealed class IngestAppendQueueTests : IDisposable
{
    private static readonly Schema Schema = DataTypes.ParseSchema("id BIGINT NOT NULL, user STRING");
    private readonly TempDir _dir = new();
    private readonly FileSystemCheckpointStore _store;
    private readonly List<int> _segments = [];
    private readonly List<Exception> _failures = [];
    private readonly TaskScheduler _turns = new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler;
    private IngestPartitionLog _log = null!;
    private TaskCompletionSource _writeGate = Released();
    private TaskCompletionSource _afterWriteGate = Released();
    private Exception? _failNextWrite;
    private int _afterWrites;

    public IngestAppendQueueTests() => _store = new FileSystemCheckpointStore(Path.Combine(_dir.Path, "checkpoints"));

    public void Dispose() => _dir.Dispose();

    [Fact]
    public Task AppendsArrivingWhileAWriteRuns_GoTogetherInTheNextSegment_EachAnsweredWithItsOffset() => OnTurns(async () =>
    {
        var queue = await OpenAsync();
        _writeGate = new TaskCompletionSource();
        var first = queue.AppendAsync(Append("a", 1, 0, 2), 10);
        var second = queue.AppendAsync(Append("b", 1, 2, 1), 10);
        var third = queue.AppendAsync(Append("a", 2, 3, 3), 10);
        Assert.False(first.IsCompleted);

        _writeGate.SetResult();
        var offsets = await Task.WhenAll(first, second, third);
        Assert.Equal([0L, 2L, 3L], offsets);
        Assert.Equal([1, 2], _segments);
        Assert.Equal(6, _log.End);
    });

    [Fact]
    public Task AnAppendSeenBefore_QueuedOrWritten_GetsTheFirstOnesOffset_AndIsNotWrittenTwice() => OnTurns(async () =>
    {
        var queue = await OpenAsync();
        _writeGate = new TaskCompletionSource();
        var blocker = queue.AppendAsync(Append("a", 1, 0, 1), 10);
        var queued = queue.AppendAsync(Append("b", 5, 1, 2), 10);
        var retried = queue.AppendAsync(Append("b", 5, 1, 2), 10);
        Assert.Equal(5, queue.LastSequence("b"));

        _writeGate.SetResult();
        Assert.Equal(1, await queued);
        Assert.Equal(1, await retried);
        Assert.Equal(0, await blocker);
        Assert.Equal(1, await queue.AppendAsync(Append("b", 5, 1, 2), 10));
        Assert.True(queue.TryFind("b", 5, out var found));
        Assert.Equal(1, await found);
        Assert.Equal(3, _log.End);
        Assert.Equal([1, 1], _segments);
    });

    [Fact]
    public Task PastTheBoundOfQueuedBytes_AnAppendWaitsForAWrite_BeforeItQueues() => OnTurns(async () =>
    {
        var queue = await OpenAsync(maxQueuedBytes: 100);
        _writeGate = new TaskCompletionSource();
        var writing = queue.AppendAsync(Append("a", 1, 0, 1), 10);
        var large = queue.AppendAsync(Append("a", 2, 1, 1), 150);
        var waiting = queue.AppendAsync(Append("a", 3, 2, 1), 10);
        Assert.Equal(2, queue.LastSequence("a"));

        _writeGate.SetResult();
        var offsets = await Task.WhenAll(writing, large, waiting);
        Assert.Equal([0L, 1L, 2L], offsets);
        Assert.Equal([1, 1, 1], _segments);
    });

    // The bug of stop 38's CI hang: the flush ended after its trim, and an append queued during the trim was never written.
    [Fact]
    public Task AnAppendArrivingWhileTheFlushTrimsAfterItsWrite_IsWrittenAndAnswered() => OnTurns(async () =>
    {
        var queue = await OpenAsync();
        _afterWriteGate = new TaskCompletionSource();
        Assert.Equal(0, await queue.AppendAsync(Append("a", 1, 0, 1), 10));
        Assert.Equal(1, _afterWrites);

        var duringTrim = queue.AppendAsync(Append("a", 2, 1, 1), 10);
        _afterWriteGate.SetResult();

        Assert.Equal(1, await duringTrim.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal([1, 1], _segments);
    });

    [Fact]
    public Task AFailedWrite_FailsEveryAppendOfItsSegment_AndSaysSoOnce_TheNextWriteGoesOn() => OnTurns(async () =>
    {
        var queue = await OpenAsync();
        _writeGate = new TaskCompletionSource();
        var blocker = queue.AppendAsync(Append("a", 1, 0, 1), 10);
        var failing = new[] { queue.AppendAsync(Append("b", 1, 1, 1), 10), queue.AppendAsync(Append("c", 1, 1, 1), 10) };
        _failNextWrite = new IOException("disk full");

        _writeGate.SetResult();
        Assert.Equal(0, await blocker);
        foreach (var append in failing) Assert.Equal("disk full", (await Assert.ThrowsAsync<IOException>(() => append)).Message);
        Assert.Equal("disk full", Assert.Single(_failures).Message);
        Assert.False(queue.TryFind("b", 1, out _));

        Assert.Equal(1, await queue.AppendAsync(Append("b", 1, 1, 1), 10));
    });

    private Task OnTurns(Func<Task> test) => Task.Factory.StartNew(test, CancellationToken.None, TaskCreationOptions.None, _turns).Unwrap();

    private async Task<IngestAppendQueue> OpenAsync(long maxQueuedBytes = 1 << 20)
    {
        _log = await IngestPartitionLog.OpenAsync(_store, "clicks", 0, Schema, default);
        return new IngestAppendQueue(_log, WriteAsync, AfterWriteAsync, (e, _) => _failures.Add(e), maxQueuedBytes);
    }

    private async Task<IReadOnlyList<long>> WriteAsync(IReadOnlyList<IngestAppend> appends)
    {
        var failure = Interlocked.Exchange(ref _failNextWrite, null);
        await _writeGate.Task;
        if (failure is not null) throw failure;
        _segments.Add(appends.Count);
        return await _log.AppendAsync(appends, 1000, default);
    }

    private Task AfterWriteAsync()
    {
        _afterWrites++;
        return _afterWriteGate.Task;
    }

    private static TaskCompletionSource Released()
    {
        var released = new TaskCompletionSource();
        released.SetResult();
        return released;
    }

    private static IngestAppend Append(string producer, long sequence, long firstId, int rows) => new(producer, sequence,
        ArrowValues.FromRows(Schema, Enumerable.Range(0, rows).Select(i => new object?[] { firstId + i, $"u{firstId + i}" }).ToList()));
}
