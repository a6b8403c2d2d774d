namespace OrleansStream.Engine.Execution.Streaming;

/// <summary>The commit log: one record per committed epoch, created if absent, trimmed like the offset log.</summary>
public sealed class CommitLog
{
    private readonly SortedDictionary<long, CommitLogRecord> _records = new();

    public int Count => _records.Count;
    public IEnumerable<CommitLogRecord> Records => _records.Values;
    /// <summary>The last committed epoch, or -1.</summary>
    public long LastCommitted => _records.Count == 0 ? -1 : _records.Keys.Last();

    public CommitLogRecord? Get(long batchId) => _records.GetValueOrDefault(batchId);

    public void Add(CommitLogRecord record)
    {
        if (_records.TryGetValue(record.BatchId, out var existing) && existing != record)
            throw new InvalidOperationException($"Batch {record.BatchId} is already committed with next watermark {existing.NextWatermarkMs}, not {record.NextWatermarkMs}.");
        _records[record.BatchId] = record;
    }

    public void TrimBefore(long keepFrom)
    {
        foreach (var old in _records.Keys.Where(k => k < keepFrom).ToList()) _records.Remove(old);
    }
}
