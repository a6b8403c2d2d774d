namespace OrleansStream.Engine.State.Families;

/// <summary>The shape of a column family's state per grouping key.</summary>
public enum StateFamilyKind
{
    /// <summary>One value per key (<see cref="ValueStateFamily"/>).</summary>
    Value,

    /// <summary>An ordered list of values per key (<see cref="ListStateFamily"/>).</summary>
    List,

    /// <summary>A map of entry keys to values per key (<see cref="MapStateFamily"/>).</summary>
    Map,

    /// <summary>Timers per key, ordered by time (<see cref="TimerFamily"/>).</summary>
    Timers,
}
