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
/// flatMapGroupsWithState and mapGroupsWithState in a state partition (Spark's FlatMapGroupsWithStateExec): each group with
/// rows in the epoch is handed to the user's function with its <see cref="GroupState{TState}"/>, in key order; then each
/// group whose timeout passed (strictly before the batch timestamp, or the watermark) is called once with no rows and
/// <see cref="GroupState{TState}.HasTimedOut"/>. After each call the group's value, and its timeout (a timer of the store's
/// timer family, whose time is also kept per key so that it can be moved without a scan), are stored as the call left them.
/// All of it is one <see cref="KeyedStateStore"/>, so the state is versioned, recovered and rescaled like any operator's.
/// </summary>
public sealed class FlatMapGroupsWithStateOperator : IStatefulOperator, IGroupStateSource, IKeyLookup
{
    /// <summary>The value family holding each group's state value (JSON).</summary>
    public const string StateFamilyName = "groupState";

    /// <summary>The value family holding each group's timeout (ms, JSON), alongside its timer.</summary>
    public const string TimeoutFamilyName = "timeoutTimestamp";

    private readonly GroupsWithStateFunction _function;
    private readonly KeyedStateStore _store;
    private readonly ValueStateFamily _values;
    private readonly ValueStateFamily _timeouts;
    private readonly int[] _keyColumns;
    private readonly string[] _keyNames;
    private readonly GroupStateTimeout _timeout;
    private readonly TimerMode? _timerMode;
    private readonly bool _watermarkPresent;
    private readonly int? _eventTimeColumn;

    // The group being called: what For<TState> builds its state from.
    private StateKey _currentKey;
    private bool _currentTimedOut;
    private GroupStateClock _clock = null!;
    private IGroupStateOutcome? _outcome;
    private long _updated;
    private long _removed;

    /// <summary>Creates the operator.</summary>
    /// <param name="inputSchema">The input rows.</param>
    /// <param name="keyColumns">The grouping columns.</param>
    /// <param name="outputSchema">The rows the function returns.</param>
    /// <param name="function">The user's function.</param>
    /// <param name="timeout">Which timeout the function may set.</param>
    /// <param name="watermarkPresent">Whether the input has a watermark (the function may read it).</param>
    /// <param name="eventTimeColumn">The event-time column whose late rows are dropped (with an event-time timeout, as Spark), or null.</param>
    public FlatMapGroupsWithStateOperator(Schema inputSchema, IReadOnlyList<int> keyColumns, Schema outputSchema, GroupsWithStateFunction function,
        GroupStateTimeout timeout, bool watermarkPresent, int? eventTimeColumn)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ArgumentNullException.ThrowIfNull(keyColumns);
        OutputSchema = outputSchema ?? throw new ArgumentNullException(nameof(outputSchema));
        _function = function ?? throw new ArgumentNullException(nameof(function));
        _keyColumns = keyColumns.ToArray();
        _keyNames = _keyColumns.Select(c => inputSchema.FieldsList[c].Name).ToArray();
        _timeout = timeout;
        _timerMode = timeout switch
        {
            GroupStateTimeout.ProcessingTimeTimeout => TimerMode.ProcessingTime,
            GroupStateTimeout.EventTimeTimeout => TimerMode.EventTime,
            _ => null,
        };
        _watermarkPresent = watermarkPresent;
        _eventTimeColumn = eventTimeColumn;
        _store = new KeyedStateStore(new Schema(_keyColumns.Select(c => inputSchema.FieldsList[c]).ToList(), null));
        _values = _store.GetValueState(StateFamilyName);
        _timeouts = _store.GetValueState(TimeoutFamilyName);
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
        var watch = Stopwatch.StartNew();
        _updated = _removed = 0;
        _store.BatchTimestampMicros = context.BatchTimestampMicros;
        var batchMs = Int64Math.FloorDiv(context.BatchTimestampMicros, 1000);
        var watermarkMs = context.EvictThresholdMicros is { } evict ? Int64Math.FloorDiv(evict, 1000) : (long?)null;
        _clock = new GroupStateClock(_timeout, batchMs, _watermarkPresent, watermarkMs);
        var output = new List<Row>();

