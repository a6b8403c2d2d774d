using System.Diagnostics;
using System.Runtime.InteropServices;
using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Execution.Streaming;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Engine.Operators.Windows;
using OrleansStream.Engine.Planning;
using OrleansStream.Engine.State;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Operators.Aggregation;

/// <summary>
/// Session-window aggregation in a state partition (Spark's MergingSessions + SessionWindowStateStoreSave). Each input row
/// arrives as a session [t, t + gap); sessions of one group that overlap merge into one (start = min, end = max) with
/// their aggregates combined. A session is final when its end is at or below the eviction threshold: Append emits it once
/// and evicts it; Complete emits every session every epoch. Update is refused at planning, as in Spark.
/// </summary>
public sealed class SessionWindowOperator : IStatefulOperator
{
    private readonly AggregateBinding _binding;
    private readonly AggregationState _state;
    private readonly string _outputMode;
    private readonly int _startColumn;
    private readonly int[] _groupColumns;
    private readonly SessionIndex _index;

    /// <summary>Creates the operator for an aggregation with a session key.</summary>
    public SessionWindowOperator(AggregateBinding binding, string outputMode)
    {
        _binding = binding ?? throw new ArgumentNullException(nameof(binding));
        _state = new AggregationState(binding.StateKeySchema, binding.Aggregates);
        _outputMode = outputMode;
        _startColumn = binding.StateColumnOf(binding.SessionKey ?? throw new ArgumentException("The aggregation has no session window.", nameof(binding)));
        _groupColumns = Enumerable.Range(0, binding.StateKeySchema.FieldsList.Count).Where(c => c != _startColumn && c != _startColumn + 1).ToArray();
        _index = new SessionIndex(new Schema(_groupColumns.Select(c => binding.StateKeySchema.FieldsList[c]).ToList(), null));
        OutputSchema = binding.ResultSchema;
        StateRoutingColumns = _groupColumns.Select(c => c + 1).ToList();
    }

    /// <inheritdoc />
    public Schema OutputSchema { get; }

    /// <inheritdoc />
    public StateOperatorMetrics Metrics { get; private set; } = StateOperatorMetrics.Empty;

