namespace OrleansStream.Engine.Connectors.Ingest;

/// <summary>
/// The appends of one ingest partition on their way into its log (group commit): appends queue while a write runs, and the
/// next write takes everything queued as one segment, so many small appends cost one store write. Each append's task
/// completes with its offset once its segment is durable. Past a bound of queued bytes an append waits for a write before it
/// queues. An append seen before (same producer and sequence, written or still queued) gets the offset of the first.
/// </summary>
/// <remarks>Not thread-safe: one caller at a time, as a grain's turns are; calls may interleave at their awaits.</remarks>
public sealed class IngestAppendQueue
{
    private readonly IngestPartitionLog _log;
    private readonly Func<IReadOnlyList<IngestAppend>, Task<IReadOnlyList<long>>> _write;
    private readonly Func<Task> _afterWrite;
    private readonly Action<Exception, int> _writeFailed;
    private readonly long _maxQueuedBytes;
    private readonly List<(IngestAppend Append, TaskCompletionSource<long> Done)> _queued = [];
    private readonly Dictionary<(string, long), Task<long>> _unwritten = [];
    private long _queuedBytes;
    private Task _flushing = Task.CompletedTask;

    /// <param name="log">The partition's log: what it holds is found there.</param>
    /// <param name="write">Writes one segment of appends; returns each one's offset.</param>
    /// <param name="afterWrite">Runs after each write while the flush still holds the queue (a trim when one is due).</param>
    /// <param name="writeFailed">Told of a failed write and how many appends failed with it.</param>
    /// <param name="maxQueuedBytes">Queued bytes past which an append waits for a write.</param>
    public IngestAppendQueue(IngestPartitionLog log, Func<IReadOnlyList<IngestAppend>, Task<IReadOnlyList<long>>> write, Func<Task> afterWrite,
        Action<Exception, int> writeFailed, long maxQueuedBytes)
    {
        _log = log;
        _write = write;
        _afterWrite = afterWrite;
        _writeFailed = writeFailed;
        _maxQueuedBytes = maxQueuedBytes;
    }

    /// <summary>The offset of an append seen before: at once when its segment is written, later when it is still queued.</summary>
    public bool TryFind(string producerId, long sequence, out Task<long> offset)
    {
        if (_log.TryFindAppended(producerId, sequence, out var stored))
        {
            offset = Task.FromResult(stored);
            return true;
        }
        return _unwritten.TryGetValue((producerId, sequence), out offset!);
    }

    /// <summary>The producer's last sequence, written or queued: a producer resuming from it must not reuse a queued one.</summary>
    public long? LastSequence(string producerId)
    {
        var last = _log.LastSequence(producerId);
        foreach (var (producer, sequence) in _unwritten.Keys)
            if (producer == producerId && (last is null || sequence > last)) last = sequence;
        return last;
    }

    /// <summary>Queues <paramref name="append"/> (of <paramref name="bytes"/> bytes) and returns its offset once it is written.</summary>
    public async Task<long> AppendAsync(IngestAppend append, long bytes)
    {
        if (TryFind(append.ProducerId, append.Sequence, out var known)) return await known;
        while (_queuedBytes >= _maxQueuedBytes)
        {
            await _flushing;
            // The same append may have been retried and queued while this one waited.
            if (TryFind(append.ProducerId, append.Sequence, out known)) return await known;
        }
        var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        _queued.Add((append, done));
        _unwritten[(append.ProducerId, append.Sequence)] = done.Task;
        _queuedBytes += bytes;
        if (_flushing.IsCompleted) _flushing = FlushAsync();
        return await done.Task;
    }

    // Runs while appends are queued. An append that arrives while afterWrite awaits the store finds this flush unfinished and
    // only queues, so the flush looks again after it: ending there left such an append unanswered (with the blob store's
    // asynchronous listing, every append during a trim hung).
    private async Task FlushAsync()
    {
        do
        {
            await WriteQueuedAsync();
            await _afterWrite();
        }
        while (_queued.Count > 0);
    }

    // Each round writes everything queued so far as one segment.
    private async Task WriteQueuedAsync()
    {
        while (_queued.Count > 0)
        {
            var round = _queued.ToArray();
            _queued.Clear();
            _queuedBytes = 0;
            try
            {
                var offsets = await _write(Array.ConvertAll(round, p => p.Append));
                for (var i = 0; i < round.Length; i++) round[i].Done.SetResult(offsets[i]);
            }
            catch (Exception e)
            {
                _writeFailed(e, round.Length);
                foreach (var p in round) p.Done.SetException(e);
            }
            finally
            {
                foreach (var p in round) _unwritten.Remove((p.Append.ProducerId, p.Append.Sequence));
            }
        }
    }
}
