using Apache.Arrow;

namespace OrleansStream.Engine.Execution;

/// <summary>
/// The rows producers staged at one keyed partition, per epoch attempt. Two attempts may be staged at once: the
/// next epoch's source tasks run while the partition still finishes the epoch before it, so rows of a later batch must
/// survive an earlier batch's finish. An attempt that never finishes (it failed, and its epoch runs again under a new
/// attempt) is dropped when an attempt of its batch or a later one is taken. Not thread-safe: a grain's turns use it.
/// </summary>
public sealed class StagedInputs
{
    private readonly Dictionary<Guid, Attempt> _attempts = [];

    /// <summary>The attempts holding staged rows.</summary>
    public int AttemptCount => _attempts.Count;

    /// <summary>Stages <paramref name="rows"/> of input <paramref name="inputIndex"/>, from <paramref name="producer"/> of
    /// <paramref name="producerStage"/>, for <paramref name="attempt"/> at epoch <paramref name="batchId"/>.</summary>
    public void Add(Guid attempt, long batchId, int inputIndex, int producerStage, int producer, RecordBatch rows)
    {
        if (!_attempts.TryGetValue(attempt, out var staged)) _attempts[attempt] = staged = new Attempt(batchId);
        if (!staged.Parts.TryGetValue((producerStage, producer), out var list)) staged.Parts[(producerStage, producer)] = list = [];
        list.Add((inputIndex, rows));
        staged.Calls++;
    }

    /// <summary>
    /// Takes what was staged for <paramref name="attempt"/> of epoch <paramref name="batchId"/>, ordered by (producer stage,
    /// producer) whatever order the calls came in, with the number of stage calls it got. Every other attempt at this epoch
    /// or an earlier one can no longer finish: its rows go to <paramref name="dropped"/>. Later epochs' attempts stay.
    /// </summary>
    public (List<(int InputIndex, RecordBatch Rows)> Parts, int Calls) Take(Guid attempt, long batchId, Action<RecordBatch> dropped)
    {
        var parts = new List<(int, RecordBatch)>();
        var calls = 0;
        if (_attempts.Remove(attempt, out var taken))
        {
            foreach (var list in taken.Parts.Values) parts.AddRange(list);
            calls = taken.Calls;
        }
        foreach (var (other, staged) in _attempts.Where(a => a.Value.BatchId <= batchId).ToList())
        {
            _attempts.Remove(other);
            foreach (var list in staged.Parts.Values)
                foreach (var (_, rows) in list) dropped(rows);
        }
        return (parts, calls);
    }

    private sealed class Attempt(long batchId)
    {
        public long BatchId { get; } = batchId;
        public SortedDictionary<(int Stage, int Producer), List<(int InputIndex, RecordBatch Rows)>> Parts { get; } = new();
        public int Calls { get; set; }
    }
}
