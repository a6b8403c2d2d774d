using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.State;

namespace OrleansStream.Engine.Operators.Aggregation;

/// <summary>
/// Partial aggregation of rows that arrive grouped: each run of consecutive rows shares one key, so a run folds into one
/// partial row without hashing its key. The local session merge leaves a batch that way (sorted by group and session),
/// where a hash table would hash every row's group and session bounds only to find the run it is in.
/// <see cref="Finish"/> returns the rows in the <see cref="AggregationState.PartialSchema"/> layout, runs in the order
/// added. Not thread-safe.
/// </summary>
internal sealed class RunAggregator
{
    private readonly AggregateBuffers _buffers;
    private readonly List<RecordBatch> _batches = new();
    private int[] _identity = [];

    /// <summary>Creates an empty aggregator.</summary>
    public RunAggregator(Schema keySchema, IReadOnlyList<AggregateSpec> aggregates)
    {
        ArgumentNullException.ThrowIfNull(keySchema);
        _buffers = new AggregateBuffers(aggregates);
        PartialSchema = AggregationState.PartialSchemaOf(keySchema, _buffers);
    }

    /// <summary>The layout of <see cref="Finish"/>'s batch.</summary>
    public Schema PartialSchema { get; }

    /// <summary>
    /// Folds rows into runs: row r belongs to run <c>runOfRow[r]</c> (runs numbered from 0, each row's run at least the
    /// previous row's) and has argument <c>inputs[i][r]</c> for aggregate i (null for count(*)); run k's key is row k of
    /// <paramref name="runKeys"/>.
    /// </summary>
    public void Add(IArrowArray[] runKeys, ReadOnlySpan<int> runOfRow, IReadOnlyList<IArrowArray?> inputs, int runs)
    {
        ArgumentNullException.ThrowIfNull(runKeys);
        if (runs == 0) return;
        _buffers.Clear();
        _buffers.EnsureCapacity(runs);
        _buffers.Update(runOfRow, inputs);
        _batches.Add(new RecordBatch(PartialSchema, [.. runKeys, .. _buffers.WritePartial(Identity(runs))], runs));
    }

    /// <summary>The partial rows added since the last call, or null when there were none; then starts over empty.</summary>
    public RecordBatch? Finish()
    {
        if (_batches.Count == 0) return null;
        var batch = _batches.Count == 1 ? _batches[0] : ArrowValues.Concat(PartialSchema, _batches);
        _batches.Clear();
        return batch;
    }

    private ReadOnlySpan<int> Identity(int length)
    {
        if (_identity.Length < length)
        {
            _identity = new int[Math.Max(length, _identity.Length * 2)];
            for (var i = 0; i < _identity.Length; i++) _identity[i] = i;
        }
        return _identity.AsSpan(0, length);
    }
}
