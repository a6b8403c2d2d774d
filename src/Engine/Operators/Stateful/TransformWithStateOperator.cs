using System.Diagnostics;
using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Client;
using OrleansStream.Engine.Execution.Streaming;
using OrleansStream.Engine.Operators.Aggregation;
using OrleansStream.Engine.State;
using OrleansStream.Engine.State.Families;
using OrleansStream.Plan.Data;
using TimerMode = OrleansStream.Engine.State.Families.TimeMode;

namespace OrleansStream.Engine.Operators.Stateful;

/// <summary>
/// transformWithState in a state partition (Spark's TransformWithStateExec): the epoch's rows are grouped on their key and
/// each key's rows handed to the user's processor, in key order; then the timers due fire, in time order (processing-time
/// timers against the batch timestamp, event-time timers against the watermark), each once: the timer family drops them
/// before their handler runs, in the same state version. Values past their time to live are removed first; in batch 0 the
/// initial state's rows (input 1, when the query has one) go to HandleInitialState before the input. All of it is
/// one <see cref="KeyedStateStore"/>, so the state is versioned, recovered and rescaled like any operator's.
/// Rows cross into user code as <see cref="Row"/>s: this is the API edge, where per-row objects are the contract.
/// </summary>
public sealed class TransformWithStateOperator : IStatefulOperator, IDisposable
{
    private readonly StatefulProcessor _processor;
    private readonly ProcessorHandle _handle;
    private readonly int[] _keyColumns;
    private readonly string[] _keyNames;
    private readonly Client.TimeMode _timeMode;
    private readonly int? _eventTimeColumn;
    private readonly int[]? _initialStateKeyColumns;

    /// <summary>Creates the operator and initialises <paramref name="processor"/> (its Init declares the state families, before any state is loaded).</summary>
    /// <param name="initialStateKeyColumns">With an initial state (input 1), its grouping columns; else null.</param>
    public TransformWithStateOperator(Schema inputSchema, IReadOnlyList<int> keyColumns, Schema outputSchema, StatefulProcessor processor, Client.TimeMode timeMode, int? eventTimeColumn,
        IReadOnlyList<int>? initialStateKeyColumns = null)
    {
        _initialStateKeyColumns = initialStateKeyColumns?.ToArray();
        ArgumentNullException.ThrowIfNull(inputSchema);
        ArgumentNullException.ThrowIfNull(keyColumns);
        OutputSchema = outputSchema ?? throw new ArgumentNullException(nameof(outputSchema));
        _processor = processor ?? throw new ArgumentNullException(nameof(processor));
        _keyColumns = keyColumns.ToArray();
        _keyNames = _keyColumns.Select(c => inputSchema.FieldsList[c].Name).ToArray();
        _timeMode = timeMode;
        _eventTimeColumn = eventTimeColumn;
        var store = new KeyedStateStore(new Schema(_keyColumns.Select(c => inputSchema.FieldsList[c]).ToList(), null));
        _handle = new ProcessorHandle(store, timeMode);
        _processor.Init(_handle);
        _handle.State = "INITIALIZED";
    }

    /// <inheritdoc />
    public Schema OutputSchema { get; }

    /// <inheritdoc />
    public StateOperatorMetrics Metrics { get; private set; } = StateOperatorMetrics.Empty;

    /// <summary>The keyed state and the variables the processor declared, read-only for the state data source.</summary>
    internal (KeyedStateStore Store, IReadOnlyDictionary<string, object> Variables) DeclaredState => (_handle.Store, _handle.Variables);

    private KeyedStateStore Store => _handle.Store;

    /// <inheritdoc />
    public RecordBatch Process(IReadOnlyList<KeyedInput> input, StatefulContext context)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(context);
        var watch = Stopwatch.StartNew();
        _handle.Updates = _handle.Removals = 0;
        Store.BatchTimestampMicros = context.BatchTimestampMicros;
        var removedByTtl = Store.ExpireTtl(context.BatchTimestampMicros);
        var timerValues = new TimerValues(context.BatchTimestampMicros / 1000,
            _timeMode == Client.TimeMode.EventTime && context.EvictThresholdMicros is { } wm ? wm / 1000 : -1);
        var output = new List<Row>();
        // Spark handles the initial state in batch 0 only, before the batch's input rows.
        if (context.BatchId == 0 && _initialStateKeyColumns is not null) HandleInitialState(input, timerValues);

        // Keys are handled in key byte order, so that a re-run of the epoch calls the processor in the same order.
        var groups = UserCodeRows.GroupByKey(Store, _keyColumns, input, _eventTimeColumn, context.LateThresholdMicros, out var dropped);
        _handle.State = "DATA_PROCESSED";
        foreach (var (key, rows) in groups)
        {
            _handle.CurrentKey = key;
            var keyRow = KeyRow(rows[0]);
            // Enumerated inside the try, so that an exception thrown while the returned rows are produced is named too.
            try
            {
                output.AddRange(_processor.HandleInputRows(keyRow, rows, timerValues));
            }
            catch (Exception e)
            {
                throw UserFunctionError("handleInputRows", keyRow, e);
            }
        }

