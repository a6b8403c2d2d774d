namespace OrleansStream.Engine.State.Families;

/// <summary>
/// A named column family of a <see cref="KeyedStateStore"/>, declared by its operator: state per grouping key of one
/// <see cref="StateFamilyKind"/>, versioned, snapshotted and rescaled with the store. With a time to live, every value
/// written expires that long after the batch timestamp of its write (<see cref="KeyedStateStore.ExpireTtl"/>).
/// </summary>
public abstract class StateFamily
{
    private protected StateFamily(KeyedStateStore store, string name, long? ttlMicros)
    {
        Store = store;
        Name = name;
        TtlMicros = ttlMicros;
    }

    /// <summary>The family's name, unique in its store.</summary>
    public string Name { get; }

    /// <summary>The family's kind.</summary>
    public abstract StateFamilyKind Kind { get; }

    /// <summary>How long a value lives after its write (µs of processing time), or null for ever.</summary>
    public long? TtlMicros { get; }

    /// <summary>Grouping keys holding state in this family.</summary>
    public abstract int KeyCount { get; }

    private protected KeyedStateStore Store { get; }

    /// <summary>The expiry of a value written now: the batch timestamp plus the time to live, or never.</summary>
    private protected long NewExpiry() => TtlMicros is { } ttl ? Store.BatchTimestampMicros + ttl : long.MaxValue;

    /// <summary>Registers a value with an expiry with the store's TTL index.</summary>
    private protected void TrackTtl(StateKey key, StateKey? entry, long expiry)
    {
        if (expiry != long.MaxValue) Store.TrackTtl(this, key, entry, expiry);
    }

    /// <summary>Rows the next delta holds (presizes it).</summary>
    internal abstract int ChangedCount { get; }

    internal abstract void AppendDelta(List<StateRow> rows);

    /// <summary>
    /// Takes the changes since the last delta (as <see cref="ClearChanges"/>, the family then starts a new one) as an append
    /// of their delta rows that may run later, on another thread, while the family changes again. By default the rows are
    /// read now, since they read the family's current values.
    /// </summary>
    internal virtual Action<List<StateRow>> DetachDelta()
    {
        if (ChangedCount == 0) return static _ => { };
        var taken = Interlocked.Exchange(ref _spareRows, null) ?? new List<StateRow>(ChangedCount);
        AppendDelta(taken);
        ClearChanges();
        return rows =>
        {
            rows.AddRange(taken);
            taken.Clear();
            _spareRows = taken;
        };
    }

    // The rows of the last detached delta, emptied once appended: the next one's list (a large one, at a million keys).
    private List<StateRow>? _spareRows;

    internal abstract void AppendSnapshot(List<StateRow> rows);

    internal abstract void Apply(in StateRow row);

    internal abstract void ClearChanges();

    /// <summary>Removes the value of <paramref name="key"/> (and <paramref name="entry"/>) if it still has expiry <paramref name="expiry"/>.</summary>
    internal virtual bool ExpireIfStill(StateKey key, StateKey? entry, long expiry) => false;
}
