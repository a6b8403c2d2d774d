namespace OrleansStream.Engine.Execution.Streaming;

/// <summary>
/// The offset log: one record per epoch, created if absent and never changed (a second write of a batch id must decide the
/// same epoch), trimmed to a bounded number of epochs behind the last commit.
/// </summary>
public sealed class OffsetLog
{
    private readonly SortedDictionary<long, OffsetLogRecord> _records = new();

    public int Count => _records.Count;
    public IEnumerable<OffsetLogRecord> Records => _records.Values;
    public IEnumerable<long> BatchIds => _records.Keys;
    /// <summary>The newest batch id written ahead, or null.</summary>
    public long? Latest => _records.Count == 0 ? null : _records.Keys.Last();

    public OffsetLogRecord? Get(long batchId) => _records.GetValueOrDefault(batchId);

    /// <summary>Writes offsets[e] if absent; a present record must be the same decision (never planned twice).</summary>
    public void Add(OffsetLogRecord record)
    {
        if (_records.TryGetValue(record.BatchId, out var existing))
        {
            if (!existing.SameAs(record))
                throw new InvalidOperationException($"Batch {record.BatchId} is already in the offset log with other offsets: an epoch is never planned twice.");
            return;
        }
        _records[record.BatchId] = record;
    }

    /// <summary>Removes the records before <paramref name="keepFrom"/>.</summary>
    public void TrimBefore(long keepFrom)
    {
        foreach (var old in _records.Keys.Where(k => k < keepFrom).ToList()) _records.Remove(old);
    }
}
