namespace OrleansStream.Client;

/// <summary>
/// What a <see cref="StatefulProcessor"/> uses to declare its state and manage its timers (Spark's StatefulProcessorHandle).
/// State variables are declared in <see cref="StatefulProcessor.Init"/>; reading or writing them, and the timer calls, act on
/// the grouping key being handled. Values are stored as versioned JSON (System.Text.Json): primitives, strings, DateTime,
/// decimals, records and POCOs; a record that gains a nullable field still reads the values written before.
/// </summary>
public abstract class StatefulProcessorHandle
{
    /// <summary>Declares (or returns) the value state <paramref name="name"/>; with <paramref name="ttl"/> its values expire.</summary>
    public abstract IValueState<T> GetValueState<T>(string name, TtlConfig? ttl = null);

    /// <summary>Declares (or returns) the list state <paramref name="name"/>.</summary>
    public abstract IListState<T> GetListState<T>(string name, TtlConfig? ttl = null);

    /// <summary>Declares (or returns) the map state <paramref name="name"/>.</summary>
    public abstract IMapState<TKey, TValue> GetMapState<TKey, TValue>(string name, TtlConfig? ttl = null);

    /// <summary>Registers a timer of the current key at <paramref name="expiryTimestampMs"/> (ms since the Unix epoch); registering an existing one does nothing.</summary>
    /// <exception cref="InvalidOperationException">The query's time mode is <see cref="TimeMode.None"/>, or no key is being handled.</exception>
    public abstract void RegisterTimer(long expiryTimestampMs);

    /// <summary>Deletes the current key's timer at <paramref name="expiryTimestampMs"/>, if any.</summary>
    public abstract void DeleteTimer(long expiryTimestampMs);

    /// <summary>The current key's timers (ms), in time order.</summary>
    public abstract IEnumerable<long> ListTimers();

    /// <summary>Removes the state variable <paramref name="name"/> with every key's values (Spark's deleteIfExists).</summary>
    public abstract void DeleteIfExists(string name);
}