        var groups = UserCodeRows.GroupByKey(_store, _keyColumns, input, _eventTimeColumn, context.LateThresholdMicros, out var dropped);
        foreach (var (key, rows) in groups)
            Call(key, new Row(_keyColumns.Select(c => rows[0][c]).ToArray(), _keyNames), rows, timedOut: false, output);

        // Spark times a group out when its timeout is strictly before the batch timestamp (or the watermark); the timer family
        // hands out timers at or below a time, hence the microsecond before.
        var timedOut = _timerMode switch
        {
            TimerMode.ProcessingTime => _store.Timers.TakeExpired(TimerMode.ProcessingTime, batchMs * 1000 - 1),
            TimerMode.EventTime when watermarkMs is { } watermark => _store.Timers.TakeExpired(TimerMode.EventTime, watermark * 1000 - 1),
            _ => [],
        };
        if (timedOut.Count > 0)
        {
            var keyRows = UserCodeRows.KeyRows(_store, timedOut.Select(t => t.Key).ToList());
            for (var i = 0; i < timedOut.Count; i++) Call(timedOut[i].Key, keyRows[i], [], timedOut: true, output);
        }

        var next = _timerMode == TimerMode.ProcessingTime ? _store.Timers.NextTime(TimerMode.ProcessingTime) : null;
        Metrics = new StateOperatorMetrics(_values.KeyCount, _updated, _removed, dropped, 0)
        {
            AllUpdatesTimeMs = ProgressBuilder.Milliseconds(watch),
            CustomMetrics = new Dictionary<string, long> { ["numTimedOutGroups"] = timedOut.Count },
            // The first epoch whose batch timestamp is past the earliest timeout.
            NextProcessingTimerMs = next is { } t ? Int64Math.FloorDiv(t, 1000) + 1 : null,
        };
        return UserCodeRows.Build(OutputSchema, output, "function " + _function.GetType().FullName);
    }

    GroupState<TState> IGroupStateSource.For<TState>()
    {
        var state = new KeyedGroupState<TState>(_values.Get(_currentKey), _clock, _currentTimedOut);
        _outcome = state;
        return state;
    }

    // Spark consumes the function's rows before it stores the state: a function that updates the state lazily, as its rows
    // are read, stores what it left at the end.
    private void Call(StateKey key, Row keyRow, IEnumerable<Row> rows, bool timedOut, List<Row> output)
    {
        _currentKey = key;
        _currentTimedOut = timedOut;
        _outcome = null;
        output.AddRange(_function.Invoke(keyRow, rows, this));
        // A function that never asked for its state left it as it was, without a timeout.
        Store(key, _outcome ?? Untouched.Instance);
    }

    private void Store(StateKey key, IGroupStateOutcome outcome)
    {
        var prior = TimeoutOf(key);
        var timeout = outcome.TimeoutTimestampMs;
        if (outcome.IsRemoved && timeout is null)
        {
            _values.Clear(key);
            ClearTimeout(key, prior);
            _removed++;
            return;
        }
        if (!outcome.IsUpdated && !outcome.IsRemoved && timeout == prior) return;
        if (outcome.IsUpdated) _values.Update(key, outcome.Encoded()!);
        else if (outcome.IsRemoved) _values.Clear(key);
        if (timeout != prior)
        {
            ClearTimeout(key, prior);
            if (timeout is { } ms)
            {
                _store.Timers.Register(key, _timerMode!.Value, ms * 1000);
                _timeouts.Update(key, StateValueCodec.Encode(ms));
            }
        }
        _updated++;
    }

    private void ClearTimeout(StateKey key, long? prior)
    {
        if (prior is not { } ms) return;
        _store.Timers.Delete(key, _timerMode!.Value, ms * 1000);
        _timeouts.Clear(key);
    }

    /// <summary>Each stored group's value (JSON) and timeout (ms), in key order: what tests compare with Spark's state rows.</summary>
    internal IReadOnlyList<(string? StateJson, long? TimeoutMs)> StoredGroups() =>
        StoredKeys().Select(k => (_values.Get(k) is { } v ? System.Text.Encoding.UTF8.GetString(v) : null, TimeoutOf(k))).ToList();

    /// <summary>The store (its key columns) and the function's state type (what the stored JSON decodes to): what the state reader reads.</summary>
    internal (KeyedStateStore Store, Type StateType) ReadableState => (_store, StateTypeOf(_function.GetType()));

    // TState of the FlatMapGroupsWithStateFunction<TState> or MapGroupsWithStateFunction<TState> the function derives from.
    private static Type StateTypeOf(Type function)
    {
        for (var t = function; t is not null; t = t.BaseType)
        {
            if (t.IsGenericType && (t.GetGenericTypeDefinition() == typeof(FlatMapGroupsWithStateFunction<>) || t.GetGenericTypeDefinition() == typeof(MapGroupsWithStateFunction<>)))
                return t.GetGenericArguments()[0];
        }
        // GroupsWithStateFunction can be derived from only through those two.
        throw new InvalidOperationException($"{function.FullName} derives from neither FlatMapGroupsWithStateFunction<TState> nor MapGroupsWithStateFunction<TState>.");
    }

    /// <summary>The groups holding a state or a timeout, in key order.</summary>
    internal List<StateKey> StoredKeys() => _values.Keys.Concat(_timeouts.Keys).Distinct().Order().ToList();

    /// <summary>A group's state (JSON), or null when it has none.</summary>
    internal byte[]? StateOf(StateKey key) => _values.Get(key);

    /// <summary>A group's timeout (ms), or null when it has none.</summary>
    internal long? TimeoutOf(StateKey key) => _timeouts.Get(key) is { } t ? StateValueCodec.Decode<long>(t, TimeoutFamilyName) : null;

    /// <inheritdoc />
    Schema IKeyLookup.LookupKeySchema => _store.KeySchema;

    /// <inheritdoc />
    /// <remarks>The grouping key, the group's state as JSON (<c>groupState</c>, null when it has only a timeout) and its timeout in ms (<c>timeoutTimestamp</c>, null when none is set).</remarks>
    Schema IKeyLookup.LookupResultSchema => LookupSchema;

    private Schema LookupSchema => new([.. _store.KeySchema.FieldsList, new Field(StateFamilyName, Apache.Arrow.Types.StringType.Default, true),
        new Field(TimeoutFamilyName, Apache.Arrow.Types.Int64Type.Default, true)], null);

    /// <inheritdoc />
    RecordBatch IKeyLookup.Lookup(RecordBatch keys, Span<bool> found)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var stateKeys = _store.Keys(keys.Arrays.ToList(), keys.Length);
        var hits = new List<StateKey>(keys.Length);
        for (var r = 0; r < stateKeys.Length; r++)
        {
            found[r] = _values.Exists(stateKeys[r]) || _timeouts.Exists(stateKeys[r]);
            if (found[r]) hits.Add(stateKeys[r]);
        }
        return LookupRows(hits);
    }

    /// <inheritdoc />
    RecordBatch IKeyLookup.Scan(int limit) => LookupRows(StoredKeys().Take(limit).ToList());

    private RecordBatch LookupRows(List<StateKey> keys)
    {
        var states = new StringArray.Builder();
        var timeouts = new Int64Array.Builder();
        foreach (var key in keys)
        {
            if (StateOf(key) is { } json) states.Append(System.Text.Encoding.UTF8.GetString(json));
            else states.AppendNull();
            if (TimeoutOf(key) is { } ms) timeouts.Append(ms);
            else timeouts.AppendNull();
        }
        return new RecordBatch(LookupSchema, [.. _store.KeyColumns(keys), states.Build(), timeouts.Build()], keys.Count);
    }

    /// <inheritdoc />
    public IReadOnlyList<int> StateRoutingColumns => _store.StateRoutingColumns;

    /// <inheritdoc />
    public RecordBatch Delta() => _store.Delta();

    /// <inheritdoc />
    public IDetachedDelta DetachDelta() => _store.DetachDelta();

    /// <inheritdoc />
    public RecordBatch Snapshot() => _store.Snapshot();

    /// <inheritdoc />
    public void MarkClean() => _store.MarkClean();

    /// <inheritdoc />
    public void Apply(RecordBatch stateRows) => _store.Apply(stateRows);

    private sealed class Untouched : IGroupStateOutcome
    {
        public static readonly Untouched Instance = new();

        public bool IsUpdated => false;

        public bool IsRemoved => false;

        public long? TimeoutTimestampMs => null;

        public byte[]? Encoded() => null;
    }
}
