namespace OrleansStream.Engine.Subscriptions;

/// <summary>
/// Which epochs a query's live subscriptions publish, and with which rows (DESIGN.md §8). Sink partitions record each epoch
/// attempt's output; the trigger says when an epoch's commit record is written and which attempt it committed; then every
/// epoch up to it is published once, in batch order, with the committed attempt's rows (none when no partition recorded
/// any). The latest <c>retain</c> published epochs are kept for subscribers that resume.
/// </summary>
/// <typeparam name="TEpoch">What a subscriber is sent for one epoch, made by the factory once per published epoch.</typeparam>
/// <remarks>Not thread-safe: one caller at a time, as a grain's turns are.</remarks>
public sealed class EpochPublication<TEpoch>
{
    private readonly int _retain;
    private readonly Func<long, string, IReadOnlyList<byte[]>, TEpoch> _create;
    private readonly SortedDictionary<long, Recorded> _recorded = new();
    private readonly LinkedList<(long BatchId, TEpoch Epoch)> _retained = new();

    /// <param name="retain">How many of the latest published epochs are kept (at least one).</param>
    /// <param name="create">Makes an epoch to send from its batch id, output mode and Arrow IPC parts.</param>
    public EpochPublication(int retain, Func<long, string, IReadOnlyList<byte[]>, TEpoch> create)
    {
        _retain = Math.Max(1, retain);
        _create = create;
    }

    /// <summary>The last epoch committed, or -1 before the first commit heard.</summary>
    public long LastCommitted { get; private set; } = -1;

    /// <summary>The retained epochs, oldest first.</summary>
    public IEnumerable<(long BatchId, TEpoch Epoch)> Retained => _retained;

    /// <summary>How many of the latest epochs are retained.</summary>
    public int RetainCount => _retain;

    /// <summary>Records one sink partition's output of an epoch attempt; a newer attempt of the epoch replaces what an earlier one recorded.</summary>
    public void Record(Guid attempt, long batchId, string sinkKey, string outputMode, IReadOnlyList<byte[]> parts)
    {
        if (batchId <= LastCommitted) return;
        if (!_recorded.TryGetValue(batchId, out var recorded) || recorded.Attempt != attempt)
            _recorded[batchId] = recorded = new Recorded(attempt, outputMode);
        recorded.Parts[sinkKey] = parts;
    }

    /// <summary>
    /// The epoch <paramref name="batchId"/> committed with <paramref name="attempt"/> (<see cref="Guid.Empty"/>: whichever was
    /// recorded): returns the epochs to publish now, in batch order, and retains them.
    /// </summary>
    public IReadOnlyList<TEpoch> Commit(long batchId, Guid attempt, string outputMode)
    {
        // A sink partition handed no rows records nothing, so what is recorded for this epoch may be an earlier attempt's only.
        if (attempt != Guid.Empty && _recorded.TryGetValue(batchId, out var recorded) && recorded.Attempt != attempt) _recorded.Remove(batchId);
        // Commit records are written in batch order, so every epoch up to this one is committed, whichever of these one-way
        // messages arrives first; one that no sink partition recorded is published without rows.
        var first = FirstUnpublished(batchId);
        while (_recorded.Count > 0 && _recorded.Keys.First() < first) _recorded.Remove(_recorded.Keys.First());
        var published = new List<TEpoch>();
        for (var id = first; id <= batchId; id++)
        {
            var epoch = _recorded.Remove(id, out var output)
                ? _create(id, output.OutputMode, output.Parts.Values.SelectMany(p => p).ToList())
                : _create(id, outputMode, []);
            _retained.AddLast((id, epoch));
            published.Add(epoch);
        }
        while (_retained.Count > _retain) _retained.RemoveFirst();
        LastCommitted = Math.Max(LastCommitted, batchId);
        return published;
    }

    /// <summary>
    /// Whether a subscriber that saw up to <paramref name="afterBatchId"/> can resume: every later committed epoch is retained.
    /// </summary>
    /// <param name="afterBatchId">The last epoch the subscriber saw.</param>
    /// <param name="oldest">The oldest retained epoch, or null when none is.</param>
    public bool CanResumeAfter(long afterBatchId, out long? oldest)
    {
        oldest = _retained.First?.Value.BatchId;
        return afterBatchId >= LastCommitted || (oldest is { } o && o <= afterBatchId + 1);
    }

    // The epochs after the last published one, up to the retained count (older ones would not be retained); after the grain
    // moved, the first commit it hears of starts it (the epochs committed meanwhile are not delivered), or the oldest recorded.
    private long FirstUnpublished(long batchId)
    {
        var first = LastCommitted >= 0 ? LastCommitted + 1 : batchId;
        if (_recorded.Count > 0) first = Math.Min(first, _recorded.Keys.First());
        return Math.Max(first, batchId - _retain + 1);
    }

    private sealed class Recorded(Guid attempt, string outputMode)
    {
        public Guid Attempt { get; } = attempt;
        public string OutputMode { get; } = outputMode;
        public SortedDictionary<string, IReadOnlyList<byte[]>> Parts { get; } = new(StringComparer.Ordinal);
    }
}