    /// <inheritdoc />
    public RecordBatch Process(IReadOnlyList<KeyedInput> input, StatefulContext context)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(context);
        long dropped = 0;
        var onTime = new List<RecordBatch>();
        // Complete mode keeps every session, so no row is late (Spark does not apply the watermark in Complete mode).
        var lateThreshold = _outputMode == "complete" ? null : context.LateThresholdMicros;
        foreach (var (_, batch) in input)
        {
            var (rows, late) = LateRows.Drop(batch, _startColumn + 1, lateThreshold);
            dropped += late;
            if (rows.Length > 0) onTime.Add(rows);
        }
        var updates = Stopwatch.StartNew();
        var updated = onTime.Count == 0 ? 0 : MergeSessions(onTime);
        var updatesMs = ProgressBuilder.Milliseconds(updates);
        var emit = new List<int>();
        if (_outputMode == "complete") _state.LiveSlots(emit);
        else if (context.EvictThresholdMicros is { } threshold) _index.EndedBy(threshold, emit);
        var output = WindowStructs.Build(_state.Results(CollectionsMarshal.AsSpan(emit)), _binding, OutputSchema);
        long removed = 0;
        var removals = Stopwatch.StartNew();
        if (_outputMode != "complete")
        {
            foreach (var slot in emit) _index.Remove(slot);
            _state.Remove(CollectionsMarshal.AsSpan(emit));
            removed = emit.Count;
        }
        Metrics = new StateOperatorMetrics(_state.Count, updated, removed, dropped, _state.EstimatedBytes + _index.EstimatedBytes)
        {
            AllUpdatesTimeMs = updatesMs,
            AllRemovalsTimeMs = ProgressBuilder.Milliseconds(removals),
        };
        return output;
    }

    // Existing sessions of the groups in the input and the new sessions are re-keyed to their merged bounds, removed, and
    // merged back: AggregationState.Merge then combines the pieces of each merged session, oldest start first. Only the
    // input's groups are read (through the index); pieces, removals and merges keep the order a scan of every live session
    // in slot order would give, so slot ids, output and checkpoints do not depend on the index.
    private int MergeSessions(List<RecordBatch> input)
    {
        var incoming = input.Count == 1 ? input[0] : ArrowValues.Concat(_state.PartialSchema, input);
        var inputGroups = new int[incoming.Length];
        _index.GroupsOf(GroupColumns(incoming), incoming.Length, inputGroups);
        var existingSlots = ExistingSlots(inputGroups);
        var existing = _state.Partials(CollectionsMarshal.AsSpan(existingSlots));
        var all = existing.Length == 0 ? incoming : ArrowValues.Concat(_state.PartialSchema, [existing, incoming]);
        var groupOf = new int[all.Length];
        for (var i = 0; i < existing.Length; i++) groupOf[i] = _index.GroupOf(existingSlots[i]);
        inputGroups.CopyTo(groupOf, existing.Length);

        var starts = WindowAssigner.TimeValues(all.Column(_startColumn));
        var ends = WindowAssigner.TimeValues(all.Column(_startColumn + 1));
        var pieces = SessionPieces.Order(groupOf, starts, _index.GroupBound);

        var newStarts = new long[pieces.Length];
        var newEnds = new long[pieces.Length];
        var sessionGroups = new List<(int Group, long End)>();
        for (var p = 0; p < pieces.Length;)
        {
            var first = p;
            p = SessionPieces.RunEnd(pieces, groupOf, starts, ends, first, out var end);
            for (var q = first; q < p; q++)
            {
                newStarts[q] = starts[pieces[first]];
                newEnds[q] = end;
            }
            sessionGroups.Add((groupOf[pieces[first]], end));
        }

        // Removed in slot order, as the freed ids are reused last-freed-first by the merge below.
        foreach (var slot in existingSlots) _index.Remove(slot, keepGroup: true);
        _state.Remove(CollectionsMarshal.AsSpan(existingSlots));

        var columns = new IArrowArray[all.ColumnCount];
        for (var c = 0; c < columns.Length; c++)
            columns[c] = c == _startColumn ? Timestamps(newStarts) : c == _startColumn + 1 ? Timestamps(newEnds) : TakeKernel.Take(all.Column(c), pieces);
        // Each merged session is a new key, so the state touches one new slot per session, in session order.
        var sessionSlots = new List<int>(sessionGroups.Count);
        _state.Merge(new RecordBatch(_state.PartialSchema, columns, pieces.Length), sessionSlots);
        for (var i = 0; i < sessionSlots.Count; i++) _index.Add(sessionSlots[i], sessionGroups[i].Group, sessionGroups[i].End);
        return sessionGroups.Count;
    }

    // The live sessions of the input's groups, in slot order.
    private List<int> ExistingSlots(int[] inputGroups)
    {
        var seen = new bool[_index.GroupBound];
        var slots = new List<int>();
        foreach (var g in inputGroups)
        {
            if (seen[g]) continue;
            seen[g] = true;
            _index.SlotsOf(g, slots);
        }
        slots.Sort();
        return slots;
    }

    private IArrowArray[] GroupColumns(RecordBatch batch)
    {
        var columns = new IArrowArray[_groupColumns.Length];
        for (var c = 0; c < columns.Length; c++) columns[c] = batch.Column(_groupColumns[c]);
        return columns;
    }

    // After a restore the index is rebuilt from the state's keys.
    private void RebuildIndex()
    {
        _index.Clear();
        var live = new List<int>(_state.Count);
        _state.LiveSlots(live);
        if (live.Count == 0) return;
        var keys = _state.Keys.KeyColumns(CollectionsMarshal.AsSpan(live));
        var groupColumns = new IArrowArray[_groupColumns.Length];
        for (var c = 0; c < groupColumns.Length; c++) groupColumns[c] = keys[_groupColumns[c]];
        var groups = new int[live.Count];
        _index.GroupsOf(groupColumns, live.Count, groups);
        var ends = WindowAssigner.TimeValues(keys[_startColumn + 1]);
        var endValidity = Bitmaps.Validity(keys[_startColumn + 1]);
        for (var i = 0; i < live.Count; i++)
            _index.Add(live[i], groups[i], Bitmaps.Get(endValidity, i) ? ends[i] : long.MaxValue);
    }

    private static IArrowArray Timestamps(long[] values) =>
        ArrayFactory.Primitive(DataTypes.Timestamp, MemoryMarshal.AsBytes(values.AsSpan()).ToArray(), null, values.Length);

    /// <inheritdoc />
    public IReadOnlyList<int> StateRoutingColumns { get; }

    /// <inheritdoc />
    public RecordBatch Delta() => _state.Delta();

    /// <inheritdoc />
    public RecordBatch Snapshot() => _state.Snapshot();

    /// <inheritdoc />
    public void MarkClean() => _state.MarkClean();

    /// <inheritdoc />
    public void Apply(RecordBatch stateRows)
    {
        _state.Apply(stateRows);
        RebuildIndex();
    }
}
