using OrleansStream.Client;
using OrleansStream.Engine.State.Families;
using TimerMode = OrleansStream.Engine.State.Families.TimeMode;

namespace OrleansStream.Engine.Operators.Stateful;

/// <summary>
/// The handle a processor gets in one state partition: state variables are families of the partition's
/// <see cref="KeyedStateStore"/> (values as <see cref="StateValueCodec"/> bytes), timers its timer family, and every call
/// acts on <see cref="CurrentKey"/>, which the operator sets before each handler call.
/// </summary>
internal sealed class ProcessorHandle(KeyedStateStore store, Client.TimeMode timeMode) : StatefulProcessorHandle
{
    private readonly Dictionary<string, object> _variables = new(StringComparer.Ordinal);

    public KeyedStateStore Store { get; } = store;

    /// <summary>Spark's handle state: CREATED until Init returns, then INITIALIZED, DATA_PROCESSED or TIMER_PROCESSED.</summary>
    public string State { get; set; } = "CREATED";

    /// <summary>The state variables Init declared, by name (ValueState&lt;T&gt;, ListState&lt;T&gt;, MapState&lt;K, V&gt;): their type
    /// arguments tell the state data source what the JSON values decode to.</summary>
    public IReadOnlyDictionary<string, object> Variables => _variables;

    /// <summary>The key being handled; null outside a handler (in Init).</summary>
    public StateKey? CurrentKey { get; set; }

    /// <summary>State writes and removals in the current epoch (Spark's numUpdatedStateRows and numRemovedStateRows).</summary>
    public long Updates { get; set; }

    public long Removals { get; set; }

    public StateKey Key => CurrentKey ?? throw new InvalidOperationException("State and timers can only be used while a key is handled (in HandleInputRows or HandleExpiredTimer), not in Init.");

    public override IValueState<T> GetValueState<T>(string name, TtlConfig? ttl = null) =>
        Variable(name, () => new ValueState<T>(this, Store.GetValueState(name, Ttl(name, ttl))));

    public override IListState<T> GetListState<T>(string name, TtlConfig? ttl = null) =>
        Variable(name, () => new ListState<T>(this, Store.GetListState(name, Ttl(name, ttl))));

    public override IMapState<TKey, TValue> GetMapState<TKey, TValue>(string name, TtlConfig? ttl = null) =>
        Variable(name, () => new MapState<TKey, TValue>(this, Store.GetMapState(name, Ttl(name, ttl))));

    public override void RegisterTimer(long expiryTimestampMs)
    {
        if (Store.Timers.Register(Key, TimerModeOf(), expiryTimestampMs * 1000)) Updates++;
    }

    public override void DeleteTimer(long expiryTimestampMs)
    {
        if (Store.Timers.Delete(Key, TimerModeOf(), expiryTimestampMs * 1000)) Removals++;
    }

    public override IEnumerable<long> ListTimers() =>
        timeMode == Client.TimeMode.None ? [] : Store.Timers.List(Key, TimerModeOf()).Select(t => t / 1000).ToList();

    public override void DeleteIfExists(string name)
    {
        if (State != "CREATED")
            throw new InvalidOperationException($"Failed to perform stateful processor operation=deleteIfExists with invalid handle state={State}.");
        var family = Store.Families.FirstOrDefault(f => f.Name == name);
        switch (family)
        {
            case ValueStateFamily v: foreach (var k in v.Keys) Removed(v.Clear(k)); break;
            case ListStateFamily l: foreach (var k in l.Keys) Removed(l.Clear(k)); break;
            case MapStateFamily m: foreach (var k in m.Keys) Removed(m.Clear(k)); break;
            // Not declared by this processor (in Init, before the state loads): a variable of an earlier version of it.
            case null when !name.StartsWith("__", StringComparison.Ordinal): Store.IgnoreOnLoad(name); break;
        }
    }

    // Spark's STATEFUL_PROCESSOR_INCORRECT_TIME_MODE_TO_ASSIGN_TTL: a time to live counts batch timestamps, so only a
    // processing-time query has one.
    private TimeSpan? Ttl(string name, TtlConfig? ttl) => ttl is null || timeMode == Client.TimeMode.ProcessingTime ? ttl?.TtlDuration
        : throw new InvalidOperationException($"[STATEFUL_PROCESSOR_INCORRECT_TIME_MODE_TO_ASSIGN_TTL] Cannot use TTL for state={name} in timeMode={SparkName(timeMode)}, use TimeMode.ProcessingTime() instead.");

    private static string SparkName(Client.TimeMode mode) => mode == Client.TimeMode.None ? "NoTime" : mode.ToString();

    public void Removed(bool removed)
    {
        if (removed) Removals++;
    }

    // Spark: "Cannot use timers with TimeMode.None" (STATEFUL_PROCESSOR_CANNOT_PERFORM_OPERATION_WITH_INVALID_TIME_MODE).
    private TimerMode TimerModeOf() => timeMode switch
    {
        Client.TimeMode.ProcessingTime => TimerMode.ProcessingTime,
        Client.TimeMode.EventTime => TimerMode.EventTime,
        _ => throw new InvalidOperationException("Failed to perform stateful processor operation=registerTimer with invalid timeMode=NoTime: timers need TimeMode.ProcessingTime or TimeMode.EventTime."),
    };

    private TState Variable<TState>(string name, Func<TState> create, [System.Runtime.CompilerServices.CallerMemberName] string operation = "")
        where TState : class
    {
        // Spark's STATEFUL_PROCESSOR_CANNOT_PERFORM_OPERATION_WITH_INVALID_HANDLE_STATE: state variables are declared in Init only.
        if (State != "CREATED")
            throw new InvalidOperationException($"Failed to perform stateful processor operation={char.ToLowerInvariant(operation[0])}{operation[1..]} with invalid handle state={State}.");
        if (_variables.TryGetValue(name, out var existing))
            return existing as TState ?? throw new ArgumentException($"The state variable '{name}' is declared already with another kind or type ({existing.GetType().Name}).", nameof(name));
        var created = create();
        _variables[name] = created;
        return created;
    }
}
