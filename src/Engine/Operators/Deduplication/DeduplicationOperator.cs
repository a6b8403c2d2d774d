using System.Diagnostics;
using System.Runtime.InteropServices;
using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Engine.Execution.Streaming;
using OrleansStream.Engine.Expressions.Kernels;
using OrleansStream.Engine.Operators.Aggregation;
using OrleansStream.Engine.Operators.Windows;
using OrleansStream.Engine.State;

namespace OrleansStream.Engine.Operators.Deduplication;

/// <summary>
/// dropDuplicates in a state partition (Spark's StreamingDeduplicateExec): a row passes when its key was never seen;
/// the key is then remembered until its expiry is at or below the watermark. With the event-time column among the keys the
/// expiry is that time; for dropDuplicatesWithinWatermark it is the row's event time plus the watermark delay; without a
/// watermark keys are kept forever. Late rows (event time at or below the late threshold) are dropped first.
/// </summary>
public sealed class DeduplicationOperator : IStatefulOperator, IKeyLookup
{
    private readonly DeduplicationState _state;
    private readonly int[] _keyColumns;
    private readonly int? _eventTimeColumn;
    private readonly long _expiryOffsetMicros;

    /// <summary>Creates the operator over rows of <paramref name="schema"/>.</summary>
    /// <param name="schema">The rows' schema (output equals input).</param>
    /// <param name="keyColumns">The key columns.</param>
    /// <param name="eventTimeColumn">The watermarked column, or null without a watermark.</param>
    /// <param name="expiryOffsetMicros">Added to the event time to get a key's expiry (the delay for dropDuplicatesWithinWatermark, else 0).</param>
    public DeduplicationOperator(Schema schema, IReadOnlyList<int> keyColumns, int? eventTimeColumn, long expiryOffsetMicros)
    {
        OutputSchema = schema ?? throw new ArgumentNullException(nameof(schema));
        StateRoutingColumns = Enumerable.Range(1, keyColumns.Count).ToList();
        _keyColumns = keyColumns.ToArray();
        _eventTimeColumn = eventTimeColumn;
        _expiryOffsetMicros = expiryOffsetMicros;
        _state = new DeduplicationState(new Schema(_keyColumns.Select(c => schema.FieldsList[c]).ToList(), null));
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
        long dropped = 0, updated = 0, duplicates = 0;
        var updates = Stopwatch.StartNew();
        var output = new List<RecordBatch>();
        foreach (var (_, batch) in input)
        {
            var (rows, late) = LateRows.Drop(batch, _eventTimeColumn, context.LateThresholdMicros);
            dropped += late;
            if (rows.Length == 0) continue;
            var keep = new bool[rows.Length];
            _state.Filter(_keyColumns.Select(c => rows.Column(c)).ToList(), Expiries(rows), rows.Length, keep);
            var indices = new List<int>(rows.Length);
            for (var i = 0; i < keep.Length; i++) if (keep[i]) indices.Add(i);
            updated += indices.Count;
            duplicates += rows.Length - indices.Count;
            if (indices.Count == rows.Length) output.Add(rows);
            else if (indices.Count > 0) output.Add(TakeKernel.TakeRows(rows, CollectionsMarshal.AsSpan(indices)));
        }
        var updatesMs = ProgressBuilder.Milliseconds(updates);
        var removals = Stopwatch.StartNew();
        var removed = context.EvictThresholdMicros is { } threshold && _eventTimeColumn is not null ? _state.Evict(threshold) : 0;
        Metrics = new StateOperatorMetrics(_state.Count, updated, removed, dropped, _state.EstimatedBytes)
        {
            AllUpdatesTimeMs = updatesMs,
            AllRemovalsTimeMs = ProgressBuilder.Milliseconds(removals),
            CustomMetrics = new Dictionary<string, long> { ["numDroppedDuplicateRows"] = duplicates },
        };
        return ArrowValues.Concat(OutputSchema, output);
    }

    private long[] Expiries(RecordBatch rows)
    {
        var expiry = new long[rows.Length];
        if (_eventTimeColumn is not { } column)
        {
            System.Array.Fill(expiry, long.MaxValue);
            return expiry;
        }
        var times = WindowAssigner.TimeValues(rows.Column(column));
        var validity = Bitmaps.Validity(rows.Column(column));
        for (var i = 0; i < expiry.Length; i++) expiry[i] = Bitmaps.Get(validity, i) ? times[i] + _expiryOffsetMicros : long.MaxValue;
        return expiry;
    }

    /// <inheritdoc />
    public Schema LookupKeySchema => _state.KeySchema;

    /// <inheritdoc />
    public Schema LookupResultSchema => _state.KeySchema;

    /// <inheritdoc />
    /// <remarks>A key's row is the key itself: it is there when the key was seen and has not expired.</remarks>
    public RecordBatch Lookup(RecordBatch keys, Span<bool> found)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var slots = new int[keys.Length];
        _state.Find(keys.Arrays.ToList(), keys.Length, slots);
        return KeysOf(LookupSlots.Found(slots, found));
    }

    /// <inheritdoc />
    public RecordBatch Scan(int limit)
    {
        var slots = new List<int>();
        _state.FirstLiveSlots(limit, slots);
        return KeysOf(slots);
    }

    private RecordBatch KeysOf(List<int> slots) =>
        new(_state.KeySchema, _state.Keys.KeyColumns(CollectionsMarshal.AsSpan(slots)), slots.Count);

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
