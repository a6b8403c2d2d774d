using System.Diagnostics;
using Apache.Arrow;
using OrleansStream.Engine.Data;
using OrleansStream.Client;
using OrleansStream.Engine.Execution.Streaming;
using OrleansStream.Engine.State;
using OrleansStream.Engine.State.Families;
using TimerMode = OrleansStream.Engine.State.Families.TimeMode;

namespace OrleansStream.Engine.Operators.Stateful;

/// <summary>
/// transformWithState with an <see cref="AsyncStatefulProcessor"/>: the epoch of <see cref="TransformWithStateOperator"/>
/// (keys' rows in key order, then the due timers in time order, values past their time to live removed first), with the
/// keys handled concurrently, at most <see cref="AsyncStatefulProcessor.MaxKeysInFlight"/> at once, each key's calls in
/// sequence. Keys start in key order and each key's rows are kept in a slot of its own, so the output is in the synchronous
/// order whatever order the handlers complete in (a re-run epoch writes the same rows). <see cref="ProcessAsync"/> completes
/// only after every handler it started has, so the partition writes the state version of a finished epoch only.
/// </summary>
public sealed class AsyncTransformWithStateOperator : IAsyncStatefulOperator, IDisposable
{
    private readonly AsyncStatefulProcessor _processor;
    private readonly ConcurrentProcessorHandle _handle;
    private readonly int[] _keyColumns;
    private readonly string[] _keyNames;
    private readonly Client.TimeMode _timeMode;
    private readonly int? _eventTimeColumn;
    private readonly int _maxKeysInFlight;
    private readonly CancellationTokenSource _released = new();

