using Apache.Arrow;
using OrleansStream.Engine.State;

namespace OrleansStream.Engine.Operators.Aggregation;

/// <summary>
/// Source-side partial aggregation: folds raw rows of any number of batches into one partial row per distinct key, so that
/// only partials travel to the state partitions. <see cref="Finish"/> returns the rows in the
/// <see cref="AggregationState.PartialSchema"/> layout, keys in first-seen order. An empty key schema is a global
/// aggregation (one group). Not thread-safe.
/// </summary>
public sealed class PartialAggregator
{
    private readonly KeyTable _keys;
    private readonly AggregateBuffers _buffers;
    private int[] _slots = [];
    private bool[] _added = [];

    /// <summary>Creates an empty aggregator.</summary>
    /// <exception cref="NotSupportedException">A key type or aggregate is not supported.</exception>
    /// <exception cref="AnalysisException">An aggregate's function or argument type is invalid.</exception>
    public PartialAggregator(Schema keySchema, IReadOnlyList<AggregateSpec> aggregates)
    {
        ArgumentNullException.ThrowIfNull(keySchema);
        _keys = new KeyTable(keySchema);
        _buffers = new AggregateBuffers(aggregates);
        PartialSchema = AggregationState.PartialSchemaOf(keySchema, _buffers);
    }

    /// <summary>The layout of <see cref="Finish"/>'s batch (same as <see cref="AggregationState.PartialSchema"/>).</summary>
    public Schema PartialSchema { get; }

    /// <summary>Number of distinct keys added since the last <see cref="Finish"/>.</summary>
    public int Count => _keys.Count;

    /// <summary>Estimated memory held, in bytes.</summary>
    public long EstimatedBytes => _keys.EstimatedBytes + _buffers.EstimatedBytes + _slots.Length * 5L;

    /// <summary>Adds the first <paramref name="length"/> rows: key <c>keyColumns[*][r]</c>, argument <c>inputs[i][r]</c> of aggregate i
    /// (null for count(*)).</summary>
    public void Add(IReadOnlyList<IArrowArray> keyColumns, IReadOnlyList<IArrowArray?> inputs, int length)
    {
        _buffers.Update(Locate(keyColumns, length), inputs);
    }

    /// <summary>Merges partial rows (laid out as <see cref="PartialSchema"/>, or another aggregator's <see cref="Finish"/>) under
    /// the keys <paramref name="keyColumns"/>, which may differ from the batch's own key columns: row r's buffers go to key
    /// <c>keyColumns[*][r]</c>, in row order.</summary>
    public void Merge(IReadOnlyList<IArrowArray> keyColumns, RecordBatch partial)
    {
        ArgumentNullException.ThrowIfNull(partial);
        var slots = Locate(keyColumns, partial.Length);
        _buffers.Merge(slots, partial, keyColumns.Count);
    }

    private Span<int> Locate(IReadOnlyList<IArrowArray> keyColumns, int length)
    {
        if (_slots.Length < length)
        {
            _slots = new int[Math.Max(length, _slots.Length * 2)];
            _added = new bool[_slots.Length];
        }
        var slots = _slots.AsSpan(0, length);
        _keys.GetOrAdd(keyColumns, length, slots, _added.AsSpan(0, length));
        _buffers.EnsureCapacity(_keys.SlotBound);
        return slots;
    }

    /// <summary>One partial row per distinct key, in first-seen order (no rows when nothing was added, also for a global
    /// aggregation); then starts over empty.</summary>
    public RecordBatch Finish()
    {
        // Nothing is ever removed, so slots were handed out densely in first-seen order.
        var n = _keys.Count;
        var slots = new int[n];
        for (var i = 0; i < n; i++) slots[i] = i;
        var keys = _keys.KeyColumns(slots);
        var buffers = _buffers.WritePartial(slots);
        var batch = new RecordBatch(PartialSchema, [.. keys, .. buffers], n);
        _keys.Clear();
        _buffers.Clear();
        return batch;
    }
}
