using System.Diagnostics;
using Apache.Arrow;
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
/// before their handler runs, in the same state version. Values past their time to live are removed first. All of it is
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

    /// <summary>Creates the operator and initialises <paramref name="processor"/> (its Init declares the state families, before any state is loaded).</summary>
    public TransformWithStateOperator(Schema inputSchema, IReadOnlyList<int> keyColumns, Schema outputSchema, StatefulProcessor processor, Client.TimeMode timeMode, int? eventTimeColumn)
    {
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
        long dropped = 0;

        // Group the epoch's rows by key, keeping their arrival order within a key; keys are handled in key byte order so that
        // a re-run of the epoch calls the processor in the same order.
        var groups = new SortedDictionary<StateKey, List<Row>>();
        foreach (var (_, batch) in input)
        {
            var (rows, late) = LateRows.Drop(batch, _eventTimeColumn, context.LateThresholdMicros);
            dropped += late;
            if (rows.Length == 0) continue;
            var keys = Store.Keys(_keyColumns.Select(c => rows.Column(c)).ToList(), rows.Length);
            var asRows = Row.FromBatch(rows);
            for (var r = 0; r < rows.Length; r++)
            {
                if (!groups.TryGetValue(keys[r], out var list)) groups[keys[r]] = list = [];
                list.Add(asRows[r]);
            }
        }
        _handle.State = "DATA_PROCESSED";
        foreach (var (key, rows) in groups)
        {
            _handle.CurrentKey = key;
            output.AddRange(_processor.HandleInputRows(KeyRow(rows[0]), rows, timerValues));
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
                output.AddRange(_processor.HandleExpiredTimer(keyRows[i], timerValues, new ExpiredTimerInfo(timers[i].TimeMicros / 1000)));
            }
        }
        _handle.CurrentKey = null;

        var nextTimer = _timeMode == Client.TimeMode.ProcessingTime ? Store.Timers.NextTime(TimerMode.ProcessingTime) : null;
        Metrics = new StateOperatorMetrics(Store.Families.Sum(f => (long)f.KeyCount), _handle.Updates, _handle.Removals + removedByTtl, dropped, 0)
        {
            AllUpdatesTimeMs = ProgressBuilder.Milliseconds(watch),
            CustomMetrics = new Dictionary<string, long> { ["numExpiredTimers"] = timers.Count, ["numRegisteredTimers"] = Store.Timers.Count },
            NextProcessingTimerMs = nextTimer is { } next ? FloorDiv(next, 1000) : null,
        };
        return Build(output);
    }

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    private Row KeyRow(Row row) => new(_keyColumns.Select(c => row[c]).ToArray(), _keyNames);

    private IReadOnlyList<Row> KeyRows(IReadOnlyList<StateKey> keys)
    {
        var columns = Store.KeyColumns(keys);
        return Row.FromBatch(new RecordBatch(Store.KeySchema, columns, keys.Count));
    }

    private RecordBatch Build(List<Row> rows)
    {
        var builders = ArrowValues.CreateBuilders(OutputSchema);
        var width = OutputSchema.FieldsList.Count;
        foreach (var row in rows)
        {
            if (row is null || row.Count != width)
                throw new InvalidOperationException($"The stateful processor {_processor.GetType().FullName} returned a row of {row?.Count ?? 0} values, but its output schema has {width} columns ({string.Join(", ", OutputSchema.FieldsList.Select(f => f.Name))}).");
            for (var c = 0; c < width; c++) builders[c].Append(row[c]);
        }
        return ArrowValues.Build(OutputSchema, builders, rows.Count);
    }

    /// <inheritdoc />
    public IReadOnlyList<int> StateRoutingColumns => Store.StateRoutingColumns;

    /// <inheritdoc />
    public RecordBatch Delta() => Store.Delta();

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
