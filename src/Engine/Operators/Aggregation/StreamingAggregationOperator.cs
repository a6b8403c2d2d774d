using System.Diagnostics;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Execution.Streaming;
using OrleansStream.Engine.Expressions;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Engine.Execution;
using OrleansStream.Engine.Operators.Projection;
using OrleansStream.Engine.Planning;
using OrleansStream.Engine.State;

namespace OrleansStream.Engine.Operators.Aggregation;

/// <summary>
/// The final aggregation in a state partition (Spark's StateStoreRestore + merge + StateStoreSave) for plain keys and
/// time windows. Per epoch: drops late partial rows (event-time key at or below the late threshold), merges the rest into
/// state (an aggregation without grouping columns always holds its one group, see <see cref="AggregationState.TouchEmptyKey"/>),
/// then releases rows by output mode — Complete: every key; Update: the keys this epoch changed, then evicts final
/// keys; Append: only final keys (event time at or below the eviction threshold), each once, as it evicts them.
/// </summary>
public sealed class StreamingAggregationOperator : IStatefulOperator, IKeyLookup
{
    private readonly AggregateBinding _binding;
    private readonly AggregationState _state;
    private readonly string _outputMode;
    private readonly int? _eventTimeColumn;
    private readonly List<int> _touched = new();
    private readonly List<int> _final = new();
    private RecordBatch? _delta;
    private Schema? _lookupKeySchema;
    private ProjectOperator? _outputProjection;

    /// <summary>Creates the operator. <paramref name="eventTimeColumn"/> is the state key column (a window's end, or a
    /// watermarked grouping column) that decides lateness and finality, or null when the keys carry no event time.</summary>
    public StreamingAggregationOperator(AggregateBinding binding, string outputMode, int? eventTimeColumn)
    {
        _binding = binding ?? throw new ArgumentNullException(nameof(binding));
        _state = new AggregationState(binding.StateKeySchema, binding.Aggregates);
        _outputMode = outputMode;
        _eventTimeColumn = eventTimeColumn;
        OutputSchema = binding.ResultSchema;
        StateRoutingColumns = Enumerable.Range(1, binding.StateKeySchema.FieldsList.Count).ToList();
    }

    /// <inheritdoc />
    public Schema OutputSchema { get; }

    /// <inheritdoc />
    public StateOperatorMetrics Metrics { get; private set; } = StateOperatorMetrics.Empty;

    /// <inheritdoc/>
    /// <remarks>Keys and values are copied into the state (key table, accumulators); the output is built from the state.</remarks>
    public bool RetainsInput => false;