    /// <summary>Creates the operator and initialises <paramref name="processor"/> (its Init declares the state families, before any state is loaded).</summary>
    /// <exception cref="ArgumentException">The processor's MaxKeysInFlight is below 1.</exception>
    public AsyncTransformWithStateOperator(Schema inputSchema, IReadOnlyList<int> keyColumns, Schema outputSchema, AsyncStatefulProcessor processor, Client.TimeMode timeMode, int? eventTimeColumn)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ArgumentNullException.ThrowIfNull(keyColumns);
        OutputSchema = outputSchema ?? throw new ArgumentNullException(nameof(outputSchema));
        _processor = processor ?? throw new ArgumentNullException(nameof(processor));
        _maxKeysInFlight = processor.MaxKeysInFlight >= 1 ? processor.MaxKeysInFlight
            : throw new ArgumentException($"The stateful processor {processor.GetType().FullName} has MaxKeysInFlight = {processor.MaxKeysInFlight}; it must be at least 1.", nameof(processor));
        _keyColumns = keyColumns.ToArray();
        _keyNames = _keyColumns.Select(c => inputSchema.FieldsList[c].Name).ToArray();
        _timeMode = timeMode;
        _eventTimeColumn = eventTimeColumn;
        var store = new KeyedStateStore(new Schema(_keyColumns.Select(c => inputSchema.FieldsList[c]).ToList(), null));
        _handle = new ConcurrentProcessorHandle(new ProcessorHandle(store, timeMode));
        _processor.Init(_handle);
        Handle.State = "INITIALIZED";
    }

    /// <inheritdoc />
    public Schema OutputSchema { get; }

    /// <inheritdoc />
    public StateOperatorMetrics Metrics { get; private set; } = StateOperatorMetrics.Empty;

    private ProcessorHandle Handle => _handle.Inner;

    private KeyedStateStore Store => Handle.Store;

    /// <summary>The store and the state variables the processor declared (by name): what the state reader decodes.</summary>
    internal (KeyedStateStore Store, IReadOnlyDictionary<string, object> Variables) DeclaredState => (Store, Handle.Variables);

    /// <summary>The keyed state (what live lookups read).</summary>
    public KeyedStateStore State => Store;

    /// <inheritdoc />
    /// <remarks>Blocks on <see cref="ProcessAsync"/>: for hosts that run epochs synchronously (a state partition awaits it).</remarks>
    public RecordBatch Process(IReadOnlyList<KeyedInput> input, StatefulContext context) => ProcessAsync(input, context).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    public async ValueTask<RecordBatch> ProcessAsync(IReadOnlyList<KeyedInput> input, StatefulContext context)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(context);
        var watch = Stopwatch.StartNew();
        Handle.Updates = Handle.Removals = 0;
        Store.BatchTimestampMicros = context.BatchTimestampMicros;
        var removedByTtl = Store.ExpireTtl(context.BatchTimestampMicros);
        var timerValues = new TimerValues(context.BatchTimestampMicros / 1000,
            _timeMode == Client.TimeMode.EventTime && context.EvictThresholdMicros is { } wm ? wm / 1000 : -1);
        var groups = UserCodeRows.GroupByKey(Store, _keyColumns, input, _eventTimeColumn, context.LateThresholdMicros, out var dropped);

        Handle.State = "DATA_PROCESSED";
        var keys = groups.Select(g => g.Key).ToList();
        var keyRows = groups.Select(g => KeyRow(g.Rows[0])).ToList();
        var keyInput = groups.Select(g => g.Rows).ToList();
        var output = new List<Row>();
        var dataOutput = await RunKeysAsync(keys.Count, i => keys[i], i => keyRows[i],
            async (i, sink, token) =>
            {
                await foreach (var row in _processor.HandleInputRowsAsync(keyRows[i], keyInput[i], timerValues, token).WithCancellation(token)) sink.Add(row);
            });
        foreach (var rows in dataOutput) output.AddRange(rows);

        var timers = _timeMode switch
        {
            Client.TimeMode.ProcessingTime => Store.Timers.TakeExpired(TimerMode.ProcessingTime, context.BatchTimestampMicros),
            Client.TimeMode.EventTime when context.EvictThresholdMicros is { } watermark => Store.Timers.TakeExpired(TimerMode.EventTime, watermark),
            _ => [],
        };
        if (timers.Count > 0)
        {
            Handle.State = "TIMER_PROCESSED";
            // One work item per key, its timers in time order; each timer's rows go to the timer's slot, so the output is in
            // the timers' time order as the synchronous operator's.
            var timerKeys = UserCodeRows.KeyRows(Store, timers.Select(t => t.Key).ToList());
            var byKey = Enumerable.Range(0, timers.Count).GroupBy(i => timers[i].Key).Select(g => g.ToArray()).ToList();
            var slots = new List<Row>[timers.Count];
            await RunKeysAsync(byKey.Count, k => timers[byKey[k][0]].Key, k => timerKeys[byKey[k][0]],
                async (k, _, token) =>
                {
                    foreach (var i in byKey[k])
                    {
                        slots[i] = [];
                        var info = new ExpiredTimerInfo(timers[i].TimeMicros / 1000);
                        await foreach (var row in _processor.HandleExpiredTimerAsync(timerKeys[i], timerValues, info, token).WithCancellation(token)) slots[i].Add(row);
                    }
                });
            foreach (var rows in slots) output.AddRange(rows);
        }

        var nextTimer = _timeMode == Client.TimeMode.ProcessingTime ? Store.Timers.NextTime(TimerMode.ProcessingTime) : null;
        Metrics = new StateOperatorMetrics(Store.Families.Sum(f => (long)f.KeyCount), Handle.Updates, Handle.Removals + removedByTtl, dropped, 0)
        {
            AllUpdatesTimeMs = ProgressBuilder.Milliseconds(watch),
            CustomMetrics = new Dictionary<string, long> { ["numExpiredTimers"] = timers.Count, ["numRegisteredTimers"] = Store.Timers.Count },
            NextProcessingTimerMs = nextTimer is { } next ? Int64Math.FloorDiv(next, 1000) : null,
        };
        return UserCodeRows.Build(OutputSchema, output, "stateful processor " + _processor.GetType().FullName);
    }

    /// <summary>
    /// Runs <paramref name="count"/> work items, one per key, in order, at most <see cref="_maxKeysInFlight"/> at once, and
    /// returns each item's rows in item order once all have completed. The first failure (in item order) is thrown naming
    /// the processor and the key, after the other items have stopped: their token is cancelled and no item starts after it.
    /// </summary>
    private async Task<List<Row>[]> RunKeysAsync(int count, Func<int, StateKey> keyOf, Func<int, Row> keyRowOf, Func<int, List<Row>, CancellationToken, Task> run)
    {
        var results = new List<Row>[count];
        var errors = new Exception?[count];
        var running = new List<Task>(Math.Min(count, _maxKeysInFlight));
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(_released.Token);
        using var slots = new SemaphoreSlim(_maxKeysInFlight);

        async Task RunOneAsync(int i)
        {
            try
            {
                _handle.Enter(keyOf(i));
                var rows = results[i] = [];
                await run(i, rows, failed.Token);
            }
            catch (Exception e)
            {
                errors[i] = e;
                await failed.CancelAsync();
            }
            finally
            {
                slots.Release();
            }
        }

        for (var i = 0; i < count && !failed.IsCancellationRequested; i++)
        {
            await slots.WaitAsync();
            if (failed.IsCancellationRequested) break;
            running.Add(RunOneAsync(i));
        }
        await Task.WhenAll(running);

        // A handler that stopped because another failed reports cancellation: name the key that failed first on its own.
        var first = System.Array.FindIndex(errors, e => e is not null and not OperationCanceledException);
        if (first < 0) first = System.Array.FindIndex(errors, e => e is not null);
        if (first >= 0)
            throw new InvalidOperationException($"The stateful processor {_processor.GetType().FullName} failed on key {keyRowOf(first)}: {errors[first]!.Message}", errors[first]);
        return results;
    }

    private Row KeyRow(Row row) => new(_keyColumns.Select(c => row[c]).ToArray(), _keyNames);

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

    /// <summary>Cancels the handlers' token and closes the processor (the partition releases it).</summary>
    public void Dispose()
    {
        _released.Cancel();
        _processor.Close();
    }
}