        var timers = _timeMode switch
        {
            Client.TimeMode.ProcessingTime => Store.Timers.TakeExpired(TimerMode.ProcessingTime, context.BatchTimestampMicros),
            Client.TimeMode.EventTime when context.EvictThresholdMicros is { } watermark => Store.Timers.TakeExpired(TimerMode.EventTime, watermark),
            _ => [],
        };
        if (timers.Count > 0)
        {
            _handle.State = "TIMER_PROCESSED";
            var keyRows = KeyRows(timers.Select(t => t.Key).ToList());
            for (var i = 0; i < timers.Count; i++)
            {
                _handle.CurrentKey = timers[i].Key;
                var info = new ExpiredTimerInfo(timers[i].TimeMicros / 1000);
                try
                {
                    output.AddRange(_processor.HandleExpiredTimer(keyRows[i], timerValues, info));
                }
                catch (Exception e)
                {
                    throw UserFunctionError("handleExpiredTimer", keyRows[i], e);
                }
            }
        }
        _handle.CurrentKey = null;

        // The earliest processing-time deadline: a timer, or a value's time to live (TTL runs in processing-time mode only),
        // so that an epoch runs for it without new data and the value is gone when the next input reads it.
        var nextTimer = _timeMode == Client.TimeMode.ProcessingTime ? Min(Store.Timers.NextTime(TimerMode.ProcessingTime), Store.NextTtlExpiry) : null;
        Metrics = new StateOperatorMetrics(Store.Families.Sum(f => (long)f.KeyCount), _handle.Updates, _handle.Removals + removedByTtl, dropped, 0)
        {
            AllUpdatesTimeMs = ProgressBuilder.Milliseconds(watch),
            CustomMetrics = new Dictionary<string, long>
            {
                ["numExpiredTimers"] = timers.Count, ["numRegisteredTimers"] = Store.Timers.Count, ["numValuesRemovedDueToTTLExpiry"] = removedByTtl,
            },
            NextProcessingTimerMs = nextTimer is { } next ? Int64Math.FloorDiv(next, 1000) : null,
        };
        return Build(output);
    }

    private void HandleInitialState(IReadOnlyList<KeyedInput> input, TimerValues timerValues)
    {
        var initial = new SortedDictionary<StateKey, (Row Key, Row Row)>();
        foreach (var (index, batch) in input)
        {
            if (index != 1 || batch.Length == 0) continue;
            var keys = Store.Keys(_initialStateKeyColumns!.Select(c => batch.Column(c)).ToList(), batch.Length);
            var rows = Row.FromBatch(batch);
            for (var r = 0; r < batch.Length; r++)
            {
                var key = new Row(_initialStateKeyColumns!.Select(c => rows[r][c]).ToArray(), _keyNames);
                if (!initial.TryAdd(keys[r], (key, rows[r])))
                    throw new InvalidOperationException("[STATEFUL_PROCESSOR_CANNOT_REINITIALIZE_STATE_ON_KEY] Cannot re-initialize state on the same grouping key during initial state handling "
                        + $"for stateful processor. Invalid grouping key={string.Join(", ", key.Values)}. Please check your initial state, remove duplicate rows and restart query.");
            }
        }
        foreach (var (key, (keyRow, row)) in initial)
        {
            _handle.CurrentKey = key;
            try
            {
                _processor.HandleInitialState(keyRow, row, timerValues);
            }
            catch (Exception e)
            {
                throw UserFunctionError("handleInitialState", keyRow, e);
            }
        }
    }

    // Spark's TRANSFORM_WITH_STATE_USER_FUNCTION_ERROR, with the processor type and the key named: the epoch fails before
    // anything of it is committed, so the query restarts from its last commit once the code is fixed.
    private StatefulProcessorException UserFunctionError(string function, Row key, Exception e) =>
        new($"[TRANSFORM_WITH_STATE_USER_FUNCTION_ERROR] An error occurred in the user-defined function {function} of the StatefulProcessor "
            + $"{_processor.GetType().FullName} on key ({string.Join(", ", key.Values.Select(v => v ?? "null"))}). Reason: {e.GetType().Name}: {e.Message}", e);

    private static long? Min(long? a, long? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);

    private Row KeyRow(Row row)
    {
        var values = new object?[_keyColumns.Length];
        for (var i = 0; i < values.Length; i++) values[i] = row[_keyColumns[i]];
        return new Row(values, _keyNames);
    }

    private IReadOnlyList<Row> KeyRows(IReadOnlyList<StateKey> keys) => UserCodeRows.KeyRows(Store, keys);

    private RecordBatch Build(List<Row> rows) => UserCodeRows.Build(OutputSchema, rows, "stateful processor " + _processor.GetType().FullName);

    /// <inheritdoc />
    public IReadOnlyList<int> StateRoutingColumns => Store.StateRoutingColumns;

    /// <inheritdoc />
    public RecordBatch Delta() => Store.Delta();

    /// <inheritdoc />
    public IDetachedDelta DetachDelta() => Store.DetachDelta();

    /// <inheritdoc />
    public RecordBatch Snapshot() => Store.Snapshot();

    /// <inheritdoc />
    public void MarkClean() => Store.MarkClean();

    /// <inheritdoc />
    public void Apply(RecordBatch stateRows) => Store.Apply(stateRows);

    /// <summary>The operator's keyed state (for reading: live lookups read a copy's).</summary>
    public KeyedStateStore State => Store;

    /// <summary>Closes the processor (Spark calls close when the partition's task ends).</summary>
    public void Dispose() => _processor.Close();
}