    /// <inheritdoc />
    public RecordBatch Process(IReadOnlyList<KeyedInput> input, StatefulContext context)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(context);
        _touched.Clear();
        long dropped = 0, removed = 0;
        // Complete mode keeps every group, so no row is late (Spark does not apply the watermark in Complete mode).
        var lateThreshold = _outputMode == "complete" ? null : context.LateThresholdMicros;
        // Spark's aggregate without grouping columns answers one row even over no input (count 0, sum null), so its one
        // group is in the state from the first epoch on and updated by every epoch, an empty one included. Only the partition
        // owning the empty key's key group holds it, so the query answers that row once.
        var updates = Stopwatch.StartNew();
        if (_state.KeySchema.FieldsList.Count == 0 && context.OwnsKeyGroup(KeyGroups.EmptyKeyGroup)) _state.TouchEmptyKey(_touched);
        foreach (var (_, batch) in input)
        {
            var (onTime, late) = LateRows.Drop(batch, _eventTimeColumn, lateThreshold);
            dropped += late;
            if (onTime.Length > 0) _state.Merge(onTime, _touched);
        }
        var updatesMs = ProgressBuilder.Milliseconds(updates);
        var removals = new Stopwatch();
        RecordBatch output;
        switch (_outputMode)
        {
            case "complete":
                _final.Clear();
                _state.LiveSlots(_final);
                output = Results(_final, context.Buffers);
                break;
            case "update":
                _state.OrderBySlot(_touched);
                output = Results(_touched, context.Buffers);
                removals.Start();
                removed = Evict(context);
                break;
            default:
                CollectFinal(context);
                output = Results(_final, context.Buffers);
                removals.Start();
                RemoveFinal(context);
                removed = _final.Count;
                break;
        }
        Metrics = new StateOperatorMetrics(_state.Count, _touched.Count, removed, dropped, _state.EstimatedBytes)
        {
            AllUpdatesTimeMs = updatesMs,
            AllRemovalsTimeMs = ProgressBuilder.Milliseconds(removals),
        };
        return output;
    }

    private int Evict(StatefulContext context)
    {
        CollectFinal(context);
        RemoveFinal(context);
        return _final.Count;
    }

    // Final keys are all keys at or below the threshold, and none can come back (their rows are late from now on): the
    // checkpoint records the threshold rather than a tombstone per key.
    private void RemoveFinal(StatefulContext context)
    {
        if (_final.Count == 0) return;
        _state.RemoveAtOrBelow(_eventTimeColumn!.Value, context.EvictThresholdMicros!.Value, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_final));
    }

    private void CollectFinal(StatefulContext context)
    {
        _final.Clear();
        if (_eventTimeColumn is { } column && context.EvictThresholdMicros is { } threshold)
            _state.SlotsWithKeyAtMost(column, threshold, _final);
    }

    // The epoch's own lists (touched, final, live groups) hold live slots by construction: their results go unchecked.
    private RecordBatch Results(List<int> slots, BatchBuffers? buffers) =>
        WindowStructs.Build(_state.LiveResults(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(slots), buffers), _binding, OutputSchema);

    /// <inheritdoc />
    /// <remarks>The state's key columns named as the query outputs them (a window is two, "window.start" and "window.end").</remarks>
    public Schema LookupKeySchema => _lookupKeySchema ??= LookupKeySchemaOf(_binding, _state.KeySchema);

    /// <inheritdoc />
    public Schema LookupResultSchema => _binding.OutputSchema;

    /// <inheritdoc />
    public RecordBatch Lookup(RecordBatch keys, Span<bool> found)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var slots = new int[keys.Length];
        _state.Find(keys.Arrays.ToList(), keys.Length, slots);
        return LookupRows(LookupSlots.Found(slots, found));
    }

    /// <inheritdoc />
    public RecordBatch Scan(int limit)
    {
        var slots = new List<int>();
        _state.FirstLiveSlots(limit, slots);
        return LookupRows(slots);
    }

    // The aggregation's output columns (its projection of keys and aggregates, as the stage's pipeline starts with).
    private RecordBatch LookupRows(List<int> slots) =>
        (_outputProjection ??= new ProjectOperator(_binding.OutputExprs, OutputSchema))
            .Process(WindowStructs.Build(_state.Results(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(slots)), _binding, OutputSchema), new EpochContext(0, 0));

    private static Schema LookupKeySchemaOf(AggregateBinding binding, Schema stateKeys)
    {
        var output = binding.OutputSchema.FieldsList;
        if (output.Count < binding.Keys.Count) return stateKeys;
        var names = new List<string>();
        for (var k = 0; k < binding.Keys.Count; k++)
        {
            if (binding.Keys[k].Kind == GroupingKind.Plain) names.Add(output[k].Name);
            else names.AddRange([$"{output[k].Name}.start", $"{output[k].Name}.end"]);
        }
        return names.Count != stateKeys.FieldsList.Count ? stateKeys
            : new Schema(stateKeys.FieldsList.Select((f, i) => new Field(names[i], f.DataType, f.IsNullable)).ToList(), null);
    }

    /// <inheritdoc />
    public IReadOnlyList<int> StateRoutingColumns { get; }

    /// <inheritdoc />
    /// <remarks>Rented from the shared pool and valid until the next <see cref="Delta"/> or <see cref="MarkClean"/>, which hand
    /// its arrays back: the store encodes it at once, and a live-lookup replica keeps a copy (<see cref="LookupReplica.Record"/>).
    /// A delta is written every epoch, so new arrays for it were as much allocation as the epoch's output.</remarks>
    public RecordBatch Delta()
    {
        ReleaseDelta();
        var owner = new BatchBuffers(ArrowBufferPool.Shared);
        return _delta = owner.Own(_state.Delta(owner));
    }

    private void ReleaseDelta()
    {
        if (_delta is { } delta) BatchBuffers.Release(delta);
        _delta = null;
    }

    /// <inheritdoc />
    public RecordBatch Snapshot() => _state.Snapshot();

    /// <inheritdoc />
    public RecordBatch Snapshot(BatchBuffers buffers) => _state.Snapshot(buffers);

    /// <inheritdoc />
    public void MarkClean()
    {
        ReleaseDelta();
        _state.MarkClean();
    }

    /// <inheritdoc />
    public void Apply(RecordBatch stateRows) => _state.Apply(stateRows);
}

/// <summary>Turns the start/end key columns of a time window into the <c>window</c> struct column Spark outputs.</summary>
internal static class WindowStructs
{
    public static RecordBatch Build(RecordBatch stateResult, AggregateBinding binding, Schema output)
    {
        if (binding.TimeKey is null) return new RecordBatch(output, stateResult.Arrays, stateResult.Length);
        var columns = new List<IArrowArray>(output.FieldsList.Count);
        var source = 0;
        for (var i = 0; i < binding.Keys.Count; i++)
        {
            if (binding.Keys[i].Kind == GroupingKind.Plain)
            {
                columns.Add(stateResult.Column(source++));
                continue;
            }
            columns.Add(ArrayFactory.Struct((StructType)FunctionTypes.WindowType, [stateResult.Column(source), stateResult.Column(source + 1)], null, stateResult.Length));
            source += 2;
        }
        for (; source < stateResult.ColumnCount; source++) columns.Add(stateResult.Column(source));
        return new RecordBatch(output, columns, stateResult.Length);
    }
}

/// <summary>Late-row filtering on an event-time key column (Spark's watermark predicate for late data).</summary>
internal static class LateRows
{
    /// <summary>The rows of <paramref name="batch"/> whose event time is above <paramref name="threshold"/>, and how many were dropped.</summary>
    public static (RecordBatch OnTime, long Dropped) Drop(RecordBatch batch, int? column, long? threshold)
    {
        if (column is not { } c || threshold is not { } t || batch.Length == 0) return (batch, 0);
        var times = Operators.Windows.WindowAssigner.TimeValues(batch.Column(c));
        var validity = Bitmaps.Validity(batch.Column(c));
        // Usually no row is late: the row list is made only from the first late row on.
        var first = 0;
        while (first < times.Length && (!Bitmaps.Get(validity, first) || times[first] > t)) first++;
        if (first == times.Length) return (batch, 0);
        var keep = new int[batch.Length];
        for (var i = 0; i < first; i++) keep[i] = i;
        var kept = first;
        for (var i = first + 1; i < times.Length; i++)
            if (!Bitmaps.Get(validity, i) || times[i] > t) keep[kept++] = i;
        return (TakeKernel.TakeRows(batch, keep.AsSpan(0, kept)), batch.Length - kept);
    }
}
