using System.Runtime.InteropServices;
using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Engine.Operators;
using OrleansStream.Engine.Operators.Aggregation;
using OrleansStream.Engine.Operators.Windows;
using OrleansStream.Engine.Planning;
using OrleansStream.Engine.State;
using OrleansStream.Plan.Types;

namespace OrleansStream.Engine.Tests.Aggregation;

/// <summary>
/// The session-window operator as it was before sessions were indexed by group: every epoch with input re-reads every live
/// session. Kept as the reference the indexed operator must match row for row, slot for slot.
/// </summary>
internal sealed class ReferenceSessionWindowOperator : IStatefulOperator
{
    private readonly AggregateBinding _binding;
    private readonly AggregationState _state;
    private readonly string _outputMode;
    private readonly int _startColumn;
    private readonly int[] _groupColumns;
    private readonly Schema _groupSchema;

    /// <summary>Creates the operator for an aggregation with a session key.</summary>
    public ReferenceSessionWindowOperator(AggregateBinding binding, string outputMode)
    {
        _binding = binding ?? throw new ArgumentNullException(nameof(binding));
        _state = new AggregationState(binding.StateKeySchema, binding.Aggregates);
        _outputMode = outputMode;
        _startColumn = binding.StateColumnOf(binding.SessionKey ?? throw new ArgumentException("The aggregation has no session window.", nameof(binding)));
        _groupColumns = Enumerable.Range(0, binding.StateKeySchema.FieldsList.Count).Where(c => c != _startColumn && c != _startColumn + 1).ToArray();
        _groupSchema = new Schema(_groupColumns.Select(c => binding.StateKeySchema.FieldsList[c]).ToList(), null);
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
        var updated = onTime.Count == 0 ? 0 : MergeSessions(onTime);
        var emit = new List<int>();
        if (_outputMode == "complete") _state.LiveSlots(emit);
        else if (context.EvictThresholdMicros is { } threshold) _state.SlotsWithKeyAtMost(_startColumn + 1, threshold, emit);
        var output = WindowStructs.Build(_state.Results(CollectionsMarshal.AsSpan(emit)), _binding, OutputSchema);
        long removed = 0;
        if (_outputMode != "complete")
        {
            _state.Remove(CollectionsMarshal.AsSpan(emit));
            removed = emit.Count;
        }
        Metrics = new StateOperatorMetrics(_state.Count, updated, removed, dropped, _state.EstimatedBytes);
        return output;
    }

    // Existing sessions of the groups in the input and the new sessions are re-keyed to their merged bounds, removed, and
    // merged back: AggregationState.Merge then combines the pieces of each merged session, oldest start first.
    private int MergeSessions(List<RecordBatch> input)
    {
        var live = new List<int>();
        _state.LiveSlots(live);
        var existing = _state.Partials(CollectionsMarshal.AsSpan(live));
        var all = ArrowValues.Concat(_state.PartialSchema, [existing, .. input]);
        var groups = new KeyTable(_groupSchema);
        var groupOf = new int[all.Length];
        var added = new bool[all.Length];
        groups.GetOrAdd(_groupColumns.Select(c => all.Column(c)).ToList(), all.Length, groupOf, added);
        var touchedGroups = new HashSet<int>();
        for (var i = existing.Length; i < all.Length; i++) touchedGroups.Add(groupOf[i]);

        var starts = WindowAssigner.TimeValues(all.Column(_startColumn)).ToArray();
        var ends = WindowAssigner.TimeValues(all.Column(_startColumn + 1)).ToArray();
        var pieces = new List<int>();
        for (var i = 0; i < all.Length; i++) if (touchedGroups.Contains(groupOf[i])) pieces.Add(i);
        // Order by group, then start; an existing session precedes a new one with the same start (rows keep arrival order).
        pieces.Sort((a, b) => groupOf[a] != groupOf[b] ? groupOf[a].CompareTo(groupOf[b]) : starts[a] != starts[b] ? starts[a].CompareTo(starts[b]) : a.CompareTo(b));

        var newStarts = new long[pieces.Count];
        var newEnds = new long[pieces.Count];
        var sessions = 0;
        for (var p = 0; p < pieces.Count;)
        {
            var first = p;
            var end = ends[pieces[p]];
            for (p++; p < pieces.Count && groupOf[pieces[p]] == groupOf[pieces[first]] && starts[pieces[p]] <= end; p++)
                end = Math.Max(end, ends[pieces[p]]);
            for (var q = first; q < p; q++)
            {
                newStarts[q] = starts[pieces[first]];
                newEnds[q] = end;
            }
            sessions++;
        }

        var removeSlots = new List<int>();
        for (var i = 0; i < existing.Length; i++) if (touchedGroups.Contains(groupOf[i])) removeSlots.Add(live[i]);
        _state.Remove(CollectionsMarshal.AsSpan(removeSlots));

        var indices = pieces.ToArray();
        var columns = new IArrowArray[all.ColumnCount];
        for (var c = 0; c < columns.Length; c++)
            columns[c] = c == _startColumn ? Timestamps(newStarts) : c == _startColumn + 1 ? Timestamps(newEnds) : TakeKernel.Take(all.Column(c), indices);
        _state.Merge(new RecordBatch(_state.PartialSchema, columns, indices.Length), new List<int>());
        return sessions;
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
    public void Apply(RecordBatch stateRows) => _state.Apply(stateRows);
}
